/* The proxy's fault plan at run time (proxy_faults.h): a fixed table of
 * slots, the live ones kept in id order, and the open connections' bytes
 * triggers. The decisions follow the simulated network's (sim/net/simnet.c)
 * and share its rule for a reached trigger (fl_fault_entry_reached_by). */
#include "harness/proxy/proxy_faults.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/proxy/proxy_faults_internal.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/out_of_memory.h"
#include "sim/runtime/prng.h"
#include "sim/runtime/status.h"

/* A connection keeps its bytes triggers as one bit a slot. */
_Static_assert(FL_PROXY_FAULTS_MAX <= 64, "one bit a slot in a uint64_t");

fl_proxy_faults_t *fl_proxy_faults_create(uint64_t seed) {
    fl_proxy_faults_t *faults = calloc(1, sizeof *faults);
    if (faults == NULL) fl__out_of_memory("fl_proxy_faults_create");
    /* A stream of its own: the proxy's draws repeat with its --seed alone. */
    fl_prng_seed(&faults->prng, seed, "proxy faults");
    faults->next_id = 1;
    assert(faults->count == 0 && faults->open_count == 0);
    return faults;
}

static void free_fault(proxy_fault_t *fault) {
    assert(fault != NULL && fault->live);
    free(fault->label);
    free(fault->body);
    *fault = (proxy_fault_t){.live = false};
}

void fl_proxy_faults_destroy(fl_proxy_faults_t *faults) {
    if (faults == NULL) return;
    fl_proxy_faults_clear(faults);
    free(faults->open);
    free(faults);
}

static char *copy_text(const char *text) {
    assert(text != NULL);
    size_t length = strlen(text) + 1;
    char *copy = malloc(length);
    if (copy == NULL) fl__out_of_memory("proxy fault");
    memcpy(copy, text, length);
    return copy;
}

/* A free slot (the caller checked the count against the cap). */
static size_t free_slot(const fl_proxy_faults_t *faults) {
    assert(faults->count < FL_PROXY_FAULTS_MAX);
    for (size_t s = 0; s < FL_PROXY_FAULTS_MAX; s++)
        if (!faults->slots[s].live) return s;
    FL_UNREACHABLE(); /* fewer live faults than slots */
}

uint32_t fl__proxy_faults_add(fl_proxy_faults_t *faults, const fl_fault_entry_t *entry,
                              const char *label) {
    assert(faults != NULL && entry != NULL && faults->count < FL_PROXY_FAULTS_MAX);
    assert(faults->next_id < UINT32_MAX); /* four billion additions: ids never wrap */
    size_t s = free_slot(faults);
    proxy_fault_t *fault = &faults->slots[s];
    *fault = (proxy_fault_t){.live = true, .id = faults->next_id++, .entry = *entry};
    fault->entry.reached = fault->entry.fired = 0;
    fault->entry.spent = false;
    fault->entry.index = fault->id;
    fl_fault_spec_t *spec = &fault->entry.spec;
    /* The default label names the fault by its id, as the admin API does. */
    char made[96];
    if (label == NULL)
        snprintf(made, sizeof made, "fault #%" PRIu32 " %s->%s", fault->id,
                 fl_fault_trigger_name(spec->trigger.kind), fl_fault_action_name(spec->action.kind));
    spec->label = fault->label = copy_text(label != NULL ? label : made);
    fault->body = spec->action.answer_body ? copy_text(spec->action.answer_body) : NULL;
    spec->action.answer_body = fault->body;
    spec->action.task = NULL; /* the proxy loader refused cancel-task */
    if (spec->trigger.kind == FL_FAULT_TRIGGER_EVENT) {
        bool known = fl_protocol_event_from_name(spec->trigger.event, &fault->event);
        assert(known); /* the loader refused an unknown event */
        (void)known;
        spec->trigger.event = fl_protocol_event_name(fault->event); /* static: no copy */
    }
    faults->order[faults->count++] = (uint8_t)s;
    /* A bytes trigger applies to connections accepted after it: those open
     * now have forwarded bytes it never saw. */
    for (size_t c = 0; c < faults->open_count; c++) faults->open[c].bytes_done |= UINT64_C(1) << s;
    assert(faults->count <= FL_PROXY_FAULTS_MAX && spec->label != NULL);
    return fault->id;
}

bool fl_proxy_faults_remove(fl_proxy_faults_t *faults, uint32_t id) {
    assert(faults != NULL && faults->count <= FL_PROXY_FAULTS_MAX);
    for (size_t i = 0; i < faults->count; i++) {
        proxy_fault_t *fault = &faults->slots[faults->order[i]];
        assert(fault->live);
        if (fault->id != id) continue;
        free_fault(fault);
        memmove(&faults->order[i], &faults->order[i + 1], faults->count - i - 1);
        faults->count--;
        return true;
    }
    return false;
}

void fl_proxy_faults_clear(fl_proxy_faults_t *faults) {
    assert(faults != NULL);
    for (size_t i = 0; i < faults->count; i++) free_fault(&faults->slots[faults->order[i]]);
    faults->count = 0;
    for (size_t s = 0; s < FL_PROXY_FAULTS_MAX; s++) assert(!faults->slots[s].live);
}

size_t fl_proxy_faults_count(const fl_proxy_faults_t *faults) {
    assert(faults != NULL && faults->count <= FL_PROXY_FAULTS_MAX);
    return faults->count;
}

uint64_t fl_proxy_faults_fired(const fl_proxy_faults_t *faults) {
    assert(faults != NULL);
    return faults->fired;
}

/* --- open connections: sorted by number, for a binary search -------------- */

static size_t connection_position(const fl_proxy_faults_t *faults, uint32_t connection) {
    size_t low = 0, high = faults->open_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (faults->open[middle].number < connection) low = middle + 1;
        else high = middle;
    }
    assert(low <= faults->open_count);
    return low;
}

static open_connection_t *find_connection(const fl_proxy_faults_t *faults, uint32_t connection) {
    size_t at = connection_position(faults, connection);
    if (at < faults->open_count && faults->open[at].number == connection) return &faults->open[at];
    return NULL;
}

static void insert_connection(fl_proxy_faults_t *faults, uint32_t connection) {
    if (faults->open_count == faults->open_capacity) {
        size_t capacity = faults->open_capacity ? faults->open_capacity * 2 : 16;
        open_connection_t *grown = realloc(faults->open, capacity * sizeof *grown);
        if (grown == NULL) fl__out_of_memory("proxy connections");
        faults->open = grown;
        faults->open_capacity = capacity;
    }
    size_t at = connection_position(faults, connection);
    assert(at == faults->open_count || faults->open[at].number != connection); /* opened once */
    memmove(&faults->open[at + 1], &faults->open[at],
            (faults->open_count - at) * sizeof *faults->open);
    faults->open[at] = (open_connection_t){.number = connection};
    faults->open_count++;
}

void fl_proxy_faults_close(fl_proxy_faults_t *faults, uint32_t connection) {
    assert(faults != NULL);
    open_connection_t *open = find_connection(faults, connection);
    if (open == NULL) return; /* closed twice, or never opened: nothing is kept */
    size_t at = (size_t)(open - faults->open);
    memmove(open, open + 1, (faults->open_count - at - 1) * sizeof *open);
    faults->open_count--;
    /* Memory follows the connections open now, not all there ever were. */
    if (faults->open_capacity > 64 && faults->open_count < faults->open_capacity / 4) {
        size_t capacity = faults->open_capacity / 2;
        open_connection_t *shrunk = realloc(faults->open, capacity * sizeof *shrunk);
        if (shrunk != NULL) faults->open = shrunk, faults->open_capacity = capacity;
    }
    assert(find_connection(faults, connection) == NULL);
}

size_t fl__proxy_faults_open_count(const fl_proxy_faults_t *faults, size_t *capacity_out) {
    assert(faults != NULL && faults->open_count <= faults->open_capacity);
    if (capacity_out != NULL) *capacity_out = faults->open_capacity;
    return faults->open_count;
}

/* --- the decisions --------------------------------------------------------- */

static double draw(void *context) { return fl_prng_unit(context); }

/* The reached rule (count, probability, one-shot), then the firing. */
static size_t reach(fl_proxy_faults_t *faults, proxy_fault_t *fault, uint32_t connection,
                    fl_proxy_firing_t *out, size_t fired) {
    assert(fault->live && fired < FL_PROXY_FIRINGS_MAX);
    if (!fl_fault_entry_reached_by(&fault->entry, draw, &faults->prng)) return fired;
    faults->fired++;
    fl_fault_action_t action = fault->entry.spec.action;
    action.direction = fl_fault_action_direction(&fault->entry);
    action.direction_set = true;
    out[fired] = (fl_proxy_firing_t){.fault_id = fault->id, .connection = connection,
                                     .label = fault->entry.spec.label, .action = action,
                                     .trigger = fault->entry.spec.trigger.kind};
    return fired + 1;
}

size_t fl_proxy_faults_open(fl_proxy_faults_t *faults, uint32_t connection,
                            fl_proxy_firing_t *out) {
    assert(faults != NULL && out != NULL && connection >= 1);
    insert_connection(faults, connection);
    size_t fired = 0;
    for (size_t i = 0; i < faults->count; i++) {
        proxy_fault_t *fault = &faults->slots[faults->order[i]];
        const fl_fault_trigger_t *t = &fault->entry.spec.trigger;
        if (t->kind != FL_FAULT_TRIGGER_CONNECT) continue;
        if (t->connection != FL_FAULT_EVERY_CONNECTION && t->connection != connection) continue;
        fired = reach(faults, fault, connection, out, fired);
    }
    assert(fired <= faults->count);
    return fired;
}

size_t fl_proxy_faults_event(fl_proxy_faults_t *faults, uint32_t connection,
                             fl_protocol_event_t event, fl_proxy_firing_t *out) {
    assert(faults != NULL && out != NULL && event < FL_PROTOCOL_EVENT_COUNT);
    assert(fl_protocol_event_reporter(event) == FL_REPORTER_PROXY);
    size_t fired = 0;
    for (size_t i = 0; i < faults->count; i++) {
        proxy_fault_t *fault = &faults->slots[faults->order[i]];
        const fl_fault_trigger_t *t = &fault->entry.spec.trigger;
        if (t->kind != FL_FAULT_TRIGGER_EVENT || fault->event != event) continue;
        if (t->connection != FL_FAULT_EVERY_CONNECTION && t->connection != connection) continue;
        /* The N-th occurrence over the watched connections; repeat: every
         * one from the N-th on (simnet's sim_event). */
        fault->events_seen++;
        bool due = t->repeat ? fault->events_seen >= t->count : fault->events_seen == t->count;
        if (due) fired = reach(faults, fault, connection, out, fired);
    }
    assert(fired <= faults->count);
    return fired;
}

/* A bytes trigger that watches this direction of the connection and has
 * not been reached there. */
static bool bytes_pending(const proxy_fault_t *fault, const open_connection_t *open,
                          size_t slot, uint32_t connection, fl_direction_t direction) {
    const fl_fault_trigger_t *t = &fault->entry.spec.trigger;
    assert(fault->live && open != NULL && slot < FL_PROXY_FAULTS_MAX);
    return t->kind == FL_FAULT_TRIGGER_BYTES && t->direction == direction &&
           (t->connection == FL_FAULT_EVERY_CONNECTION || t->connection == connection) &&
           !(open->bytes_done & (UINT64_C(1) << slot));
}

uint64_t fl_proxy_faults_next_bytes(const fl_proxy_faults_t *faults, uint32_t connection,
                                    fl_direction_t direction, uint64_t forwarded) {
    assert(faults != NULL);
    const open_connection_t *open = find_connection(faults, connection);
    if (open == NULL) return UINT64_MAX;
    uint64_t next = UINT64_MAX;
    for (size_t i = 0; i < faults->count; i++) {
        size_t slot = faults->order[i];
        const proxy_fault_t *fault = &faults->slots[slot];
        if (!bytes_pending(fault, open, slot, connection, direction)) continue;
        uint64_t threshold = fault->entry.spec.trigger.bytes;
        if (threshold >= forwarded && threshold < next) next = threshold;
    }
    assert(next == UINT64_MAX || next >= forwarded);
    return next;
}

size_t fl_proxy_faults_bytes(fl_proxy_faults_t *faults, uint32_t connection,
                             fl_direction_t direction, uint64_t forwarded,
                             fl_proxy_firing_t *out) {
    assert(faults != NULL && out != NULL);
    open_connection_t *open = find_connection(faults, connection);
    if (open == NULL) return 0;
    size_t fired = 0;
    for (size_t i = 0; i < faults->count; i++) {
        size_t slot = faults->order[i];
        proxy_fault_t *fault = &faults->slots[slot];
        if (!bytes_pending(fault, open, slot, connection, direction)) continue;
        /* At the threshold, or past it when the pump went beyond: reached
         * once on this connection either way. */
        if (fault->entry.spec.trigger.bytes > forwarded) continue;
        open->bytes_done |= UINT64_C(1) << slot;
        fired = reach(faults, fault, connection, out, fired);
    }
    assert(fired <= faults->count);
    return fired;
}

int64_t fl_proxy_faults_next_at(const fl_proxy_faults_t *faults) {
    assert(faults != NULL);
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < faults->count; i++) {
        const fl_fault_entry_t *entry = &faults->slots[faults->order[i]].entry;
        if (entry->spec.trigger.kind != FL_FAULT_TRIGGER_AT || entry->reached > 0) continue;
        if (entry->spec.trigger.at_ns < next) next = entry->spec.trigger.at_ns;
    }
    assert(next >= 0);
    return next;
}

size_t fl_proxy_faults_time(fl_proxy_faults_t *faults, int64_t now_ns, fl_proxy_firing_t *out) {
    assert(faults != NULL && out != NULL);
    size_t fired = 0;
    for (size_t i = 0; i < faults->count; i++) {
        proxy_fault_t *fault = &faults->slots[faults->order[i]];
        fl_fault_entry_t *entry = &fault->entry;
        if (entry->spec.trigger.kind != FL_FAULT_TRIGGER_AT || entry->reached > 0) continue;
        if (entry->spec.trigger.at_ns > now_ns) continue;
        uint32_t target = entry->spec.action.connection;
        bool someone = target == FL_FAULT_EVERY_CONNECTION ? faults->open_count > 0
                                                           : find_connection(faults, target) != NULL;
        if (!someone) {
            /* Its moment passed with nothing to act on: reached, not fired
             * (simnet's "no such connection"), and never again (reached). */
            entry->reached++;
            continue;
        }
        fired = reach(faults, fault, target, out, fired);
    }
    assert(fired <= faults->count);
    return fired;
}
