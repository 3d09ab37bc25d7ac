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

/* The hash folds two 64-bit words per step: their full 128-bit product,
 * high half xored into low (wyhash's "mum"). One multiply per two words
 * halves the serial chain of a per-word mix, and the trace hash runs on
 * every task switch: with a per-word mix it was a tenth of a scenario run.
 * Each operand is xored with its own odd constant, so a zero field does not
 * zero the product; the running hash enters the first fold of each event,
 * so the order of events counts. */
enum {
    LANE_COUNT = 6,
};
static const uint64_t lanes[LANE_COUNT] = {
    0xa0761d6478bd642fULL, 0xe7037ed1a0b428dbULL, 0x8ebc6af09c88c6e3ULL,
    0x589965cc75374cc3ULL, 0x1d8e4e27c47d124fULL, 0x9e3779b97f4a7c15ULL,
};

static inline uint64_t fold(uint64_t a, uint64_t b) {
    __uint128_t product = (__uint128_t)a * b;
    return (uint64_t)product ^ (uint64_t)(product >> 64);
}

/* Little-endian loads, so that hashes agree across architectures. */
static inline uint64_t load_le8(const char *bytes) {
    uint64_t word;
    memcpy(&word, bytes, 8); /* a constant size: one load, no call */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    word = __builtin_bswap64(word);
#endif
    return word;
}

static inline uint64_t load_le4(const char *bytes) {
    uint32_t word;
    memcpy(&word, bytes, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    word = __builtin_bswap32(word);
#endif
    return word;
}

/* Fewer than eight bytes as a little-endian word (byte k at bits 8k),
 * without reading past them (a variable-size memcpy here was a libc call
 * per event, a byte loop a tenth of the event). Two loads that may overlap
 * (wyhash's trick): an overlapping byte lands at its own bits from both, so
 * or-ing them gives exactly the word the byte loop built. */
static inline uint64_t load_le_tail(const char *bytes, size_t length) {
    const unsigned char *b = (const unsigned char *)bytes;
    if (length >= 4) return load_le4(bytes) | load_le4(bytes + length - 4) << (8 * (length - 4));
    if (length == 0) return 0;
    return (uint64_t)b[0] | (uint64_t)b[length / 2] << (8 * (length / 2)) |
           (uint64_t)b[length - 1] << (8 * (length - 1));
}

/* Sixteen bytes per fold; the last fold takes the tail and the length, so
 * "ab" + "" and "a" + "b" differ and a trailing NUL-free tail counts. */
static inline uint64_t hash_detail(uint64_t h, const char *detail) {
    size_t length = strlen(detail);
    size_t i = 0;
    for (; i + 16 <= length; i += 16)
        h = fold(h ^ load_le8(detail + i) ^ lanes[4], load_le8(detail + i + 8) ^ lanes[5]);
    size_t rest = length - i;
    uint64_t first = rest >= 8 ? load_le8(detail + i) : load_le_tail(detail + i, rest);
    uint64_t second = rest > 8 ? load_le_tail(detail + i + 8, rest - 8) : 0;
    return fold(h ^ first ^ lanes[4], second ^ ((uint64_t)length << 32) ^ lanes[5]);
}

/* The detail's folds, out of line: most events have none, and the strlen
 * call left in fl_trace_emit's body made every event save and restore
 * registers for it. */
static __attribute__((noinline)) uint64_t fold_detail(uint64_t h, const char *detail) {
    return hash_detail(h, detail);
}

/* The rest of an event that goes to a sink or the kept records: its
 * detail's folds, then the handing on. Out of line for the same reason: a
 * suite or a benchmark has no sink and keeps nothing. h is the hash after
 * the fixed folds; kind_task is the event's kind (high half) and task (low
 * half), as the first fold took them. */
static __attribute__((noinline)) void hand_on(fl_trace_t *trace, uint64_t h, int64_t time_ns,
                                              uint64_t kind_task, uint32_t object,
                                              int64_t value, const char *detail) {
    trace->hash = detail != NULL ? hash_detail(h, detail) : h;
    fl_trace_event_t event = {time_ns, (fl_trace_kind_t)(kind_task >> 32), (uint32_t)kind_task,
                              object, value, detail};
    if (trace->sink != NULL) trace->sink(trace->sink_context, &event);
    if (!trace->keep_events || trace->count > trace->event_limit) return;
    size_t index = (size_t)trace->count - 1;
    if (index == trace->event_capacity) {
        size_t capacity = trace->event_capacity ? trace->event_capacity * 2 : 256;
        fl_trace_event_t *grown = realloc(trace->events, capacity * sizeof *grown);
        if (grown == NULL) fl__out_of_memory("trace");
        trace->events = grown;
        trace->event_capacity = capacity;
    }
    trace->events[index] = event;
}

void fl_trace_emit(fl_trace_t *trace, int64_t time_ns, fl_trace_kind_t kind, uint32_t task,
                   uint32_t object, int64_t value, const char *detail) {
    assert(kind < FL_TRACE_KIND_COUNT);
    /* Two folds over four words: (hash ^ time, kind|task), then (that ^
     * object, value). Each field sits in its own operand bits, so no two
     * fields of one event can cancel. A detail, when present, adds one fold
     * per sixteen bytes; an absent detail and an empty one differ. */
    uint64_t kind_task = ((uint64_t)kind << 32) | task;
    uint64_t h = fold(trace->hash ^ (uint64_t)time_ns ^ lanes[0], kind_task ^ lanes[1]);
    h = fold(h ^ object ^ lanes[2], (uint64_t)value ^ lanes[3]);
    trace->count++;
    trace->kind_counts[kind]++;
    if (trace->sink == NULL && !trace->keep_events) {
        /* The common case, kept free of all but the detail's call. */
        trace->hash = detail != NULL ? fold_detail(h, detail) : h;
        return;
    }
    hand_on(trace, h, time_ns, kind_task, object, value, detail);
}

void fl_trace_set_sink(fl_trace_t *trace, fl_trace_sink_fn sink, void *context) {
    assert(trace != NULL);
    trace->sink = sink;
    trace->sink_context = sink != NULL ? context : NULL;
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
