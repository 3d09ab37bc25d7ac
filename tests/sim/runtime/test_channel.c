/* Channels with anyio memory-object-stream semantics. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/support/runtime_test.h"

typedef struct channel_fixture {
    fl_channel_t *channel;
    fl_cancel_scope_t scope;
    fl_cancel_scope_t *receiver_scope;
    int send_status;
    int receive_status;
    int extra_status;
    void *received;
    intptr_t items[8];
    size_t item_count;
    rt_log_t log;
} channel_fixture_t;

static fl_error_t *send_three(fl_world_t *w, void *arg) {
    channel_fixture_t *f = arg;
    for (intptr_t i = 1; i <= 3; i++) {
        rt_log_add(&f->log, "send%ld", (long)i);
        f->send_status = fl_channel_send(w, f->channel, (void *)i);
        rt_log_add(&f->log, "sent%ld", (long)i);
    }
    fl_channel_close_send(w, f->channel);
    return NULL;
}

static fl_error_t *receive_all(fl_world_t *w, void *arg) {
    channel_fixture_t *f = arg;
    void *item;
    int status;
    while ((status = fl_channel_receive(w, f->channel, &item)) == FL_OK) {
        rt_log_add(&f->log, "got%ld", (long)(intptr_t)item);
        f->items[f->item_count++] = (intptr_t)item;
    }
    f->receive_status = status;
    return NULL;
}

/* Capacity 0: each send completes only when the receiver takes the item. */
static void test_rendezvous_hands_over_in_order(void **state) {
    (void)state;
    channel_fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    f.channel = fl_channel_create(w, 0, "rendezvous");
    fl_spawn(w, "sender", send_three, &f);
    fl_spawn(w, "receiver", receive_all, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.item_count, 3);
    assert_int_equal(f.items[0], 1);
    assert_int_equal(f.items[2], 3);
    assert_int_equal(f.receive_status, FL_EENDOFSTREAM);
    /* anyio's order exactly: item 1 finds no receiver waiting, so the sender
     * blocks until it is taken ("got1" before "sent1"); item 2 finds the
     * receiver waiting and is handed over at once, so "sent2" comes before
     * the receiver runs to log "got2"; item 3 blocks again. */
    assert_string_equal(rt_log_text(&f.log),
                        "send1,got1,sent1,send2,sent2,send3,got2,got3,sent3");
    fl_world_destroy(w);
}

/* With a buffer, the sender fills it and blocks only when it is full. */
static void test_buffered_sender_blocks_when_full(void **state) {
    (void)state;
    channel_fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    f.channel = fl_channel_create(w, 2, "buffered");
    fl_spawn(w, "sender", send_three, &f);
    fl_spawn(w, "receiver", receive_all, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.item_count, 3);
    assert_int_equal(f.items[0], 1);
    assert_int_equal(f.items[1], 2);
    assert_int_equal(f.items[2], 3);
    assert_int_equal(f.receive_status, FL_EENDOFSTREAM);
    fl_world_destroy(w);
}

/* send is a checkpoint first: with a receiver already waiting and the
 * sender's scope cancelled, the send fails and nothing is delivered. */
static fl_error_t *waiting_receiver(fl_world_t *w, void *arg) {
    channel_fixture_t *f = arg;
    fl_cancel_scope_t scope;
    fl_scope_enter_move_on_after(w, &scope, FL_SECONDS(1));
    f->receive_status = fl_channel_receive(w, f->channel, &f->received);
    fl_scope_exit(w, &scope, f->receive_status);
    return NULL;
}

static fl_error_t *cancelled_sender(fl_world_t *w, void *arg) {
    channel_fixture_t *f = arg;
    fl_checkpoint(w); /* let the receiver start waiting */
    f->extra_status = (int)fl_channel_waiting_receivers(f->channel);
    fl_scope_enter(w, &f->scope, FL_TIME_NEVER, 0);
    fl_scope_cancel(w, &f->scope);
    f->send_status = fl_channel_send(w, f->channel, (void *)(intptr_t)42);
    fl_scope_exit(w, &f->scope, f->send_status);
    return NULL;
}

static void test_send_checkpoints_even_with_receiver_waiting(void **state) {
    (void)state;
    channel_fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    f.channel = fl_channel_create(w, 0, "pipe");
    fl_spawn(w, "receiver", waiting_receiver, &f);
    fl_spawn(w, "sender", cancelled_sender, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.extra_status, 1); /* the receiver was waiting */
    assert_int_equal(f.send_status, FL_ECANCELLED);
    assert_int_equal(f.receive_status, FL_ECANCELLED); /* its own 1 s timeout */
    assert_null(f.received);
    fl_world_destroy(w);
}

/* send checkpoints even when it could complete at once: another ready task
 * runs before the sender continues. */
static fl_error_t *log_step(fl_world_t *w, void *arg) {
    channel_fixture_t *f = arg;
    (void)w;
    rt_log_add(&f->log, "other");
    return NULL;
}

static fl_error_t *send_once(fl_world_t *w, void *arg) {
    channel_fixture_t *f = arg;
    rt_log_add(&f->log, "before");
    f->send_status = fl_channel_send(w, f->channel, (void *)(intptr_t)7);
    rt_log_add(&f->log, "after");
    return NULL;
}

static void test_send_yields_even_when_it_could_proceed(void **state) {
    (void)state;
    channel_fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    f.channel = fl_channel_create(w, 4, "roomy");
    fl_spawn(w, "sender", send_once, &f);
    fl_spawn(w, "other", log_step, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_string_equal(rt_log_text(&f.log), "before,other,after");
    assert_int_equal(fl_channel_buffered(f.channel), 1);
    fl_world_destroy(w);
}

/* A sender cancelled while blocked withdraws its item: it is never seen. */
static fl_error_t *blocked_sender(fl_world_t *w, void *arg) {
    channel_fixture_t *f = arg;
    fl_scope_enter_move_on_after(w, &f->scope, FL_SECONDS(1));
    f->send_status = fl_channel_send(w, f->channel, (void *)(intptr_t)99);
    fl_scope_exit(w, &f->scope, f->send_status);
    return NULL;
}

static fl_error_t *late_receiver(fl_world_t *w, void *arg) {
    channel_fixture_t *f = arg;
    fl_sleep(w, FL_SECONDS(2));
    f->extra_status = (int)fl_channel_waiting_senders(f->channel);
    f->receive_status = fl_channel_receive_nowait(w, f->channel, &f->received);
    return NULL;
}

static void test_cancelled_sender_withdraws_item(void **state) {
    (void)state;
    channel_fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    f.channel = fl_channel_create(w, 0, "pipe");
    fl_spawn(w, "sender", blocked_sender, &f);
    fl_spawn(w, "receiver", late_receiver, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.send_status, FL_ECANCELLED);
    assert_int_equal(f.extra_status, 0);
    assert_int_equal(f.receive_status, FL_EWOULDBLOCK);
    assert_null(f.received);
    fl_world_destroy(w);
}

/* An item handed to a woken receiver is not lost when the receiver's scope
 * is cancelled before it gets to run. */
static fl_error_t *receiver_in_scope(fl_world_t *w, void *arg) {
    channel_fixture_t *f = arg;
    fl_scope_enter(w, &f->scope, FL_TIME_NEVER, 0);
    f->receiver_scope = &f->scope;
    f->receive_status = fl_channel_receive(w, f->channel, &f->received);
    f->extra_status = fl_scope_exit(w, &f->scope, f->receive_status);
    return NULL;
}

static fl_error_t *send_then_cancel(fl_world_t *w, void *arg) {
    channel_fixture_t *f = arg;
    f->send_status = fl_channel_send(w, f->channel, (void *)(intptr_t)5);
    fl_scope_cancel(w, f->receiver_scope);
    return NULL;
}

static void test_delivered_item_survives_cancellation(void **state) {
    (void)state;
    channel_fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    f.channel = fl_channel_create(w, 0, "pipe");
    fl_spawn(w, "receiver", receiver_in_scope, &f);
    fl_spawn(w, "sender", send_then_cancel, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.send_status, FL_OK);
    assert_int_equal(f.receive_status, FL_OK);
    assert_int_equal((intptr_t)f.received, 5);
    fl_world_destroy(w);
}

/* Closing the send side: buffered items still arrive, then end-of-stream;
 * sending on a closed send side is ClosedResource. */
static fl_error_t *fill_and_close(fl_world_t *w, void *arg) {
    channel_fixture_t *f = arg;
    fl_channel_send(w, f->channel, (void *)(intptr_t)1);
    fl_channel_send(w, f->channel, (void *)(intptr_t)2);
    fl_channel_close_send(w, f->channel);
    f->send_status = fl_channel_send(w, f->channel, (void *)(intptr_t)3);
    return NULL;
}

static void test_end_of_stream_after_buffer_drains(void **state) {
    (void)state;
    channel_fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    f.channel = fl_channel_create(w, 2, "buffered");
    fl_spawn(w, "filler", fill_and_close, &f);
    fl_spawn(w, "drainer", receive_all, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.send_status, FL_ECLOSED);
    assert_int_equal(f.item_count, 2);
    assert_int_equal(f.receive_status, FL_EENDOFSTREAM);
    fl_world_destroy(w);
}

/* A receiver blocked on an empty channel gets end-of-stream on close. */
static fl_error_t *close_after_sleep(fl_world_t *w, void *arg) {
    channel_fixture_t *f = arg;
    fl_sleep(w, FL_SECONDS(1));
    fl_channel_close_send(w, f->channel);
    return NULL;
}

static void test_blocked_receiver_gets_end_of_stream(void **state) {
    (void)state;
    channel_fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    f.channel = fl_channel_create(w, 0, "pipe");
    fl_spawn(w, "receiver", receive_all, &f);
    fl_spawn(w, "closer", close_after_sleep, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.receive_status, FL_EENDOFSTREAM);
    assert_int_equal(f.item_count, 0);
    fl_world_destroy(w);
}

/* Closing the receive side: a blocked sender gets BrokenResource, later
 * sends too; receiving on the closed side is ClosedResource. */
static fl_error_t *close_receive_later(fl_world_t *w, void *arg) {
    channel_fixture_t *f = arg;
    fl_sleep(w, FL_SECONDS(1));
    fl_channel_close_receive(w, f->channel);
    f->receive_status = fl_channel_receive(w, f->channel, &f->received);
    return NULL;
}

static fl_error_t *send_into_broken(fl_world_t *w, void *arg) {
    channel_fixture_t *f = arg;
    f->send_status = fl_channel_send(w, f->channel, (void *)(intptr_t)1);
    f->extra_status = fl_channel_send(w, f->channel, (void *)(intptr_t)2);
    return NULL;
}

static void test_broken_resource_after_receiver_closes(void **state) {
    (void)state;
    channel_fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    f.channel = fl_channel_create(w, 0, "pipe");
    fl_spawn(w, "sender", send_into_broken, &f);
    fl_spawn(w, "closer", close_receive_later, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(f.send_status, FL_EBROKEN);
    assert_int_equal(f.extra_status, FL_EBROKEN);
    assert_int_equal(f.receive_status, FL_ECLOSED);
    fl_world_destroy(w);
}

/* Waiting senders keep their order when the buffer drains. */
static fl_error_t *send_numbered(fl_world_t *w, void *arg) {
    channel_fixture_t *f = arg;
    intptr_t n = (intptr_t)f->item_count++ + 1;
    fl_channel_send(w, f->channel, (void *)n);
    return NULL;
}

static fl_error_t *drain_later(fl_world_t *w, void *arg) {
    channel_fixture_t *f = arg;
    fl_sleep(w, FL_SECONDS(1));
    void *item;
    while (fl_channel_receive_nowait(w, f->channel, &item) == FL_OK)
        rt_log_add(&f->log, "%ld", (long)(intptr_t)item);
    return NULL;
}

static void test_waiting_senders_keep_order(void **state) {
    (void)state;
    channel_fixture_t f = {0};
    fl_world_t *w = rt_world("fifo", 1);
    f.channel = fl_channel_create(w, 1, "narrow");
    for (int i = 0; i < 4; i++) fl_spawn(w, "sender", send_numbered, &f);
    fl_spawn(w, "drainer", drain_later, &f);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_string_equal(rt_log_text(&f.log), "1,2,3,4");
    fl_world_destroy(w);
}

/* --- an item and a deadline at one instant --------------------------------- */

/* A task blocked on a rendezvous channel inside a 1 ms move_on scope; at
 * 1 ms the other side acts from outside any task (as the network does).
 * Whichever comes first decides: an item handed over is the task's, and
 * an item offered after the deadline finds nobody waiting. */
typedef struct channel_race {
    fl_channel_t *channel;
    fl_cancel_scope_t scope;
    fl_task_t *task;
    rt_action_t action;
    bool item_first;
    int task_status;
    int exit_status;
    int other_side_status;
    void *received;
} channel_race_t;

static void send_from_outside(fl_world_t *w, void *arg) {
    channel_race_t *r = arg;
    r->other_side_status = fl_channel_send_nowait(w, r->channel, (void *)(intptr_t)7);
}

static void receive_from_outside(fl_world_t *w, void *arg) {
    channel_race_t *r = arg;
    r->other_side_status = fl_channel_receive_nowait(w, r->channel, &r->received);
}

/* The deadline timer is armed on entering the scope: the other side's
 * action is armed before that when it comes first, after it otherwise. */
static void enter_scope_and_arm(fl_world_t *w, channel_race_t *r,
                                void (*other_side)(fl_world_t *, void *)) {
    if (r->item_first) rt_at(w, &r->action, FL_MS(1), other_side, r);
    fl_scope_enter_move_on_after(w, &r->scope, FL_MS(1));
    if (!r->item_first) rt_at(w, &r->action, FL_MS(1), other_side, r);
}

static fl_error_t *receive_in_scope(fl_world_t *w, void *arg) {
    channel_race_t *r = arg;
    enter_scope_and_arm(w, r, send_from_outside);
    r->task_status = fl_channel_receive(w, r->channel, &r->received);
    r->exit_status = fl_scope_exit(w, &r->scope, r->task_status);
    return NULL;
}

static fl_error_t *send_in_scope(fl_world_t *w, void *arg) {
    channel_race_t *r = arg;
    enter_scope_and_arm(w, r, receive_from_outside);
    r->task_status = fl_channel_send(w, r->channel, (void *)(intptr_t)7);
    r->exit_status = fl_scope_exit(w, &r->scope, r->task_status);
    return NULL;
}

static channel_race_t *run_channel_race(fl_world_t *w, fl_task_fn body, bool item_first) {
    static channel_race_t race;
    race = (channel_race_t){.item_first = item_first};
    race.channel = fl_channel_create(w, 0, "race");
    race.task = fl_spawn(w, "blocked", body, &race);
    assert_int_equal(fl_world_run(w), FL_RUN_COMPLETED);
    assert_int_equal(race.action.fired, 1);
    assert_int_equal(rt_wake_count(w, race.task), 1);
    assert_int_equal(race.exit_status, FL_OK);
    return &race;
}

static void test_item_and_deadline_at_one_instant_receiving(void **state) {
    (void)state;
    for (int item_first = 0; item_first < 2; item_first++) {
        fl_world_t *w = rt_world("fifo", 1);
        channel_race_t *r = run_channel_race(w, receive_in_scope, item_first);
        if (item_first) {
            /* Handed over: received, though the scope was cancelled too. */
            assert_int_equal(r->other_side_status, FL_OK);
            assert_int_equal(r->task_status, FL_OK);
            assert_int_equal((intptr_t)r->received, 7);
            assert_true(r->scope.cancel_called);
            assert_false(r->scope.cancelled_caught);
        } else {
            /* Cancelled first: the late item finds no receiver and stays
             * with its sender. */
            assert_int_equal(r->task_status, FL_ECANCELLED);
            assert_true(r->scope.cancelled_caught);
            assert_int_equal(r->other_side_status, FL_EWOULDBLOCK);
            assert_null(r->received);
        }
        assert_int_equal(fl_channel_waiting_receivers(r->channel), 0);
        fl_world_destroy(w);
    }
}

static void test_item_and_deadline_at_one_instant_sending(void **state) {
    (void)state;
    for (int item_first = 0; item_first < 2; item_first++) {
        fl_world_t *w = rt_world("fifo", 1);
        channel_race_t *r = run_channel_race(w, send_in_scope, item_first);
        if (item_first) {
            assert_int_equal(r->other_side_status, FL_OK);
            assert_int_equal(r->task_status, FL_OK);
            assert_int_equal((intptr_t)r->received, 7);
        } else {
            /* Cancelled first: the item was withdrawn, never received. */
            assert_int_equal(r->task_status, FL_ECANCELLED);
            assert_int_equal(r->other_side_status, FL_EWOULDBLOCK);
            assert_null(r->received);
        }
        assert_int_equal(fl_channel_waiting_senders(r->channel), 0);
        assert_int_equal(fl_channel_buffered(r->channel), 0);
        fl_world_destroy(w);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rendezvous_hands_over_in_order),
        cmocka_unit_test(test_buffered_sender_blocks_when_full),
        cmocka_unit_test(test_send_checkpoints_even_with_receiver_waiting),
        cmocka_unit_test(test_send_yields_even_when_it_could_proceed),
        cmocka_unit_test(test_cancelled_sender_withdraws_item),
        cmocka_unit_test(test_delivered_item_survives_cancellation),
        cmocka_unit_test(test_end_of_stream_after_buffer_drains),
        cmocka_unit_test(test_blocked_receiver_gets_end_of_stream),
        cmocka_unit_test(test_broken_resource_after_receiver_closes),
        cmocka_unit_test(test_waiting_senders_keep_order),
        cmocka_unit_test(test_item_and_deadline_at_one_instant_receiving),
        cmocka_unit_test(test_item_and_deadline_at_one_instant_sending),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
