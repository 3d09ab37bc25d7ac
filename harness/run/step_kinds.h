/* The run function of each client step kind, as its row in the table of
 * client steps (model/kinds.h) names it. Each runs on the step's task and
 * records the outcome in the step's state (run/run_state.h). */
#ifndef FL_HARNESS_STEP_KINDS_H
#define FL_HARNESS_STEP_KINDS_H

struct fl_run_state;
struct fl_step_state;

void fl__run_request_step(struct fl_run_state *run, struct fl_step_state *step);
void fl__run_stream_step(struct fl_run_state *run, struct fl_step_state *step);
void fl__run_sse_step(struct fl_run_state *run, struct fl_step_state *step);
void fl__run_sleep_step(struct fl_run_state *run, struct fl_step_state *step);
void fl__run_repeat_step(struct fl_run_state *run, struct fl_step_state *step);
void fl__run_try_step(struct fl_run_state *run, struct fl_step_state *step);
void fl__run_group_step(struct fl_run_state *run, struct fl_step_state *step);
void fl__run_spawn_step(struct fl_run_state *run, struct fl_step_state *step);
void fl__run_cancel_step(struct fl_run_state *run, struct fl_step_state *step);

#endif /* FL_HARNESS_STEP_KINDS_H */
