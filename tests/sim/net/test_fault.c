/* Fault plans: names, validation when the plan is built, and the firing rule
 * (probability, one-shot, repeat). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "sim/net/fault.h"
#include "sim/net/protocol_event.h"
#include "sim/runtime/prng.h"
#include "sim/runtime/status.h"

static fl_arena_t arena;

static int setup(void **state) {
    (void)state;
    fl_arena_init(&arena);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    fl_arena_destroy(&arena);
    return 0;
}

/* Adds spec to a fresh plan; returns the status and leaves the message. */
static int try_add(fl_fault_spec_t spec, char *error, size_t size) {
    fl_fault_plan_t *plan = fl_fault_plan_create(&arena);
    int status = fl_fault_plan_add(plan, &spec, error, size);
    assert_int_equal(plan->count, status == FL_OK ? 1 : 0);
    return status;
}

static void expect_refused(fl_fault_spec_t spec, const char *words) {
    char error[256] = "";
    assert_int_equal(try_add(spec, error, sizeof error), FL_EINVAL);
    if (strstr(error, words) == NULL) fail_msg("error '%s' lacks '%s'", error, words);
    assert_non_null(strstr(error, "fault #1"));
}

static void test_names_round_trip(void **state) {
    (void)state;
    for (int k = 0; k < FL_FAULT_TRIGGER_COUNT; k++) {
        fl_fault_trigger_kind_t back;
        assert_true(fl_fault_trigger_from_name(fl_fault_trigger_name(k), &back));
        assert_int_equal(back, k);
    }
    for (int k = 0; k < FL_FAULT_ACTION_COUNT; k++) {
        fl_fault_action_kind_t back;
        assert_true(fl_fault_action_from_name(fl_fault_action_name(k), &back));
        assert_int_equal(back, k);
    }
    fl_fault_trigger_kind_t t;
    fl_fault_action_kind_t a;
    assert_false(fl_fault_trigger_from_name("sometimes", &t));
    assert_false(fl_fault_action_from_name("explode", &a));
    assert_string_equal(fl_fault_action_name(FL_FAULT_ACTION_HALF_CLOSE), "half-close");
}

static void test_invalid_entries_are_refused_at_build_time(void **state) {
    (void)state;
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT, .at_ns = -1},
                                     .action = {.kind = FL_FAULT_ACTION_RESET}},
                   "negative");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = (fl_fault_trigger_kind_t)42},
                                     .action = {.kind = FL_FAULT_ACTION_RESET}},
                   "unknown trigger");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT},
                                     .action = {.kind = (fl_fault_action_kind_t)42}},
                   "unknown action");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_EVENT},
                                     .action = {.kind = FL_FAULT_ACTION_RESET}},
                   "event name");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT},
                                     .action = {.kind = FL_FAULT_ACTION_REFUSE}},
                   "connect");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_CONNECT},
                                     .action = {.kind = FL_FAULT_ACTION_CORRUPT}},
                   "takes 'refuse' or 'stall', and 'cancel-task' in a scenario or "
                   "'answer-instead' in a proxy fault file");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT},
                                     .action = {.kind = FL_FAULT_ACTION_STALL}},
                   "positive duration");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT},
                                     .action = {.kind = FL_FAULT_ACTION_BANDWIDTH}},
                   "bytes-per-second");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT},
                                     .action = {.kind = FL_FAULT_ACTION_CANCEL_TASK}},
                   "task name");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT},
                                     .action = {.kind = FL_FAULT_ACTION_CORRUPT}},
                   "needs the connection");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_CONNECT,
                                                 .probability = 1.5},
                                     .action = {.kind = FL_FAULT_ACTION_REFUSE}},
                   "probability");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_BYTES, .repeat = true},
                                     .action = {.kind = FL_FAULT_ACTION_RESET}},
                   "cannot repeat");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT,
                                                 .connection = FL_FAULT_CONNECTIONS_MAX + 1},
                                     .action = {.kind = FL_FAULT_ACTION_RESET}},
                   "out of range");
}

/* The rest of validate()'s rules, one entry each; and a refusal without a
 * message buffer is still a refusal. */
static void test_more_invalid_entries_are_refused(void **state) {
    (void)state;
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_CONNECT,
                                                 .probability = NAN},
                                     .action = {.kind = FL_FAULT_ACTION_REFUSE}},
                   "probability");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_CONNECT,
                                                 .probability = -0.5},
                                     .action = {.kind = FL_FAULT_ACTION_REFUSE}},
                   "probability");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT, .repeat = true},
                                     .action = {.kind = FL_FAULT_ACTION_RESET}},
                   "happens once");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_BYTES,
                                                 .direction = (fl_direction_t)7},
                                     .action = {.kind = FL_FAULT_ACTION_RESET}},
                   "needs a direction");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_EVENT, .event = ""},
                                     .action = {.kind = FL_FAULT_ACTION_RESET}},
                   "event name");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT},
                                     .action = {.kind = FL_FAULT_ACTION_RESET,
                                                .connection = FL_FAULT_CONNECTIONS_MAX + 1}},
                   "action connection out of range");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT},
                                     .action = {.kind = FL_FAULT_ACTION_DELAY}},
                   "positive, finite duration");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT},
                                     .action = {.kind = FL_FAULT_ACTION_DELAY,
                                                .duration_ns = INT64_MAX}},
                   "positive, finite duration");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT},
                                     .action = {.kind = FL_FAULT_ACTION_CANCEL_TASK, .task = ""}},
                   "task name");
    assert_int_equal(try_add((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT, .at_ns = -1},
                                               .action = {.kind = FL_FAULT_ACTION_RESET}},
                             NULL, 0),
                     FL_EINVAL);
    /* The same entries with their rule kept are accepted. */
    char error[256] = "";
    assert_int_equal(try_add((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT},
                                               .action = {.kind = FL_FAULT_ACTION_DELAY,
                                                          .duration_ns = 1}},
                             error, sizeof error),
                     FL_OK);
    assert_int_equal(try_add((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_BYTES,
                                                           .direction = FL_DIRECTION_SERVER_TO_CLIENT},
                                               .action = {.kind = FL_FAULT_ACTION_RESET}},
                             error, sizeof error),
                     FL_OK);
}

static void test_valid_entry_is_copied_with_defaults(void **state) {
    (void)state;
    fl_fault_plan_t *plan = fl_fault_plan_create(&arena);
    char event[] = "server.body_chunk";
    char task[] = "app";
    char error[128];
    fl_fault_spec_t spec = {.trigger = {.kind = FL_FAULT_TRIGGER_EVENT, .event = event},
                            .action = {.kind = FL_FAULT_ACTION_CANCEL_TASK, .task = task}};
    assert_int_equal(fl_fault_plan_add(plan, &spec, error, sizeof error), FL_OK);
    event[0] = 'X'; /* the plan keeps its own copies */
    task[0] = 'X';
    const fl_fault_entry_t *entry = &plan->entries[0];
    assert_string_equal(entry->spec.trigger.event, "server.body_chunk");
    assert_string_equal(entry->spec.action.task, "app");
    assert_true(entry->spec.trigger.probability == 1.0);
    assert_int_equal(entry->spec.trigger.count, 1);
    assert_int_equal(entry->index, 1);
    assert_string_equal(entry->spec.label, "fault #1 event->cancel-task");
    /* Many entries: the plan grows and keeps them in order. */
    event[0] = 's';
    for (int i = 0; i < 20; i++) assert_int_equal(fl_fault_plan_add(plan, &spec, error, sizeof error), FL_OK);
    assert_int_equal(plan->count, 21);
    assert_int_equal(plan->entries[20].index, 21);
}

/* A misspelt event would never fire: refused, naming every valid event. */
static void test_unknown_event_is_refused_with_the_valid_names(void **state) {
    (void)state;
    fl_fault_plan_t *plan = fl_fault_plan_create(&arena);
    char error[256];
    fl_fault_spec_t spec = {.trigger = {.kind = FL_FAULT_TRIGGER_EVENT,
                                        .event = "server.respons_start"},
                            .action = {.kind = FL_FAULT_ACTION_RESET}};
    assert_int_equal(fl_fault_plan_add(plan, &spec, error, sizeof error), FL_EINVAL);
    assert_int_equal(plan->count, 0);
    assert_non_null(strstr(error, "unknown protocol event 'server.respons_start'"));
    for (int e = 0; e < FL_PROTOCOL_EVENT_COUNT; e++)
        assert_non_null(strstr(error, fl_protocol_event_name((fl_protocol_event_t)e)));
    /* Every row of the table is accepted. */
    for (int e = 0; e < FL_PROTOCOL_EVENT_COUNT; e++) {
        spec.trigger.event = fl_protocol_event_name((fl_protocol_event_t)e);
        assert_int_equal(fl_fault_plan_add(plan, &spec, error, sizeof error), FL_OK);
    }
    assert_int_equal(plan->count, FL_PROTOCOL_EVENT_COUNT);
}

/* answer-instead: the proxy's own, on the triggers that come before a
 * response reaches the client; its status and body get their defaults. */
static void test_answer_instead_rules(void **state) {
    (void)state;
    assert_true(fl_fault_action_carried_by(FL_FAULT_ACTION_ANSWER_INSTEAD, FL_FAULT_CARRIER_PROXY));
    assert_false(fl_fault_action_carried_by(FL_FAULT_ACTION_ANSWER_INSTEAD,
                                            FL_FAULT_CARRIER_SCENARIO));
    assert_false(fl_fault_action_carried_by(FL_FAULT_ACTION_CANCEL_TASK, FL_FAULT_CARRIER_PROXY));
    assert_true(fl_fault_action_carried_by(FL_FAULT_ACTION_RESET, FL_FAULT_CARRIER_PROXY));
    const fl_fault_action_t answer = {.kind = FL_FAULT_ACTION_ANSWER_INSTEAD};
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_AT}, .action = answer},
                   "'answer-instead' takes a connect trigger");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_EVENT,
                                                 .event = "proxy.body_chunk"},
                                     .action = answer},
                   "proxy.request_head, proxy.request_done or proxy.response_head");
    expect_refused((fl_fault_spec_t){.trigger = {.kind = FL_FAULT_TRIGGER_CONNECT},
                                     .action = {.kind = FL_FAULT_ACTION_ANSWER_INSTEAD,
                                                .answer_status = 600}},
                   "status from 100 to 599");
    fl_fault_plan_t *plan = fl_fault_plan_create(&arena);
    char body[] = "busy", error[256];
    fl_fault_spec_t spec = {.trigger = {.kind = FL_FAULT_TRIGGER_EVENT,
                                        .event = "proxy.response_head"},
                            .action = answer};
    assert_int_equal(fl_fault_plan_add(plan, &spec, error, sizeof error), FL_OK);
    assert_int_equal(plan->entries[0].spec.action.answer_status, 503);
    assert_string_equal(plan->entries[0].spec.action.answer_body, "");
    spec.action.answer_status = 429;
    spec.action.answer_body = body;
    assert_int_equal(fl_fault_plan_add(plan, &spec, error, sizeof error), FL_OK);
    body[0] = 'X'; /* the plan keeps its own copy */
    assert_int_equal(plan->entries[1].spec.action.answer_status, 429);
    assert_string_equal(plan->entries[1].spec.action.answer_body, "busy");
}

static void test_action_direction(void **state) {
    (void)state;
    fl_fault_entry_t entry = {.spec = {.trigger = {.kind = FL_FAULT_TRIGGER_BYTES,
                                                   .direction = FL_DIRECTION_CLIENT_TO_SERVER}}};
    assert_int_equal(fl_fault_action_direction(&entry), FL_DIRECTION_CLIENT_TO_SERVER);
    entry.spec.action.direction_set = true;
    entry.spec.action.direction = FL_DIRECTION_SERVER_TO_CLIENT;
    assert_int_equal(fl_fault_action_direction(&entry), FL_DIRECTION_SERVER_TO_CLIENT);
    entry.spec.trigger.kind = FL_FAULT_TRIGGER_AT;
    entry.spec.action.direction_set = false;
    assert_int_equal(fl_fault_action_direction(&entry), FL_DIRECTION_SERVER_TO_CLIENT);
}

static void test_firing_rules(void **state) {
    (void)state;
    fl_world_options_t options = {.seed = 5};
    fl_world_t *prng = fl_world_create(&options, NULL, 0); /* its network stream draws */
    assert_non_null(prng);
    fl_fault_entry_t once = {.spec = {.trigger = {.kind = FL_FAULT_TRIGGER_EVENT, .probability = 1}}};
    assert_true(fl_fault_entry_reached(&once, prng));
    assert_false(fl_fault_entry_reached(&once, prng));
    assert_int_equal(once.fired, 1);

    fl_fault_entry_t again = {
        .spec = {.trigger = {.kind = FL_FAULT_TRIGGER_EVENT, .probability = 1, .repeat = true}}};
    for (int i = 0; i < 5; i++) assert_true(fl_fault_entry_reached(&again, prng));
    assert_int_equal(again.fired, 5);

    /* A bytes trigger on every connection is never spent by the entry. */
    fl_fault_entry_t every = {.spec = {.trigger = {.kind = FL_FAULT_TRIGGER_BYTES, .probability = 1}}};
    assert_true(fl_fault_entry_reached(&every, prng));
    assert_true(fl_fault_entry_reached(&every, prng));

    fl_fault_entry_t coin = {
        .spec = {.trigger = {.kind = FL_FAULT_TRIGGER_EVENT, .probability = 0.5, .repeat = true}}};
    for (int i = 0; i < 1000; i++) fl_fault_entry_reached(&coin, prng);
    assert_int_equal(coin.reached, 1000);
    assert_true(coin.fired > 400 && coin.fired < 600);
    /* Each coin was a recorded choice: the list can replay them. */
    assert_int_equal(fl_world_choice_count(prng), 2000); /* 53 bits: two words each */
    fl_world_destroy(prng);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_invalid_entries_are_refused_at_build_time),
        cmocka_unit_test(test_more_invalid_entries_are_refused),
        cmocka_unit_test(test_valid_entry_is_copied_with_defaults),
        cmocka_unit_test(test_answer_instead_rules),
        cmocka_unit_test(test_unknown_event_is_refused_with_the_valid_names),
        cmocka_unit_test(test_action_direction),
        cmocka_unit_test(test_firing_rules),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
