/* The serve command's log lines: see serve_log.h. */
#include "harness/real/serve_log.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim/net/http_status.h"

static const struct {
    const char *name;
    const char *label; /* as uvicorn prints it, before the padding */
    fl_serve_log_level_t level;
} LEVELS[] = {
    {"critical", "CRITICAL", FL_SERVE_LOG_CRITICAL}, {"error", "ERROR", FL_SERVE_LOG_ERROR},
    {"warning", "WARNING", FL_SERVE_LOG_WARNING},    {"info", "INFO", FL_SERVE_LOG_INFO},
    {"debug", "DEBUG", FL_SERVE_LOG_DEBUG},          {"trace", "TRACE", FL_SERVE_LOG_TRACE},
};
enum { LEVEL_COUNT = sizeof LEVELS / sizeof LEVELS[0] };

bool fl_serve_log_level_parse(const char *name, fl_serve_log_level_t *level_out) {
    assert(name != NULL && level_out != NULL);
    for (size_t i = 0; i < LEVEL_COUNT; i++)
        if (strcmp(LEVELS[i].name, name) == 0) {
            *level_out = LEVELS[i].level;
            return true;
        }
    return false;
}

bool fl_log_level_valid(const char *name) {
    fl_serve_log_level_t level;
    return name != NULL && fl_serve_log_level_parse(name, &level);
}

static const char *level_label(fl_serve_log_level_t level) {
    for (size_t i = 0; i < LEVEL_COUNT; i++)
        if (LEVELS[i].level == level) return LEVELS[i].label;
    assert(!"a level of the table");
    return "INFO";
}

/* One line's content, rendered as text or as JSON. */
typedef struct line {
    fl_serve_log_level_t level;
    const char *type;    /* "access", "connection", "log" */
    const char *message; /* the text line's, after the level and the client */
    const char *client;  /* "host:port", or NULL */
    const char *method;  /* access lines: the request's */
    const char *path;    /* with "?query" when it has one */
    const char *http_version;
    int status;
    uint32_t cycle;      /* 0: none */
    const char *error;   /* the error's "Kind: message", or NULL */
    const char *event;   /* connection lines: "made", "lost" */
} line_t;

static void json_string(FILE *out, const char *key, const char *value) {
    fprintf(out, ", \"%s\": \"", key);
    for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void write_json(FILE *out, const line_t *l) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    fprintf(out, "{\"time\": %lld.%03ld", (long long)now.tv_sec, now.tv_nsec / 1000000);
    json_string(out, "level", level_label(l->level));
    json_string(out, "type", l->type);
    json_string(out, "message", l->message);
    if (l->client != NULL) json_string(out, "client", l->client);
    if (l->method != NULL) {
        json_string(out, "method", l->method);
        json_string(out, "path", l->path);
        json_string(out, "http_version", l->http_version);
    }
    if (l->status != 0) fprintf(out, ", \"status\": %d", l->status);
    if (l->cycle != 0) fprintf(out, ", \"cycle\": %u", l->cycle);
    if (l->error != NULL) json_string(out, "error", l->error);
    if (l->event != NULL) json_string(out, "event", l->event);
    fputs("}\n", out);
}

static void emit(const fl_serve_log_t *log, const line_t *l) {
    assert(log != NULL && log->out != NULL && l->message != NULL && l->type != NULL);
    if (l->level < log->level) return;
    if (log->json) {
        write_json(log->out, l);
    } else {
        char label[16];
        snprintf(label, sizeof label, "%s:", level_label(l->level));
        fprintf(log->out, "%-10s%s%s%s\n", label, l->client ? l->client : "",
                l->client ? " - " : "", l->message);
        if (l->error != NULL) fprintf(log->out, "%s\n", l->error);
    }
    fflush(log->out);
}

void fl_serve_log_line(const fl_serve_log_t *log, fl_serve_log_level_t level, const char *message) {
    assert(log != NULL && message != NULL);
    emit(log, &(line_t){.level = level, .type = "log", .message = message});
}

static void format_client(char *client, size_t size, const char *host, uint16_t port) {
    assert(client != NULL && size > 0 && host != NULL);
    snprintf(client, size, "%s:%u", host, (unsigned)port);
}

void fl_serve_log_connection(void *context, const char *host, uint16_t port, bool made) {
    const fl_serve_log_t *log = context;
    assert(log != NULL && host != NULL);
    char client[96];
    format_client(client, sizeof client, host, port);
    emit(log, &(line_t){.level = FL_SERVE_LOG_TRACE, .type = "connection",
                        .message = made ? "HTTP connection made" : "HTTP connection lost",
                        .client = client, .event = made ? "made" : "lost"});
}

/* uvicorn's access line: '%s - "%s %s HTTP/%s" %d %s', the status's phrase
 * last (empty for a code Python's http.HTTPStatus does not name). */
void fl_serve_log_response(void *context, const fl_asgi_scope_t *scope, int status) {
    const fl_serve_log_t *log = context;
    assert(log != NULL && scope != NULL && scope->path != NULL && scope->query_string != NULL);
    if (FL_SERVE_LOG_INFO < log->level) return; /* the common case at --log-level warning */
    char client[96], path[1024], message[1200];
    format_client(client, sizeof client, scope->client_host, scope->client_port);
    snprintf(path, sizeof path, "%s%s%s", scope->path, scope->query_string[0] ? "?" : "",
             scope->query_string);
    const char *phrase = fl_http_reason_phrase(status);
    snprintf(message, sizeof message, "\"%s %s HTTP/%s\" %d %s", scope->method, path,
             scope->http_version, status, phrase ? phrase : "");
    emit(log, &(line_t){.level = FL_SERVE_LOG_INFO, .type = "access", .message = message,
                        .client = client, .method = scope->method, .path = path,
                        .http_version = scope->http_version, .status = status});
}

/* The server log's level for an entry: what uvicorn logs at info and above
 * (the app's exceptions, invalid requests) keeps uvicorn's level; the rest
 * is the trace of each cycle. */
static fl_serve_log_level_t entry_level(const fl_server_log_entry_t *entry) {
    switch (entry->kind) {
    case FL_SERVER_LOG_ERROR:
        return entry->value == 400 || entry->value == 413 || entry->value == 431
                   ? FL_SERVE_LOG_WARNING
                   : FL_SERVE_LOG_ERROR;
    case FL_SERVER_LOG_DISCONNECT:
    case FL_SERVER_LOG_NOTE: return FL_SERVE_LOG_DEBUG;
    default: return FL_SERVE_LOG_TRACE;
    }
}

void fl_serve_log_entry(void *context, const fl_server_log_entry_t *entry) {
    const fl_serve_log_t *log = context;
    assert(log != NULL && entry != NULL && entry->text != NULL);
    fl_serve_log_level_t level = entry_level(entry);
    if (level < log->level) return;
    /* The text begins with the kind's name: the line says it with its level. */
    const char *text = entry->text;
    size_t kind_length = strlen(fl_server_log_kind_name(entry->kind));
    if (strncmp(text, fl_server_log_kind_name(entry->kind), kind_length) == 0 &&
        text[kind_length] == ' ')
        text += kind_length + 1;
    char message[1024];
    const char *error = NULL;
    if (entry->kind == FL_SERVER_LOG_ERROR && entry->value >= 400 && entry->value < 500) {
        /* "Invalid HTTP request received. (why)": uvicorn's line, the why at debug. */
        const char *why = strstr(text, " (");
        size_t length = why ? (size_t)(why - text) : strlen(text);
        snprintf(message, sizeof message, "%.*s", (int)length, text);
    } else if (entry->has_error_kind && strstr(text, ": ") != NULL) {
        /* "Exception in ASGI application: ValueError: boom": the line, then
         * the error where uvicorn's traceback ends with it. */
        const char *colon = strstr(text, ": ");
        snprintf(message, sizeof message, "%.*s", (int)(colon - text), text);
        error = colon + 2;
    } else if (level == FL_SERVE_LOG_TRACE && entry->cycle != 0) {
        snprintf(message, sizeof message, "ASGI [%u] %s %s", entry->cycle,
                 fl_server_log_kind_name(entry->kind), text);
    } else {
        snprintf(message, sizeof message, "%s", text);
    }
    emit(log, &(line_t){.level = level, .type = "log", .message = message, .cycle = entry->cycle,
                        .error = error});
}
