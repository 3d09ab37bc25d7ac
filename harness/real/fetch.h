/* `faultline fetch`: one request with the client over real sockets (libuv),
 * the outcome as one JSON line.
 *
 *   faultline fetch [-X METHOD] [-H 'Name: value']... [-d DATA | -d @FILE |
 *                   --stream-body BYTES] [--timeout SECONDS]
 *                   [--retry ATTEMPTS] [--repeat N] URL
 *
 * What it prints on out, one line per request (exactly one without
 * --repeat):
 *   {"ok":true,"status":200,"headers":{...},"body_bytes":5,"attempts":1}
 *   {"ok":false,"error":{"kind":"RemoteProtocolError",
 *     "ancestors":["ProtocolError","TransportError","ClientError"],
 *     "message":"...","notes":["..."]},"attempts":1}
 * - headers: the response's, names lowercased; a name that appears several
 *   times has its values joined with ", " in the order received (as httpx's
 *   Headers.items() does; Set-Cookie included), keys in order of first
 *   appearance.
 * - 4xx and 5xx are errors (the StatusError subclass for the code, as
 *   fl_client_send raises them); such an error line also has "status" (the
 *   code) and "body_bytes" (the error body's size) after "ok".
 * - ancestors: the kind's parent, its parent, ... up to but excluding
 *   Exception and BaseError (so [] for Cancelled).
 * - an error caused by another (RetryBudgetExhausted) has "cause":
 *   {"kind","message"} inside "error".
 * - attempts: how many times the request went down the middleware chain to
 *   the transport (the retry middleware's count with --retry, else 1); 0
 *   when the request could not be built (InvalidURL, UnsupportedProtocol, an
 *   invalid method: these are client errors, exit 1).
 *
 * Options:
 *   -X, --request METHOD   default GET, or POST when a body is given (as curl)
 *   -H, --header 'N: v'    appended in order; the value's surrounding blanks
 *                          are dropped; at most FL_FETCH_HEADERS_MAX
 *   -d, --data DATA        a bytes body (Content-Length); no Content-Type is
 *                          added: give one with -H
 *   -d @FILE               the file's bytes (at most FL_FETCH_FILE_BYTES_MAX,
 *                          refused at the first byte past it: upload_file.h)
 *   --stream-body BYTES    a generated body of BYTES bytes as a one-shot
 *                          stream (Transfer-Encoding: chunked; the request
 *                          carries the streaming-body marker, so --retry will
 *                          not replay it)
 *   --timeout SECONDS      connect, read, write and pool timeouts (decimals
 *                          allowed, > 0, at most a day); default the client's
 *                          (5 s each)
 *   --max-time SECONDS     an overall deadline per request, as curl's: the
 *                          timeout middleware, outside the retry middleware,
 *                          so it covers connecting, every attempt, the
 *                          backoff sleeps and the whole body (a body
 *                          trickled a byte at a time, each read within
 *                          --timeout, still ends); on expiry the line's error
 *                          is a TimeoutError "request timed out after X s"
 *                          (same bounds as --timeout)
 *   --retry ATTEMPTS       the retry middleware with httpware's defaults and
 *                          max_attempts ATTEMPTS (1..100)
 *   --repeat N             sends the request N times (1..FL_FETCH_REPEAT_MAX),
 *                          one after the other on the same client, so the
 *                          later ones may reuse a pooled keep-alive
 *                          connection; each is built afresh (a new stream
 *                          body) and sent whatever the previous outcome, and
 *                          each prints its own line, attempts counted per
 *                          request
 *   -h, --help             usage on out, exit 0
 *   --                     the next argument is the URL even if it starts
 *                          with '-'
 *
 * Exit status: 0 ok (every request, with --repeat), 1 a client error (the
 * JSON line says which), 2 bad arguments (a message and the usage on err,
 * nothing on out).
 *
 * The response body itself is read whole (at most FL_FETCH_RESPONSE_BYTES_MAX)
 * and counted, not printed.
 */
#ifndef FL_HARNESS_FETCH_H
#define FL_HARNESS_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "client/message.h"
#include "sim/runtime/error.h"

enum {
    FL_FETCH_EXIT_OK = 0,
    FL_FETCH_EXIT_CLIENT_ERROR = 1,
    FL_FETCH_EXIT_USAGE = 2,
};

enum { FL_FETCH_HEADERS_MAX = 64, FL_FETCH_REPEAT_MAX = 100 };

#define FL_FETCH_FILE_BYTES_MAX ((uint64_t)256 << 20)     /* -d @FILE */
#define FL_FETCH_STREAM_BYTES_MAX ((uint64_t)1 << 40)     /* --stream-body */
#define FL_FETCH_RESPONSE_BYTES_MAX ((size_t)256 << 20)   /* response body */
#define FL_FETCH_TIMEOUT_SECONDS_MAX 86400.0

typedef enum fl_fetch_body {
    FL_FETCH_BODY_NONE,
    FL_FETCH_BODY_DATA,   /* -d DATA */
    FL_FETCH_BODY_FILE,   /* -d @FILE */
    FL_FETCH_BODY_STREAM, /* --stream-body BYTES */
} fl_fetch_body_t;

/* The parsed command line. Strings point into argv (borrowed). */
typedef struct fl_fetch_args {
    bool help;
    const char *method;                           /* NULL: GET, or POST with a body */
    const char *headers[FL_FETCH_HEADERS_MAX];    /* "Name: value", as given */
    size_t header_count;
    fl_fetch_body_t body;
    const char *data;                             /* DATA: the bytes; FILE: the path */
    uint64_t stream_bytes;                        /* STREAM */
    int64_t timeout_ns;                           /* 0: the client's defaults */
    int64_t max_time_ns;                          /* 0: no deadline per request */
    uint32_t retry_attempts;                      /* 0: no retry middleware */
    uint32_t repeat;                              /* requests to send; 0 or 1: one */
    const char *url;
} fl_fetch_args_t;

/* Parses argv[1..argc) (argv[0] is the command's name, "fetch"). Returns 0
 * with args filled, or -1 with a one-line message in error (capacity
 * error_size) for an unknown option, a missing or invalid value, a second
 * URL or body, or no URL (unless --help was given). Reads no file. */
int fl_fetch_parse(int argc, char **argv, fl_fetch_args_t *args, char *error, size_t error_size);

/* The usage text. */
void fl_fetch_usage(FILE *out);

/* Writes the failure line for error (not NULL) and attempts. */
void fl_fetch_write_error(FILE *out, const fl_error_t *error, uint32_t attempts);

/* The whole command: parses, reads -d @FILE, sends the request (--repeat
 * times) in a world of its own over uvnet, writes the JSON lines on out or
 * the usage on err, and returns the exit status (FL_FETCH_EXIT_*). argv[0]
 * is "fetch". */
int fl_fetch_main(int argc, char **argv, FILE *out, FILE *err);

#endif /* FL_HARNESS_FETCH_H */
