/* The SSE session client (story 4, claude-agent-sdk #576/#600).
 *
 * fl_sse_connect opens a streaming GET and starts a reader task inside a
 * task group entered by the connecting task (as the SDK's connect starts
 * its reader in a task group of the task that calls it). The reader parses
 * the event stream and sends each event on a channel; when the stream ends
 * or fails, it sends a final "end" message. fl_sse_receive takes the next
 * message from the channel.
 *
 * The owner-task check (on by default) remembers the connecting task: a
 * receive from any other task fails at once with TaskContextError naming
 * both task ids (the #600 fix). With the check off, the story's mechanism
 * is intact: when the connecting task's scope is cancelled, the reader is
 * cancelled too, its final "end" send is cancelled at its checkpoint
 * (level-triggered), and another task waiting in receive waits forever: a
 * silent hang, which the runtime reports.
 *
 * Parsing follows the HTML event-stream rules: "data" lines joined with
 * "\n", "event", "id", "retry" (digits only), comment lines (":") ignored,
 * an event without data not dispatched, CR, LF and CRLF line ends, lines
 * split across reads.
 */
#ifndef FL_CLIENT_SSE_H
#define FL_CLIENT_SSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/client.h"

typedef struct fl_sse_message {
    bool end;           /* the reader's final message: no event */
    const char *event;  /* "message" when the stream gave no type */
    const char *data;
    const char *id;     /* NULL when none */
    bool has_retry;
    int64_t retry_ms;
} fl_sse_message_t;

typedef struct fl_sse_options {
    bool no_owner_check;    /* reproduce the hang instead of failing fast */
    const char *channel_name; /* for hang reports; NULL: "sse messages" */
    const char *last_event_id; /* sent as Last-Event-ID (a reconnect resuming); NULL: none */
} fl_sse_options_t;

typedef struct fl_sse_session fl_sse_session_t;

/* Connects: opens the stream (its errors are returned here) and starts the
 * reader. The session lives in the world's arena. */
fl_error_t *fl_sse_connect(fl_world_t *world, fl_client_t *client, const char *url,
                           const fl_sse_options_t *options, fl_sse_session_t **session_out);

/* The next message (an event, or the final one with end set). */
fl_error_t *fl_sse_receive(fl_world_t *world, fl_sse_session_t *session,
                           fl_sse_message_t **message_out);

/* Closes: cancels the reader, closes the stream, and closes the task group
 * (so it must be called by the connecting task). Returns the reader's error
 * if it failed with anything but Cancelled. */
fl_error_t *fl_sse_close(fl_world_t *world, fl_sse_session_t *session);

/* The comment lines the session's stream held so far, and of them the
 * pings (": ping ...", as sse-starlette sends them). */
void fl_sse_comments(const fl_sse_session_t *session, uint64_t *comments_out,
                     uint64_t *pings_out);

/* The connecting task's id. */
uint32_t fl_sse_owner(const fl_sse_session_t *session);

/* --- the parser, on its own (for tests and reuse) --- */

typedef struct fl_sse_parser fl_sse_parser_t;
typedef void (*fl_sse_dispatch_fn)(void *context, const fl_sse_message_t *message);

fl_sse_parser_t *fl_sse_parser_create(fl_arena_t *arena, fl_sse_dispatch_fn dispatch,
                                      void *context);
/* Feeds bytes; complete events are dispatched (strings in the arena).
 * Returns false once a line is longer than 65535 bytes: the parser stops
 * there (nothing of that line or its event is dispatched, and later feeds
 * do nothing), as cutting the line would pass a truncated event off as
 * whole. The session ends with RemoteProtocolError. */
bool fl_sse_parser_feed(fl_sse_parser_t *parser, const char *data, size_t length);
/* Drops the event being built, if any (a stream that ended inside one):
 * the only memory of a parser that is not in its arena. */
void fl_sse_parser_discard(fl_sse_parser_t *parser);

#endif /* FL_CLIENT_SSE_H */
