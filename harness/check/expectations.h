/* The check function of each expectation kind, as its row in the table of
 * expectation kinds (model/kinds.h) names it. Each returns true when the
 * expectation holds after the run, else false with the reason in why. */
#ifndef FL_HARNESS_EXPECTATIONS_H
#define FL_HARNESS_EXPECTATIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/model/scenario.h"

struct fl_checker;
struct fl_step_state;

/* A step's outcome in words ("status 200", "ReadError: ...", "success"). */
void fl__describe_step(const struct fl_step_state *step, char *out, size_t capacity);

/* Virtual time as the timeline prints it: seconds, to the nanosecond. */
void fl__format_time(char *out, size_t capacity, int64_t ns);

bool fl__check_step_expectation(const struct fl_checker *c, const fl_expectation_t *e, char *why,
                                size_t capacity);
bool fl__check_server_expectation(const struct fl_checker *c, const fl_expectation_t *e, char *why,
                                  size_t capacity);
bool fl__check_hang_expectation(const struct fl_checker *c, const fl_expectation_t *e, char *why,
                                size_t capacity);
bool fl__check_budget_expectation(const struct fl_checker *c, const fl_expectation_t *e, char *why,
                                  size_t capacity);
bool fl__check_trace_expectation(const struct fl_checker *c, const fl_expectation_t *e, char *why,
                                 size_t capacity);

#endif /* FL_HARNESS_EXPECTATIONS_H */
