/* Headers: insertion order, lookups ignoring case, several values per name,
 * set and remove, comma-separated tokens, validation, and copies. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "client/headers.h"
#include "sim/runtime/arena.h"

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

/* The entries as "Name: value|Name: value", to compare a whole list at once. */
static const char *listing(const fl_headers_t *headers) {
    static char text[2048];
    size_t used = 0;
    text[0] = '\0';
    for (size_t i = 0; i < fl_headers_count(headers); i++) {
        int n = snprintf(text + used, sizeof text - used, "%s%s: %s", i == 0 ? "" : "|",
                         fl_headers_name(headers, i), fl_headers_value(headers, i));
        assert_true(n > 0 && (size_t)n < sizeof text - used);
        used += (size_t)n;
    }
    return text;
}

static void test_order_and_spelling_are_kept(void **state) {
    fl_arena_t *arena = *state;
    fl_headers_t *headers = fl_headers_create(arena);
    assert_int_equal(fl_headers_count(headers), 0);
    assert_null(fl_headers_get(headers, "Host"));
    assert_true(fl_headers_add(headers, "Host", "example.com"));
    assert_true(fl_headers_add(headers, "X-Trace", "1"));
    assert_true(fl_headers_add(headers, "content-TYPE", "text/plain"));
    assert_true(fl_headers_add(headers, "x-trace", "2"));
    assert_int_equal(fl_headers_count(headers), 4);
    assert_string_equal(listing(headers),
                        "Host: example.com|X-Trace: 1|content-TYPE: text/plain|x-trace: 2");
}

static void test_lookups_ignore_case_and_see_every_value(void **state) {
    fl_arena_t *arena = *state;
    fl_headers_t *headers = fl_headers_create(arena);
    assert_true(fl_headers_add(headers, "Set-Cookie", "a=1"));
    assert_true(fl_headers_add(headers, "Content-Length", "5"));
    assert_true(fl_headers_add(headers, "set-cookie", "b=2"));
    assert_true(fl_headers_add(headers, "SET-COOKIE", "c=3"));

    assert_string_equal(fl_headers_get(headers, "content-length"), "5");
    assert_string_equal(fl_headers_get(headers, "CONTENT-LENGTH"), "5");
    /* The first value wins. */
    assert_string_equal(fl_headers_get(headers, "sEt-CoOkIe"), "a=1");
    assert_int_equal(fl_headers_count_of(headers, "set-cookie"), 3);
    assert_int_equal(fl_headers_count_of(headers, "Content-Length"), 1);
    assert_int_equal(fl_headers_count_of(headers, "Missing"), 0);
    assert_null(fl_headers_get(headers, "Missing"));
    /* A prefix or an extension of a name is another name. */
    assert_null(fl_headers_get(headers, "Content"));
    assert_null(fl_headers_get(headers, "Content-Length2"));
    assert_int_equal(fl_headers_count_of(headers, "Set-Cookies"), 0);
}

static void test_set_replaces_every_value_at_the_first_place(void **state) {
    fl_arena_t *arena = *state;
    fl_headers_t *headers = fl_headers_create(arena);
    assert_true(fl_headers_add(headers, "Accept", "a"));
    assert_true(fl_headers_add(headers, "B", "1"));
    assert_true(fl_headers_add(headers, "accept", "b"));
    assert_true(fl_headers_add(headers, "C", "1"));
    assert_true(fl_headers_add(headers, "ACCEPT", "c"));

    assert_true(fl_headers_set(headers, "accept", "json"));
    /* One entry, where the first was, with the new spelling. */
    assert_string_equal(listing(headers), "accept: json|B: 1|C: 1");
    assert_int_equal(fl_headers_count_of(headers, "Accept"), 1);

    /* A name not there is appended. */
    assert_true(fl_headers_set(headers, "User-Agent", "faultline"));
    assert_string_equal(listing(headers), "accept: json|B: 1|C: 1|User-Agent: faultline");

    /* Setting again replaces in place. */
    assert_true(fl_headers_set(headers, "b", "2"));
    assert_string_equal(listing(headers), "accept: json|b: 2|C: 1|User-Agent: faultline");
}

static void test_remove_takes_every_entry_of_a_name(void **state) {
    fl_arena_t *arena = *state;
    fl_headers_t *headers = fl_headers_create(arena);
    assert_true(fl_headers_add(headers, "A", "1"));
    assert_true(fl_headers_add(headers, "Via", "x"));
    assert_true(fl_headers_add(headers, "B", "2"));
    assert_true(fl_headers_add(headers, "via", "y"));
    assert_true(fl_headers_add(headers, "VIA", "z"));

    assert_int_equal(fl_headers_remove(headers, "vIa"), 3);
    assert_string_equal(listing(headers), "A: 1|B: 2");
    assert_int_equal(fl_headers_remove(headers, "Via"), 0);
    assert_int_equal(fl_headers_remove(headers, "Missing"), 0);
    assert_int_equal(fl_headers_remove(headers, "a"), 1);
    assert_string_equal(listing(headers), "B: 2");
    assert_int_equal(fl_headers_remove(headers, "B"), 1);
    assert_int_equal(fl_headers_count(headers), 0);
    /* The headers stay usable after emptying. */
    assert_true(fl_headers_add(headers, "After", "1"));
    assert_string_equal(listing(headers), "After: 1");
}

typedef struct token_case {
    const char *values[3]; /* values of "Connection" (NULL ends) */
    const char *token;
    bool expected;
} token_case_t;

static const token_case_t token_cases[] = {
    {{"close"}, "close", true},
    {{"keep-alive, close"}, "close", true},
    {{"keep-alive, close"}, "keep-alive", true},
    {{"Keep-Alive,CLOSE"}, "close", true},
    {{"close"}, "CLOSE", true},
    {{" \tclose\t "}, "close", true},
    {{"a ,\tclose\t, b"}, "close", true},
    {{"upgrade, , close,"}, "close", true},
    /* Several entries: any of them. */
    {{"keep-alive", "upgrade, close"}, "close", true},
    {{"keep-alive", "upgrade"}, "close", false},
    /* Whole tokens only. */
    {{"closed"}, "close", false},
    {{"clo"}, "close", false},
    {{"close-ish, notclose"}, "close", false},
    {{"cl ose"}, "close", false},
    {{"close;q=1"}, "close", false},
    {{""}, "close", false},
    {{", ,"}, "close", false},
    /* An empty token matches nothing, even an empty element. */
    {{"a,,b"}, "", false},
    {{""}, "", false},
};

static void test_has_token_splits_on_commas_and_trims(void **state) {
    fl_arena_t *arena = *state;
    for (size_t i = 0; i < sizeof token_cases / sizeof token_cases[0]; i++) {
        const token_case_t *c = &token_cases[i];
        fl_headers_t *headers = fl_headers_create(arena);
        assert_true(fl_headers_add(headers, "Other", "close"));
        for (size_t v = 0; v < 3 && c->values[v] != NULL; v++)
            assert_true(fl_headers_add(headers, "Connection", c->values[v]));
        if (fl_headers_has_token(headers, "connection", c->token) != c->expected)
            fail_msg("case %zu: Connection: %s has '%s' should be %d", i, c->values[0], c->token,
                     c->expected);
    }
}

static void test_has_token_looks_only_at_the_name_asked(void **state) {
    fl_arena_t *arena = *state;
    fl_headers_t *headers = fl_headers_create(arena);
    assert_true(fl_headers_add(headers, "Transfer-Encoding", "gzip, chunked"));
    assert_false(fl_headers_has_token(headers, "Connection", "chunked"));
    assert_true(fl_headers_has_token(headers, "TRANSFER-ENCODING", "Chunked"));
    assert_false(fl_headers_has_token(headers, "Transfer-Encoding", "deflate"));
}

typedef struct validation_case {
    const char *name;
    const char *value;
    bool valid;
} validation_case_t;

static const validation_case_t validation_cases[] = {
    {"X-Ok", "value", true},
    {"x-!#$%&'*+-.^_`|~09AZaz", "v", true},
    {"X", "", true},
    {"X-Tab", "a\tb", true},
    {"X-Spaces", "  padded  ", true},
    {"X-Symbols", "a:b;c=\"d\", (e)", true},
    {"", "v", false},
    {NULL, "v", false},
    {"X-Null", NULL, false},
    {"Bad Name", "v", false},
    {"Bad:Name", "v", false},
    {"Bad(Name)", "v", false},
    {"Bad\"Name", "v", false},
    {"Bad,Name", "v", false},
    {"Bad/Name", "v", false},
    {"Bad@Name", "v", false},
    {"Bad\tName", "v", false},
    {"Bad\r\nName", "v", false},
    {"Caf\xc3\xa9", "v", false},
    {"X-Bad", "a\r\nInjected: 1", false},
    {"X-Bad", "a\nb", false},
    {"X-Bad", "a\rb", false},
    {"X-Bad", "\r\n", false},
    {"X-Bad", "trailing\n", false},
};

/* add and set accept and refuse the same names and values, and a refusal
 * changes nothing. */
static void test_validation(void **state) {
    fl_arena_t *arena = *state;
    for (size_t i = 0; i < sizeof validation_cases / sizeof validation_cases[0]; i++) {
        const validation_case_t *c = &validation_cases[i];
        fl_headers_t *headers = fl_headers_create(arena);
        assert_true(fl_headers_add(headers, "Keep", "me"));
        if (c->name != NULL && c->valid) assert_true(fl_headers_add(headers, c->name, "old"));
        size_t before = fl_headers_count(headers);

        bool added = fl_headers_add(headers, c->name, c->value);
        if (added != c->valid) fail_msg("case %zu: add gave %d", i, added);
        assert_int_equal(fl_headers_count(headers), before + (c->valid ? 1 : 0));

        bool set = fl_headers_set(headers, c->name, c->value);
        if (set != c->valid) fail_msg("case %zu: set gave %d", i, set);
        if (c->valid) {
            assert_int_equal(fl_headers_count_of(headers, c->name), 1);
            assert_string_equal(fl_headers_get(headers, c->name), c->value);
        } else {
            assert_int_equal(fl_headers_count(headers), before);
        }
        assert_string_equal(fl_headers_get(headers, "Keep"), "me");
    }
}

/* Names and values are copied: the caller's buffers may change. */
static void test_names_and_values_are_copied(void **state) {
    fl_arena_t *arena = *state;
    fl_headers_t *headers = fl_headers_create(arena);
    char name[16] = "X-Buffer";
    char value[16] = "first";
    assert_true(fl_headers_add(headers, name, value));
    strcpy(name, "X-Changed");
    strcpy(value, "second");
    assert_string_equal(fl_headers_name(headers, 0), "X-Buffer");
    assert_string_equal(fl_headers_value(headers, 0), "first");
    assert_true(fl_headers_set(headers, "x-buffer", value));
    strcpy(value, "third");
    assert_string_equal(fl_headers_get(headers, "X-Buffer"), "second");
}

/* Many entries: growth keeps every one, in order. */
static void test_many_entries_keep_their_order(void **state) {
    fl_arena_t *arena = *state;
    fl_headers_t *headers = fl_headers_create(arena);
    enum { COUNT = 300 };
    char name[32], value[32];
    for (int i = 0; i < COUNT; i++) {
        snprintf(name, sizeof name, "X-%d", i % 7);
        snprintf(value, sizeof value, "%d", i);
        assert_true(fl_headers_add(headers, name, value));
    }
    assert_int_equal(fl_headers_count(headers), COUNT);
    for (int i = 0; i < COUNT; i++) {
        snprintf(name, sizeof name, "X-%d", i % 7);
        snprintf(value, sizeof value, "%d", i);
        assert_string_equal(fl_headers_name(headers, (size_t)i), name);
        assert_string_equal(fl_headers_value(headers, (size_t)i), value);
    }
    assert_int_equal(fl_headers_count_of(headers, "x-3"), (COUNT - 3 + 6) / 7);
    assert_int_equal(fl_headers_remove(headers, "X-3"), (COUNT - 3 + 6) / 7);
    assert_int_equal(fl_headers_count(headers), COUNT - (COUNT - 3 + 6) / 7);
    assert_string_equal(fl_headers_value(headers, 3), "4");
}

/* A copy into another arena outlives the first one, and the two are
 * independent afterwards. */
static void test_copy_is_deep_and_independent(void **state) {
    fl_arena_t *arena = *state;
    fl_arena_t source_arena;
    fl_arena_init(&source_arena);
    fl_headers_t *original = fl_headers_create(&source_arena);
    assert_true(fl_headers_add(original, "Host", "h"));
    assert_true(fl_headers_add(original, "Accept", "a"));
    assert_true(fl_headers_add(original, "accept", "b"));

    fl_headers_t *copy = fl_headers_copy(arena, original);
    assert_string_equal(listing(copy), "Host: h|Accept: a|accept: b");

    /* Changes to one are not seen in the other. */
    assert_true(fl_headers_add(copy, "X-Copy", "1"));
    assert_true(fl_headers_set(original, "Host", "changed"));
    assert_int_equal(fl_headers_count(original), 3);
    assert_null(fl_headers_get(original, "X-Copy"));
    assert_string_equal(fl_headers_get(copy, "host"), "h");

    /* The copy's strings live in its own arena. */
    fl_arena_destroy(&source_arena);
    assert_string_equal(listing(copy), "Host: h|Accept: a|accept: b|X-Copy: 1");
    assert_true(fl_headers_add(copy, "X-After", "2"));
    assert_int_equal(fl_headers_count(copy), 5);

    /* An empty copy is a working, empty multimap. */
    fl_headers_t *empty = fl_headers_copy(arena, fl_headers_create(arena));
    assert_int_equal(fl_headers_count(empty), 0);
    assert_true(fl_headers_add(empty, "A", "1"));
    assert_string_equal(listing(empty), "A: 1");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_and_spelling_are_kept, arena_setup,
                                        arena_teardown),
        cmocka_unit_test_setup_teardown(test_lookups_ignore_case_and_see_every_value, arena_setup,
                                        arena_teardown),
        cmocka_unit_test_setup_teardown(test_set_replaces_every_value_at_the_first_place,
                                        arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_remove_takes_every_entry_of_a_name, arena_setup,
                                        arena_teardown),
        cmocka_unit_test_setup_teardown(test_has_token_splits_on_commas_and_trims, arena_setup,
                                        arena_teardown),
        cmocka_unit_test_setup_teardown(test_has_token_looks_only_at_the_name_asked, arena_setup,
                                        arena_teardown),
        cmocka_unit_test_setup_teardown(test_validation, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_names_and_values_are_copied, arena_setup,
                                        arena_teardown),
        cmocka_unit_test_setup_teardown(test_many_entries_keep_their_order, arena_setup,
                                        arena_teardown),
        cmocka_unit_test_setup_teardown(test_copy_is_deep_and_independent, arena_setup,
                                        arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
