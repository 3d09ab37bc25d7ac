/* `faultline fetch`: see fetch.h. */
#include "harness/real/fetch.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/client.h"
#include "client/retry.h"
#include "client/timeout.h"
#include "harness/json/json.h"
#include "harness/real/refuse.h"
#include "harness/real/upload_file.h"
#include "sim/net/uvnet.h"
#include "sim/runtime/out_of_memory.h"
#include "sim/runtime/runtime.h"

enum {
    STREAM_CHUNK_BYTES = 16 * 1024, /* one generated chunk of --stream-body */
    CAUSE_DEPTH_MAX = 4,            /* how many causes the JSON follows */
};

/* A fetch that takes longer than this is cut by the world's time limit; the
 * timeouts (a day at most each) and the retry cap end every real one first. */
#define FETCH_TIME_LIMIT_NS FL_SECONDS(30 * 86400)

void fl_fetch_usage(FILE *out) {
    assert(out != NULL);
    fprintf(out,
            "usage: faultline fetch [-X METHOD] [-H 'Name: value']... [-d DATA | -d @FILE |\n"
            "                       --stream-body BYTES] [--timeout SECONDS]\n"
            "                       [--max-time SECONDS]\n"
            "                       [--retry ATTEMPTS] [--repeat N] URL\n"
            "\n"
            "Sends a request with faultline's client over real sockets and prints the\n"
            "outcome as one JSON line: {\"ok\":true,\"status\":...,\"headers\":{...},\n"
            "\"body_bytes\":...,\"attempts\":...} or {\"ok\":false,\"error\":{\"kind\":...,\n"
            "\"ancestors\":[...],\"message\":...,\"notes\":[...]},\"attempts\":...}.\n"
            "4xx and 5xx responses are errors (NotFound, InternalServer, ...).\n"
            "\n"
            "options:\n"
            "  -X, --request METHOD   the method (default GET, or POST with a body)\n"
            "  -H, --header 'N: v'    a request header; repeatable\n"
            "  -d, --data DATA        a body of these bytes; -d @FILE reads FILE\n"
            "  --stream-body BYTES    a generated body of BYTES bytes, sent as a one-shot\n"
            "                         stream (chunked)\n"
            "  --timeout SECONDS      connect, read, write and pool timeouts (default 5)\n"
            "  --max-time SECONDS     an overall deadline for each request, as curl's:\n"
            "                         connecting, every --retry attempt and the whole\n"
            "                         body; on expiry the error is a TimeoutError\n"
            "                         \"request timed out after X s\" (default: none)\n"
            "  --retry ATTEMPTS       retry with httpware's defaults, ATTEMPTS in all (1-100)\n"
            "  --repeat N             send the request N times on one client (1-100), one\n"
            "                         JSON line each; later ones may reuse the connection\n"
            "  -h, --help             print this text\n"
            "\n"
            "Response headers: names lowercased, repeated names joined with \", \".\n"
            "exit codes: 0 ok, 1 client error (see the JSON), 2 bad arguments\n");
}

/* --- parsing ---------------------------------------------------------------------- */

/* Decimal digits only, no sign, no blanks; at most max. */
static bool parse_count(const char *text, uint64_t max, uint64_t *value_out) {
    assert(text != NULL && value_out != NULL);
    if (text[0] == '\0' || strlen(text) > 20) return false;
    uint64_t value = 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') return false;
        uint64_t digit = (uint64_t)(*p - '0');
        if (value > (max - digit) / 10) return false;
        value = value * 10 + digit;
    }
    assert(value <= max);
    *value_out = value;
    return true;
}

/* Seconds as digits with at most one '.', > 0 and at most a day; strtod
 * alone would take "inf", "nan", hex and exponents. */
static bool parse_seconds(const char *text, int64_t *ns_out) {
    assert(text != NULL && ns_out != NULL);
    size_t dots = 0, digits = 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '.') dots++;
        else if (*p >= '0' && *p <= '9') digits++;
        else return false;
    }
    if (digits == 0 || dots > 1 || digits > 18) return false;
    double seconds = strtod(text, NULL);
    if (!(seconds > 0.0) || seconds > FL_FETCH_TIMEOUT_SECONDS_MAX) return false;
    int64_t ns = (int64_t)(seconds * 1e9 + 0.5);
    assert(ns <= (int64_t)(FL_FETCH_TIMEOUT_SECONDS_MAX * 1e9));
    *ns_out = ns > 0 ? ns : 1;
    return true;
}

/* The value of the option at argv[*index], moving *index past it. */
static const char *option_value(int argc, char **argv, int *index) {
    assert(argv != NULL && index != NULL && *index >= 1 && *index < argc);
    if (*index + 1 >= argc) return NULL;
    *index += 1;
    assert(argv[*index] != NULL); /* argv[argc] is the only NULL */
    return argv[*index];
}

static int set_body(fl_fetch_args_t *args, fl_fetch_body_t body, const char *option, char *error,
                    size_t error_size) {
    assert(args != NULL && option != NULL);
    assert(body == FL_FETCH_BODY_DATA || body == FL_FETCH_BODY_FILE ||
           body == FL_FETCH_BODY_STREAM);
    if (args->body != FL_FETCH_BODY_NONE)
        return fl__refuse(error, error_size,
                          "%s: a body was already given (one of -d, --stream-body)", option);
    args->body = body;
    return 0;
}

static bool is_option(const char *arg, const char *short_name, const char *long_name) {
    assert(arg != NULL && long_name != NULL && strncmp(long_name, "--", 2) == 0);
    assert(short_name == NULL || (short_name[0] == '-' && strlen(short_name) == 2));
    return (short_name != NULL && strcmp(arg, short_name) == 0) || strcmp(arg, long_name) == 0;
}

/* One option that takes a value; returns 0, or -1 with a message. */
static int parse_valued(const char *option, const char *value, fl_fetch_args_t *args, char *error,
                        size_t error_size) {
    assert(option != NULL && value != NULL && args != NULL);
    assert(args->header_count <= FL_FETCH_HEADERS_MAX);
    if (is_option(option, "-X", "--request")) {
        if (value[0] == '\0') return fl__refuse(error, error_size, "%s: empty method", option);
        args->method = value;
    } else if (is_option(option, "-H", "--header")) {
        const char *colon = strchr(value, ':');
        if (colon == NULL || colon == value)
            return fl__refuse(error, error_size, "%s '%s': expected 'Name: value'", option, value);
        if (args->header_count == FL_FETCH_HEADERS_MAX)
            return fl__refuse(error, error_size, "more than %d headers", FL_FETCH_HEADERS_MAX);
        args->headers[args->header_count++] = value;
    } else if (is_option(option, "-d", "--data")) {
        bool file = value[0] == '@';
        if (set_body(args, file ? FL_FETCH_BODY_FILE : FL_FETCH_BODY_DATA, option, error,
                     error_size) != 0)
            return -1;
        if (file && value[1] == '\0')
            return fl__refuse(error, error_size, "%s @: no file name", option);
        args->data = file ? value + 1 : value;
    } else if (is_option(option, NULL, "--stream-body")) {
        if (set_body(args, FL_FETCH_BODY_STREAM, option, error, error_size) != 0) return -1;
        if (!parse_count(value, FL_FETCH_STREAM_BYTES_MAX, &args->stream_bytes))
            return fl__refuse(error, error_size,
                              "--stream-body '%s': expected a byte count (0 to %llu)", value,
                              (unsigned long long)FL_FETCH_STREAM_BYTES_MAX);
    } else if (is_option(option, NULL, "--timeout")) {
        if (!parse_seconds(value, &args->timeout_ns))
            return fl__refuse(error, error_size,
                              "--timeout '%s': expected seconds, more than 0 and at most %.0f",
                              value, FL_FETCH_TIMEOUT_SECONDS_MAX);
    } else if (is_option(option, NULL, "--max-time")) {
        if (!parse_seconds(value, &args->max_time_ns))
            return fl__refuse(error, error_size,
                              "--max-time '%s': expected seconds, more than 0 and at most %.0f",
                              value, FL_FETCH_TIMEOUT_SECONDS_MAX);
    } else if (is_option(option, NULL, "--repeat")) {
        uint64_t repeat;
        if (!parse_count(value, FL_FETCH_REPEAT_MAX, &repeat) || repeat == 0)
            return fl__refuse(error, error_size, "--repeat '%s': expected a count, 1 to %d", value,
                              FL_FETCH_REPEAT_MAX);
        args->repeat = (uint32_t)repeat;
    } else {
        assert(is_option(option, NULL, "--retry"));
        uint64_t attempts;
        if (!parse_count(value, FL_RETRY_ATTEMPTS_MAX, &attempts) || attempts == 0)
            return fl__refuse(error, error_size, "--retry '%s': expected attempts, 1 to %u", value,
                              FL_RETRY_ATTEMPTS_MAX);
        args->retry_attempts = (uint32_t)attempts;
    }
    return 0;
}

static bool takes_value(const char *arg) {
    assert(arg != NULL && arg[0] == '-'); /* only options are asked about */
    static const char *const valued[] = {"-X", "--request", "-H", "--header", "-d",
                                         "--data", "--stream-body", "--timeout", "--max-time",
                                         "--retry", "--repeat"};
    for (size_t i = 0; i < sizeof valued / sizeof valued[0]; i++)
        if (strcmp(arg, valued[i]) == 0) return true;
    return false;
}

static int set_url(fl_fetch_args_t *args, const char *url, char *error, size_t error_size) {
    assert(args != NULL && url != NULL);
    if (args->url != NULL)
        return fl__refuse(error, error_size, "more than one URL ('%s' and '%s')", args->url, url);
    args->url = url;
    return 0;
}

int fl_fetch_parse(int argc, char **argv, fl_fetch_args_t *args, char *error, size_t error_size) {
    assert(argc >= 1 && argv != NULL && args != NULL);
    *args = (fl_fetch_args_t){.body = FL_FETCH_BODY_NONE};
    if (error != NULL && error_size > 0) error[0] = '\0';
    bool options_ended = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        assert(arg != NULL);
        if (options_ended || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (set_url(args, arg, error, error_size) != 0) return -1;
        } else if (strcmp(arg, "--") == 0) {
            options_ended = true;
        } else if (is_option(arg, "-h", "--help")) {
            args->help = true;
        } else if (takes_value(arg)) {
            const char *value = option_value(argc, argv, &i);
            if (value == NULL) return fl__refuse(error, error_size, "%s needs a value", arg);
            if (parse_valued(arg, value, args, error, error_size) != 0) return -1;
        } else {
            return fl__refuse(error, error_size, "unknown option '%s'", arg);
        }
    }
    if (args->url == NULL && !args->help) return fl__refuse(error, error_size, "no URL given");
    assert(args->header_count <= FL_FETCH_HEADERS_MAX && args->repeat <= FL_FETCH_REPEAT_MAX);
    /* -d gives data (the bytes or the path); --stream-body and no body none. */
    assert((args->data != NULL) ==
           (args->body == FL_FETCH_BODY_DATA || args->body == FL_FETCH_BODY_FILE));
    return 0;
}

/* --- JSON ------------------------------------------------------------------------- */

static void write_ancestors(fl_json_writer_t *json, fl_error_kind_t kind) {
    assert(json != NULL && fl_error_kind_known(kind));
    fl_json_key(json, "ancestors");
    fl_json_array_begin(json);
    fl_error_kind_t ancestor = fl_error_kind_parent(kind);
    /* The tree has no cycles; the bound only makes that visible. */
    int step = 0;
    for (; step < FL_ERR_KIND_COUNT; step++) {
        if (ancestor == FL_ERR_EXCEPTION || ancestor == FL_ERR_BASE_ERROR) break;
        assert(fl_error_kind_known(ancestor));
        fl_json_string(json, fl_error_kind_name(ancestor));
        ancestor = fl_error_kind_parent(ancestor);
    }
    assert(step < FL_ERR_KIND_COUNT && "the kind tree has a cycle");
    fl_json_array_end(json);
}

static void write_error_object(fl_json_writer_t *json, const fl_error_t *error, int depth) {
    assert(json != NULL && error != NULL && error->message != NULL);
    assert(depth >= 0 && depth <= CAUSE_DEPTH_MAX);
    /* fl_error_add_note counts what does not fit in notes_dropped. */
    assert(error->note_count <= FL_ERROR_NOTES_MAX);
    fl_json_object_begin(json);
    fl_json_key(json, "kind");
    fl_json_string(json, fl_error_kind_name(error->kind));
    write_ancestors(json, error->kind);
    fl_json_key(json, "message");
    fl_json_string(json, error->message);
    fl_json_key(json, "notes");
    fl_json_array_begin(json);
    for (size_t i = 0; i < error->note_count && i < FL_ERROR_NOTES_MAX; i++)
        fl_json_string(json, error->notes[i]);
    fl_json_array_end(json);
    if (error->cause != NULL && depth < CAUSE_DEPTH_MAX) {
        fl_json_key(json, "cause");
        write_error_object(json, error->cause, depth + 1);
    }
    fl_json_object_end(json);
}

/* Writes name, lowercased, as the next key. */
static void write_lowercase_key(fl_json_writer_t *json, const char *name) {
    assert(json != NULL && name != NULL);
    /* The key of a member of the headers object, its value not yet due. */
    assert(json->depth >= 2 && json->in_object[json->depth - 1] && !json->key_pending);
    size_t length = strlen(name);
    char *key = malloc(length + 1);
    if (key == NULL) fl__out_of_memory("fetch");
    for (size_t i = 0; i < length; i++) key[i] = (char)tolower((unsigned char)name[i]);
    key[length] = '\0';
    fl_json_key(json, key);
    free(key);
}

/* The headers object: lowercased names in order of first appearance, the
 * values of a repeated name joined with ", ". Header names are tokens, so
 * their length is bounded by the client's header limit; a quadratic pass
 * over a bounded list is fine. */
static void write_headers(fl_json_writer_t *json, const fl_headers_t *headers) {
    assert(json != NULL && json->depth == 1); /* a member of the line's object */
    fl_json_key(json, "headers");
    fl_json_object_begin(json);
    size_t count = headers != NULL ? fl_headers_count(headers) : 0;
    for (size_t i = 0; i < count; i++) {
        const char *name = fl_headers_name(headers, i);
        assert(name != NULL);
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcasecmp(fl_headers_name(headers, j), name) == 0;
        if (seen) continue;
        write_lowercase_key(json, name);
        fl_json_string_begin(json);
        bool first = true;
        for (size_t j = i; j < count; j++) {
            if (strcasecmp(fl_headers_name(headers, j), name) != 0) continue;
            if (!first) fl_json_string_append(json, ", ", 2);
            const char *value = fl_headers_value(headers, j);
            assert(value != NULL);
            fl_json_string_append(json, value, strlen(value));
            first = false;
        }
        fl_json_string_end(json);
    }
    fl_json_object_end(json);
    assert(json->depth == 1 && !json->in_string);
}

/* Opens a line's object with its "ok" member. */
static void begin_line(fl_json_writer_t *json, FILE *out, bool ok) {
    assert(json != NULL && out != NULL);
    fl_json_init(json, out);
    fl_json_object_begin(json);
    fl_json_key(json, "ok");
    fl_json_bool(json, ok);
    assert(json->depth == 1 && !json->complete);
}

/* Closes a line's object after its "attempts" member, and the line. */
static void end_line(fl_json_writer_t *json, FILE *out, uint32_t attempts) {
    assert(json != NULL && out != NULL && json->out == out);
    assert(json->depth == 1 && json->in_object[0] && !json->key_pending);
    fl_json_key(json, "attempts");
    fl_json_uint(json, attempts);
    fl_json_object_end(json);
    assert(fl_json_complete(json));
    fputc('\n', out);
    fflush(out);
}

/* Writes the success line for response (its body read) and attempts. */
static void write_response(FILE *out, const fl_response_t *response, uint32_t attempts) {
    assert(out != NULL && response != NULL);
    /* fl_client_send reads a body whole, within the client's limit, or fails. */
    assert(response->body_read && response->body_length <= FL_FETCH_RESPONSE_BYTES_MAX);
    fl_json_writer_t json;
    begin_line(&json, out, true);
    fl_json_key(&json, "status");
    fl_json_int(&json, response->status);
    write_headers(&json, response->headers);
    fl_json_key(&json, "body_bytes");
    fl_json_uint(&json, response->body_length);
    end_line(&json, out, attempts);
}

void fl_fetch_write_error(FILE *out, const fl_error_t *error, uint32_t attempts) {
    assert(out != NULL && error != NULL);
    fl_json_writer_t json;
    begin_line(&json, out, false);
    /* A status error carries its response: the code and body size help. */
    const fl_response_t *response = NULL;
    if (fl_error_is(error, FL_ERR_STATUS_ERROR) && error->http_status > 0) {
        fl_json_key(&json, "status");
        fl_json_int(&json, error->http_status);
        response = error->payload;
        /* The client and the retry middleware copy the code from the response. */
        assert(response == NULL || response->status == error->http_status);
        if (response != NULL && response->body_read) {
            fl_json_key(&json, "body_bytes");
            fl_json_uint(&json, response->body_length);
        }
    }
    fl_json_key(&json, "error");
    write_error_object(&json, error, 0);
    end_line(&json, out, attempts);
}

/* --- running the request --------------------------------------------------------- */

/* --stream-body: BYTES bytes of a repeating alphabet, handed out in chunks of
 * STREAM_CHUNK_BYTES, the last one with done. A one-shot source: once done it
 * gives nothing more. */
typedef struct generated_body {
    fl_body_source_t source;
    uint64_t remaining;
    char chunk[STREAM_CHUNK_BYTES];
} generated_body_t;

static fl_error_t *generated_next(void *context, fl_world_t *world, const void **chunk_out,
                                  size_t *length_out, bool *done_out) {
    (void)world;
    generated_body_t *body = context;
    assert(body != NULL && chunk_out != NULL && length_out != NULL && done_out != NULL);
    size_t length = body->remaining < STREAM_CHUNK_BYTES ? (size_t)body->remaining
                                                         : STREAM_CHUNK_BYTES;
    body->remaining -= length;
    *chunk_out = body->chunk;
    *length_out = length;
    *done_out = body->remaining == 0;
    assert(length <= STREAM_CHUNK_BYTES);
    return NULL;
}

static generated_body_t *generated_body_create(fl_arena_t *arena, uint64_t bytes) {
    assert(arena != NULL && bytes <= FL_FETCH_STREAM_BYTES_MAX);
    generated_body_t *body = fl_arena_zalloc(arena, sizeof *body);
    for (size_t i = 0; i < STREAM_CHUNK_BYTES; i++) body->chunk[i] = (char)('a' + i % 26);
    body->remaining = bytes;
    body->source = (fl_body_source_t){generated_next, body};
    return body;
}

/* One request of the run: what came back, and the retry middleware's
 * attempts for it. */
typedef struct fetch_outcome {
    fl_response_t *response;
    fl_error_t *error;
    uint32_t attempts;
} fetch_outcome_t;

typedef struct fetch_run {
    fl_client_t *client;
    fl_middleware_t *retry;    /* NULL without --retry */
    const fl_fetch_args_t *args;
    const char *method;
    fl_headers_t *headers;     /* from -H, checked */
    const void *body;          /* the -d bytes */
    size_t body_length;
    fetch_outcome_t *outcomes; /* args->repeat of them (at least one) */
    uint32_t count;            /* how many to send */
    uint32_t finished;         /* how many ended */
} fetch_run_t;

/* A request as the arguments say, built afresh for every repetition (a
 * one-shot stream body can be sent once only). Errors are the client's
 * (InvalidURL, UnsupportedProtocol, an invalid method). */
static fl_error_t *build_request(fl_arena_t *arena, const fetch_run_t *run, fl_request_t **out) {
    assert(arena != NULL && run != NULL && run->method != NULL && out != NULL);
    assert(run->args->url != NULL && (run->body != NULL || run->body_length == 0));
    fl_error_t *error = fl_request_create(arena, run->method, run->args->url, out);
    if (error != NULL) return error;
    fl_request_t *request = *out;
    assert(request != NULL && request->headers != NULL);
    for (size_t i = 0; i < fl_headers_count(run->headers); i++)
        fl_headers_add(request->headers, fl_headers_name(run->headers, i),
                       fl_headers_value(run->headers, i));
    if (run->args->body == FL_FETCH_BODY_STREAM)
        fl_request_set_stream(request, &generated_body_create(arena, run->args->stream_bytes)->source);
    else if (run->args->body != FL_FETCH_BODY_NONE)
        fl_request_set_body(arena, request, run->body, run->body_length);
    return NULL;
}

static uint32_t attempts_so_far(const fetch_run_t *run) {
    assert(run != NULL && (run->retry == NULL || run->args->retry_attempts > 0));
    return run->retry != NULL ? (uint32_t)fl_retry_stats(run->retry).attempts : 0;
}

static fl_error_t *fetch_task(fl_world_t *world, void *arg) {
    fetch_run_t *run = arg;
    assert(world != NULL);
    assert(run != NULL && run->client != NULL && run->count >= 1 && run->finished == 0);
    for (uint32_t i = 0; i < run->count; i++) {
        fetch_outcome_t *outcome = &run->outcomes[i];
        fl_request_t *request;
        outcome->error = build_request(fl_world_arena(world), run, &request);
        if (outcome->error == NULL) {
            uint32_t before = attempts_so_far(run);
            outcome->error = fl_client_send(world, run->client, request, &outcome->response);
            outcome->attempts = run->retry != NULL ? attempts_so_far(run) - before : 1;
        }
        run->finished++;
        /* Every request ends with a response or an error, never neither. */
        assert(outcome->error != NULL || outcome->response != NULL);
    }
    assert(run->finished == run->count);
    fl_client_close(world, run->client);
    return NULL;
}

/* Splits "Name: value" (checked to have a colon by the parser) and adds it;
 * false when the client's headers refuse it. */
static bool add_header(fl_arena_t *arena, fl_headers_t *headers, const char *line) {
    assert(arena != NULL && headers != NULL && line != NULL);
    const char *colon = strchr(line, ':');
    assert(colon != NULL && colon > line);
    size_t name_length = (size_t)(colon - line);
    char *name = fl_arena_alloc(arena, name_length + 1);
    memcpy(name, line, name_length);
    name[name_length] = '\0';
    const char *value = colon + 1;
    while (*value == ' ' || *value == '\t') value++;
    size_t value_length = strlen(value);
    while (value_length > 0 && (value[value_length - 1] == ' ' || value[value_length - 1] == '\t'))
        value_length--;
    char *trimmed = fl_arena_alloc(arena, value_length + 1);
    memcpy(trimmed, value, value_length);
    trimmed[value_length] = '\0';
    return fl_headers_add(headers, name, trimmed);
}

static void usage_error(FILE *err, const char *message) {
    assert(err != NULL && message != NULL);
    fprintf(err, "faultline fetch: %s\n\n", message);
    fl_fetch_usage(err);
}

/* The middleware chain: the timeout middleware for --max-time outermost,
 * so its deadline covers every attempt and backoff of the retry middleware
 * for --retry. Returns how many, with *retry_out the retry middleware or
 * NULL; 0 with a message when one cannot be made. */
static size_t make_chain(fl_world_t *world, const fl_fetch_args_t *args, fl_middleware_t **chain,
                         fl_middleware_t **retry_out, char *error, size_t error_size) {
    assert(world != NULL && args != NULL && chain != NULL && retry_out != NULL);
    assert(args->max_time_ns >= 0 && args->retry_attempts <= FL_RETRY_ATTEMPTS_MAX);
    size_t count = 0;
    *retry_out = NULL;
    if (args->max_time_ns > 0) {
        fl_timeout_options_t timeout_options = {.timeout_ns = args->max_time_ns};
        chain[count] = fl_timeout_create(world, &timeout_options, error, error_size);
        if (chain[count++] == NULL) return 0;
    }
    if (args->retry_attempts > 0) {
        fl_retry_options_t retry_options = fl_retry_options_default();
        retry_options.max_attempts = args->retry_attempts;
        chain[count] = fl_retry_create(world, &retry_options, error, error_size);
        if (chain[count] == NULL) return 0;
        *retry_out = chain[count++];
    }
    assert(count <= 2);
    return count;
}

/* Builds the client (with the middleware of make_chain); NULL with a
 * message on failure, which only an internal error can cause. */
static fl_client_t *make_client(fl_world_t *world, fl_net_t *net, const fl_fetch_args_t *args,
                                fl_middleware_t **retry_out, char *error, size_t error_size) {
    assert(world != NULL && net != NULL && args != NULL && retry_out != NULL);
    assert(args->timeout_ns >= 0 && args->retry_attempts <= FL_RETRY_ATTEMPTS_MAX);
    fl_client_options_t options = {.net = net, .body_bytes_max = FL_FETCH_RESPONSE_BYTES_MAX};
    if (args->timeout_ns > 0)
        options.timeouts = (fl_timeouts_t){args->timeout_ns, args->timeout_ns, args->timeout_ns,
                                           args->timeout_ns};
    fl_middleware_t **chain = fl_arena_zalloc(fl_world_arena(world), 2 * sizeof *chain);
    bool wanted = args->max_time_ns > 0 || args->retry_attempts > 0;
    options.middleware_count = make_chain(world, args, chain, retry_out, error, error_size);
    if (wanted && options.middleware_count == 0) return NULL;
    options.middleware = options.middleware_count > 0 ? chain : NULL;
    return fl_client_create(world, &options, error, error_size);
}

/* One JSON line per request that finished, and one for the rest when the
 * run ended first; returns the exit status. */
static int write_outcomes(fl_arena_t *arena, const fetch_run_t *run, fl_run_outcome_t outcome,
                          FILE *out) {
    assert(arena != NULL && run != NULL && out != NULL);
    assert(run->count >= 1 && run->count <= FL_FETCH_REPEAT_MAX);
    assert(run->finished <= run->count);
    int status = FL_FETCH_EXIT_OK;
    for (uint32_t i = 0; i < run->finished; i++) {
        const fetch_outcome_t *o = &run->outcomes[i];
        if (o->error != NULL) {
            fl_fetch_write_error(out, o->error, o->attempts);
            status = FL_FETCH_EXIT_CLIENT_ERROR;
        } else {
            assert(o->response != NULL); /* fetch_task: a response or an error */
            write_response(out, o->response, o->attempts);
        }
    }
    if (run->finished < run->count) {
        fl_error_t *error =
            fl_error_new(arena, FL_ERR_RUNTIME_ERROR,
                         "the request did not finish: the run ended (%s)",
                         fl_run_outcome_name(outcome));
        fl_fetch_write_error(out, error, 0);
        status = FL_FETCH_EXIT_CLIENT_ERROR;
    }
    return status;
}

/* Sends the request (--repeat times) in world and writes a JSON line for
 * each; returns the exit status. The world's arena holds everything; body
 * is the -d bytes. */
static int fetch(fl_world_t *world, const fl_fetch_args_t *args, const void *body,
                 size_t body_length, FILE *out, FILE *err) {
    assert(world != NULL && args != NULL && out != NULL && err != NULL);
    assert(args->url != NULL && !args->help && args->header_count <= FL_FETCH_HEADERS_MAX);
    assert(body != NULL || body_length == 0);
    fl_arena_t *arena = fl_world_arena(world);
    /* Headers first: a bad one is a bad argument, reported before anything
     * goes on out, even when the URL is bad too. */
    fl_headers_t *headers = fl_headers_create(arena);
    for (size_t i = 0; i < args->header_count; i++) {
        if (!add_header(arena, headers, args->headers[i])) {
            char message[512];
            snprintf(message, sizeof message, "invalid header '%s'", args->headers[i]);
            usage_error(err, message);
            return FL_FETCH_EXIT_USAGE;
        }
    }
    fetch_run_t run = {
        .args = args,
        .method = args->method != NULL ? args->method
                  : args->body != FL_FETCH_BODY_NONE ? "POST"
                                                      : "GET",
        .headers = headers,
        .body = body,
        .body_length = body_length,
        .count = args->repeat > 1 ? args->repeat : 1,
    };
    assert(run.count >= 1 && run.count <= FL_FETCH_REPEAT_MAX);
    run.outcomes = fl_arena_zalloc(arena, run.count * sizeof *run.outcomes);
    /* A request that cannot be built fails every repetition the same way:
     * say so once, before any connection. */
    fl_request_t *probe;
    fl_error_t *error = build_request(arena, &run, &probe);
    if (error != NULL) {
        fl_fetch_write_error(out, error, 0);
        return FL_FETCH_EXIT_CLIENT_ERROR;
    }

    char message[256] = "";
    fl_net_t *net = fl_uvnet_create(world, NULL, message, sizeof message);
    if (net != NULL) run.client = make_client(world, net, args, &run.retry, message, sizeof message);
    if (run.client == NULL) {
        fl_fetch_write_error(out, fl_error_new(arena, FL_ERR_RUNTIME_ERROR, "%s", message), 0);
        return FL_FETCH_EXIT_CLIENT_ERROR;
    }
    fl_spawn(world, "fetch", fetch_task, &run);
    fl_run_outcome_t outcome = fl_world_run(world);
    return write_outcomes(arena, &run, outcome, out);
}

int fl_fetch_main(int argc, char **argv, FILE *out, FILE *err) {
    assert(out != NULL && err != NULL);
    fl_fetch_args_t args;
    char message[512];
    if (fl_fetch_parse(argc, argv, &args, message, sizeof message) != 0) {
        usage_error(err, message);
        return FL_FETCH_EXIT_USAGE;
    }
    if (args.help) {
        fl_fetch_usage(out);
        return FL_FETCH_EXIT_OK;
    }
    unsigned char *file_bytes = NULL;
    size_t body_length = args.body == FL_FETCH_BODY_DATA ? strlen(args.data) : 0;
    if (args.body == FL_FETCH_BODY_FILE &&
        fl_upload_file_read(args.data, FL_FETCH_FILE_BYTES_MAX, &file_bytes, &body_length, message,
                            sizeof message) != 0) {
        usage_error(err, message);
        return FL_FETCH_EXIT_USAGE;
    }
    /* fl_upload_file_read always allocates, so an empty file still makes a body: an
     * empty one, with Content-Length 0. */
    const void *body = args.body == FL_FETCH_BODY_FILE ? (const void *)file_bytes
                                                       : (const void *)args.data;
    assert(body != NULL || body_length == 0);

    fl_world_options_t options = {.seed = 1, .time_limit_ns = FETCH_TIME_LIMIT_NS,
                                  .step_limit = UINT64_MAX / 2};
    fl_world_t *world = fl_world_create(&options, message, sizeof message);
    int status;
    if (world == NULL) {
        fprintf(err, "faultline fetch: %s\n", message);
        status = FL_FETCH_EXIT_CLIENT_ERROR;
    } else {
        status = fetch(world, &args, body, body_length, out, err);
        fl_world_destroy(world);
    }
    free(file_bytes);
    return status;
}
