/* Task groups: the first child error cancels the siblings, close waits for
 * every child, errors are aggregated, and outer cancellation propagates. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "tests/support/runtime_test.h"

typedef struct child_spec {
    int64_t sleep_ns;
    bool fail;           /* return a ValueError after the sleep */
    int sleep_status;    /* what the sleep returned */
    int64_t ended_at_ns;
    const char *name;
} child_spec_t;

typedef struct group_fixture {
    child_spec_t children[4];
    size_t child_count;
    fl_error_t *body_error; /* what the owner's body "raises" */
    fl_error_t *result;
    int64_t closed_at_ns;
    int after_close_status;
    fl_cancel_scope_t outer;
    bool cancel_outer;
} group_fixture_t;

static fl_error_t *child(fl_world_t *w, void *arg) {
    child_spec_t *spec = arg;
    spec->sleep_status = fl_sleep(w, spec->sleep_ns);
    spec->ended_at_ns = fl_now(w);
    if (spec->sleep_status == FL_ECANCELLED)
        return fl_error_from_status(fl_world_arena(w), FL_ECANCELLED, spec->name);
    if (spec->fail) return fl_error_new(fl_world_arena(w), FL_ERR_VALUE_ERROR, "%s failed", spec->name);
    return NULL;
}

static fl_error_t *owner(fl_world_t *w, void *arg) {
    group_fixture_t *f = arg;
    fl_scope_enter(w, &f->outer, FL_TIME_NEVER, 0);
    fl_taskgroup_t *group = fl_taskgroup_open(w, "group");
    for (size_t i = 0; i < f->child_count; i++)
        fl_taskgroup_spawn(group, f->children[i].name, child, &f->children[i]);
    fl_error_t *body = f->body_error;
    if (f->cancel_outer) {
        fl_scope_cancel(w, &f->outer);
        body = fl_error_from_status(fl_world_arena(w), fl_checkpoint(w), "owner");
    }
    f->result = fl_taskgroup_close(group, body);
    f->closed_at_ns = fl_now(w);
    f->after_close_status = fl_checkpoint(w);
    fl_error_t *rest = fl_scope_exit_error(w, &f->outer,
        f->result != NULL ? f->result
                          : fl_error_from_status(fl_world_arena(w), f->after_close_status, NULL));
    (void)rest;
    return NULL;
}

static fl_world_t *run_group(group_fixture_t *f) {
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "owner", owner, f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    return w;
}

static void test_close_waits_for_every_child(void **state) {
    (void)state;
    group_fixture_t f = {.child_count = 3,
                         .children = {{FL_SECONDS(1), false, 0, 0, "a"},
                                      {FL_SECONDS(3), false, 0, 0, "b"},
                                      {FL_SECONDS(2), false, 0, 0, "c"}}};
    fl_world_t *w = run_group(&f);
    assert_null(f.result);
    assert_int_equal(f.closed_at_ns, FL_SECONDS(3));
    for (size_t i = 0; i < 3; i++) assert_int_equal(f.children[i].sleep_status, FL_OK);
    fl_world_destroy(w);
}

static void test_child_error_cancels_siblings(void **state) {
    (void)state;
    group_fixture_t f = {.child_count = 2,
                         .children = {{FL_SECONDS(1), true, 0, 0, "failing"},
                                      {FL_SECONDS(10), false, 0, 0, "sibling"}}};
    fl_world_t *w = run_group(&f);
    assert_int_equal(f.children[1].sleep_status, FL_ECANCELLED);
    assert_int_equal(f.children[1].ended_at_ns, FL_SECONDS(1));
    assert_int_equal(f.closed_at_ns, FL_SECONDS(1));
    assert_non_null(f.result);
    assert_int_equal(f.result->kind, FL_ERR_GROUP_ERROR);
    assert_int_equal(f.result->child_count, 1);
    fl_error_t *single = fl_error_collapse(f.result);
    assert_int_equal(single->kind, FL_ERR_VALUE_ERROR);
    assert_string_equal(single->message, "failing failed");
    /* The sibling's Cancelled is not an error of the group. */
    fl_world_destroy(w);
}

/* Two children that fail at the same instant: both errors are kept. The
 * second was already woken by its timer when the first cancelled the group,
 * so its sleep succeeded and it raised its own error. */
static void test_errors_are_aggregated(void **state) {
    (void)state;
    group_fixture_t f = {.child_count = 3,
                         .children = {{FL_SECONDS(1), true, 0, 0, "first"},
                                      {FL_SECONDS(1), true, 0, 0, "second"},
                                      {FL_SECONDS(5), false, 0, 0, "third"}}};
    fl_world_t *w = run_group(&f);
    assert_non_null(f.result);
    assert_int_equal(f.result->kind, FL_ERR_GROUP_ERROR);
    assert_int_equal(f.result->child_count, 2);
    assert_string_equal(f.result->children[0]->message, "first failed");
    assert_string_equal(f.result->children[1]->message, "second failed");
    assert_ptr_equal(fl_error_collapse(f.result), f.result); /* two: not collapsed */
    assert_int_equal(f.children[2].sleep_status, FL_ECANCELLED);
    char text[1024];
    fl_error_format(f.result, text, sizeof text);
    assert_non_null(strstr(text, "GroupError"));
    assert_non_null(strstr(text, "[2]"));
    fl_world_destroy(w);
}

static void test_body_error_cancels_children_and_is_kept(void **state) {
    (void)state;
    group_fixture_t f = {.child_count = 1,
                         .children = {{FL_SECONDS(10), false, 0, 0, "child"}}};
    fl_world_t *w = rt_world("fifo", 1);
    f.body_error = fl_error_new(fl_world_arena(w), FL_ERR_RUNTIME_ERROR, "body broke");
    fl_spawn(w, "owner", owner, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.children[0].sleep_status, FL_ECANCELLED);
    assert_int_equal(f.closed_at_ns, 0);
    assert_ptr_equal(fl_error_collapse(f.result), f.body_error);
    fl_world_destroy(w);
}

/* An outer scope's cancellation reaches the children through the group's
 * scope, and the Cancelled is not swallowed by the group: it reaches the
 * outer scope, which catches it. */
static void test_outer_cancel_propagates_through_group(void **state) {
    (void)state;
    group_fixture_t f = {.child_count = 2,
                         .cancel_outer = true,
                         .children = {{FL_SECONDS(10), false, 0, 0, "a"},
                                      {FL_SECONDS(20), false, 0, 0, "b"}}};
    fl_world_t *w = run_group(&f);
    assert_int_equal(f.children[0].sleep_status, FL_ECANCELLED);
    assert_int_equal(f.children[1].sleep_status, FL_ECANCELLED);
    assert_true(fl_error_is_cancelled(f.result));
    assert_int_equal(f.closed_at_ns, 0);
    assert_true(f.outer.cancelled_caught);
    fl_world_destroy(w);
}

/* Cancelling the group's own scope cancels the children and ends there. */
static fl_error_t *cancel_own_group(fl_world_t *w, void *arg) {
    group_fixture_t *f = arg;
    fl_taskgroup_t *group = fl_taskgroup_open(w, "group");
    fl_taskgroup_spawn(group, "forever", child, &f->children[0]);
    assert_int_equal(fl_taskgroup_running(group), 1);
    fl_sleep(w, FL_SECONDS(1));
    fl_scope_cancel(w, fl_taskgroup_scope(group));
    f->result = fl_taskgroup_close(group, NULL);
    f->after_close_status = fl_checkpoint(w);
    assert_int_equal(fl_taskgroup_running(group), 0);
    /* A closed group refuses new children. */
    assert_null(fl_taskgroup_spawn(group, "late", child, &f->children[1]));
    return NULL;
}

static void test_cancelling_group_scope_stops_children(void **state) {
    (void)state;
    group_fixture_t f = {.children = {{FL_SECONDS(100), false, 0, 0, "forever"},
                                      {0, false, 0, 0, "late"}}};
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "owner", cancel_own_group, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_null(f.result);
    assert_int_equal(f.after_close_status, FL_OK);
    assert_int_equal(f.children[0].sleep_status, FL_ECANCELLED);
    assert_int_equal(f.children[0].ended_at_ns, FL_SECONDS(1));
    assert_int_equal(fl_world_violation_count(w), 1);
    assert_non_null(strstr(fl_world_violation(w, 0), "closed task group"));
    fl_world_destroy(w);
}


/* Closing a group twice, or from a task that did not open it, is refused
 * with a RuntimeError and recorded as a violation; the first close stands. */
typedef struct misclose {
    fl_taskgroup_t *group;
    fl_event_t *opened, *tried;
    fl_error_t *first, *second, *foreign;
} misclose_t;

static fl_error_t *close_from_elsewhere(fl_world_t *w, void *arg) {
    misclose_t *m = arg;
    fl_event_wait(w, m->opened);
    m->foreign = fl_taskgroup_close(m->group, NULL);
    fl_event_set(w, m->tried);
    return NULL;
}

static fl_error_t *open_then_close_twice(fl_world_t *w, void *arg) {
    misclose_t *m = arg;
    m->group = fl_taskgroup_open(w, "group");
    fl_event_set(w, m->opened);
    fl_event_wait(w, m->tried); /* the other task tried to close it */
    m->first = fl_taskgroup_close(m->group, NULL);
    m->second = fl_taskgroup_close(m->group, NULL);
    return NULL;
}

static void test_close_twice_or_by_another_task_is_refused(void **state) {
    (void)state;
    misclose_t m = {0};
    fl_world_t *w = rt_world("fifo", 1);
    m.opened = fl_event_create(w, "opened");
    m.tried = fl_event_create(w, "tried");
    fl_spawn(w, "owner", open_then_close_twice, &m);
    fl_spawn(w, "other", close_from_elsewhere, &m);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_null(m.first);
    assert_non_null(m.foreign);
    assert_int_equal(m.foreign->kind, FL_ERR_RUNTIME_ERROR);
    assert_string_equal(m.foreign->message, "task group closed by the wrong task or twice");
    assert_non_null(m.second);
    assert_int_equal(m.second->kind, FL_ERR_RUNTIME_ERROR);
    assert_int_equal(fl_world_violation_count(w), 2);
    assert_null(strstr(fl_world_violation(w, 0), "after it was closed"));
    assert_non_null(strstr(fl_world_violation(w, 1), "after it was closed"));
    fl_world_destroy(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_close_waits_for_every_child),
        cmocka_unit_test(test_close_twice_or_by_another_task_is_refused),
        cmocka_unit_test(test_child_error_cancels_siblings),
        cmocka_unit_test(test_errors_are_aggregated),
        cmocka_unit_test(test_body_error_cancels_children_and_is_kept),
        cmocka_unit_test(test_outer_cancel_propagates_through_group),
        cmocka_unit_test(test_cancelling_group_scope_stops_children),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
