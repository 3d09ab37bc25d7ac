/* libFuzzer target: the client's server-sent-events parser (client/sse.h).
 *
 * Oracles beyond "no crash": the same bytes give the same events whether
 * they arrive at once or split at any point (the first input byte picks the
 * split), as a stream cut into packets anywhere must; no event's data is
 * longer than the bytes fed; an event name or id never holds a line break;
 * and a stream that ends inside an event leaves nothing behind (discard). */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/sse.h"

enum { EVENTS_MAX = 4096 }; /* more are counted, not compared */

typedef struct events {
    size_t count;
    const fl_sse_message_t *items[EVENTS_MAX];
} events_t;

static void collect(void *context, const fl_sse_message_t *message) {
    events_t *events = context;
    if (events->count < EVENTS_MAX) events->items[events->count] = message;
    events->count++;
}

static void fail(const char *what) {
    fprintf(stderr, "fuzz_sse: %s\n", what);
    abort();
}

static int same_text(const char *a, const char *b) {
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void check_event(const fl_sse_message_t *m, size_t fed) {
    if (m->event == NULL || m->data == NULL) fail("an event without a type or data");
    if (strlen(m->data) > fed) fail("an event's data is longer than the stream");
    if (strpbrk(m->event, "\r\n") != NULL) fail("an event type holds a line break");
    if (m->id != NULL && strpbrk(m->id, "\r\n") != NULL) fail("an event id holds a line break");
}

static int same_event(const fl_sse_message_t *a, const fl_sse_message_t *b) {
    return same_text(a->event, b->event) && same_text(a->data, b->data) &&
           same_text(a->id, b->id) && a->has_retry == b->has_retry &&
           (!a->has_retry || a->retry_ms == b->retry_ms);
}

static void parse(fl_arena_t *arena, const char *data, size_t size, size_t split,
                  events_t *events) {
    fl_sse_parser_t *parser = fl_sse_parser_create(arena, collect, events);
    fl_sse_parser_feed(parser, data, split);
    fl_sse_parser_feed(parser, data + split, size - split);
    fl_sse_parser_discard(parser);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static events_t whole, split; /* large: not on the stack */
    whole.count = split.count = 0;
    fl_arena_t arena;
    fl_arena_init(&arena);
    size_t at = size > 0 ? data[0] % (size + 1) : 0;
    parse(&arena, (const char *)data, size, size, &whole);
    parse(&arena, (const char *)data, size, at, &split);
    if (whole.count != split.count) fail("a split stream gave another number of events");
    for (size_t i = 0; i < whole.count && i < EVENTS_MAX; i++) {
        check_event(whole.items[i], size);
        if (!same_event(whole.items[i], split.items[i])) fail("a split stream gave another event");
    }
    fl_arena_destroy(&arena);
    return 0;
}
