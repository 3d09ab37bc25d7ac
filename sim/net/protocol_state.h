/* The protocol states a connection's ends can be in when a fault acts on
 * it: one table, the rows of the fault × protocol-state matrix.
 *
 * The layers above the network say which state their end of a connection
 * is in (fl_conn_set_protocol_state): the client's transport from
 * connecting to idle in the pool, the server from waiting for a request to
 * after the response completed. When a fault acts on a connection, the
 * simulated network counts the fault's action against the state of each
 * end (fl_fault_matrix_t), so a suite can be asked which states its faults
 * reached. As with protocol events, the network defines the names so it
 * can count them without knowing who reports them.
 *
 * Each row: the identifier, the side whose state it is, its name, and what
 * the end is doing. */
#ifndef FL_PROTOCOL_STATE_H
#define FL_PROTOCOL_STATE_H

#include <stdint.h>

#include "sim/net/fault.h"
#include "sim/net/net.h"
#include "sim/runtime/error.h"

#define FL_PROTOCOL_STATES(X)                                                                      \
    X(CLIENT_CONNECTING, FL_SIDE_CLIENT, "connecting", "the connection is being opened")           \
    X(CLIENT_WRITING_HEAD, FL_SIDE_CLIENT, "writing head", "the request's head is being written")  \
    X(CLIENT_WRITING_BODY, FL_SIDE_CLIENT, "writing body", "the request's body is being written")  \
    X(CLIENT_AWAITING, FL_SIDE_CLIENT, "awaiting",                                                 \
      "the request is written; no byte of the response has arrived")                               \
    X(CLIENT_READING_HEAD, FL_SIDE_CLIENT, "reading head", "the response's head is arriving")      \
    X(CLIENT_READING_BODY, FL_SIDE_CLIENT, "reading body", "the response's body is being read")    \
    X(CLIENT_IDLE_IN_POOL, FL_SIDE_CLIENT, "idle in pool",                                         \
      "the response is read; the connection waits in the pool")                                    \
    X(SERVER_NO_REQUEST, FL_SIDE_SERVER, "no request", "waiting for a request's head")             \
    X(SERVER_BEFORE_START, FL_SIDE_SERVER, "before start",                                         \
      "the app runs; http.response.start is not sent")                                             \
    X(SERVER_AFTER_START, FL_SIDE_SERVER, "after start", "the head is sent, no body yet")          \
    X(SERVER_STREAMING, FL_SIDE_SERVER, "streaming", "body messages are going out, more to come")  \
    X(SERVER_AFTER_COMPLETION, FL_SIDE_SERVER, "after completion", "the response is complete")

typedef enum fl_protocol_state {
#define FL__PROTOCOL_STATE_ENUM(id, side, name, doc) FL_PROTOCOL_STATE_##id,
    FL_PROTOCOL_STATES(FL__PROTOCOL_STATE_ENUM)
#undef FL__PROTOCOL_STATE_ENUM
        FL_PROTOCOL_STATE_COUNT
} fl_protocol_state_t;

const char *fl_protocol_state_name(fl_protocol_state_t state);
const char *fl_protocol_state_doc(fl_protocol_state_t state);
fl_side_t fl_protocol_state_side(fl_protocol_state_t state);

/* The state a new end starts in: connecting, or waiting for a request. */
fl_protocol_state_t fl_protocol_state_initial(fl_side_t side);

/* Error kinds as a set (kinds are small numbers: the tree is bounded). */
enum { FL_ERROR_KIND_SET_WORDS = FL_ERR_KIND_COUNT / 64 };
typedef struct fl_error_kind_set {
    uint64_t bits[FL_ERROR_KIND_SET_WORDS];
} fl_error_kind_set_t;

void fl_error_kind_set_add(fl_error_kind_set_t *set, fl_error_kind_t kind);
_Bool fl_error_kind_set_has(const fl_error_kind_set_t *set, fl_error_kind_t kind);

/* One cell: how often a fault's action met an end in the state; over a
 * range of seeds, in how many seeds, and the error kinds the client's
 * steps ended with in those seeds. */
typedef struct fl_fault_matrix_cell {
    uint64_t hits;
    uint64_t seeds;
    fl_error_kind_set_t errors;
} fl_fault_matrix_cell_t;

typedef struct fl_fault_matrix {
    fl_fault_matrix_cell_t cells[FL_PROTOCOL_STATE_COUNT][FL_FAULT_ACTION_COUNT];
} fl_fault_matrix_t;

/* One run's counts, as the simulated network keeps them: small, so a seed
 * whose faults never acted costs nothing to record (total 0). */
enum { FL_FAULT_HITS_CELLS_LISTED = 16 };
typedef struct fl_fault_hits {
    uint32_t total;
    uint32_t counts[FL_PROTOCOL_STATE_COUNT][FL_FAULT_ACTION_COUNT];
    /* The cells counted, in the order first met, while they fit: adding a
     * seed then visits these instead of every cell. */
    uint32_t cells_met;
    uint16_t cells[FL_FAULT_HITS_CELLS_LISTED]; /* state * FL_FAULT_ACTION_COUNT + action */
} fl_fault_hits_t;

/* Counts one action against one end's state. */
void fl_fault_hits_count(fl_fault_hits_t *hits, fl_protocol_state_t state,
                         fl_fault_action_kind_t action);

/* Adds a seed's hits into a range's matrix: every cell the seed reached
 * counts one seed more and gains the seed's error kinds. */
void fl_fault_matrix_add_seed(fl_fault_matrix_t *range, const fl_fault_hits_t *seed,
                              const fl_error_kind_set_t *seed_errors);

/* Adds one range's matrix into another's (shards, files). */
void fl_fault_matrix_merge(fl_fault_matrix_t *into, const fl_fault_matrix_t *from);

#endif /* FL_PROTOCOL_STATE_H */
