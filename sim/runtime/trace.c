#include "sim/runtime/trace.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/arena.h"

/* Keeping more than this many records is a sign of a runaway run; the hash
 * still covers every event past it. */
enum { TRACE_EVENT_LIMIT_DEFAULT = 4 * 1024 * 1024 };

static const char *const kind_names[FL_TRACE_KIND_COUNT] = {
#define FL__TRACE_KIND_NAME(id, name) [FL_TRACE_##id] = name,
    FL_TRACE_KINDS(FL__TRACE_KIND_NAME)
#undef FL__TRACE_KIND_NAME
};

const char *fl_trace_kind_name(fl_trace_kind_t kind) {
    assert(kind < FL_TRACE_KIND_COUNT);
    return kind_names[kind];
}

void fl_trace_init(fl_trace_t *trace, bool keep_events) {
    *trace = (fl_trace_t){0};
    trace->hash = 0xcbf29ce484222325ULL;
    trace->keep_events = keep_events;
    trace->event_limit = TRACE_EVENT_LIMIT_DEFAULT;
}

void fl_trace_destroy(fl_trace_t *trace) {
    free(trace->events);
    trace->events = NULL;
    trace->event_capacity = 0;
}

/* One multiply-xorshift round per word: cheap enough to run on every task
 * switch, and order-sensitive, so a reordered schedule changes the hash. */
static inline uint64_t mix(uint64_t h, uint64_t word) {
    h ^= word;
    h *= 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
}

/* Little-endian load, so that hashes agree across architectures. */
static inline uint64_t load_le(const char *bytes, size_t length) {
    uint64_t word = 0;
    memcpy(&word, bytes, length);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    if (length > 0) word = __builtin_bswap64(word) >> (8 * (8 - length));
#endif
    return word;
}

void fl_trace_emit(fl_trace_t *trace, int64_t time_ns, fl_trace_kind_t kind, uint32_t task,
                   uint32_t object, int64_t value, const char *detail) {
    assert(kind < FL_TRACE_KIND_COUNT);
    uint64_t h = trace->hash;
    h = mix(h, (uint64_t)time_ns);
    h = mix(h, ((uint64_t)kind << 32) | task);
    h = mix(h, object);
    h = mix(h, (uint64_t)value); /* separate words: no two fields can cancel out */
    if (detail != NULL) {
        /* Eight bytes per round: details are log lines, hashed on every
         * event, and a byte-wise loop was a tenth of a scenario run. */
        size_t length = strlen(detail);
        size_t i = 0;
        for (; i + 8 <= length; i += 8) h = mix(h, load_le(detail + i, 8));
        h = mix(h, load_le(detail + i, length - i) ^ ((uint64_t)length << 56));
    }
    trace->hash = h;
    trace->count++;
    trace->kind_counts[kind]++;
    if (!trace->keep_events || trace->count > trace->event_limit) return;
    size_t index = (size_t)trace->count - 1;
    if (index == trace->event_capacity) {
        size_t capacity = trace->event_capacity ? trace->event_capacity * 2 : 256;
        fl_trace_event_t *grown = realloc(trace->events, capacity * sizeof *grown);
        if (grown == NULL) fl__out_of_memory("trace");
        trace->events = grown;
        trace->event_capacity = capacity;
    }
    trace->events[index] = (fl_trace_event_t){time_ns, kind, task, object, value, detail};
}

uint64_t fl_trace_hash(const fl_trace_t *trace) {
    /* Final avalanche so that close runs give visibly different hashes. */
    uint64_t h = trace->hash ^ trace->count;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

const fl_trace_event_t *fl_trace_events(const fl_trace_t *trace, size_t *count_out) {
    size_t kept = 0;
    if (trace->keep_events)
        kept = trace->count < trace->event_limit ? (size_t)trace->count : trace->event_limit;
    *count_out = kept;
    return kept ? trace->events : NULL;
}
