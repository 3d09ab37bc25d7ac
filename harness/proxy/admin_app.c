/* The proxy's admin API (admin_app.h). */
#include "harness/proxy/admin_app.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/json/json.h"
#include "sim/asgi/responses.h"
#include "sim/runtime/out_of_memory.h"

typedef struct admin_app {
    fl_asgi_app_t app; /* first: the admin is an ASGI app */
    fl_proxy_faults_t *faults;
    fl_proxy_admin_stats_fn *stats;
    void *context;
} admin_app_t;

/* One answer: a status, its JSON text (NULL: no body), and for a 405 the
 * methods allowed. */
typedef struct answer {
    int status;
    char *json; /* malloc'd */
    const char *allow;
} answer_t;

/* A JSON writer into memory; fl_json_writer_t writes to a FILE. */
typedef struct json_text {
    FILE *memory;
    char *text;
    size_t length;
    fl_json_writer_t json;
} json_text_t;

static void json_text_begin(json_text_t *t) {
    t->text = NULL;
    t->memory = open_memstream(&t->text, &t->length);
    if (t->memory == NULL) fl__out_of_memory("admin answer");
    fl_json_init(&t->json, t->memory);
}

static char *json_text_end(json_text_t *t) {
    assert(fl_json_complete(&t->json));
    if (fclose(t->memory) != 0) fl__out_of_memory("admin answer");
    assert(t->text != NULL);
    return t->text;
}

static answer_t error_answer(int status, const char *message) {
    assert(status >= 400 && message != NULL);
    json_text_t t;
    json_text_begin(&t);
    fl_json_object_begin(&t.json);
    fl_json_key(&t.json, "error");
    fl_json_string(&t.json, message);
    fl_json_object_end(&t.json);
    return (answer_t){.status = status, .json = json_text_end(&t)};
}

static answer_t list_faults(const admin_app_t *admin) {
    json_text_t t;
    json_text_begin(&t);
    fl_proxy_faults_write_json(admin->faults, &t.json);
    return (answer_t){.status = 200, .json = json_text_end(&t)};
}

static answer_t add_faults(admin_app_t *admin, const char *body, size_t length) {
    uint32_t ids[FL_PROXY_FAULTS_MAX];
    size_t id_count = 0;
    char error[1024];
    if (fl_proxy_faults_add_json(admin->faults, body, length, ids, &id_count, error,
                                 sizeof error) != 0)
        return error_answer(400, error);
    assert(id_count <= FL_PROXY_FAULTS_MAX);
    json_text_t t;
    json_text_begin(&t);
    fl_json_object_begin(&t.json);
    fl_json_key(&t.json, "ids");
    fl_json_array_begin(&t.json);
    for (size_t i = 0; i < id_count; i++) fl_json_uint(&t.json, ids[i]);
    fl_json_array_end(&t.json);
    fl_json_object_end(&t.json);
    return (answer_t){.status = 201, .json = json_text_end(&t)};
}

static void stat_field(fl_json_writer_t *json, const char *key, uint64_t value) {
    fl_json_key(json, key);
    fl_json_uint(json, value);
}

static answer_t stats_answer(const admin_app_t *admin) {
    fl_proxy_admin_stats_t s = {0};
    admin->stats(admin->context, &s);
    json_text_t t;
    json_text_begin(&t);
    fl_json_object_begin(&t.json);
    stat_field(&t.json, "connections", s.connections);
    stat_field(&t.json, "open", s.open);
    stat_field(&t.json, "requests", s.requests);
    stat_field(&t.json, "responses", s.responses);
    stat_field(&t.json, "faults", fl_proxy_faults_count(admin->faults));
    stat_field(&t.json, "faults_fired", fl_proxy_faults_fired(admin->faults));
    stat_field(&t.json, "c2s_bytes", s.c2s_bytes);
    stat_field(&t.json, "s2c_bytes", s.s2c_bytes);
    fl_json_object_end(&t.json);
    return (answer_t){.status = 200, .json = json_text_end(&t)};
}

/* "/faults/ID": the id, or false for anything but 1..UINT32_MAX in digits. */
static bool fault_id_of(const char *path, uint32_t *id_out) {
    static const char prefix[] = "/faults/";
    if (strncmp(path, prefix, sizeof prefix - 1) != 0) return false;
    const char *digits = path + sizeof prefix - 1;
    if (*digits < '1' || *digits > '9' || strlen(digits) > 10) return false;
    char *end = NULL;
    errno = 0;
    unsigned long long id = strtoull(digits, &end, 10);
    if (*end != '\0' || errno != 0 || id > UINT32_MAX) return false;
    *id_out = (uint32_t)id;
    return true;
}

static answer_t remove_fault(admin_app_t *admin, uint32_t id) {
    if (fl_proxy_faults_remove(admin->faults, id)) return (answer_t){.status = 204};
    char message[96];
    snprintf(message, sizeof message, "no fault has id %" PRIu32, id);
    return error_answer(404, message);
}

/* The answer to method on path with the request's body. */
static answer_t route(admin_app_t *admin, const char *method, const char *path, const char *body,
                      size_t length) {
    assert(method != NULL && path != NULL && (body != NULL || length == 0));
    uint32_t id;
    if (strcmp(path, "/faults") == 0) {
        if (strcmp(method, "GET") == 0) return list_faults(admin);
        if (strcmp(method, "POST") == 0) return add_faults(admin, body, length);
        if (strcmp(method, "DELETE") == 0) return fl_proxy_faults_clear(admin->faults),
                                                   (answer_t){.status = 204};
        answer_t a = error_answer(405, "/faults takes GET, POST and DELETE");
        return a.allow = "GET, POST, DELETE", a;
    }
    if (fault_id_of(path, &id)) {
        if (strcmp(method, "DELETE") == 0) return remove_fault(admin, id);
        answer_t a = error_answer(405, "/faults/ID takes DELETE");
        return a.allow = "DELETE", a;
    }
    if (strcmp(path, "/stats") == 0) {
        if (strcmp(method, "GET") == 0) return stats_answer(admin);
        answer_t a = error_answer(405, "/stats takes GET");
        return a.allow = "GET", a;
    }
    char message[512];
    snprintf(message, sizeof message,
             "no such endpoint: %.16s %.200s (the endpoints: GET /faults, POST /faults, "
             "DELETE /faults, DELETE /faults/ID, GET /stats)",
             method, path);
    return error_answer(404, message);
}

/* The request's body, whole, into body (capacity FL_PROXY_ADMIN_BODY_MAX);
 * *too_long when it had more. A disconnect ends it early. */
static fl_error_t *read_body(fl_world_t *w, fl_asgi_receive_t receive, char *body,
                             size_t *length, bool *too_long) {
    *length = 0;
    *too_long = false;
    for (;;) {
        fl_asgi_message_t m;
        fl_error_t *error = fl_asgi_receive(w, receive, &m);
        if (error != NULL) return error;
        if (m.type != FL_ASGI_HTTP_REQUEST) return NULL; /* disconnected */
        size_t room = FL_PROXY_ADMIN_BODY_MAX - *length;
        if (m.body_length > room) *too_long = true;
        else if (m.body_length > 0) memcpy(body + *length, m.body, m.body_length);
        if (!*too_long) *length += m.body_length;
        if (!m.more_body) return NULL;
    }
}

static fl_error_t *admin_call(fl_asgi_app_t *self, fl_world_t *w, const fl_asgi_scope_t *scope,
                              fl_asgi_receive_t receive, fl_asgi_send_t send) {
    admin_app_t *admin = (admin_app_t *)self;
    assert(admin != NULL && scope != NULL && scope->method != NULL && scope->path != NULL);
    char *body = malloc(FL_PROXY_ADMIN_BODY_MAX + 1);
    if (body == NULL) fl__out_of_memory("admin request");
    size_t length;
    bool too_long;
    fl_error_t *error = read_body(w, receive, body, &length, &too_long);
    if (error != NULL) return free(body), error;
    body[length] = '\0';
    answer_t a = too_long ? error_answer(413, "the request body is over 64 KiB")
                          : route(admin, scope->method, scope->path, body, length);
    free(body);
    fl_asgi_header_t allow[] = {{"allow", a.allow}};
    fl_asgi_response_t *response = fl_asgi_response_create(
        w, a.status, allow, a.allow != NULL ? 1 : 0, a.json != NULL ? "application/json" : NULL,
        a.json, a.json != NULL ? strlen(a.json) : 0);
    free(a.json);
    return fl_asgi_call(fl_asgi_response_app(response), w, scope, receive, send);
}

fl_asgi_app_t *fl_proxy_admin_app(fl_world_t *world, fl_proxy_faults_t *faults,
                                  fl_proxy_admin_stats_fn *stats, void *context) {
    assert(world != NULL && faults != NULL && stats != NULL);
    admin_app_t *admin = fl_arena_zalloc(fl_world_arena(world), sizeof *admin);
    admin->app = (fl_asgi_app_t){.name = "faultline proxy admin", .call = admin_call};
    admin->faults = faults;
    admin->stats = stats;
    admin->context = context;
    return &admin->app;
}
