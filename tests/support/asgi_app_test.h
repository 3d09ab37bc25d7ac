/* A harness for testing apps at the ASGI level, without the network server:
 * one world, one scope, a scripted receive and a recording send, and the
 * app called once in a task.
 *
 * receive: a checkpoint (unless receive_without_checkpoint: uvicorn's
 * receive returns a message that is ready without yielding), then the
 * queued messages in order; when the queue
 * is empty, http.disconnect forever (AT_EMPTY_DISCONNECT), block until
 * cancelled (AT_EMPTY_BLOCK), or wait for the gate event and then
 * http.disconnect forever (AT_EMPTY_GATE). send sets the gate after
 * disconnect_after_chunks body messages with more_body true.
 *
 * send: a checkpoint, then a copy of the message is kept and logged as
 * FL_SERVER_LOG_MESSAGE_SENT in the scope's log. After a disconnect with
 * spec24_raise, it raises OSError as an ASGI 2.4 server does; fail_send_at
 * = k makes the k-th send raise OSError.
 */
#ifndef FL_TEST_ASGI_APP_TEST_H
#define FL_TEST_ASGI_APP_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/asgi/asgi.h"
#include "sim/asgi/log.h"
#include "sim/runtime/runtime.h"

enum { AT_INCOMING_MAX = 16, AT_SENT_MAX = 256 };

typedef enum at_when_empty { AT_EMPTY_DISCONNECT, AT_EMPTY_BLOCK, AT_EMPTY_GATE } at_when_empty_t;

typedef struct at_harness {
    fl_world_t *world;
    fl_server_log_t *log;
    fl_asgi_scope_t scope;
    /* receive */
    fl_asgi_message_t incoming[AT_INCOMING_MAX];
    size_t incoming_count;
    size_t incoming_next;
    at_when_empty_t when_empty;
    fl_event_t *gate;
    size_t disconnect_after_chunks;
    bool disconnected;
    bool receive_without_checkpoint;
    size_t receive_count;
    /* send */
    const fl_asgi_message_t *sent[AT_SENT_MAX];
    size_t sent_count;
    size_t chunks_sent;
    bool spec24_raise;
    size_t fail_send_at;
    /* result */
    fl_asgi_app_t *app;
    fl_error_t *app_error;
    bool app_done;
    int64_t app_done_ns; /* virtual time when the app returned */
} at_harness_t;

/* A world (policy, seed; keep_trace off so thousands of runs stay cheap)
 * with a log and a GET / scope at spec 2.3. */
void at_init(at_harness_t *harness, const char *policy, uint64_t seed);
void at_destroy(at_harness_t *harness);

void at_push_request(at_harness_t *harness, const char *body, bool more_body);
void at_push_disconnect(at_harness_t *harness);
/* Disconnect once disconnect_after_chunks body chunks were sent. */
void at_disconnect_after_chunks(at_harness_t *harness, size_t chunks);

/* Spawns the app in task "app" and runs the world. */
fl_run_outcome_t at_run(at_harness_t *harness, fl_asgi_app_t *app);

size_t at_count_sent(const at_harness_t *harness, fl_asgi_message_type_t type);
/* The body bytes sent, concatenated (NUL-terminated, in the world's arena). */
const char *at_body_text(const at_harness_t *harness);
/* The index in the log of the first entry of kind whose text contains text
 * (NULL: any), or SIZE_MAX. */
size_t at_log_index(const at_harness_t *harness, fl_server_log_kind_t kind, const char *text);
size_t at_log_count(const at_harness_t *harness, fl_server_log_kind_t kind, const char *text);
/* A header of a sent message, or NULL. */
const char *at_sent_header(const at_harness_t *harness, size_t index, const char *name);

#endif /* FL_TEST_ASGI_APP_TEST_H */
