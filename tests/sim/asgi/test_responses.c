/* Responses: the plain response's messages and headers, background tasks,
 * StreamingResponse in its three shapes, SSE encoding and pings. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "sim/asgi/responses.h"
#include "tests/support/asgi_app_test.h"

/* --- plain responses --------------------------------------------------------- */

static void test_plain_response_sends_one_start_and_one_body(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    fl_asgi_header_t headers[] = {{"X-Request-Id", "42"}};
    fl_asgi_response_t *response =
        fl_asgi_response_create(h.world, 200, headers, 1, "application/json", "{}", 2);
    assert_int_equal(at_run(&h, fl_asgi_response_app(response)), FL_RUN_COMPLETED);
    assert_null(h.app_error);
    assert_int_equal(h.sent_count, 2);
    assert_int_equal(h.sent[0]->type, FL_ASGI_RESPONSE_START);
    assert_int_equal(h.sent[0]->status, 200);
    assert_int_equal(h.sent[0]->header_count, 3);
    assert_string_equal(h.sent[0]->headers[0].name, "x-request-id"); /* lower-cased */
    assert_string_equal(at_sent_header(&h, 0, "content-length"), "2");
    assert_string_equal(at_sent_header(&h, 0, "content-type"), "application/json");
    assert_int_equal(h.sent[1]->type, FL_ASGI_RESPONSE_BODY);
    assert_false(h.sent[1]->more_body);
    assert_string_equal(at_body_text(&h), "{}");
    assert_int_equal(h.receive_count, 0);
    at_destroy(&h);
}

static void test_init_headers_rules(void **state) {
    (void)state;
    fl_world_options_t options = {.seed = 1};
    fl_world_t *world = fl_world_create(&options, NULL, 0);
    fl_asgi_response_t *text = fl_plain_text_response(world, 404, "Not Found");
    assert_string_equal(fl_asgi_header_get(text->headers, text->header_count, "content-type"),
                        "text/plain; charset=utf-8");
    assert_string_equal(fl_asgi_header_get(text->headers, text->header_count, "content-length"),
                        "9");
    fl_asgi_response_t *empty = fl_asgi_response_create(world, 204, NULL, 0, NULL, NULL, 0);
    assert_int_equal(empty->header_count, 0); /* no content-length for 204 */
    fl_asgi_header_t given[] = {{"Content-Length", "99"}, {"Content-Type", "text/html"}};
    fl_asgi_response_t *kept = fl_asgi_response_create(world, 200, given, 2, "text/plain", "x", 1);
    assert_int_equal(kept->header_count, 2);
    assert_string_equal(fl_asgi_header_get(kept->headers, 2, "content-length"), "99");
    fl_world_destroy(world);
}

/* --- background tasks ---------------------------------------------------------- */

typedef struct background_probe {
    size_t sent_when_run;
    int64_t ran_at_ns;
    at_harness_t *harness;
} background_probe_t;

static fl_error_t *probe_task(void *arg, fl_world_t *world) {
    background_probe_t *probe = arg;
    probe->sent_when_run = probe->harness->sent_count;
    probe->ran_at_ns = fl_now(world);
    return fl_error_from_status(fl_world_arena(world), fl_sleep(world, FL_SECONDS(1)), "probe");
}

static void test_background_tasks_run_after_the_body_in_order(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    background_probe_t first = {.harness = &h}, second = {.harness = &h};
    fl_asgi_response_t *response = fl_plain_text_response(h.world, 200, "done");
    assert_true(fl_asgi_response_add_background(h.world, response, "first", probe_task, &first));
    assert_true(fl_asgi_response_add_background(h.world, response, "second", probe_task, &second));
    assert_int_equal(at_run(&h, fl_asgi_response_app(response)), FL_RUN_COMPLETED);
    assert_null(h.app_error);
    assert_int_equal(first.sent_when_run, 2); /* start and body were already sent */
    assert_int_equal(first.ran_at_ns, 0);
    assert_int_equal(second.ran_at_ns, FL_SECONDS(1)); /* one after another */
    size_t final = at_log_index(&h, FL_SERVER_LOG_MESSAGE_SENT, "final");
    assert_true(at_log_index(&h, FL_SERVER_LOG_BACKGROUND, "first") > final);
    assert_true(at_log_index(&h, FL_SERVER_LOG_BACKGROUND, "second") >
                at_log_index(&h, FL_SERVER_LOG_BACKGROUND, "first"));
    assert_int_equal(h.app_done_ns, FL_SECONDS(2));
    at_destroy(&h);
}

/* --- streaming --------------------------------------------------------------------- */

/* A generator: "<i>," every 100 ms, forever or up to limit chunks, that
 * remembers whether it saw Cancelled at its pending sleep. */
typedef struct counting_iterator {
    fl_body_iterator_t base;
    size_t produced;
    size_t limit;
    bool saw_cancelled;
    char chunk[16];
} counting_iterator_t;

static fl_error_t *counting_next(fl_body_iterator_t *self, fl_world_t *world,
                                 const void **chunk_out, size_t *length_out, bool *done_out) {
    counting_iterator_t *it = (counting_iterator_t *)self;
    if (it->limit != 0 && it->produced == it->limit) {
        *done_out = true;
        return NULL;
    }
    int status = fl_sleep(world, FL_MS(100));
    if (status == FL_ECANCELLED) it->saw_cancelled = true;
    if (status != FL_OK) return fl_error_from_status(fl_world_arena(world), status, "generator");
    snprintf(it->chunk, sizeof it->chunk, "%zu,", ++it->produced);
    *chunk_out = it->chunk;
    *length_out = strlen(it->chunk);
    return NULL;
}

static fl_asgi_app_t *streaming(at_harness_t *h, counting_iterator_t *it,
                                fl_streaming_variant_t variant) {
    it->base.next = counting_next;
    return fl_asgi_response_app(
        &fl_streaming_response_create(h->world, 200, NULL, 0, "text/plain", &it->base, variant)
             ->base);
}

static void test_task_group_variant_stops_at_disconnect(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    at_push_request(&h, NULL, false);
    at_disconnect_after_chunks(&h, 2);
    counting_iterator_t it = {0};
    assert_int_equal(at_run(&h, streaming(&h, &it, FL_STREAMING_TASK_GROUP)), FL_RUN_COMPLETED);
    assert_null(h.app_error); /* the group's own cancellation ends there */
    assert_true(it.saw_cancelled);
    assert_string_equal(at_body_text(&h), "1,2,");
    assert_int_equal(at_log_count(&h, FL_SERVER_LOG_MESSAGE_SENT, "final"), 0);
    assert_string_equal(at_sent_header(&h, 0, "content-type"), "text/plain; charset=utf-8");
    assert_null(at_sent_header(&h, 0, "content-length"));
    at_destroy(&h);
}

static void test_task_group_variant_completes_and_stops_listening(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    h.when_empty = AT_EMPTY_BLOCK;
    counting_iterator_t it = {.limit = 3};
    fl_asgi_app_t *app = streaming(&h, &it, FL_STREAMING_TASK_GROUP);
    fl_asgi_response_add_background(h.world, (fl_asgi_response_t *)app, "after", NULL, NULL);
    assert_int_equal(at_run(&h, app), FL_RUN_COMPLETED);
    assert_null(h.app_error);
    assert_false(it.saw_cancelled);
    assert_string_equal(at_body_text(&h), "1,2,3,");
    assert_int_equal(at_log_count(&h, FL_SERVER_LOG_MESSAGE_SENT, "final"), 1);
    assert_true(at_log_index(&h, FL_SERVER_LOG_BACKGROUND, "after") >
                at_log_index(&h, FL_SERVER_LOG_MESSAGE_SENT, "final"));
    at_destroy(&h);
}

/* Spec 2.4: no listener; the server's OSError from send becomes
 * ClientDisconnect (Starlette 0.42), and the generator is not cancelled. */
static void test_spec_24_variant_raises_client_disconnect(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    h.scope.spec_version = "2.4";
    h.fail_send_at = 4; /* start, 1, 2, then the client is gone */
    counting_iterator_t it = {0};
    assert_int_equal(at_run(&h, streaming(&h, &it, FL_STREAMING_SPEC_AWARE)), FL_RUN_COMPLETED);
    assert_non_null(h.app_error);
    assert_int_equal(h.app_error->kind, FL_ERR_CLIENT_DISCONNECT);
    assert_non_null(h.app_error->cause);
    assert_int_equal(h.app_error->cause->kind, FL_ERR_OS_ERROR);
    assert_int_equal(h.receive_count, 0);
    assert_false(it.saw_cancelled);
    assert_string_equal(at_body_text(&h), "1,2,");
    at_destroy(&h);
}

/* The same response below spec 2.4 listens, as the task-group variant. */
static void test_spec_aware_variant_listens_below_24(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    at_push_request(&h, NULL, false);
    at_disconnect_after_chunks(&h, 1);
    counting_iterator_t it = {0};
    assert_int_equal(at_run(&h, streaming(&h, &it, FL_STREAMING_SPEC_AWARE)), FL_RUN_COMPLETED);
    assert_null(h.app_error);
    assert_true(it.saw_cancelled);
    assert_true(h.receive_count >= 2);
    assert_string_equal(at_body_text(&h), "1,");
    at_destroy(&h);
}

static void test_no_listener_variant_never_receives(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    at_push_disconnect(&h);
    counting_iterator_t it = {.limit = 4};
    assert_int_equal(at_run(&h, streaming(&h, &it, FL_STREAMING_NO_LISTENER)), FL_RUN_COMPLETED);
    assert_null(h.app_error);
    assert_int_equal(h.receive_count, 0);
    assert_string_equal(at_body_text(&h), "1,2,3,4,");
    assert_int_equal(at_log_count(&h, FL_SERVER_LOG_MESSAGE_SENT, "final"), 1);
    at_destroy(&h);
}

/* --- server-sent events ------------------------------------------------------------ */

static const char *encode(fl_world_t *world, fl_sse_event_t event, const char *sep) {
    size_t length = 0;
    const char *text = fl_sse_encode(fl_world_arena(world), &event, sep, &length);
    assert_int_equal(length, strlen(text));
    return text;
}

static void test_sse_encoding(void **state) {
    (void)state;
    fl_world_options_t options = {.seed = 1};
    fl_world_t *w = fl_world_create(&options, NULL, 0);
    assert_string_equal(encode(w, (fl_sse_event_t){.data = "hello"}, NULL), "data: hello\r\n\r\n");
    /* Multi-line data: one data line per line, whatever the line break. */
    assert_string_equal(encode(w, (fl_sse_event_t){.data = "a\nb\r\nc\rd"}, NULL),
                        "data: a\r\ndata: b\r\ndata: c\r\ndata: d\r\n\r\n");
    assert_string_equal(encode(w, (fl_sse_event_t){.data = "end\n"}, "\n"),
                        "data: end\ndata: \n\n");
    /* Field order: comment, id, event, data, retry; id and event lose breaks. */
    assert_string_equal(
        encode(w,
               (fl_sse_event_t){.data = "x", .event = "up\ndate", .id = "7", .comment = "c1\nc2",
                                .has_retry = true, .retry_ms = 3000},
               NULL),
        ": c1\r\n: c2\r\nid: 7\r\nevent: update\r\ndata: x\r\nretry: 3000\r\n\r\n");
    assert_string_equal(encode(w, (fl_sse_event_t){.comment = "ping"}, "\n"), ": ping\n\n");
    fl_world_destroy(w);
}

/* Two events 40 s apart: pings go out every 15 s while the generator waits. */
typedef struct slow_source {
    fl_sse_source_t base;
    size_t produced;
} slow_source_t;

static fl_error_t *slow_next(fl_sse_source_t *self, fl_world_t *world, fl_sse_event_t *event_out,
                             bool *done_out) {
    slow_source_t *source = (slow_source_t *)self;
    if (source->produced == 2) {
        *done_out = true;
        return NULL;
    }
    if (source->produced == 1) {
        int status = fl_sleep(world, FL_SECONDS(40));
        if (status != FL_OK) return fl_error_from_status(fl_world_arena(world), status, "source");
    }
    *event_out = (fl_sse_event_t){.data = source->produced++ == 0 ? "first" : "second\nline"};
    return NULL;
}

static void test_sse_response_pings_while_idle(void **state) {
    (void)state;
    at_harness_t h;
    at_init(&h, "fifo", 1);
    h.when_empty = AT_EMPTY_BLOCK;
    slow_source_t source = {.base = {.next = slow_next}};
    fl_streaming_response_t *response =
        fl_sse_response_create(h.world, 200, &source.base, FL_SECONDS(15));
    assert_int_equal(at_run(&h, fl_asgi_response_app(&response->base)), FL_RUN_COMPLETED);
    assert_null(h.app_error);
    assert_string_equal(at_sent_header(&h, 0, "content-type"), "text/event-stream; charset=utf-8");
    assert_string_equal(at_sent_header(&h, 0, "cache-control"), "no-cache");
    assert_string_equal(at_sent_header(&h, 0, "x-accel-buffering"), "no");
    assert_string_equal(at_body_text(&h),
                        "data: first\r\n\r\n"
                        ": ping - 15.000000\r\n\r\n"
                        ": ping - 30.000000\r\n\r\n"
                        "data: second\r\ndata: line\r\n\r\n");
    /* The final body ends it: no ping after it, though the next was due at 45 s. */
    const fl_asgi_message_t *last = h.sent[h.sent_count - 1];
    assert_false(last->more_body);
    assert_int_equal(h.app_done_ns, FL_SECONDS(40));
    at_destroy(&h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_response_sends_one_start_and_one_body),
        cmocka_unit_test(test_init_headers_rules),
        cmocka_unit_test(test_background_tasks_run_after_the_body_in_order),
        cmocka_unit_test(test_task_group_variant_stops_at_disconnect),
        cmocka_unit_test(test_task_group_variant_completes_and_stops_listening),
        cmocka_unit_test(test_spec_24_variant_raises_client_disconnect),
        cmocka_unit_test(test_spec_aware_variant_listens_below_24),
        cmocka_unit_test(test_no_listener_variant_never_receives),
        cmocka_unit_test(test_sse_encoding),
        cmocka_unit_test(test_sse_response_pings_while_idle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
