#include "tests/support/fake_next.h"

#include <stdio.h>
#include <stdlib.h>

#include "sim/runtime/status.h"

void fake_next_add(fake_next_t *fake, fake_step_t step) {
    if (fake->step_count == FAKE_STEPS_MAX) {
        fprintf(stderr, "fake_next: script full\n");
        abort();
    }
    fake->steps[fake->step_count++] = step;
}

static fl_error_t *fake_call(void *context, fl_world_t *world, fl_request_t *request,
                             fl_response_t **response_out) {
    fake_next_t *fake = context;
    if (fake->step_count == 0 || fake->call_count == FAKE_CALLS_MAX) {
        fprintf(stderr, "fake_next: no script, or too many calls\n");
        abort();
    }
    size_t index = fake->call_count < fake->step_count ? fake->call_count : fake->step_count - 1;
    const fake_step_t *step = &fake->steps[index];
    fake_call_t *call = &fake->calls[fake->call_count++];
    fl_task_t *task = fl_current_task(world);
    *call = (fake_call_t){
        .started_ns = fl_now(world),
        .request_attempt = request->attempt,
        .task_id = task != NULL ? fl_task_id(task) : 0,
    };
    if (++fake->in_flight > fake->in_flight_max) fake->in_flight_max = fake->in_flight;
    int status = FL_OK;
    if (step->block_forever)
        status = fl_sleep_forever(world);
    else if (step->delay_ns > 0)
        status = fl_sleep(world, step->delay_ns);
    fake->in_flight--;
    call->ended_ns = fl_now(world);
    *response_out = NULL;
    if (status != FL_OK) {
        call->cancelled = status == FL_ECANCELLED;
        call->returned = fl_error_from_status(fl_world_arena(world), status, "fake transport");
        return call->returned;
    }
    call->returned = step->error;
    if (step->error == NULL) *response_out = step->response;
    return step->error;
}

fl_next_t fake_next_link(fake_next_t *fake) {
    return (fl_next_t){.call = fake_call, .context = fake};
}

static fl_error_t *chain_call(void *context, fl_world_t *world, fl_request_t *request,
                              fl_response_t **response_out) {
    chain_link_t *link = context;
    return link->middleware->handle(link->middleware, world, request, link->next, response_out);
}

fl_next_t chain_link(chain_link_t *link, fl_middleware_t *middleware, fl_next_t next) {
    link->middleware = middleware;
    link->next = next;
    return (fl_next_t){.call = chain_call, .context = link};
}
