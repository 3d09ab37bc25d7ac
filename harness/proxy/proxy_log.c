/* faultline proxy's JSON lines: see proxy_log.h. */
#include "harness/proxy/proxy_log.h"

#include <assert.h>
#include <stdbool.h>

#include "harness/json/json.h"

int fl_proxy_log_open(fl_proxy_log_t *log, const char *path, FILE *out) {
    assert(log != NULL && out != NULL);
    *log = (fl_proxy_log_t){.out = out};
    if (path == NULL) return 0;
    log->own = fopen(path, "w");
    if (log->own == NULL) return -1;
    log->out = log->own;
    return 0;
}

void fl_proxy_log_close(fl_proxy_log_t *log) {
    assert(log != NULL);
    if (log->own != NULL) fclose(log->own);
    log->own = NULL;
    log->out = NULL;
}

static void begin(fl_json_writer_t *json, const fl_proxy_log_t *log, const char *event) {
    assert(log != NULL && log->out != NULL && event != NULL);
    fl_json_init(json, log->out);
    fl_json_object_begin(json);
    fl_json_key(json, "event");
    fl_json_string(json, event);
}

static void end(fl_json_writer_t *json) {
    fl_json_object_end(json);
    assert(fl_json_complete(json));
    fputc('\n', json->out);
    fflush(json->out);
}

static void uint_field(fl_json_writer_t *json, const char *key, uint64_t value) {
    fl_json_key(json, key);
    fl_json_uint(json, value);
}

static void string_field(fl_json_writer_t *json, const char *key, const char *value) {
    assert(value != NULL);
    fl_json_key(json, key);
    fl_json_string(json, value);
}

void fl_proxy_log_listening(const fl_proxy_log_t *log, const char *listen, const char *upstream,
                            const char *admin, uint64_t faults) {
    assert(listen != NULL && upstream != NULL);
    fl_json_writer_t json;
    begin(&json, log, "listening");
    string_field(&json, "listen", listen);
    string_field(&json, "upstream", upstream);
    if (admin != NULL) string_field(&json, "admin", admin);
    uint_field(&json, "faults", faults);
    end(&json);
}

void fl_proxy_log_opened(const fl_proxy_log_t *log, uint32_t connection, const char *client,
                         uint64_t time_ms) {
    assert(connection >= 1 && client != NULL);
    fl_json_writer_t json;
    begin(&json, log, "connection");
    uint_field(&json, "connection", connection);
    string_field(&json, "state", "open");
    string_field(&json, "client", client);
    uint_field(&json, "time_ms", time_ms);
    end(&json);
}

void fl_proxy_log_fault(const fl_proxy_log_t *log, uint32_t fault_id, const char *label,
                        uint32_t connection, const char *trigger, const char *action,
                        const fl_proxy_log_counts_t *counts, uint64_t time_ms) {
    assert(label != NULL && trigger != NULL && action != NULL && counts != NULL);
    fl_json_writer_t json;
    begin(&json, log, "fault");
    uint_field(&json, "fault", fault_id);
    string_field(&json, "label", label);
    uint_field(&json, "connection", connection);
    string_field(&json, "trigger", trigger);
    string_field(&json, "action", action);
    uint_field(&json, "c2s_bytes", counts->c2s_bytes);
    uint_field(&json, "s2c_bytes", counts->s2c_bytes);
    uint_field(&json, "time_ms", time_ms);
    end(&json);
}

void fl_proxy_log_closed(const fl_proxy_log_t *log, uint32_t connection,
                         const fl_proxy_log_counts_t *counts, const char *end_reason,
                         uint64_t time_ms) {
    assert(connection >= 1 && counts != NULL && end_reason != NULL);
    fl_json_writer_t json;
    begin(&json, log, "connection");
    uint_field(&json, "connection", connection);
    string_field(&json, "state", "closed");
    uint_field(&json, "c2s_bytes", counts->c2s_bytes);
    uint_field(&json, "s2c_bytes", counts->s2c_bytes);
    uint_field(&json, "requests", counts->requests);
    uint_field(&json, "responses", counts->responses);
    uint_field(&json, "faults", counts->faults);
    string_field(&json, "end", end_reason);
    uint_field(&json, "time_ms", time_ms);
    end(&json);
}

void fl_proxy_log_summary(const fl_proxy_log_t *log, uint64_t connections,
                          const fl_proxy_log_counts_t *counts) {
    assert(counts != NULL);
    fl_json_writer_t json;
    begin(&json, log, "summary");
    uint_field(&json, "connections", connections);
    uint_field(&json, "requests", counts->requests);
    uint_field(&json, "responses", counts->responses);
    uint_field(&json, "faults_fired", counts->faults);
    uint_field(&json, "c2s_bytes", counts->c2s_bytes);
    uint_field(&json, "s2c_bytes", counts->s2c_bytes);
    end(&json);
}
