/* The runner, on scenarios built in C (no loader): story 1 (retry and a
 * stream body), story 3 (stacked BaseHTTPMiddleware), story 4 (an SSE
 * session read from another task), a mapping cell, determinism, and how a
 * failing scenario is reported. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/model/loader.h"
#include "harness/report/replay_command.h"
#include "harness/run/runner.h"
#include "sim/runtime/status.h"

/* --- builders ---------------------------------------------------------------------------- */

/* The plans of the scenarios built here, as the loader would build them. */
static fl_arena_t plans;

static void plan_faults(fl_scenario_t *s) {
    char error[256];
    if (fl_scenario_plan_faults(&plans, s, error, sizeof error) != FL_OK) fail_msg("%s", error);
}

static int setup_plans(void **state) {
    (void)state;
    fl_arena_init(&plans);
    return 0;
}

static int teardown_plans(void **state) {
    (void)state;
    fl_arena_destroy(&plans);
    return 0;
}

static fl_scenario_t base_scenario(const char *name) {
    return (fl_scenario_t){
        .file = "scenarios/test.yaml",
        .name = name,
        .mode = FL_SCENARIO_HOLDS,
        .seed_first = 1,
        .seed_last = 20,
        .policy = "random",
        .network = fl_simnet_options_default(),
        .server = {.spec_version = "2.3"},
    };
}

static fl_step_t request_step(const char *id, const char *method, const char *path) {
    return (fl_step_t){.kind = FL_STEP_REQUEST, .id = id, .method = method, .path = path,
                       .owner_check = true};
}

static fl_expectation_t step_expectation(const char *name, const char *step) {
    return (fl_expectation_t){.kind = FL_EXPECT_STEP, .name = name, .step = step, .events = -1,
                              .body_bytes = -1, .count = -1};
}

static fl_seed_result_t *seed_result(void) {
    fl_seed_result_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    return r;
}

static fl_scenario_result_t *scenario_result(void) {
    fl_scenario_result_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    return r;
}

/* --- story 1 ------------------------------------------------------------------------------ */

static const char *const PIECES[] = {"first,", "second,", "third"};
static const fl_scripted_step_t UNAVAILABLE[] = {
    {.kind = FL_SCRIPTED_READ_BODY},
    {.kind = FL_SCRIPTED_RESPOND, .status = 503, .body = "busy"},
};

typedef struct story1 {
    fl_scenario_t s;
    fl_route_t route;
    fl_client_layer_t retry;
    fl_step_t step;
    fl_client_task_t task;
    fl_expectation_t expectations[4];
} story1_t;

static void story1_build(story1_t *b, bool refuse) {
    b->s = base_scenario("story 1");
    b->route = (fl_route_t){.method = "PUT", .path = "/upload",
                            .handler = {.name = "upload", .steps = UNAVAILABLE, .step_count = 2}};
    b->s.server.routes = &b->route;
    b->s.server.route_count = 1;
    b->retry = (fl_client_layer_t){.kind = FL_CLIENT_LAYER_RETRY, .attempts = 3,
                                   .refuse_streamed_body = refuse, .budget = true};
    b->s.client.layers = &b->retry;
    b->s.client.layer_count = 1;
    b->step = request_step("upload", "PUT", "/upload");
    b->step.stream_body = PIECES;
    b->step.stream_piece_count = 3;
    b->task = (fl_client_task_t){.name = "client", .steps = &b->step, .step_count = 1};
    b->s.client.tasks = &b->task;
    b->s.client.task_count = 1;
    b->expectations[0] = step_expectation("one-attempt", "upload");
    b->expectations[0].has_error = true;
    b->expectations[0].error_kind = FL_ERR_STATUS_ERROR;
    b->expectations[0].attempts = 1;
    b->expectations[0].note = "cannot replay";
    b->expectations[1] = (fl_expectation_t){.kind = FL_EXPECT_BUDGET, .name = "no-token",
                                            .withdrawals = 0, .events = -1, .body_bytes = -1};
    b->s.expectations = b->expectations;
    b->s.expectation_count = 2;
}

static void test_story1_refusal_holds(void **state) {
    (void)state;
    story1_t b;
    story1_build(&b, true);
    fl_scenario_result_t *r = scenario_result();
    assert_int_equal(fl_scenario_run(&b.s, NULL, r), 0);
    if (!r->passed) fail_msg("%s", r->message);
    assert_int_equal(r->seeds_run, 20);
    assert_non_null(strstr(r->message, "held over 20 seeds"));
    free(r);
}

static void test_story1_refusal_off_is_found(void **state) {
    (void)state;
    story1_t b;
    story1_build(&b, false);
    b.expectations[0].note = NULL;
    b.expectations[2] = (fl_expectation_t){.kind = FL_EXPECT_SERVER, .name = "data-loss",
                                           .bodies_differ = true, .count = -1, .events = -1,
                                           .body_bytes = -1};
    b.s.expectation_count = 3;
    b.s.mode = FL_SCENARIO_FINDS;
    b.s.finds = "one-attempt";
    fl_scenario_result_t *r = scenario_result();
    assert_int_equal(fl_scenario_run(&b.s, NULL, r), 0);
    if (!r->passed) fail_msg("%s", r->message);
    assert_int_equal(r->seed, 1);
    assert_non_null(strstr(r->message, "found at seed 1"));
    assert_non_null(strstr(r->message, "expected 1 attempts, got 3"));
    /* The retried stream arrived empty: the bodies differ (data loss), and
     * the budget paid for the retries. */
    assert_string_equal(r->detail.failed_check, "one-attempt");
    assert_int_equal(r->detail.checks_failed, 2); /* one-attempt, no-token */
    assert_non_null(strstr(r->detail.server_log, "18 bytes"));
    assert_non_null(strstr(r->detail.server_log, "0 bytes"));
    free(r);
}

/* A holds scenario that fails reports its first failing seed and why. */
static void test_failing_holds_reports_seed_and_message(void **state) {
    (void)state;
    story1_t b;
    story1_build(&b, true);
    b.expectations[0] = step_expectation("upload-ok", "upload");
    b.expectations[0].status = 200;
    b.s.seed_first = 5;
    fl_scenario_result_t *r = scenario_result();
    assert_int_equal(fl_scenario_run(&b.s, NULL, r), 0);
    assert_false(r->passed);
    assert_int_equal(r->seed, 5);
    assert_int_equal(r->seeds_run, 1);
    assert_string_equal(r->detail.failed_check, "upload-ok");
    assert_non_null(strstr(r->message, "failed at seed 5: step upload: expected status 200, got "
                                       "ServiceUnavailable"));
    char text[256];
    fl_replay_command_t command = {.file = b.s.file, .seed = r->seed};
    assert_string_equal(fl_replay_command_format(&command, text, sizeof text),
                        "faultline replay scenarios/test.yaml --seed 5 --policy random");
    free(r);
}

/* --- story 3 ------------------------------------------------------------------------------ */

static const fl_scripted_step_t HELLO[] = {{.kind = FL_SCRIPTED_RESPOND, .status = 200, .body = "hi"}};

typedef struct story3 {
    fl_scenario_t s;
    fl_server_layer_t layers[2];
    fl_route_t route;
    fl_step_t step;
    fl_client_task_t task;
    fl_scenario_fault_t fault;
    fl_expectation_t expectation;
} story3_t;

/* The client's request head for GET / ("GET / HTTP/1.1", Host, User-Agent
 * and the rest): the trace shows it as one 68-byte c2s write. */
enum { STORY3_REQUEST_BYTES = 68 };

static void story3_build(story3_t *b, fl_base_middleware_version_t version) {
    b->s = base_scenario("story 3");
    for (int i = 0; i < 2; i++)
        b->layers[i] = (fl_server_layer_t){.kind = FL_LAYER_BASE_HTTP, .version = version};
    b->s.server.layers = b->layers;
    b->s.server.layer_count = 2;
    b->route = (fl_route_t){.method = "GET", .path = "/",
                            .handler = {.name = "hello", .steps = HELLO, .step_count = 1}};
    b->s.server.routes = &b->route;
    b->s.server.route_count = 1;
    /* The client hangs up the instant its whole request is written, so the
     * server sees the request and the disconnect together, as a client that
     * sends and closes at once (tests/sim/asgi/test_stories.c). A move_on
     * scope cannot do that: connecting takes a trip, and a deadline 1 ns
     * after the write lets the app answer first. */
    b->step = request_step("hang-up", "GET", "/");
    b->fault = (fl_scenario_fault_t){.spec = {
        .trigger = {.kind = FL_FAULT_TRIGGER_BYTES, .direction = FL_DIRECTION_CLIENT_TO_SERVER,
                    .bytes = STORY3_REQUEST_BYTES},
        .action = {.kind = FL_FAULT_ACTION_CLIENT_DISCONNECT},
        .label = "client hangs up"}};
    b->s.faults = &b->fault;
    b->s.fault_count = 1;
    plan_faults(&b->s);
    b->task = (fl_client_task_t){.name = "client", .steps = &b->step, .step_count = 1};
    b->s.client.tasks = &b->task;
    b->s.client.task_count = 1;
    b->expectation = (fl_expectation_t){.kind = FL_EXPECT_SERVER, .name = "no-response-returned",
                                        .log_kind = FL_SERVER_LOG_ERROR,
                                        .log_text = "No response returned.", .count = 0,
                                        .events = -1, .body_bytes = -1};
    b->s.expectations = &b->expectation;
    b->s.expectation_count = 1;
}

static void test_story3_0_20_is_found(void **state) {
    (void)state;
    story3_t b;
    story3_build(&b, FL_BASE_MIDDLEWARE_0_20);
    b.s.mode = FL_SCENARIO_FINDS;
    b.s.finds = "no-response-returned";
    b.s.seed_last = 200;
    fl_scenario_result_t *r = scenario_result();
    assert_int_equal(fl_scenario_run(&b.s, NULL, r), 0);
    if (!r->passed) fail_msg("%s", r->message);
    printf("story 3 via the runner: %s\n", r->message);
    assert_non_null(strstr(r->message, "found at seed"));
    assert_non_null(strstr(r->detail.server_log, "No response returned."));
    free(r);
}

static void test_story3_0_38_holds_over_200_seeds(void **state) {
    (void)state;
    story3_t b;
    story3_build(&b, FL_BASE_MIDDLEWARE_0_38);
    b.s.seed_last = 200;
    fl_scenario_result_t *r = scenario_result();
    assert_int_equal(fl_scenario_run(&b.s, NULL, r), 0);
    if (!r->passed) fail_msg("%s", r->message);
    assert_int_equal(r->seeds_run, 200);
    free(r);
}

/* A finds scenario whose check never fails is a failure: "not found". */
static void test_finds_not_found_is_a_failure(void **state) {
    (void)state;
    story3_t b;
    story3_build(&b, FL_BASE_MIDDLEWARE_0_38);
    b.s.mode = FL_SCENARIO_FINDS;
    b.s.finds = "no-response-returned";
    fl_run_config_t config = {.has_seed_range = true, .seed_first = 1, .seed_last = 10};
    fl_scenario_result_t *r = scenario_result();
    assert_int_equal(fl_scenario_run(&b.s, &config, r), 0);
    assert_false(r->passed);
    assert_string_equal(r->message, "no-response-returned not found in 10 seeds");
    free(r);
}

/* --- story 4 ------------------------------------------------------------------------------ */

static const fl_scripted_step_t EVENTS[] = {
    {.kind = FL_SCRIPTED_STREAM, .status = 200,
     .stream = {.chunk_count = 100, .interval_ns = FL_SECONDS(1), .sse = true}}};

typedef struct story4 {
    fl_scenario_t s;
    fl_route_t route;
    fl_step_t a_step;
    fl_step_t cancel_step;
    fl_client_task_t tasks[3];
    fl_expectation_t expectations[2];
} story4_t;

static void story4_build(story4_t *b, bool owner_check) {
    b->s = base_scenario("story 4");
    b->route = (fl_route_t){.method = "GET", .path = "/events",
                            .handler = {.name = "events", .steps = EVENTS, .step_count = 1}};
    b->s.server.routes = &b->route;
    b->s.server.route_count = 1;
    b->s.client.timeouts.read_ns = FL_TIME_NEVER;
    b->a_step = (fl_step_t){.kind = FL_STEP_SSE, .id = "session", .path = "/events",
                            .owner_check = owner_check, .receive_in = "B"};
    b->cancel_step = (fl_step_t){.kind = FL_STEP_CANCEL, .id = "cancel-a",
                                 .duration_ns = FL_MS(3500), .target_task = "A"};
    b->tasks[0] = (fl_client_task_t){.name = "A", .steps = &b->a_step, .step_count = 1};
    b->tasks[1] = (fl_client_task_t){.name = "B"};
    b->tasks[2] = (fl_client_task_t){.name = "canceller", .steps = &b->cancel_step, .step_count = 1};
    b->s.client.tasks = b->tasks;
    b->s.client.task_count = 3;
    b->s.expectations = b->expectations;
    b->s.expectation_count = 1;
}

static void test_story4_without_the_check_hangs_naming_b(void **state) {
    (void)state;
    story4_t b;
    story4_build(&b, false);
    b.expectations[0] = (fl_expectation_t){.kind = FL_EXPECT_HANG, .name = "b-hangs", .hang = true,
                                           .blocked_task = "B", .count = -1, .events = -1,
                                           .body_bytes = -1};
    fl_scenario_result_t *r = scenario_result();
    assert_int_equal(fl_scenario_run(&b.s, NULL, r), 0);
    if (!r->passed) fail_msg("%s", r->message);
    assert_int_equal(r->detail.outcome, FL_RUN_HANG);
    assert_true(r->detail.client_blocked);
    assert_non_null(strstr(r->detail.hang_report, "'B' blocked in receive on channel"));
    free(r);
    /* Without the expectation, the same hang is a failure. */
    b.s.expectation_count = 0;
    fl_seed_result_t *one = seed_result();
    assert_int_equal(fl_scenario_run_seed(&b.s, 1, NULL, one), 0);
    assert_false(one->passed);
    assert_string_equal(one->failed_check, "no-unexpected-hang");
    assert_non_null(strstr(one->message, "'B' blocked"));
    free(one);
}

static void test_story4_with_the_check_fails_fast(void **state) {
    (void)state;
    story4_t b;
    story4_build(&b, true);
    b.expectations[0] = step_expectation("task-context", "session");
    b.expectations[0].has_error = true;
    b.expectations[0].error_kind = FL_ERR_TASK_CONTEXT_ERROR;
    b.expectations[0].events = 0;
    b.expectations[1] = (fl_expectation_t){.kind = FL_EXPECT_HANG, .name = "no-hang", .hang = false,
                                           .count = -1, .events = -1, .body_bytes = -1};
    b.s.expectation_count = 2;
    fl_scenario_result_t *r = scenario_result();
    assert_int_equal(fl_scenario_run(&b.s, NULL, r), 0);
    if (!r->passed) fail_msg("%s", r->message);
    assert_int_equal(r->detail.outcome, FL_RUN_COMPLETED);
    free(r);
}

/* --- a mapping cell ------------------------------------------------------------------------- */

static void test_reset_at_response_start_is_read_error(void **state) {
    (void)state;
    fl_scenario_t s = base_scenario("mapping: reset while reading");
    fl_route_t route = {.method = "GET", .path = "/hello",
                        .handler = {.name = "hello", .steps = HELLO, .step_count = 1}};
    s.server.routes = &route;
    s.server.route_count = 1;
    fl_scenario_fault_t fault = {.spec = {
        .trigger = {.kind = FL_FAULT_TRIGGER_EVENT, .event = "server.response_start"},
        .action = {.kind = FL_FAULT_ACTION_RESET}}};
    s.faults = &fault;
    s.fault_count = 1;
    plan_faults(&s);
    fl_step_t step = request_step("hello", "GET", "/hello");
    fl_client_task_t task = {.name = "client", .steps = &step, .step_count = 1};
    s.client.tasks = &task;
    s.client.task_count = 1;
    fl_expectation_t e = step_expectation("read-error", "hello");
    e.has_error = true;
    e.error_kind = FL_ERR_READ_ERROR;
    s.expectations = &e;
    s.expectation_count = 1;
    fl_scenario_result_t *r = scenario_result();
    assert_int_equal(fl_scenario_run(&s, NULL, r), 0);
    if (!r->passed) fail_msg("%s", r->message);
    /* And a wrong expectation says what happened instead. */
    e.error_kind = FL_ERR_CONNECT_ERROR;
    assert_int_equal(fl_scenario_run(&s, NULL, r), 0);
    assert_false(r->passed);
    assert_non_null(strstr(r->message, "step hello: expected ConnectError, got ReadError"));
    free(r);
}

/* A request head stalled forever: the client gives up (ReadTimeout, as
 * expected), but the server's reader never gets the FIN and stays blocked
 * after the client is done: a leaked task, reported as such, once the
 * server's timeouts are off. With a stall that ends, or with the server's
 * header and keep-alive timeouts on (the defaults: it closes the stalled
 * connection after 5 s), the same scenario holds. */
static void test_a_task_left_blocked_is_a_leak(void **state) {
    (void)state;
    fl_scenario_t s = base_scenario("mapping: stalled request head");
    fl_route_t route = {.method = "GET", .path = "/hello",
                        .handler = {.name = "hello", .steps = HELLO, .step_count = 1}};
    s.server.routes = &route;
    s.server.route_count = 1;
    fl_scenario_fault_t fault = {.spec = {
        .trigger = {.kind = FL_FAULT_TRIGGER_BYTES, .bytes = 10,
                    .direction = FL_DIRECTION_CLIENT_TO_SERVER},
        .action = {.kind = FL_FAULT_ACTION_STALL, .duration_ns = FL_TIME_NEVER}}};
    s.faults = &fault;
    s.fault_count = 1;
    plan_faults(&s);
    s.client.timeouts.read_ns = FL_SECONDS(2);
    s.server.header_timeout_ns = FL_TIME_NEVER;
    s.server.keep_alive_timeout_ns = FL_TIME_NEVER;
    fl_step_t step = request_step("hello", "GET", "/hello");
    fl_client_task_t task = {.name = "client", .steps = &step, .step_count = 1};
    s.client.tasks = &task;
    s.client.task_count = 1;
    fl_expectation_t e = step_expectation("read-timeout", "hello");
    e.has_error = true;
    e.error_kind = FL_ERR_READ_TIMEOUT;
    s.expectations = &e;
    s.expectation_count = 1;
    fl_seed_result_t *r = seed_result();
    assert_int_equal(fl_scenario_run_seed(&s, 1, NULL, r), 0);
    assert_false(r->passed);
    assert_string_equal(r->failed_check, "no-leaked-tasks");
    assert_non_null(strstr(r->message, "'http-connection' blocked"));
    s.server.header_timeout_ns = s.server.keep_alive_timeout_ns = 0; /* the defaults, 5 s */
    assert_int_equal(fl_scenario_run_seed(&s, 1, NULL, r), 0);
    if (!r->passed) fail_msg("%s: %s", r->failed_check, r->message);
    s.server.header_timeout_ns = s.server.keep_alive_timeout_ns = FL_TIME_NEVER;
    fault.spec.action.duration_ns = FL_SECONDS(60);
    plan_faults(&s); /* the plan is what runs: build it again */
    assert_int_equal(fl_scenario_run_seed(&s, 1, NULL, r), 0);
    if (!r->passed) fail_msg("%s: %s", r->failed_check, r->message);
    free(r);
}

/* --- determinism ------------------------------------------------------------------------------ */

static char *timeline_of(const fl_scenario_t *s, uint64_t seed, uint64_t *hash_out, size_t *length) {
    char *text = NULL;
    FILE *out = open_memstream(&text, length);
    fl_run_config_t config = {.timeline = out};
    fl_seed_result_t *r = seed_result();
    assert_int_equal(fl_scenario_run_seed(s, seed, &config, r), 0);
    fclose(out);
    *hash_out = r->trace_hash;
    free(r);
    return text;
}

static void test_same_seed_same_hash_and_timeline(void **state) {
    (void)state;
    story3_t b;
    story3_build(&b, FL_BASE_MIDDLEWARE_0_20);
    uint64_t hash1, hash2, hash3;
    size_t length1, length2, length3;
    char *one = timeline_of(&b.s, 3, &hash1, &length1);
    char *two = timeline_of(&b.s, 3, &hash2, &length2);
    char *other = timeline_of(&b.s, 4, &hash3, &length3);
    assert_int_equal(hash1, hash2);
    assert_int_equal(length1, length2);
    assert_memory_equal(one, two, length1);
    assert_true(length1 > 1000);
    char line[64];
    snprintf(line, sizeof line, "trace hash %016llx\n", (unsigned long long)hash1);
    assert_non_null(strstr(one, line));
    assert_non_null(strstr(one, "--- server log"));
    assert_non_null(strstr(one, "check no-response-returned"));
    /* The global invariants are checked on every run. */
    static const char *const invariants[] = {
        "no-violations", "no-unexpected-hang", "no-limit", "one-start-per-cycle",
        "nothing-after-completion", "no-leaked-tasks", "no-leaked-connections",
        "task-errors-observed"};
    for (size_t i = 0; i < sizeof invariants / sizeof invariants[0]; i++) {
        char check[96];
        snprintf(check, sizeof check, "check %-28s ok\n", invariants[i]);
        if (strstr(one, check) == NULL) fail_msg("no \"%s\" in the timeline", check);
    }
    assert_true(hash3 != hash1);
    free(one);
    free(two);
    free(other);
}

/* A setup error is reported, not crashed on. */
static void test_unknown_policy_is_a_setup_error(void **state) {
    (void)state;
    story3_t b;
    story3_build(&b, FL_BASE_MIDDLEWARE_0_38);
    fl_run_config_t config = {.policy = "nonsense"};
    fl_seed_result_t *r = seed_result();
    assert_int_equal(fl_scenario_run_seed(&b.s, 1, &config, r), FL_EINVAL);
    assert_false(r->passed);
    assert_string_equal(r->failed_check, "setup");
    free(r);
}


/* --- faults-fired ------------------------------------------------------------------------------ */

/* Story 3's shield-start scenario as a file gives it: head goes before
 * the server, trigger and fault_extra (keys of the fault) are substituted,
 * expect is the expect list. */
static const char *shield_yaml(char *out, size_t capacity, const char *head, const char *trigger,
                               const char *fault_extra, const char *expect) {
    int n = snprintf(out, capacity,
                     "name: shield-start\n"
                     "seeds: 1..20\n"
                     "%s"
                     "server:\n"
                     "  middleware: [{base_http: shield-start}, {base_http: shield-start}]\n"
                     "  routes:\n"
                     "    - path: /\n"
                     "      steps: [{respond: {status: 200, body: hi}}]\n"
                     "faults:\n"
                     "  - trigger: %s\n"
                     "    action: client-disconnect\n"
                     "    label: hang up\n"
                     "%s"
                     "client:\n"
                     "  tasks:\n"
                     "    - name: main\n"
                     "      steps: [{request: {id: call, path: /}}]\n"
                     "expect:\n"
                     "%s",
                     head, trigger, fault_extra, expect);
    assert_true(n > 0 && (size_t)n < capacity);
    return out;
}

static const char NO_RESPONSE_RETURNED[] =
    "  - server: {name: no_response_returned, log: error, text: \"No response returned.\", "
    "count: 0}\n";
static const char AT_REQUEST_END[] = "{bytes: 68, direction: c2s}";
static const char PAST_REQUEST_END[] = "{bytes: 100000, direction: c2s}";

static void run_yaml(const char *yaml, fl_scenario_result_t *result) {
    fl_arena_t arena;
    fl_arena_init(&arena);
    fl_scenario_t s;
    char error[512];
    if (fl_scenario_load_string(&arena, "faults.yaml", yaml, &s, error, sizeof error) != FL_OK)
        fail_msg("%s", error);
    assert_int_equal(fl_scenario_run(&s, NULL, result), FL_OK);
    fl_arena_destroy(&arena);
}

/* The example: a trigger past the request's end never fires, and
 * the scenario held anyway. Now it fails, naming the fault and the seed. */
static void test_a_fault_that_never_fires_fails_the_scenario(void **state) {
    (void)state;
    char yaml[2048];
    fl_scenario_result_t *r = scenario_result();
    run_yaml(shield_yaml(yaml, sizeof yaml, "", AT_REQUEST_END, "", NO_RESPONSE_RETURNED), r);
    if (!r->passed) fail_msg("control: %s", r->message);
    run_yaml(shield_yaml(yaml, sizeof yaml, "", PAST_REQUEST_END, "", NO_RESPONSE_RETURNED), r);
    assert_false(r->passed);
    assert_int_equal(r->seed, 1);
    assert_string_equal(r->detail.failed_check, "faults-fired");
    assert_non_null(strstr(r->message, "fault 'hang up' (faults[0] at faults.yaml:9:5) never "
                                       "fired in seed 1"));
    free(r);
}

/* A fault meant as "maybe" says so, and then its silence is no failure. */
static void test_may_not_fire_excuses_a_silent_fault(void **state) {
    (void)state;
    char yaml[2048];
    fl_scenario_result_t *r = scenario_result();
    run_yaml(shield_yaml(yaml, sizeof yaml, "", PAST_REQUEST_END, "    may_not_fire: true\n",
                         NO_RESPONSE_RETURNED),
             r);
    if (!r->passed) fail_msg("%s", r->message);
    assert_int_equal(r->seeds_run, 20);
    free(r);
}

/* seeds: 0 is seed 0, once: not the default range (it once ran 1..200). */
static void test_seed_zero_runs_seed_zero_alone(void **state) {
    (void)state;
    fl_scenario_result_t *r = scenario_result();
    run_yaml("name: zero\n"
             "seeds: 0\n"
             "server: {routes: [{path: /, steps: [{respond: {status: 200}}]}]}\n"
             "client: {tasks: [{name: main, steps: [{request: {id: call, path: /}}]}]}\n"
             "expect: [{step: {step: call, status: 200}}]\n",
             r);
    if (!r->passed) fail_msg("%s", r->message);
    assert_int_equal(r->seeds_run, 1);
    free(r);
}

/* Below probability 1 a fault need not fire in each seed, but in at least
 * one of the range: one that can fire holds, one that cannot fails. */
static void test_a_maybe_fault_must_fire_in_some_seed(void **state) {
    (void)state;
    char yaml[2048];
    fl_scenario_result_t *r = scenario_result();
    run_yaml(shield_yaml(yaml, sizeof yaml, "", AT_REQUEST_END, "    probability: 0.3\n",
                         NO_RESPONSE_RETURNED),
             r);
    if (!r->passed) fail_msg("%s", r->message);
    assert_int_equal(r->seeds_run, 20);
    run_yaml(shield_yaml(yaml, sizeof yaml, "", PAST_REQUEST_END, "    probability: 0.3\n",
                         NO_RESPONSE_RETURNED),
             r);
    assert_false(r->passed);
    assert_int_equal(r->seeds_run, 20);
    assert_non_null(strstr(r->message, "faults-fired: fault 'hang up'"));
    assert_non_null(strstr(r->message, "(probability 0.3) never fired in seeds 1..20"));
    free(r);
}

/* A finds scenario whose target fails while its fault stays silent did
 * not show what the fault does: not a find. The target here fails in
 * every seed (the answer is 200), so only the fault decides. */
static void test_finds_counts_only_seeds_where_the_faults_fired(void **state) {
    (void)state;
    char yaml[2048];
    static const char head[] = "mode: finds\nfinds: wrong_status\n";
    static const char expect[] = "  - step: {name: wrong_status, step: call, status: 500}\n";
    fl_scenario_result_t *r = scenario_result();
    run_yaml(shield_yaml(yaml, sizeof yaml, head, "{bytes: 1, direction: s2c}", "", expect), r);
    if (!r->passed) fail_msg("control: %s", r->message);
    assert_int_equal(r->seed, 1);
    run_yaml(shield_yaml(yaml, sizeof yaml, head, PAST_REQUEST_END, "", expect), r);
    assert_false(r->passed);
    assert_int_equal(r->seeds_run, 20);
    assert_non_null(strstr(r->message, "wrong_status not found in 20 seeds (it failed in 20 "
                                       "where a fault never fired"));
    free(r);
}

/* A cancel-task whose task is not alive when it fires acted on nothing:
 * it does not count as fired. */
static void test_a_cancel_with_no_live_task_did_not_fire(void **state) {
    (void)state;
    static const char yaml[] =
        "name: cancel app early\n"
        "seeds: 1..3\n"
        "server:\n"
        "  routes:\n"
        "    - path: /\n"
        "      steps: [{respond: {status: 200, body: hi}}]\n"
        "faults:\n"
        "  - trigger: {at: 0s}\n"
        "    action: {cancel-task: app}\n"
        "client:\n"
        "  tasks:\n"
        "    - name: main\n"
        "      steps: [{request: {id: call, path: /}}]\n"
        "expect:\n"
        "  - step: {step: call, ok: true}\n";
    fl_scenario_result_t *r = scenario_result();
    run_yaml(yaml, r);
    assert_false(r->passed);
    assert_string_equal(r->detail.failed_check, "faults-fired");
    assert_non_null(strstr(r->message, "fault #1 at->cancel-task"));
    free(r);
}

/* The plan is built once, by the loader or fl_scenario_plan_faults; a
 * scenario with faults and no plan is refused at setup, not run faultless. */
static void test_faults_without_a_plan_are_a_setup_error(void **state) {
    (void)state;
    fl_scenario_t s = base_scenario("faults, no plan");
    fl_scenario_fault_t fault = {.spec = {.trigger = {.kind = FL_FAULT_TRIGGER_AT},
                                          .action = {.kind = FL_FAULT_ACTION_RESET}}};
    s.faults = &fault;
    s.fault_count = 1;
    fl_step_t step = request_step("hello", "GET", "/hello");
    fl_client_task_t task = {.name = "client", .steps = &step, .step_count = 1};
    s.client.tasks = &task;
    s.client.task_count = 1;
    fl_seed_result_t *r = seed_result();
    assert_int_equal(fl_scenario_run_seed(&s, 1, NULL, r), FL_EINVAL);
    assert_string_equal(r->failed_check, "setup");
    assert_non_null(strstr(r->message, "no plan"));
    free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_task_left_blocked_is_a_leak),
        cmocka_unit_test(test_story1_refusal_holds),
        cmocka_unit_test(test_story1_refusal_off_is_found),
        cmocka_unit_test(test_failing_holds_reports_seed_and_message),
        cmocka_unit_test(test_story3_0_20_is_found),
        cmocka_unit_test(test_story3_0_38_holds_over_200_seeds),
        cmocka_unit_test(test_finds_not_found_is_a_failure),
        cmocka_unit_test(test_story4_without_the_check_hangs_naming_b),
        cmocka_unit_test(test_story4_with_the_check_fails_fast),
        cmocka_unit_test(test_reset_at_response_start_is_read_error),
        cmocka_unit_test(test_same_seed_same_hash_and_timeline),
        cmocka_unit_test(test_unknown_policy_is_a_setup_error),
        cmocka_unit_test(test_a_fault_that_never_fires_fails_the_scenario),
        cmocka_unit_test(test_may_not_fire_excuses_a_silent_fault),
        cmocka_unit_test(test_seed_zero_runs_seed_zero_alone),
        cmocka_unit_test(test_a_maybe_fault_must_fire_in_some_seed),
        cmocka_unit_test(test_a_cancel_with_no_live_task_did_not_fire),
        cmocka_unit_test(test_faults_without_a_plan_are_a_setup_error),
        cmocka_unit_test(test_finds_counts_only_seeds_where_the_faults_fired),
    };
    return cmocka_run_group_tests(tests, setup_plans, teardown_plans);
}
