/* Rich errors: the kind tree, messages, notes, causes, groups, the mapping
 * from status codes, the formatted text, and the status table's names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/arena.h"
#include "sim/runtime/error.h"
#include "sim/runtime/status.h"

/* Each test gets a fresh arena; teardown frees it, so the sanitizer build
 * catches anything that writes outside what it allocated. */
static int arena_setup(void **state) {
    static fl_arena_t arena;
    fl_arena_init(&arena);
    *state = &arena;
    return 0;
}

static int arena_teardown(void **state) {
    fl_arena_destroy(*state);
    return 0;
}

/* --- the kind tree -------------------------------------------------------- */

static void test_kind_is_follows_the_tree(void **state) {
    (void)state;
    assert_true(fl_error_kind_is(FL_ERR_CLIENT_DISCONNECT, FL_ERR_CLIENT_DISCONNECT));
    assert_true(fl_error_kind_is(FL_ERR_CLIENT_DISCONNECT, FL_ERR_OS_ERROR));
    assert_true(fl_error_kind_is(FL_ERR_CLIENT_DISCONNECT, FL_ERR_EXCEPTION));
    assert_false(fl_error_kind_is(FL_ERR_CLIENT_DISCONNECT, FL_ERR_VALUE_ERROR));
    /* isinstance goes one way: a parent is not an instance of its child. */
    assert_false(fl_error_kind_is(FL_ERR_OS_ERROR, FL_ERR_CLIENT_DISCONNECT));
    assert_true(fl_error_kind_is(FL_ERR_GROUP_ERROR, FL_ERR_EXCEPTION));
}

static void test_cancelled_is_not_an_exception(void **state) {
    (void)state;
    assert_false(fl_error_kind_is(FL_ERR_CANCELLED, FL_ERR_EXCEPTION));
    assert_true(fl_error_kind_is(FL_ERR_CANCELLED, FL_ERR_BASE_ERROR));
    assert_false(fl_error_kind_is(FL_ERR_EXCEPTION, FL_ERR_CANCELLED));
    assert_int_equal(fl_error_kind_parent(FL_ERR_CANCELLED), FL_ERR_BASE_ERROR);
    assert_int_equal(fl_error_kind_parent(FL_ERR_BASE_ERROR), FL_ERR_BASE_ERROR);
    /* Nothing below Exception is Cancelled, so catching Exception never
     * swallows a cancellation. */
    for (int k = 0; k < FL_ERR_RUNTIME_KINDS_END; k++)
        if (fl_error_kind_is((fl_error_kind_t)k, FL_ERR_EXCEPTION))
            assert_false(fl_error_kind_is((fl_error_kind_t)k, FL_ERR_CANCELLED));
}

static void test_every_kind_reaches_base_error(void **state) {
    (void)state;
    for (int k = 0; k < FL_ERR_RUNTIME_KINDS_END; k++) {
        fl_error_kind_t kind = (fl_error_kind_t)k;
        assert_true(fl_error_kind_is(kind, FL_ERR_BASE_ERROR));
        /* Walking parents reaches the root within the number of kinds. */
        int steps = 0;
        while (kind != FL_ERR_BASE_ERROR && steps <= FL_ERR_KIND_COUNT) {
            kind = fl_error_kind_parent(kind);
            steps++;
        }
        assert_int_equal(kind, FL_ERR_BASE_ERROR);
        /* Every kind except the root and Cancelled is an Exception. */
        if (k != FL_ERR_BASE_ERROR && k != FL_ERR_CANCELLED)
            assert_true(fl_error_kind_is((fl_error_kind_t)k, FL_ERR_EXCEPTION));
    }
}

static void test_names_are_unique_and_round_trip(void **state) {
    (void)state;
    for (int k = 0; k < FL_ERR_RUNTIME_KINDS_END; k++) {
        const char *name = fl_error_kind_name((fl_error_kind_t)k);
        assert_non_null(name);
        assert_true(strlen(name) > 0);
        for (int j = k + 1; j < FL_ERR_RUNTIME_KINDS_END; j++)
            assert_string_not_equal(name, fl_error_kind_name((fl_error_kind_t)j));
        fl_error_kind_t found = FL_ERR_KIND_COUNT;
        assert_true(fl_error_kind_from_name(name, &found));
        assert_int_equal(found, k);
    }
    assert_string_equal(fl_error_kind_name(FL_ERR_DEADLINE_EXCEEDED), "DeadlineExceeded");
    assert_string_equal(fl_error_kind_name(FL_ERR_BROKEN_RESOURCE), "BrokenResourceError");
}

/* A layer above adds its kinds as a table: numbered after the runtime's,
 * its parents in the runtime's tree or its own, named once. Only what was
 * added is known: the runtime knows no layer's names by itself. */
enum { LAYER_ERROR = FL_ERR_RUNTIME_KINDS_END, LAYER_TIMEOUT, LAYER_KINDS_END };
static const char *const layer_names[] = {"LayerError", "LayerTimeout"};
static const fl_error_kind_t layer_parents[] = {FL_ERR_EXCEPTION, LAYER_ERROR};
static const fl_error_kind_table_t layer_kinds = {
    .layer = "test layer",
    .first = FL_ERR_RUNTIME_KINDS_END,
    .count = 2,
    .names = layer_names,
    .parents = layer_parents,
};

static void test_a_layer_adds_its_kinds(void **state) {
    (void)state;
    fl_error_kind_t kind = FL_ERR_VALUE_ERROR;
    assert_false(fl_error_kind_known(LAYER_ERROR));
    assert_false(fl_error_kind_from_name("LayerTimeout", &kind));
    fl_error_kinds_add(&layer_kinds);
    fl_error_kinds_add(&layer_kinds); /* the same table again: nothing */
    assert_true(fl_error_kind_known(LAYER_TIMEOUT));
    assert_false(fl_error_kind_known(LAYER_KINDS_END));
    assert_true(fl_error_kind_from_name("LayerTimeout", &kind));
    assert_int_equal(kind, LAYER_TIMEOUT);
    assert_string_equal(fl_error_kind_name(LAYER_ERROR), "LayerError");
    assert_true(fl_error_kind_is(LAYER_TIMEOUT, LAYER_ERROR));
    assert_true(fl_error_kind_is(LAYER_TIMEOUT, FL_ERR_EXCEPTION));
    assert_false(fl_error_kind_is(LAYER_TIMEOUT, FL_ERR_OS_ERROR));
    assert_int_equal(fl_error_kind_parent(LAYER_ERROR), FL_ERR_EXCEPTION);
}

static void test_unknown_name_is_refused(void **state) {
    (void)state;
    fl_error_kind_t kind = FL_ERR_VALUE_ERROR;
    assert_false(fl_error_kind_from_name("NoSuchError", &kind));
    assert_false(fl_error_kind_from_name("", &kind));
    assert_false(fl_error_kind_from_name("readtimeout", &kind)); /* case matters */
    assert_false(fl_error_kind_from_name("ReadTimeoutX", &kind));
    assert_int_equal(kind, FL_ERR_VALUE_ERROR); /* left alone on failure */
}

/* --- construction --------------------------------------------------------- */

static void test_new_formats_the_message(void **state) {
    fl_arena_t *arena = *state;
    fl_error_t *e = fl_error_new(arena, FL_ERR_DEADLINE_EXCEEDED, "read %d bytes of %s", 42, "body");
    assert_non_null(e);
    assert_int_equal(e->kind, FL_ERR_DEADLINE_EXCEEDED);
    assert_string_equal(e->message, "read 42 bytes of body");
    assert_int_equal(e->note_count, 0);
    assert_int_equal(e->notes_dropped, 0);
    assert_null(e->cause);
    assert_int_equal(e->child_count, 0);
    assert_int_equal(e->status, 0);
    assert_true(fl_error_is(e, FL_ERR_EXCEPTION));
    assert_false(fl_error_is(e, FL_ERR_CANCELLED));
    assert_false(fl_error_is(NULL, FL_ERR_BASE_ERROR));
    assert_false(fl_error_is_cancelled(e));
    assert_false(fl_error_is_cancelled(NULL));

    fl_error_t *empty = fl_error_new(arena, FL_ERR_VALUE_ERROR, "%s", "");
    assert_string_equal(empty->message, "");
    fl_error_t *cancelled = fl_error_new(arena, FL_ERR_CANCELLED, "stop");
    assert_true(fl_error_is_cancelled(cancelled));
}

static void test_notes_are_bounded(void **state) {
    fl_arena_t *arena = *state;
    fl_error_t *e = fl_error_new(arena, FL_ERR_BROKEN_RESOURCE, "refused");
    assert_false(fl_error_has_note(e, "attempt"));
    fl_error_add_note(arena, e, "attempt %d of %d", 1, 3);
    assert_int_equal(e->note_count, 1);
    assert_string_equal(e->notes[0], "attempt 1 of 3");
    assert_true(fl_error_has_note(e, "attempt 1"));
    assert_true(fl_error_has_note(e, "1 of")); /* a substring matches */
    assert_false(fl_error_has_note(e, "attempt 2"));
    assert_false(fl_error_has_note(NULL, "attempt"));

    for (int i = 2; i <= FL_ERROR_NOTES_MAX + 5; i++) fl_error_add_note(arena, e, "note %d", i);
    assert_int_equal(e->note_count, FL_ERROR_NOTES_MAX);
    assert_int_equal(e->notes_dropped, 5);
    /* The first notes are kept, the later ones counted. */
    assert_string_equal(e->notes[0], "attempt 1 of 3");
    char last_kept[32];
    snprintf(last_kept, sizeof last_kept, "note %d", FL_ERROR_NOTES_MAX);
    assert_string_equal(e->notes[FL_ERROR_NOTES_MAX - 1], last_kept);
    assert_true(fl_error_has_note(e, last_kept));
    char first_dropped[32];
    snprintf(first_dropped, sizeof first_dropped, "note %d", FL_ERROR_NOTES_MAX + 1);
    assert_false(fl_error_has_note(e, first_dropped));
}

static void test_notes_are_copied(void **state) {
    fl_arena_t *arena = *state;
    fl_error_t *e = fl_error_new(arena, FL_ERR_VALUE_ERROR, "bad");
    char text[16] = "volatile";
    fl_error_add_note(arena, e, "%s", text);
    strcpy(text, "changed");
    assert_string_equal(e->notes[0], "volatile");
}

static void test_cause_chain(void **state) {
    fl_arena_t *arena = *state;
    fl_error_t *root = fl_error_new(arena, FL_ERR_OS_ERROR, "connection reset");
    fl_error_t *middle = fl_error_new(arena, FL_ERR_CLOSED_RESOURCE, "read failed");
    fl_error_t *top = fl_error_new(arena, FL_ERR_RUNTIME_ERROR, "gave up");
    middle->cause = root;
    top->cause = middle;
    assert_ptr_equal(top->cause, middle);
    assert_ptr_equal(top->cause->cause, root);
    assert_null(root->cause);

    char text[1024];
    size_t need = fl_error_format(top, text, sizeof text);
    assert_int_equal(need, strlen(text));
    const char *a = strstr(text, "RuntimeError: gave up");
    const char *b = strstr(text, "ClosedResourceError: read failed");
    const char *c = strstr(text, "OSError: connection reset");
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_true(a < b && b < c);
    /* One "caused by:" per link of the chain. */
    const char *first = strstr(text, "caused by:");
    assert_non_null(first);
    assert_true(first > a && first < b);
    const char *second = strstr(first + 1, "caused by:");
    assert_non_null(second);
    assert_true(second > b && second < c);
    assert_null(strstr(second + 1, "caused by:"));
}

/* --- groups ----------------------------------------------------------------- */

static void test_group_copies_children(void **state) {
    fl_arena_t *arena = *state;
    fl_error_t *children[2] = {fl_error_new(arena, FL_ERR_VALUE_ERROR, "one"),
                               fl_error_new(arena, FL_ERR_OS_ERROR, "two")};
    fl_error_t *group = fl_error_group(arena, "unhandled errors in a task group", children, 2);
    assert_int_equal(group->kind, FL_ERR_GROUP_ERROR);
    assert_true(fl_error_is(group, FL_ERR_EXCEPTION));
    assert_string_equal(group->message, "unhandled errors in a task group");
    assert_int_equal(group->child_count, 2);
    fl_error_t *first = children[0];
    children[0] = NULL; /* the array was copied */
    assert_ptr_equal(group->children[0], first);
    assert_ptr_equal(group->children[1], children[1]);

    fl_error_t *empty = fl_error_group(arena, NULL, NULL, 0);
    assert_int_equal(empty->child_count, 0);
    assert_string_equal(empty->message, "");
}

static void test_collapse(void **state) {
    fl_arena_t *arena = *state;
    fl_error_t *leaf = fl_error_new(arena, FL_ERR_DEADLINE_EXCEEDED, "slow");
    fl_error_t *other = fl_error_new(arena, FL_ERR_BROKEN_RESOURCE, "refused");

    /* A single child is unwrapped. */
    fl_error_t *single = fl_error_group(arena, "one", &leaf, 1);
    assert_ptr_equal(fl_error_collapse(single), leaf);

    /* Nested single groups are all unwrapped. */
    fl_error_t *nested = single;
    for (int i = 0; i < 5; i++) nested = fl_error_group(arena, "wrap", &nested, 1);
    assert_ptr_equal(fl_error_collapse(nested), leaf);

    /* Two children are kept, even below a single wrapper. */
    fl_error_t *pair_children[2] = {leaf, other};
    fl_error_t *pair = fl_error_group(arena, "two", pair_children, 2);
    assert_ptr_equal(fl_error_collapse(pair), pair);
    fl_error_t *wrapped_pair = fl_error_group(arena, "wrap", &pair, 1);
    assert_ptr_equal(fl_error_collapse(wrapped_pair), pair);

    /* A single child that is itself a pair stops the unwrapping there. */
    fl_error_t *mixed_children[2] = {single, other};
    fl_error_t *mixed = fl_error_group(arena, "mixed", mixed_children, 2);
    assert_ptr_equal(fl_error_collapse(mixed), mixed);

    /* Anything that is not a group, and NULL, pass through. */
    assert_ptr_equal(fl_error_collapse(leaf), leaf);
    assert_null(fl_error_collapse(NULL));
    fl_error_t *empty = fl_error_group(arena, "none", NULL, 0);
    assert_ptr_equal(fl_error_collapse(empty), empty);
}

/* --- statuses ------------------------------------------------------------- */

static void test_from_status_maps_each_kind(void **state) {
    fl_arena_t *arena = *state;
    static const struct {
        int status;
        fl_error_kind_t kind;
    } cases[] = {
        {FL_ECANCELLED, FL_ERR_CANCELLED},
        {FL_ETIMEDOUT, FL_ERR_DEADLINE_EXCEEDED},
        {FL_EENDOFSTREAM, FL_ERR_END_OF_STREAM},
        {FL_EBROKEN, FL_ERR_BROKEN_RESOURCE},
        {FL_ECLOSED, FL_ERR_CLOSED_RESOURCE},
        {FL_EWOULDBLOCK, FL_ERR_WOULD_BLOCK},
        {FL_ECROSSTASK, FL_ERR_RUNTIME_ERROR},
        {FL_ESTATE, FL_ERR_RUNTIME_ERROR},
        {FL_EREFUSED, FL_ERR_OS_ERROR},
        {FL_ERESET, FL_ERR_OS_ERROR},
        {FL_EPIPE, FL_ERR_OS_ERROR},
        {FL_EEOF, FL_ERR_OS_ERROR},
        {FL_EIO, FL_ERR_OS_ERROR},
        {FL_EINVAL, FL_ERR_VALUE_ERROR},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fl_error_t *e = fl_error_from_status(arena, cases[i].status, "reading body");
        assert_non_null(e);
        if (e->kind != cases[i].kind)
            fail_msg("status %s mapped to %s, expected %s", fl_status_name(cases[i].status),
                     fl_error_kind_name(e->kind), fl_error_kind_name(cases[i].kind));
        assert_int_equal(e->status, cases[i].status);
        /* The message names the context and the status's own message. */
        assert_non_null(strstr(e->message, "reading body"));
        assert_non_null(strstr(e->message, fl_status_message(cases[i].status)));
    }
    assert_null(fl_error_from_status(arena, FL_OK, "nothing"));
    assert_null(fl_error_from_status(arena, 0, NULL));

    /* Without a context the message is the status message alone. */
    fl_error_t *bare = fl_error_from_status(arena, FL_ETIMEDOUT, NULL);
    assert_string_equal(bare->message, fl_status_message(FL_ETIMEDOUT));
    fl_error_t *blank = fl_error_from_status(arena, FL_ECLOSED, "");
    assert_string_equal(blank->message, fl_status_message(FL_ECLOSED));
    assert_true(fl_error_is_cancelled(fl_error_from_status(arena, FL_ECANCELLED, "x")));
}

static void test_status_names_and_messages(void **state) {
    (void)state;
    assert_string_equal(fl_status_name(FL_OK), "OK");
    assert_string_equal(fl_status_name(FL_ECANCELLED), "ECANCELLED");
    assert_string_equal(fl_status_name(FL_ETIMEDOUT), "ETIMEDOUT");
    assert_string_equal(fl_status_name(FL_ERESET), "ERESET");
    assert_string_equal(fl_status_name(FL_EIO), "EIO");
    assert_string_equal(fl_status_message(FL_OK), "success");
    assert_string_equal(fl_status_message(FL_ETIMEDOUT), "timed out");
    assert_string_equal(fl_status_message(FL_ERESET), "connection reset by peer");
    /* Unknown codes, on either side of the table. */
    assert_string_equal(fl_status_name(FL_EADDRINUSE - 1), "EUNKNOWN");
    assert_string_equal(fl_status_name(1), "EUNKNOWN");
    assert_string_equal(fl_status_name(-1000), "EUNKNOWN");
    assert_string_equal(fl_status_message(FL_EADDRINUSE - 1), "unknown status");
    assert_string_equal(fl_status_message(7), "unknown status");
    /* Every code in the table has a distinct name and a message. */
    for (int s = FL_EADDRINUSE; s <= FL_OK; s++) { /* FL_EADDRINUSE is the lowest */
        assert_string_not_equal(fl_status_name(s), "EUNKNOWN");
        assert_string_not_equal(fl_status_message(s), "unknown status");
        for (int t = s + 1; t <= FL_OK; t++)
            assert_string_not_equal(fl_status_name(s), fl_status_name(t));
    }
}

/* --- formatting ------------------------------------------------------------ */

static void test_format_contents(void **state) {
    fl_arena_t *arena = *state;
    fl_error_t *a = fl_error_new(arena, FL_ERR_DEADLINE_EXCEEDED, "slow upstream");
    fl_error_add_note(arena, a, "attempt 2");
    fl_error_t *b = fl_error_new(arena, FL_ERR_BROKEN_RESOURCE, "refused");
    b->cause = fl_error_new(arena, FL_ERR_OS_ERROR, "port closed");
    fl_error_t *children[2] = {a, b};
    fl_error_t *group = fl_error_group(arena, "2 errors", children, 2);
    fl_error_add_note(arena, group, "while fetching %s", "/users");

    char text[2048];
    size_t need = fl_error_format(group, text, sizeof text);
    assert_int_equal(need, strlen(text));
    /* The first line is the group itself, "Kind: message". */
    assert_memory_equal(text, "GroupError: 2 errors\n", strlen("GroupError: 2 errors\n"));
    const char *note = strstr(text, "note: while fetching /users");
    const char *one = strstr(text, "[1]");
    const char *a_line = strstr(text, "DeadlineExceeded: slow upstream");
    const char *a_note = strstr(text, "note: attempt 2");
    const char *two = strstr(text, "[2]");
    const char *b_line = strstr(text, "BrokenResourceError: refused");
    const char *caused = strstr(text, "caused by:");
    const char *c_line = strstr(text, "OSError: port closed");
    assert_non_null(note);
    assert_non_null(one);
    assert_non_null(a_line);
    assert_non_null(a_note);
    assert_non_null(two);
    assert_non_null(b_line);
    assert_non_null(caused);
    assert_non_null(c_line);
    assert_true(note < one && one < a_line && a_line < a_note && a_note < two &&
                two < b_line && b_line < caused && caused < c_line);
    assert_null(strstr(text, "[3]"));
    assert_int_equal(text[need - 1], '\n');

    /* Dropped notes are mentioned. */
    fl_error_t *noisy = fl_error_new(arena, FL_ERR_VALUE_ERROR, "noisy");
    for (int i = 0; i < FL_ERROR_NOTES_MAX + 3; i++) fl_error_add_note(arena, noisy, "n%d", i);
    fl_error_format(noisy, text, sizeof text);
    assert_non_null(strstr(text, "(3 more notes)"));

    /* NULL formats as "no error". */
    need = fl_error_format(NULL, text, sizeof text);
    assert_string_equal(text, "no error\n");
    assert_int_equal(need, strlen("no error\n"));
}

static void test_format_truncates_like_snprintf(void **state) {
    fl_arena_t *arena = *state;
    fl_error_t *e = fl_error_new(arena, FL_ERR_VALUE_ERROR, "upstream is down");
    fl_error_add_note(arena, e, "retry after 30 s");
    e->cause = fl_error_new(arena, FL_ERR_OS_ERROR, "connection reset by peer");

    char full[1024];
    size_t need = fl_error_format(e, full, sizeof full);
    assert_true(need > 40);
    assert_int_equal(need, strlen(full));

    /* For every capacity from 0 up to past the full length: the same length
     * is returned, the text is a NUL-terminated prefix, and nothing past the
     * capacity is touched. */
    for (size_t capacity = 0; capacity <= need + 2; capacity++) {
        char buffer[1024 + 16];
        memset(buffer, 0x5a, sizeof buffer);
        size_t got = fl_error_format(e, buffer, capacity);
        assert_int_equal(got, need);
        for (size_t i = capacity; i < sizeof buffer; i++)
            if ((unsigned char)buffer[i] != 0x5a)
                fail_msg("capacity %zu: byte %zu overwritten", capacity, i);
        if (capacity > 0) {
            size_t kept = strlen(buffer);
            assert_true(kept < capacity);
            assert_int_equal(kept, capacity - 1 < need ? capacity - 1 : need);
            assert_memory_equal(buffer, full, kept);
        }
    }
    /* No buffer at all: only the length. */
    assert_int_equal(fl_error_format(e, NULL, 0), need);
}

static void test_print_writes_the_formatted_text(void **state) {
    fl_arena_t *arena = *state;
    fl_error_t *e = fl_error_new(arena, FL_ERR_RUNTIME_ERROR, "%s", "upstream said 502");
    /* Enough notes and causes to need more than print's 1 KiB stack buffer. */
    fl_error_t *cursor = e;
    for (int i = 0; i < 40; i++) {
        cursor->cause = fl_error_new(arena, FL_ERR_OS_ERROR, "layer %d of the chain", i);
        cursor = cursor->cause;
    }
    char expected[8192];
    size_t need = fl_error_format(e, expected, sizeof expected);
    assert_true(need > 1024 && need < sizeof expected);

    char *printed = NULL;
    size_t printed_size = 0;
    FILE *out = open_memstream(&printed, &printed_size);
    assert_non_null(out);
    fl_error_print(e, out);
    fclose(out);
    assert_string_equal(printed, expected);
    free(printed);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_is_follows_the_tree),
        cmocka_unit_test(test_cancelled_is_not_an_exception),
        cmocka_unit_test(test_every_kind_reaches_base_error),
        cmocka_unit_test(test_names_are_unique_and_round_trip),
        cmocka_unit_test(test_unknown_name_is_refused),
        cmocka_unit_test(test_a_layer_adds_its_kinds),
        cmocka_unit_test_setup_teardown(test_new_formats_the_message, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_notes_are_bounded, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_notes_are_copied, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_cause_chain, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_group_copies_children, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_collapse, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_from_status_maps_each_kind, arena_setup,
                                        arena_teardown),
        cmocka_unit_test(test_status_names_and_messages),
        cmocka_unit_test_setup_teardown(test_format_contents, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_format_truncates_like_snprintf, arena_setup,
                                        arena_teardown),
        cmocka_unit_test_setup_teardown(test_print_writes_the_formatted_text, arena_setup,
                                        arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
