/* The fault plan's insides, shared by its two files: proxy_faults.c (the
 * plan and its decisions) and proxy_faults_file.c (the fault file's form,
 * read and written). Internal to harness/proxy/ and its tests. */
#ifndef FL_PROXY_FAULTS_INTERNAL_H
#define FL_PROXY_FAULTS_INTERNAL_H

#include "harness/proxy/proxy_faults.h"
#include "sim/runtime/prng.h"

typedef struct proxy_fault {
    bool live;
    uint32_t id;
    fl_fault_entry_t entry;     /* its spec's strings are the fault's own, below */
    fl_protocol_event_t event;  /* event triggers: the row */
    uint64_t events_seen;       /* event triggers: over the connections watched */
    char *label;                /* malloc'ed, freed with the fault */
    char *body;                 /* answer-instead's body, or NULL */
} proxy_fault_t;

/* An open connection: bit s of bytes_done is set once slot s's bytes
 * trigger was reached on it, or when the fault came after it opened. */
typedef struct open_connection {
    uint32_t number;
    uint64_t bytes_done;
} open_connection_t;

struct fl_proxy_faults {
    fl_prng_t prng;
    proxy_fault_t slots[FL_PROXY_FAULTS_MAX];
    uint8_t order[FL_PROXY_FAULTS_MAX]; /* the live slots, by id (the plan's order) */
    size_t count;
    uint32_t next_id;                   /* from 1, never reused */
    uint64_t fired;
    open_connection_t *open;            /* sorted by number */
    size_t open_count;
    size_t open_capacity;
};

/* Adds a validated entry (fl_fault_plan_add normalized it) with label, or
 * its default "fault #ID trigger->action" when NULL; the strings are
 * copied. The caller checked the cap. Returns the new id. */
uint32_t fl__proxy_faults_add(fl_proxy_faults_t *faults, const fl_fault_entry_t *entry,
                              const char *label);

/* The connections open, and the room held for them (for tests of bounds). */
size_t fl__proxy_faults_open_count(const fl_proxy_faults_t *faults, size_t *capacity_out);

#endif /* FL_PROXY_FAULTS_INTERNAL_H */
