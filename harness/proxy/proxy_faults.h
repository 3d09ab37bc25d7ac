/* The proxy's fault plan at run time: the faults of a fault file (read by
 * the scenario loader's own fault table and parser, load_faults.c), plus
 * those the admin API adds, less those it removes; and the decision of
 * which fire when.
 *
 * The proxy tells the plan what happens (a connection accepted, a protocol
 * event forwarded, bytes forwarded, time passing) and gets back the firings
 * to carry out, in the plan's order. The rules are the scenario files'
 * (docs/SCENARIOS.md "faults"), on real connections:
 *   - connections are the client connections the proxy accepted, numbered
 *     from 1 in order; a connect trigger {connect: K} is the K-th (0: every
 *     one), reached before the proxy dials the upstream;
 *   - at: real time since the proxy started; the action hits connection
 *     `connection` (0: every open one);
 *   - bytes: forwarded in the direction on the connection (0: each
 *     connection, once on each); the proxy forwards exactly up to a
 *     threshold (fl_proxy_faults_next_bytes) before it reports it;
 *   - event: the N-th occurrence of a FL_REPORTER_PROXY event, counted
 *     over the connections the trigger watches; `repeat` fires every time;
 *   - probability: drawn from a PRNG seeded with the proxy's --seed, in the
 *     order triggers are reached, so a run repeats when its traffic does.
 *   - a fault added while connections are open applies to the connections
 *     accepted after it (bytes and connect triggers) and to the events
 *     after it (event triggers count from then on, on every connection);
 *   - an at trigger whose connection is not open when its time comes (or,
 *     for connection 0, when none is) is reached but does not fire.
 * The plan holds at most FL_PROXY_FAULTS_MAX faults at a time. Each has an
 * id, from 1, never reused, by which the admin API names it. Memory: the
 * faults, and a few bytes per connection open (none once it is closed).
 *
 * Not thread-safe; lives on the proxy's loop thread.
 */
#ifndef FL_PROXY_FAULTS_H
#define FL_PROXY_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/json/json.h"
#include "sim/net/fault.h"
#include "sim/net/protocol_event.h"

enum { FL_PROXY_FAULTS_MAX = 64, FL_PROXY_FIRINGS_MAX = FL_PROXY_FAULTS_MAX };

typedef struct fl_proxy_faults fl_proxy_faults_t;

/* One fault that fired: what the proxy must do, and what its log says.
 * label and action.answer_body point into the plan and live until the
 * fault is removed: a firing carried out later (an answer written once the
 * request head is complete) copies what it needs. */
typedef struct fl_proxy_firing {
    uint32_t fault_id;
    uint32_t connection;       /* the connection acted on (0: every open one, at triggers) */
    const char *label;         /* the fault's label: "fault #3 event->reset" by default */
    fl_fault_action_t action;  /* direction resolved (fl_fault_action_direction);
                                  answer-instead carries its status and body */
    fl_fault_trigger_kind_t trigger;
} fl_proxy_firing_t;

fl_proxy_faults_t *fl_proxy_faults_create(uint64_t seed);
void fl_proxy_faults_destroy(fl_proxy_faults_t *faults);

/* Reads a proxy fault file (YAML: `faults:`, the scenario files' fault
 * list, and optionally `description:`) and adds its faults. Faults a proxy
 * cannot carry out (cancel-task, client-disconnect, the simulated server's
 * events, may_not_fire) are refused with the file's line and column, and
 * so is answer-instead on a trigger other than connect, proxy.request_head,
 * proxy.request_done or proxy.response_head. All or none are added.
 * Returns 0, FL_EINVAL with "FILE:LINE:COL: error: ..." in error, or
 * FL_ENOTFOUND ("FILE: error: cannot open: ...") when there is no file. */
int fl_proxy_faults_load_file(fl_proxy_faults_t *faults, const char *path, char *error,
                              size_t error_size);

/* The admin API's POST body: one fault as a JSON object, or a JSON array
 * of them, in the scenario files' form
 * ({"trigger": {"event": "proxy.sse_event", "count": 3}, "action": "reset"}).
 * All or none are added; the new ids are written into ids (capacity
 * FL_PROXY_FAULTS_MAX) and their number into *id_count (0 on an error).
 * Returns 0, or FL_EINVAL with the message in error, named by its path
 * and without a file position ("faults[0].action: unknown fault action
 * 'rest' (did you mean 'reset'? ..."), as the admin API answers it. */
int fl_proxy_faults_add_json(fl_proxy_faults_t *faults, const char *text, size_t length,
                             uint32_t *ids, size_t *id_count, char *error, size_t error_size);

/* Removes one fault (false: no such id) or every fault. */
bool fl_proxy_faults_remove(fl_proxy_faults_t *faults, uint32_t id);
void fl_proxy_faults_clear(fl_proxy_faults_t *faults);

/* Writes the plan as a JSON array: per fault its id, label, trigger and
 * action (as the file writes them), and the times it was reached and
 * fired. */
void fl_proxy_faults_write_json(const fl_proxy_faults_t *faults, fl_json_writer_t *json);

size_t fl_proxy_faults_count(const fl_proxy_faults_t *faults);
uint64_t fl_proxy_faults_fired(const fl_proxy_faults_t *faults); /* firings, in all */

/* A connection was accepted (its number, each once) or has ended:
 * per-connection counters live between the two (closing one that is not
 * open does nothing). Returns the connect triggers' firings; out has room
 * for FL_PROXY_FIRINGS_MAX, as for every call below. */
size_t fl_proxy_faults_open(fl_proxy_faults_t *faults, uint32_t connection,
                            fl_proxy_firing_t *out);
void fl_proxy_faults_close(fl_proxy_faults_t *faults, uint32_t connection);

/* A protocol event was forwarded on the connection. */
size_t fl_proxy_faults_event(fl_proxy_faults_t *faults, uint32_t connection,
                             fl_protocol_event_t event, fl_proxy_firing_t *out);

/* The next bytes threshold at or above forwarded on that direction of the
 * connection that has not been reached there (UINT64_MAX: none, or the
 * connection is not open): the proxy forwards at most up to it, then calls
 * fl_proxy_faults_bytes, which reaches every threshold at or below
 * forwarded once on the connection (a pump that went past one still
 * fires it, late). */
uint64_t fl_proxy_faults_next_bytes(const fl_proxy_faults_t *faults, uint32_t connection,
                                    fl_direction_t direction, uint64_t forwarded);
size_t fl_proxy_faults_bytes(fl_proxy_faults_t *faults, uint32_t connection,
                             fl_direction_t direction, uint64_t forwarded,
                             fl_proxy_firing_t *out);

/* The earliest at-trigger time not yet fired (since the proxy started;
 * INT64_MAX: none), and the firings of those due by now_ns. A firing whose
 * connection is 0 hits every connection open then. */
int64_t fl_proxy_faults_next_at(const fl_proxy_faults_t *faults);
size_t fl_proxy_faults_time(fl_proxy_faults_t *faults, int64_t now_ns, fl_proxy_firing_t *out);

#endif /* FL_PROXY_FAULTS_H */
