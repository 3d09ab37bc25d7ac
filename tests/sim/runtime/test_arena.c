/* The arena: aligned, distinct, writable allocations of any size, string
 * copies, and reuse after destroy. The sanitizer build checks that nothing
 * here writes outside what it was given and that destroy frees everything. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdalign.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/arena.h"
#include "sim/runtime/context.h" /* FL_SANITIZE_ADDRESS */

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

static bool aligned(const void *p) { return (uintptr_t)p % alignof(max_align_t) == 0; }

static void test_init_reserves_nothing(void **state) {
    (void)state;
    fl_arena_t arena;
    memset(&arena, 0xab, sizeof arena);
    fl_arena_init(&arena);
    assert_null(arena.head);
    assert_int_equal(arena.bytes_reserved, 0);
    fl_arena_destroy(&arena); /* destroying an empty arena is fine */
    assert_null(arena.head);
}

static void test_allocations_are_aligned(void **state) {
    fl_arena_t *arena = *state;
    /* Odd sizes in a row must not push later allocations off alignment. */
    static const size_t sizes[] = {1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 63, 100, 0, 1, 2};
    for (int round = 0; round < 50; round++)
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            void *p = fl_arena_alloc(arena, sizes[i]);
            assert_non_null(p);
            assert_true(aligned(p));
            void *z = fl_arena_zalloc(arena, sizes[i]);
            assert_true(aligned(z));
        }
    /* A long double or a max_align_t stored through the pointer works. */
    max_align_t *m = fl_arena_alloc(arena, sizeof *m);
    memset(m, 0, sizeof *m);
    long double *ld = fl_arena_alloc(arena, sizeof *ld);
    *ld = 1.5L;
    assert_true(*ld == 1.5L);
}

typedef struct block {
    unsigned char *p;
    size_t size;
} block_t;

/* Fills every block with its own pattern, then checks none was overwritten
 * by a neighbour: allocations are distinct and do not overlap. */
static void test_allocations_are_distinct_and_writable(void **state) {
    fl_arena_t *arena = *state;
    enum { BLOCKS = 5000 };
    block_t *blocks = calloc(BLOCKS, sizeof *blocks);
    assert_non_null(blocks);
    for (size_t i = 0; i < BLOCKS; i++) {
        /* Sizes from 1 byte to 2 KiB: many chunks are filled and chained. */
        blocks[i].size = 1 + (i * 37) % 2048;
        blocks[i].p = fl_arena_alloc(arena, blocks[i].size);
        memset(blocks[i].p, (int)(i & 0xff), blocks[i].size);
    }
    for (size_t i = 0; i < BLOCKS; i++)
        for (size_t j = 0; j < blocks[i].size; j++)
            if (blocks[i].p[j] != (unsigned char)(i & 0xff))
                fail_msg("block %zu byte %zu was overwritten", i, j);
    for (size_t i = 1; i < BLOCKS; i++) assert_ptr_not_equal(blocks[i].p, blocks[i - 1].p);
    assert_true(arena->bytes_reserved >= BLOCKS);
    free(blocks);
}

static void test_zalloc_zero_fills(void **state) {
    fl_arena_t *arena = *state;
    /* Dirty some memory first so that zero is not just fresh pages. */
    for (int i = 0; i < 100; i++) memset(fl_arena_alloc(arena, 100), 0xff, 100);
    for (size_t size = 1; size < 600; size += 7) {
        unsigned char *p = fl_arena_zalloc(arena, size);
        for (size_t j = 0; j < size; j++) assert_int_equal(p[j], 0);
        memset(p, 0xee, size);
    }
}

static void test_large_allocations(void **state) {
    fl_arena_t *arena = *state;
    unsigned char *small = fl_arena_alloc(arena, 10);
    memset(small, 1, 10);
    /* Larger than the biggest chunk, twice, then small ones after. */
    const size_t big = 3 * 1024 * 1024 + 5;
    unsigned char *a = fl_arena_alloc(arena, big);
    assert_true(aligned(a));
    memset(a, 2, big);
    unsigned char *b = fl_arena_zalloc(arena, big * 2);
    assert_true(aligned(b));
    assert_int_equal(b[0], 0);
    assert_int_equal(b[big * 2 - 1], 0);
    memset(b, 3, big * 2);
    unsigned char *after = fl_arena_alloc(arena, 64);
    assert_true(aligned(after));
    memset(after, 4, 64);
    /* Everything kept its contents. */
    for (size_t i = 0; i < 10; i++) assert_int_equal(small[i], 1);
    assert_int_equal(a[0], 2);
    assert_int_equal(a[big / 2], 2);
    assert_int_equal(a[big - 1], 2);
    assert_int_equal(b[big], 3);
    assert_int_equal(b[big * 2 - 1], 3);
    for (size_t i = 0; i < 64; i++) assert_int_equal(after[i], 4);
    assert_true(arena->bytes_reserved >= big * 3 + 64);
}

static void test_strdup_copies(void **state) {
    fl_arena_t *arena = *state;
    char source[] = "hello, arena";
    char *copy = fl_arena_strdup(arena, source);
    assert_ptr_not_equal(copy, source);
    assert_string_equal(copy, "hello, arena");
    source[0] = 'j';
    assert_string_equal(copy, "hello, arena");
    assert_null(fl_arena_strdup(arena, NULL));
    char *empty = fl_arena_strdup(arena, "");
    assert_non_null(empty);
    assert_string_equal(empty, "");
    /* A string longer than a chunk. */
    size_t length = 100 * 1024;
    char *long_text = malloc(length + 1);
    assert_non_null(long_text);
    memset(long_text, 'q', length);
    long_text[length] = '\0';
    char *long_copy = fl_arena_strdup(arena, long_text);
    assert_int_equal(strlen(long_copy), length);
    assert_memory_equal(long_copy, long_text, length + 1);
    free(long_text);
}

static char *via_vprintf(fl_arena_t *arena, const char *format, ...) {
    va_list args;
    va_start(args, format);
    char *text = fl_arena_vprintf(arena, format, args);
    va_end(args);
    return text;
}

static void test_printf_copies(void **state) {
    fl_arena_t *arena = *state;
    char *text = fl_arena_printf(arena, "%s=%d (%05.1f%%)", "retries", 3, 12.5);
    assert_string_equal(text, "retries=3 (012.5%)");
    assert_string_equal(fl_arena_printf(arena, "%s", ""), "");
    assert_string_equal(via_vprintf(arena, "%c%c%u", 'o', 'k', 7u), "ok7");
    /* Longer than any fixed buffer a sloppy implementation might use. */
    char *wide = fl_arena_printf(arena, "%5000d|", 42);
    assert_int_equal(strlen(wide), 5001);
    assert_memory_equal(wide + 4998, "42|", 4);
    /* Two printfs give two strings. */
    char *one = fl_arena_printf(arena, "n%d", 1);
    char *two = fl_arena_printf(arena, "n%d", 2);
    assert_ptr_not_equal(one, two);
    assert_string_equal(one, "n1");
    assert_string_equal(two, "n2");
}

static void test_destroy_then_reuse(void **state) {
    (void)state;
    fl_arena_t arena;
    fl_arena_init(&arena);
    for (int cycle = 0; cycle < 20; cycle++) {
        char *s = fl_arena_printf(&arena, "cycle %d", cycle);
        unsigned char *big = fl_arena_alloc(&arena, 2 * 1024 * 1024);
        memset(big, cycle, 2 * 1024 * 1024);
        for (int i = 0; i < 200; i++) memset(fl_arena_alloc(&arena, 300), 0x11, 300);
        char expected[32];
        snprintf(expected, sizeof expected, "cycle %d", cycle);
        assert_string_equal(s, expected);
        assert_true(arena.bytes_reserved > 0);
        fl_arena_destroy(&arena);
        assert_null(arena.head);
        assert_int_equal(arena.bytes_reserved, 0);
        /* Every other cycle re-initialises; the rest reuse the destroyed
         * arena as it stands, which destroy leaves empty and valid. */
        if (cycle % 2 == 0) fl_arena_init(&arena);
    }
    fl_arena_destroy(&arena);
}

/* A destroyed arena's chunks serve the next arena (outside
 * AddressSanitizer, which frees them so that stale pointers still fault),
 * and a chunk comes back only once: two live arenas never share one. */
static void test_destroyed_chunks_are_reused(void **state) {
    (void)state;
    fl_arena_pool_trim();
    fl_arena_t first, second, third;
    fl_arena_init(&first);
    void *old = fl_arena_alloc(&first, 64);
    fl_arena_destroy(&first);
    fl_arena_init(&second);
    fl_arena_init(&third);
    void *reused = fl_arena_alloc(&second, 64);
    void *fresh = fl_arena_alloc(&third, 64);
    assert_ptr_not_equal(reused, fresh);
    if (!FL_SANITIZE_ADDRESS) assert_ptr_equal(reused, old);
    memset(reused, 0x22, 64);
    memset(fresh, 0x33, 64);
    fl_arena_destroy(&second);
    fl_arena_destroy(&third);
    fl_arena_pool_trim();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_reserves_nothing),
        cmocka_unit_test_setup_teardown(test_allocations_are_aligned, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_allocations_are_distinct_and_writable, arena_setup,
                                        arena_teardown),
        cmocka_unit_test_setup_teardown(test_zalloc_zero_fills, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_large_allocations, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_strdup_copies, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_printf_copies, arena_setup, arena_teardown),
        cmocka_unit_test(test_destroy_then_reuse),
        cmocka_unit_test(test_destroyed_chunks_are_reused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
