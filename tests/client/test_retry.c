/* Retry (client/retry.c) against a scripted innermost link, in worlds:
 * attempt counts, backoff delays recomputed from the seeded client PRNG
 * stream, Retry-After in seconds and as HTTP-dates (capped), which methods,
 * statuses and error kinds are retried, Cancelled passing through, the
 * streamed-body refusal and its place before the budget, the give-up note,
 * RetryBudgetExhausted and its cause, and one deposit per call. Tasks only
 * record what they see; the tests assert after fl_world_run returns. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/budget.h"
#include "client/headers.h"
#include "client/message.h"
#include "client/retry.h"
#include "sim/runtime/prng.h"
#include "sim/runtime/status.h"
#include "sim/runtime/world.h"
#include "tests/support/fake_next.h"
#include "tests/support/runtime_test.h"

/* --- a call through the middleware in a task ------------------------------------ */

typedef struct harness {
    fl_world_t *world;
    fl_middleware_t *retry;
    fake_next_t fake;
    fl_request_t *request;
    fl_error_t *error;
    fl_response_t *response;
    bool finished;
    int64_t finished_ns;
    int64_t cancel_at_ns; /* > 0: a second task cancels the caller then */
    fl_task_t *caller_task;
} harness_t;

static fl_error_t *caller(fl_world_t *w, void *arg) {
    harness_t *h = arg;
    h->error = h->retry->handle(h->retry, w, h->request, fake_next_link(&h->fake), &h->response);
    h->finished = true;
    h->finished_ns = fl_now(w);
    return NULL;
}

static fl_error_t *canceller(fl_world_t *w, void *arg) {
    harness_t *h = arg;
    fl_sleep(w, h->cancel_at_ns);
    fl_task_cancel(w, h->caller_task);
    return NULL;
}

static fl_arena_t *arena_of(harness_t *h) { return fl_world_arena(h->world); }

static fl_error_t *drain_source(void *context, fl_world_t *world, const void **chunk_out,
                                size_t *length_out, bool *done_out) {
    (void)context, (void)world;
    *chunk_out = "";
    *length_out = 0;
    *done_out = true;
    return NULL;
}

static fl_request_t *request_new(fl_world_t *w, const char *method, bool streamed) {
    fl_request_t *request = NULL;
    assert_null(fl_request_create(fl_world_arena(w), method, "http://service.test/items", &request));
    assert_non_null(request);
    if (streamed) {
        fl_body_source_t *source = fl_arena_zalloc(fl_world_arena(w), sizeof *source);
        source->next = drain_source;
        fl_request_set_stream(request, source);
    }
    assert_int_equal(request->attempt, 1);
    return request;
}

/* Sets up a harness: a fifo world with this seed, the middleware (options
 * NULL: the defaults), a request. */
static void harness_init(harness_t *h, uint64_t seed, const fl_retry_options_t *options,
                         const char *method, bool streamed) {
    memset(h, 0, sizeof *h);
    h->world = rt_world("fifo", seed);
    char message[128] = "";
    h->retry = fl_retry_create(h->world, options, message, sizeof message);
    if (h->retry == NULL) fail_msg("fl_retry_create: %s", message);
    h->request = request_new(h->world, method, streamed);
}

static void harness_run(harness_t *h) {
    h->caller_task = fl_spawn(h->world, "caller", caller, h);
    if (h->cancel_at_ns > 0) fl_spawn(h->world, "canceller", canceller, h);
    assert_int_equal(fl_world_run(h->world), FL_RUN_COMPLETED);
    assert_true(h->finished);
    assert_int_equal(fl_world_violation_count(h->world), 0);
}

static void harness_destroy(harness_t *h) { fl_world_destroy(h->world); }

static fl_response_t *response_new(harness_t *h, int status, const char *retry_after) {
    fl_response_t *response = fl_arena_zalloc(arena_of(h), sizeof *response);
    response->status = status;
    response->headers = fl_headers_create(arena_of(h));
    if (retry_after != NULL) assert_true(fl_headers_add(response->headers, "Retry-After", retry_after));
    response->request = h->request;
    response->body_read = true;
    return response;
}

static fl_error_kind_t kind_for_status(int status) {
    switch (status) {
    case 400: return FL_ERR_BAD_REQUEST;
    case 401: return FL_ERR_UNAUTHORIZED;
    case 404: return FL_ERR_NOT_FOUND;
    case 409: return FL_ERR_CONFLICT;
    case 422: return FL_ERR_UNPROCESSABLE_ENTITY;
    case 429: return FL_ERR_RATE_LIMITED;
    case 500: return FL_ERR_INTERNAL_SERVER;
    case 502: return FL_ERR_BAD_GATEWAY;
    case 503: return FL_ERR_SERVICE_UNAVAILABLE;
    case 504: return FL_ERR_GATEWAY_TIMEOUT;
    default: return status < 500 ? FL_ERR_CLIENT_STATUS_ERROR : FL_ERR_SERVER_STATUS_ERROR;
    }
}

/* A StatusError as the client raises it: the subclass for the code, the
 * status, and the response (with its headers) as payload. */
static fl_error_t *status_error_new(harness_t *h, int status, const char *retry_after) {
    fl_error_t *error = fl_error_new(arena_of(h), kind_for_status(status), "status %d", status);
    error->http_status = status;
    error->payload = response_new(h, status, retry_after);
    return error;
}

static fl_error_t *error_new(harness_t *h, fl_error_kind_t kind) {
    return fl_error_new(arena_of(h), kind, "scripted %s", fl_error_kind_name(kind));
}

static void script_error(harness_t *h, fl_error_t *error) {
    fake_next_add(&h->fake, (fake_step_t){.error = error});
}

static void script_error_after(harness_t *h, int64_t delay_ns, fl_error_t *error) {
    fake_next_add(&h->fake, (fake_step_t){.delay_ns = delay_ns, .error = error});
}

static fl_response_t *script_ok(harness_t *h) {
    fl_response_t *response = response_new(h, 200, NULL);
    fake_next_add(&h->fake, (fake_step_t){.response = response});
    return response;
}

/* The delays the client stream of a world seeded with seed gives for
 * these caps, in order: what full jitter must draw. */
static void expected_jitter(uint64_t seed, const int64_t *caps_ns, size_t count,
                            int64_t *delays_ns) {
    fl_prng_t prng;
    fl_prng_seed(&prng, seed, fl_prng_stream_name(FL_PRNG_CLIENT));
    for (size_t i = 0; i < count; i++)
        delays_ns[i] = (int64_t)fl_prng_below(&prng, (uint64_t)caps_ns[i] + 1);
}

static void assert_attempt_starts(const harness_t *h, const int64_t *starts_ns, size_t count) {
    assert_int_equal(h->fake.call_count, count);
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(h->fake.calls[i].started_ns, starts_ns[i]);
        assert_int_equal(h->fake.calls[i].request_attempt, i + 1);
    }
}

/* --- options ---------------------------------------------------------------------- */

static void test_defaults_are_httpware_s(void **state) {
    (void)state;
    fl_retry_options_t options = fl_retry_options_default();
    assert_int_equal(options.max_attempts, 3);
    assert_int_equal(options.base_delay_ns, FL_MS(100));
    assert_int_equal(options.max_delay_ns, FL_SECONDS(5));
    assert_null(options.retry_statuses);
    assert_null(options.retry_methods);
    assert_true(options.respect_retry_after);
    assert_true(options.refuse_streamed_body);
    assert_null(options.budget);
    fl_world_t *w = rt_world("fifo", 1);
    fl_middleware_t *retry = fl_retry_create(w, NULL, NULL, 0);
    assert_non_null(retry);
    assert_string_equal(retry->name, "retry");
    fl_retry_stats_t stats = fl_retry_stats(retry);
    assert_int_equal(stats.calls, 0);
    assert_int_equal(stats.last_delay_ns, -1);
    /* The default lists: idempotent methods, the five statuses. */
    fl_arena_t *arena = fl_world_arena(w);
    fl_error_t *unavailable = fl_error_new(arena, FL_ERR_SERVICE_UNAVAILABLE, "503");
    unavailable->http_status = 503;
    const char *idempotent[] = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"};
    for (size_t i = 0; i < 6; i++)
        assert_true(fl_retry_is_retryable(retry, idempotent[i], unavailable));
    assert_false(fl_retry_is_retryable(retry, "POST", unavailable));
    assert_false(fl_retry_is_retryable(retry, "PATCH", unavailable));
    assert_false(fl_retry_is_retryable(retry, "CONNECT", unavailable));
    const int statuses[] = {408, 429, 502, 503, 504};
    for (size_t i = 0; i < 5; i++) {
        fl_error_t *error = fl_error_new(arena, FL_ERR_STATUS_ERROR, "status");
        error->http_status = statuses[i];
        assert_true(fl_retry_is_retryable(retry, "GET", error));
    }
    fl_world_destroy(w);
}

static void test_invalid_options_are_refused(void **state) {
    (void)state;
    fl_world_t *w = rt_world("fifo", 1);
    char message[128];
    fl_retry_options_t options = fl_retry_options_default();
    options.max_attempts = 0;
    assert_null(fl_retry_create(w, &options, message, sizeof message));
    assert_string_equal(message, "retry: max_attempts must be 1..100");
    options.max_attempts = FL_RETRY_ATTEMPTS_MAX + 1;
    assert_null(fl_retry_create(w, &options, message, sizeof message));
    options = fl_retry_options_default();
    options.base_delay_ns = -1;
    assert_null(fl_retry_create(w, &options, message, sizeof message));
    options = fl_retry_options_default();
    options.max_delay_ns = FL_RETRY_DELAY_MAX_NS + 1;
    assert_null(fl_retry_create(w, &options, message, sizeof message));
    options = fl_retry_options_default();
    const int bad_status[] = {503, 99};
    options.retry_statuses = bad_status;
    options.retry_status_count = 2;
    assert_null(fl_retry_create(w, &options, message, sizeof message));
    assert_string_equal(message, "retry: retry_statuses must be 100..599");
    options = fl_retry_options_default();
    const char *bad_methods[] = {"GET", ""};
    options.retry_methods = bad_methods;
    options.retry_method_count = 2;
    assert_null(fl_retry_create(w, &options, message, sizeof message));
    options.retry_method_count = FL_RETRY_METHODS_MAX + 1;
    assert_null(fl_retry_create(w, &options, message, sizeof message));
    fl_world_destroy(w);
}

/* --- attempts and backoff ------------------------------------------------------------ */

static void test_success_needs_one_attempt(void **state) {
    (void)state;
    harness_t h;
    harness_init(&h, 1, NULL, "GET", false);
    fl_response_t *ok = script_ok(&h);
    harness_run(&h);
    assert_null(h.error);
    assert_ptr_equal(h.response, ok);
    assert_int_equal(h.fake.call_count, 1);
    fl_retry_stats_t stats = fl_retry_stats(h.retry);
    assert_int_equal(stats.calls, 1);
    assert_int_equal(stats.attempts, 1);
    assert_int_equal(stats.retries, 0);
    assert_int_equal(h.request->attempt, 1);
    harness_destroy(&h);
}

/* 503, 503, then 200: the two backoffs are exactly the first two draws of
 * the client stream, with caps 100 ms and 200 ms. */
static void test_backoff_delays_are_the_seeded_full_jitter(void **state) {
    (void)state;
    const uint64_t seed = 42;
    harness_t h;
    harness_init(&h, seed, NULL, "GET", false);
    script_error(&h, status_error_new(&h, 503, NULL));
    script_error(&h, status_error_new(&h, 503, NULL));
    fl_response_t *ok = script_ok(&h);
    harness_run(&h);

    int64_t caps[2] = {FL_MS(100), FL_MS(200)}, delays[2];
    expected_jitter(seed, caps, 2, delays);
    int64_t starts[3] = {0, delays[0], delays[0] + delays[1]};
    assert_attempt_starts(&h, starts, 3);
    assert_null(h.error);
    assert_ptr_equal(h.response, ok);
    assert_int_equal(h.finished_ns, delays[0] + delays[1]);
    assert_int_equal(h.request->attempt, 3);
    fl_retry_stats_t stats = fl_retry_stats(h.retry);
    assert_int_equal(stats.attempts, 3);
    assert_int_equal(stats.retries, 2);
    assert_int_equal(stats.backoff_total_ns, delays[0] + delays[1]);
    assert_int_equal(stats.last_delay_ns, delays[1]);
    harness_destroy(&h);
}

typedef struct backoff_run {
    int64_t starts[3];
    uint64_t hash;
} backoff_run_t;

static backoff_run_t run_three_failures(uint64_t seed) {
    harness_t h;
    harness_init(&h, seed, NULL, "GET", false);
    for (int i = 0; i < 3; i++) script_error(&h, error_new(&h, FL_ERR_READ_ERROR));
    harness_run(&h);
    assert_int_equal(h.fake.call_count, 3);
    backoff_run_t run = {.hash = fl_world_trace_hash(h.world)};
    for (int i = 0; i < 3; i++) run.starts[i] = h.fake.calls[i].started_ns;
    /* Full jitter's bounds: [0, 100 ms] then [0, 200 ms]. */
    assert_in_range(run.starts[1], 0, FL_MS(100));
    assert_in_range(run.starts[2] - run.starts[1], 0, FL_MS(200));
    harness_destroy(&h);
    return run;
}

static void test_backoff_is_deterministic_per_seed(void **state) {
    (void)state;
    backoff_run_t first = run_three_failures(7), again = run_three_failures(7);
    backoff_run_t other = run_three_failures(8);
    assert_memory_equal(first.starts, again.starts, sizeof first.starts);
    assert_int_equal(first.hash, again.hash);
    /* Nanosecond draws from unrelated streams: equal only by a 1e-8 chance. */
    assert_int_not_equal(first.starts[1], other.starts[1]);
    assert_int_not_equal(first.hash, other.hash);
}

/* Eight attempts, base 1 s, max 5 s: caps 1, 2, 4, 5, 5, 5, 5 s. */
static void test_backoff_cap_doubles_then_saturates(void **state) {
    (void)state;
    const uint64_t seed = 1234;
    fl_retry_options_t options = fl_retry_options_default();
    options.max_attempts = 8;
    options.base_delay_ns = FL_SECONDS(1);
    options.max_delay_ns = FL_SECONDS(5);
    harness_t h;
    harness_init(&h, seed, &options, "GET", false);
    fl_error_t *errors[8];
    for (int i = 0; i < 8; i++) script_error(&h, errors[i] = error_new(&h, FL_ERR_CONNECT_ERROR));
    harness_run(&h);

    int64_t caps[7] = {FL_SECONDS(1), FL_SECONDS(2), FL_SECONDS(4), FL_SECONDS(5),
                       FL_SECONDS(5), FL_SECONDS(5), FL_SECONDS(5)};
    int64_t delays[7], starts[8] = {0};
    expected_jitter(seed, caps, 7, delays);
    for (int i = 1; i < 8; i++) starts[i] = starts[i - 1] + delays[i - 1];
    assert_attempt_starts(&h, starts, 8);
    assert_ptr_equal(h.error, errors[7]);
    assert_int_equal(errors[7]->note_count, 1);
    assert_string_equal(errors[7]->notes[0], "faultline: gave up after 8 attempts");
    for (int i = 0; i < 7; i++) assert_int_equal(errors[i]->note_count, 0);
    harness_destroy(&h);
}

/* --- Retry-After -------------------------------------------------------------------- */

/* Retry-After: 2 waits exactly 2 s and draws nothing: the next backoff (a
 * ReadError) is the stream's FIRST draw, with attempt 2's cap of 200 ms. */
static void test_retry_after_seconds_is_honoured(void **state) {
    (void)state;
    const uint64_t seed = 99;
    harness_t h;
    harness_init(&h, seed, NULL, "GET", false);
    script_error(&h, status_error_new(&h, 503, "2"));
    script_error(&h, error_new(&h, FL_ERR_READ_ERROR));
    script_ok(&h);
    harness_run(&h);
    int64_t cap = FL_MS(200), delay;
    expected_jitter(seed, &cap, 1, &delay);
    int64_t starts[3] = {0, FL_SECONDS(2), FL_SECONDS(2) + delay};
    assert_attempt_starts(&h, starts, 3);
    assert_null(h.error);
    harness_destroy(&h);
}

static void test_retry_after_is_capped_at_max_delay(void **state) {
    (void)state;
    harness_t h;
    harness_init(&h, 1, NULL, "GET", false);
    script_error(&h, status_error_new(&h, 429, "60"));
    script_ok(&h);
    harness_run(&h);
    int64_t starts[2] = {0, FL_SECONDS(5)};
    assert_attempt_starts(&h, starts, 2);
    harness_destroy(&h);

    fl_retry_options_t options = fl_retry_options_default();
    options.max_delay_ns = FL_MS(1500);
    harness_init(&h, 1, &options, "GET", false);
    script_error(&h, status_error_new(&h, 503, "3"));
    script_ok(&h);
    harness_run(&h);
    int64_t capped[2] = {0, FL_MS(1500)};
    assert_attempt_starts(&h, capped, 2);
    harness_destroy(&h);
}

/* The 503 comes at virtual 1 s, i.e. 2026-01-01T00:00:01Z; each date says
 * 00:00:04Z, so the next attempt starts at virtual 4 s in every form. */
static void test_retry_after_http_date_forms(void **state) {
    (void)state;
    const char *forms[] = {
        "Thu, 01 Jan 2026 00:00:04 GMT",    /* IMF-fixdate */
        "Thursday, 01-Jan-26 00:00:04 GMT", /* RFC 850 */
        "Thu Jan  1 00:00:04 2026",         /* asctime */
        "Thu, 01 Jan 2026 01:00:04 +0100",  /* a numeric zone */
        "Wed, 31 Dec 2025 19:00:04 -0500",
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        harness_t h;
        harness_init(&h, 3, NULL, "GET", false);
        script_error_after(&h, FL_SECONDS(1), status_error_new(&h, 503, forms[i]));
        script_ok(&h);
        harness_run(&h);
        int64_t starts[2] = {0, FL_SECONDS(4)};
        assert_attempt_starts(&h, starts, 2);
        assert_null(h.error);
        harness_destroy(&h);
    }
}

static void test_retry_after_http_date_past_and_far_future(void **state) {
    (void)state;
    harness_t h;
    harness_init(&h, 3, NULL, "GET", false);
    script_error_after(&h, FL_SECONDS(1), status_error_new(&h, 503, "Wed, 31 Dec 2025 23:59:00 GMT"));
    script_ok(&h);
    harness_run(&h);
    int64_t past[2] = {0, FL_SECONDS(1)}; /* a date already past: no wait */
    assert_attempt_starts(&h, past, 2);
    harness_destroy(&h);

    harness_init(&h, 3, NULL, "GET", false);
    script_error_after(&h, FL_SECONDS(1), status_error_new(&h, 503, "Fri, 01 Jan 2027 00:00:00 GMT"));
    script_ok(&h);
    harness_run(&h);
    int64_t capped[2] = {0, FL_SECONDS(6)}; /* capped at 5 s after the 503 at 1 s */
    assert_attempt_starts(&h, capped, 2);
    harness_destroy(&h);
}

static void test_retry_after_malformed_or_disabled_falls_back_to_jitter(void **state) {
    (void)state;
    const uint64_t seed = 5;
    int64_t cap = FL_MS(100), delay;
    expected_jitter(seed, &cap, 1, &delay);
    const char *malformed[] = {"soon", "1.5", "", "Thu, 32 Jan 2026 00:00:04 GMT"};
    for (size_t i = 0; i < 4; i++) {
        harness_t h;
        harness_init(&h, seed, NULL, "GET", false);
        script_error(&h, status_error_new(&h, 503, malformed[i]));
        script_ok(&h);
        harness_run(&h);
        int64_t starts[2] = {0, delay};
        assert_attempt_starts(&h, starts, 2);
        harness_destroy(&h);
    }
    fl_retry_options_t options = fl_retry_options_default();
    options.respect_retry_after = false;
    harness_t h;
    harness_init(&h, seed, &options, "GET", false);
    script_error(&h, status_error_new(&h, 503, "2"));
    script_ok(&h);
    harness_run(&h);
    int64_t starts[2] = {0, delay};
    assert_attempt_starts(&h, starts, 2);
    harness_destroy(&h);
}

static void assert_parses(const char *value, int64_t now_ns, int64_t expected_ns) {
    int64_t delay_ns = -1;
    if (!fl_retry_after_parse(value, now_ns, &delay_ns)) fail_msg("did not parse: '%s'", value);
    if (delay_ns != expected_ns)
        fail_msg("'%s' at %lld: %lld ns, expected %lld", value, (long long)now_ns,
                 (long long)delay_ns, (long long)expected_ns);
}

static void assert_refused(const char *value) {
    int64_t delay_ns = -1;
    if (fl_retry_after_parse(value, 0, &delay_ns)) fail_msg("parsed: '%s'", value);
}

static void test_retry_after_parser(void **state) {
    (void)state;
    const int64_t day = FL_SECONDS(86400);
    assert_parses("0", 0, 0);
    assert_parses(" 7 ", FL_SECONDS(100), FL_SECONDS(7));
    assert_parses("+2", 0, FL_SECONDS(2));
    assert_parses("-3", 0, 0); /* httpware clamps negative seconds to 0 */
    assert_parses("99999999999999999999999", 0, FL_RETRY_DELAY_MAX_NS);
    assert_parses("Thu, 01 Jan 2026 00:00:05 GMT", 0, FL_SECONDS(5));
    assert_parses("Thu, 01 Jan 2026 00:00:05 GMT", FL_SECONDS(2), FL_SECONDS(3));
    assert_parses("thu, 01 jan 2026 23:59:59 utc", 0, FL_SECONDS(86399));
    /* 2027-02-06 is 401 days after the epoch; 2028-02-29 is 789 (2028 is
     * a leap year). */
    assert_parses("Sat, 06 Feb 2027 00:00:10 GMT", 401 * day, FL_SECONDS(10));
    assert_parses("Tue, 29 Feb 2028 00:00:30 GMT", 789 * day, FL_SECONDS(30));
    assert_parses("Wed, 01 Mar 2028 00:00:00 Z", 789 * day, day);
    assert_parses("Thursday, 01-Jan-70 00:00:00 GMT", 0, 0); /* 1970: long past */
    assert_parses("Thu, 01 Jan 2026 00:00:05", 0, FL_SECONDS(5)); /* zone omitted: GMT */
    assert_parses("Fri, 01 Jan 9999 00:00:00 GMT", 0, FL_RETRY_DELAY_MAX_NS);
    assert_refused("");
    assert_refused("soon");
    assert_refused("1.5");
    assert_refused("5 s");
    assert_refused("Mon, 29 Feb 2027 00:00:00 GMT"); /* 2027 is not a leap year */
    assert_refused("Thu, 01 Jan 2026 24:00:00 GMT");
    assert_refused("Thu, 01 Jan 2026 00:60:00 GMT");
    assert_refused("Thu, 01 Foo 2026 00:00:00 GMT");
    assert_refused("Thu, 01 Jan 2026 00:00:00 PST");
    assert_refused("Thu, 01 Jan 2026 00:00:00 GMT extra");
    assert_refused("Thu, 01 Jan 1899 00:00:00 GMT");
    assert_refused("Thu, 01 Jan 2026 00:00 GMT");
}

/* The three HTTP-date forms (RFC 9110 §5.6.7) with and without a day
 * name, numeric zones, two-digit years, the calendar's edges; and a
 * refusal for each way a date can be malformed. Virtual time 0 is
 * 2026-01-01T00:00:00Z. */
static void test_retry_after_date_forms_and_malformed_dates(void **state) {
    (void)state;
    /* asctime: month day time year. */
    assert_parses("Thu Jan  1 00:00:05 2026", 0, FL_SECONDS(5));
    assert_parses("Jan 1 00:00:06 2026", 0, FL_SECONDS(6));
    /* RFC 850 with a two-digit year of this century. */
    assert_parses("Thursday, 01-Jan-26 00:00:07 GMT", 0, FL_SECONDS(7));
    assert_parses("01-Jan-26 00:00:08 GMT", 0, FL_SECONDS(8));
    /* Numeric zones east and west of UTC, and the other UTC names. */
    assert_parses("Thu, 01 Jan 2026 01:00:05 +0100", 0, FL_SECONDS(5));
    assert_parses("Wed, 31 Dec 2025 23:30:05 -0030", 0, FL_SECONDS(5));
    assert_parses("Thu, 01 Jan 2026 00:00:09 UT", 0, FL_SECONDS(9));
    /* A leap second, and 2000 (divisible by 400) is a leap year. */
    assert_parses("Thu, 01 Jan 2026 00:00:60 GMT", 0, FL_SECONDS(60));
    assert_parses("Tue, 29 Feb 2000 00:00:00 GMT", 0, 0);
    /* Tokens: too many, one too long. */
    assert_refused("Thu, 01 Jan 2026 00:00:00 GMT a b c");
    assert_refused("Thu, 01 Jan 2026 00:00:00 GMTGMTGMTGMTGMTGMTGMT");
    /* Too few tokens for each form. */
    assert_refused("Thu");
    assert_refused("Thu, 01 Jan 2026");
    assert_refused("Jan 1 00:00:05");
    /* The time: parts missing, extra, empty, too long, not digits. */
    assert_refused("Thu, 01 Jan 2026 00:00:00:00 GMT");
    assert_refused("Thu, 01 Jan 2026 00::00 GMT");
    assert_refused("Thu, 01 Jan 2026 000:00:00 GMT");
    assert_refused("Thu, 01 Jan 2026 0a:00:00 GMT");
    assert_refused("Thu, 01 Jan 2026 00:0a:00 GMT");
    assert_refused("Thu, 01 Jan 2026 00:00:0a GMT");
    /* The day and the year. */
    assert_refused("Thu, 1a Jan 2026 00:00:00 GMT");
    assert_refused("Thu, 00 Jan 2026 00:00:00 GMT");
    assert_refused("Thu, 31 Apr 2026 00:00:00 GMT");
    assert_refused("Thu, 29 Feb 1900 00:00:00 GMT"); /* 1900: divisible by 100, not 400 */
    assert_refused("Thu, 01 Jan 202 00:00:00 GMT");
    assert_refused("Thu, 01 Jan 10000 00:00:00 GMT");
    /* RFC 850's dashed date: parts missing or extra, bad month or year. */
    assert_refused("Thursday, 01-Jan 00:00:00 GMT");
    assert_refused("Thursday, 01-Jan-26-1 00:00:00 GMT");
    assert_refused("Thursday, 01-Foo-26 00:00:00 GMT");
    assert_refused("Thursday, 01-Jan-2x 00:00:00 GMT");
    assert_refused("Thursday, 01-Jan-26 00:00 GMT");
    /* asctime: a bad day, time or year. */
    assert_refused("Jan x 00:00:05 2026");
    assert_refused("Jan 1 00:00 2026");
    assert_refused("Jan 1 00:00:05 26");
    assert_refused("Jan 1 00:00:05 20x6");
    /* Numeric zones: length, digits, minutes. */
    assert_refused("Thu, 01 Jan 2026 00:00:00 +01000");
    assert_refused("Thu, 01 Jan 2026 00:00:00 +01a0");
    assert_refused("Thu, 01 Jan 2026 00:00:00 +0160");
    assert_refused("Thu, 01 Jan 2026 00:00:00 0100");
}

/* --- what is retried ----------------------------------------------------------------- */

/* One call whose first attempt fails with error: returns the attempts made. */
static size_t attempts_for(const fl_retry_options_t *options, const char *method,
                           fl_error_kind_t kind, int status, bool *unchanged_out) {
    harness_t h;
    harness_init(&h, 11, options, method, false);
    fl_error_t *first = status != 0 ? status_error_new(&h, status, NULL) : error_new(&h, kind);
    script_error(&h, first);
    script_ok(&h);
    harness_run(&h);
    size_t attempts = h.fake.call_count;
    /* Not retried: the very error object comes back, without a note. */
    *unchanged_out = h.error == first && first->note_count == 0 && h.response == NULL;
    harness_destroy(&h);
    return attempts;
}

static void test_only_idempotent_methods_are_retried(void **state) {
    (void)state;
    bool unchanged;
    const char *retried[] = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE", "get"};
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(attempts_for(NULL, retried[i], 0, 503, &unchanged), 2);
        assert_int_equal(attempts_for(NULL, retried[i], FL_ERR_READ_ERROR, 0, &unchanged), 2);
    }
    const char *not_retried[] = {"POST", "PATCH", "CONNECT"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(attempts_for(NULL, not_retried[i], 0, 503, &unchanged), 1);
        assert_true(unchanged);
        assert_int_equal(attempts_for(NULL, not_retried[i], FL_ERR_CONNECT_TIMEOUT, 0, &unchanged), 1);
        assert_true(unchanged);
    }
    /* The list is an option: POST alone. */
    fl_retry_options_t options = fl_retry_options_default();
    const char *post_only[] = {"POST"};
    options.retry_methods = post_only;
    options.retry_method_count = 1;
    assert_int_equal(attempts_for(&options, "POST", 0, 503, &unchanged), 2);
    assert_int_equal(attempts_for(&options, "GET", 0, 503, &unchanged), 1);
    assert_true(unchanged);
}

static void test_retried_statuses(void **state) {
    (void)state;
    bool unchanged;
    const int retried[] = {408, 429, 502, 503, 504};
    for (size_t i = 0; i < 5; i++) assert_int_equal(attempts_for(NULL, "GET", 0, retried[i], &unchanged), 2);
    const int not_retried[] = {400, 401, 404, 409, 422, 500, 501};
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(attempts_for(NULL, "GET", 0, not_retried[i], &unchanged), 1);
        assert_true(unchanged);
    }
    fl_retry_options_t options = fl_retry_options_default();
    const int only_500[] = {500};
    options.retry_statuses = only_500;
    options.retry_status_count = 1;
    assert_int_equal(attempts_for(&options, "GET", 0, 500, &unchanged), 2);
    assert_int_equal(attempts_for(&options, "GET", 0, 503, &unchanged), 1);
    assert_true(unchanged);
}

static void test_network_and_timeout_errors_are_retried(void **state) {
    (void)state;
    bool unchanged;
    const fl_error_kind_t retried[] = {
        FL_ERR_NETWORK_ERROR,   FL_ERR_CONNECT_ERROR, FL_ERR_READ_ERROR,    FL_ERR_WRITE_ERROR,
        FL_ERR_CLOSE_ERROR,     FL_ERR_TIMEOUT_ERROR, FL_ERR_CONNECT_TIMEOUT,
        FL_ERR_READ_TIMEOUT,    FL_ERR_WRITE_TIMEOUT, FL_ERR_POOL_TIMEOUT,
    };
    for (size_t i = 0; i < sizeof retried / sizeof retried[0]; i++)
        assert_int_equal(attempts_for(NULL, "GET", retried[i], 0, &unchanged), 2);
}

static void test_other_errors_are_returned_as_is(void **state) {
    (void)state;
    bool unchanged;
    const fl_error_kind_t not_retried[] = {
        FL_ERR_TRANSPORT_ERROR,       FL_ERR_PROTOCOL_ERROR,     FL_ERR_LOCAL_PROTOCOL_ERROR,
        FL_ERR_REMOTE_PROTOCOL_ERROR, FL_ERR_UNSUPPORTED_PROTOCOL, FL_ERR_INVALID_URL,
        FL_ERR_DECODING_ERROR,        FL_ERR_STREAM_CONSUMED,    FL_ERR_CLIENT_ERROR,
        FL_ERR_BULKHEAD_FULL,         FL_ERR_RUNTIME_ERROR,      FL_ERR_OS_ERROR,
        FL_ERR_DEADLINE_EXCEEDED,     FL_ERR_CANCELLED,
    };
    for (size_t i = 0; i < sizeof not_retried / sizeof not_retried[0]; i++) {
        assert_int_equal(attempts_for(NULL, "GET", not_retried[i], 0, &unchanged), 1);
        assert_true(unchanged);
    }
}

/* A Cancelled from the link is never retried and never noted, even for a
 * streamed body with a budget: nothing is withdrawn. */
static void test_cancelled_passes_through_unchanged(void **state) {
    (void)state;
    harness_t h;
    harness_init(&h, 1, NULL, "GET", true);
    fl_retry_budget_t *budget = fl_retry_budget_create(h.world, NULL, NULL, 0);
    fl_retry_options_t options = fl_retry_options_default();
    options.budget = budget;
    h.retry = fl_retry_create(h.world, &options, NULL, 0);
    fl_error_t *cancelled = fl_error_from_status(arena_of(&h), FL_ECANCELLED, "scope");
    script_error(&h, cancelled);
    script_ok(&h);
    harness_run(&h);
    assert_ptr_equal(h.error, cancelled);
    assert_int_equal(cancelled->note_count, 0);
    assert_int_equal(h.fake.call_count, 1);
    fl_retry_budget_stats_t stats = fl_retry_budget_stats(h.world, budget);
    assert_int_equal(stats.withdrawals_total, 0);
    assert_int_equal(stats.refusals_total, 0);
    assert_int_equal(fl_retry_stats(h.retry).streamed_body_refusals, 0);
    harness_destroy(&h);
}

/* Cancelled while sleeping the backoff: the call ends then, with Cancelled,
 * and no further attempt is made. */
static void test_cancelled_during_backoff_ends_the_call(void **state) {
    (void)state;
    harness_t h;
    harness_init(&h, 1, NULL, "GET", false);
    script_error(&h, status_error_new(&h, 503, "4"));
    script_ok(&h);
    h.cancel_at_ns = FL_SECONDS(1);
    harness_run(&h);
    assert_int_equal(h.fake.call_count, 1);
    assert_true(fl_error_is_cancelled(h.error));
    assert_int_equal(h.error->note_count, 0);
    assert_int_equal(h.finished_ns, FL_SECONDS(1));
    fl_retry_stats_t stats = fl_retry_stats(h.retry);
    assert_int_equal(stats.retries, 0);
    assert_int_equal(stats.last_delay_ns, FL_SECONDS(4));
    harness_destroy(&h);
}

/* --- streamed bodies ------------------------------------------------------------------ */

static harness_t *with_budget(harness_t *h, const fl_retry_budget_options_t *budget_options,
                              fl_retry_options_t options, fl_retry_budget_t **budget_out) {
    *budget_out = fl_retry_budget_create(h->world, budget_options, NULL, 0);
    assert_non_null(*budget_out);
    options.budget = *budget_out;
    h->retry = fl_retry_create(h->world, &options, NULL, 0);
    assert_non_null(h->retry);
    return h;
}

static void test_streamed_body_is_refused_with_a_note_and_no_token(void **state) {
    (void)state;
    const fl_error_kind_t kinds[] = {FL_ERR_SERVICE_UNAVAILABLE, FL_ERR_READ_ERROR,
                                     FL_ERR_CONNECT_TIMEOUT};
    for (size_t i = 0; i < 3; i++) {
        harness_t h;
        fl_retry_budget_t *budget;
        harness_init(&h, 1, NULL, "PUT", true);
        with_budget(&h, NULL, fl_retry_options_default(), &budget);
        assert_true(h.request->streaming_body);
        fl_error_t *first = kinds[i] == FL_ERR_SERVICE_UNAVAILABLE ? status_error_new(&h, 503, "1")
                                                                   : error_new(&h, kinds[i]);
        script_error(&h, first);
        script_ok(&h);
        harness_run(&h);
        assert_int_equal(h.fake.call_count, 1);
        assert_ptr_equal(h.error, first);
        assert_int_equal(first->note_count, 1);
        assert_string_equal(first->notes[0], FL_RETRY_NOTE_STREAMED_BODY);
        assert_true(fl_error_has_note(first, "request body is a stream that cannot replay"));
        assert_null(h.response);
        assert_int_equal(h.request->attempt, 1);
        fl_retry_budget_stats_t stats = fl_retry_budget_stats(h.world, budget);
        assert_int_equal(stats.deposits_total, 1);   /* the call deposited */
        assert_int_equal(stats.withdrawals_total, 0); /* no token spent */
        assert_int_equal(stats.refusals_total, 0);    /* nor asked for */
        assert_int_equal(stats.available, 101);
        assert_int_equal(fl_retry_stats(h.retry).streamed_body_refusals, 1);
        harness_destroy(&h);
    }
}

/* The refusal comes before the budget: with no token left the note is
 * still the answer, not RetryBudgetExhausted. */
static void test_streamed_body_refusal_precedes_the_budget(void **state) {
    (void)state;
    fl_retry_budget_options_t empty = fl_retry_budget_options_default();
    empty.min_retries_per_second = 0;
    empty.percent_can_retry = 0;
    harness_t h;
    fl_retry_budget_t *budget;
    harness_init(&h, 1, NULL, "GET", true);
    with_budget(&h, &empty, fl_retry_options_default(), &budget);
    fl_error_t *first = status_error_new(&h, 502, NULL);
    script_error(&h, first);
    script_ok(&h);
    harness_run(&h);
    assert_ptr_equal(h.error, first);
    assert_true(fl_error_has_note(first, FL_RETRY_NOTE_STREAMED_BODY));
    assert_int_equal(fl_retry_budget_stats(h.world, budget).refusals_total, 0);
    harness_destroy(&h);
}

/* ... and before the last-attempt check: one attempt allowed, the note is
 * the refusal's, not "gave up". */
static void test_streamed_body_refusal_precedes_giving_up(void **state) {
    (void)state;
    fl_retry_options_t options = fl_retry_options_default();
    options.max_attempts = 1;
    harness_t h;
    harness_init(&h, 1, &options, "GET", true);
    fl_error_t *first = error_new(&h, FL_ERR_READ_ERROR);
    script_error(&h, first);
    harness_run(&h);
    assert_int_equal(first->note_count, 1);
    assert_string_equal(first->notes[0], FL_RETRY_NOTE_STREAMED_BODY);
    assert_int_equal(fl_retry_stats(h.retry).gave_up, 0);
    harness_destroy(&h);
}

/* Not retryable comes first: a streamed POST, or a 404, gets no note. */
static void test_streamed_body_not_retryable_gets_no_note(void **state) {
    (void)state;
    harness_t h;
    harness_init(&h, 1, NULL, "POST", true);
    fl_error_t *first = status_error_new(&h, 503, NULL);
    script_error(&h, first);
    harness_run(&h);
    assert_ptr_equal(h.error, first);
    assert_int_equal(first->note_count, 0);
    harness_destroy(&h);

    harness_init(&h, 1, NULL, "GET", true);
    first = status_error_new(&h, 404, NULL);
    script_error(&h, first);
    harness_run(&h);
    assert_ptr_equal(h.error, first);
    assert_int_equal(first->note_count, 0);
    assert_int_equal(fl_retry_stats(h.retry).streamed_body_refusals, 0);
    harness_destroy(&h);
}

/* refuse_streamed_body off (httpware before 0.5.0): the stream is retried
 * like any other body, the bug story 1 finds. */
static void test_refusal_off_retries_streamed_bodies(void **state) {
    (void)state;
    fl_retry_options_t options = fl_retry_options_default();
    options.refuse_streamed_body = false;
    harness_t h;
    fl_retry_budget_t *budget;
    harness_init(&h, 1, NULL, "PUT", true);
    with_budget(&h, NULL, options, &budget);
    fl_error_t *first = status_error_new(&h, 503, "1"), *second = error_new(&h, FL_ERR_WRITE_ERROR);
    script_error(&h, first);
    script_error(&h, second);
    fl_response_t *ok = script_ok(&h);
    harness_run(&h);
    assert_null(h.error);
    assert_ptr_equal(h.response, ok);
    assert_int_equal(h.fake.call_count, 3);
    assert_int_equal(h.request->attempt, 3);
    assert_int_equal(first->note_count, 0);
    assert_int_equal(second->note_count, 0);
    fl_retry_stats_t stats = fl_retry_stats(h.retry);
    assert_int_equal(stats.streamed_body_refusals, 0);
    assert_int_equal(stats.streamed_body_retries, 2);
    assert_int_equal(fl_retry_budget_stats(h.world, budget).withdrawals_total, 2);
    harness_destroy(&h);
}

/* --- giving up and the budget ------------------------------------------------------------ */

static void test_last_attempt_gives_up_with_a_note(void **state) {
    (void)state;
    harness_t h;
    harness_init(&h, 1, NULL, "GET", false);
    fl_error_t *errors[3] = {status_error_new(&h, 503, NULL), error_new(&h, FL_ERR_READ_TIMEOUT),
                             status_error_new(&h, 504, NULL)};
    for (int i = 0; i < 3; i++) script_error(&h, errors[i]);
    script_ok(&h); /* never reached */
    harness_run(&h);
    assert_int_equal(h.fake.call_count, 3);
    assert_ptr_equal(h.error, errors[2]);
    assert_int_equal(errors[2]->note_count, 1);
    assert_string_equal(errors[2]->notes[0], "faultline: gave up after 3 attempts");
    assert_int_equal(errors[0]->note_count, 0);
    assert_int_equal(errors[1]->note_count, 0);
    assert_int_equal(fl_retry_stats(h.retry).gave_up, 1);
    harness_destroy(&h);

    fl_retry_options_t options = fl_retry_options_default();
    options.max_attempts = 1;
    harness_init(&h, 1, &options, "GET", false);
    fl_error_t *only = error_new(&h, FL_ERR_CONNECT_ERROR);
    script_error(&h, only);
    harness_run(&h);
    assert_ptr_equal(h.error, only);
    assert_string_equal(only->notes[0], "faultline: gave up after 1 attempt");
    harness_destroy(&h);
}

/* One deposit earns ceil(20 % of 1) = 1 token (no reserve): the first retry
 * takes it, the second is refused: RetryBudgetExhausted caused by the error
 * of attempt 2, carrying its status and response. */
static void test_budget_exhausted_has_the_last_error_as_cause(void **state) {
    (void)state;
    fl_retry_budget_options_t lean = fl_retry_budget_options_default();
    lean.min_retries_per_second = 0;
    harness_t h;
    fl_retry_budget_t *budget;
    harness_init(&h, 1, NULL, "GET", false);
    with_budget(&h, &lean, fl_retry_options_default(), &budget);
    fl_error_t *first = status_error_new(&h, 503, "1"), *second = status_error_new(&h, 502, NULL);
    script_error(&h, first);
    script_error(&h, second);
    script_ok(&h);
    harness_run(&h);
    assert_int_equal(h.fake.call_count, 2);
    assert_non_null(h.error);
    assert_int_equal(h.error->kind, FL_ERR_RETRY_BUDGET_EXHAUSTED);
    assert_true(fl_error_is(h.error, FL_ERR_CLIENT_ERROR));
    assert_string_equal(h.error->message, "retry budget exhausted after 2 attempts");
    assert_ptr_equal(h.error->cause, second);
    assert_int_equal(h.error->http_status, 502);
    assert_ptr_equal(h.error->payload, second->payload);
    assert_int_equal(second->note_count, 0); /* not "gave up": attempts were left */
    fl_retry_budget_stats_t stats = fl_retry_budget_stats(h.world, budget);
    assert_int_equal(stats.deposits_total, 1);
    assert_int_equal(stats.withdrawals_total, 1);
    assert_int_equal(stats.refusals_total, 1);
    fl_retry_stats_t retry_stats = fl_retry_stats(h.retry);
    assert_int_equal(retry_stats.budget_exhausted, 1);
    assert_int_equal(retry_stats.gave_up, 0);
    harness_destroy(&h);

    /* A budget with nothing in it refuses the very first retry. */
    fl_retry_budget_options_t empty = lean;
    empty.percent_can_retry = 0;
    harness_init(&h, 1, NULL, "GET", false);
    with_budget(&h, &empty, fl_retry_options_default(), &budget);
    first = error_new(&h, FL_ERR_READ_ERROR);
    script_error(&h, first);
    harness_run(&h);
    assert_int_equal(h.error->kind, FL_ERR_RETRY_BUDGET_EXHAUSTED);
    assert_string_equal(h.error->message, "retry budget exhausted after 1 attempt");
    assert_ptr_equal(h.error->cause, first);
    assert_int_equal(h.error->http_status, 0);
    assert_null(h.error->payload);
    assert_int_equal(h.fake.call_count, 1);
    harness_destroy(&h);
}

/* The last attempt is checked before the budget: an empty budget is never
 * asked when no attempt is left. */
static void test_giving_up_precedes_the_budget(void **state) {
    (void)state;
    fl_retry_budget_options_t empty = fl_retry_budget_options_default();
    empty.min_retries_per_second = 0;
    empty.percent_can_retry = 0;
    fl_retry_options_t options = fl_retry_options_default();
    options.max_attempts = 1;
    harness_t h;
    fl_retry_budget_t *budget;
    harness_init(&h, 1, NULL, "GET", false);
    with_budget(&h, &empty, options, &budget);
    fl_error_t *first = status_error_new(&h, 503, NULL);
    script_error(&h, first);
    harness_run(&h);
    assert_ptr_equal(h.error, first);
    assert_string_equal(first->notes[0], "faultline: gave up after 1 attempt");
    assert_int_equal(fl_retry_budget_stats(h.world, budget).refusals_total, 0);
    harness_destroy(&h);
}

static fl_error_t *two_calls(fl_world_t *w, void *arg) {
    harness_t *h = arg;
    for (int i = 0; i < 2; i++) {
        h->request = request_new(w, "GET", false);
        h->error = h->retry->handle(h->retry, w, h->request, fake_next_link(&h->fake),
                                    &h->response);
    }
    h->finished = true;
    return NULL;
}

/* Two calls of three failed attempts each: two deposits, not six; four
 * withdrawals. A POST that is not retried still deposits, withdraws none. */
static void test_budget_deposits_once_per_call(void **state) {
    (void)state;
    harness_t h;
    fl_retry_budget_t *budget;
    harness_init(&h, 1, NULL, "GET", false);
    with_budget(&h, NULL, fl_retry_options_default(), &budget);
    for (int i = 0; i < 6; i++) script_error(&h, error_new(&h, FL_ERR_READ_ERROR));
    fl_spawn(h.world, "caller", two_calls, &h);
    assert_int_equal(fl_world_run(h.world), FL_RUN_COMPLETED);
    assert_true(h.finished);
    assert_int_equal(h.fake.call_count, 6);
    fl_retry_budget_stats_t stats = fl_retry_budget_stats(h.world, budget);
    assert_int_equal(stats.deposits_total, 2);
    assert_int_equal(stats.withdrawals_total, 4);
    assert_int_equal(fl_retry_stats(h.retry).calls, 2);
    harness_destroy(&h);

    harness_init(&h, 1, NULL, "POST", false);
    with_budget(&h, NULL, fl_retry_options_default(), &budget);
    script_error(&h, status_error_new(&h, 503, NULL));
    harness_run(&h);
    stats = fl_retry_budget_stats(h.world, budget);
    assert_int_equal(stats.deposits_total, 1);
    assert_int_equal(stats.withdrawals_total, 0);
    assert_int_equal(stats.refusals_total, 0);
    harness_destroy(&h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_httpware_s),
        cmocka_unit_test(test_invalid_options_are_refused),
        cmocka_unit_test(test_success_needs_one_attempt),
        cmocka_unit_test(test_backoff_delays_are_the_seeded_full_jitter),
        cmocka_unit_test(test_backoff_is_deterministic_per_seed),
        cmocka_unit_test(test_backoff_cap_doubles_then_saturates),
        cmocka_unit_test(test_retry_after_seconds_is_honoured),
        cmocka_unit_test(test_retry_after_is_capped_at_max_delay),
        cmocka_unit_test(test_retry_after_http_date_forms),
        cmocka_unit_test(test_retry_after_http_date_past_and_far_future),
        cmocka_unit_test(test_retry_after_malformed_or_disabled_falls_back_to_jitter),
        cmocka_unit_test(test_retry_after_parser),
        cmocka_unit_test(test_retry_after_date_forms_and_malformed_dates),
        cmocka_unit_test(test_only_idempotent_methods_are_retried),
        cmocka_unit_test(test_retried_statuses),
        cmocka_unit_test(test_network_and_timeout_errors_are_retried),
        cmocka_unit_test(test_other_errors_are_returned_as_is),
        cmocka_unit_test(test_cancelled_passes_through_unchanged),
        cmocka_unit_test(test_cancelled_during_backoff_ends_the_call),
        cmocka_unit_test(test_streamed_body_is_refused_with_a_note_and_no_token),
        cmocka_unit_test(test_streamed_body_refusal_precedes_the_budget),
        cmocka_unit_test(test_streamed_body_refusal_precedes_giving_up),
        cmocka_unit_test(test_streamed_body_not_retryable_gets_no_note),
        cmocka_unit_test(test_refusal_off_retries_streamed_bodies),
        cmocka_unit_test(test_last_attempt_gives_up_with_a_note),
        cmocka_unit_test(test_budget_exhausted_has_the_last_error_as_cause),
        cmocka_unit_test(test_giving_up_precedes_the_budget),
        cmocka_unit_test(test_budget_deposits_once_per_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
