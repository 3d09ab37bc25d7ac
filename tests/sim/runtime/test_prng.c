/* Seeded PRNG streams: reproducible, independent per name and per seed,
 * uniform within bounds, and pinned by a known answer so an accidental
 * change of the generator (which would change every recorded run) fails. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "sim/runtime/prng.h"
#include "sim/runtime/world.h"

enum { SEQUENCE_LENGTH = 64 };

static void draw(uint64_t seed, const char *name, uint64_t out[SEQUENCE_LENGTH]) {
    fl_prng_t prng;
    fl_prng_seed(&prng, seed, name);
    for (int i = 0; i < SEQUENCE_LENGTH; i++) out[i] = fl_prng_next(&prng);
}

/* How many positions two sequences share: unrelated 64-bit sequences share
 * none, so any match at all is a sign of a correlated seeding. */
static int shared_positions(const uint64_t a[SEQUENCE_LENGTH], const uint64_t b[SEQUENCE_LENGTH]) {
    int shared = 0;
    for (int i = 0; i < SEQUENCE_LENGTH; i++) shared += a[i] == b[i];
    return shared;
}

static void test_same_seed_and_name_repeat(void **state) {
    (void)state;
    uint64_t a[SEQUENCE_LENGTH], b[SEQUENCE_LENGTH];
    draw(7, "network", a);
    draw(7, "network", b);
    assert_memory_equal(a, b, sizeof a);
    /* A sequence does not repeat itself within a few draws. */
    for (int i = 1; i < SEQUENCE_LENGTH; i++) assert_true(a[i] != a[i - 1]);
}

static void test_different_names_differ(void **state) {
    (void)state;
    static const char *const names[] = {"scheduler", "network", "app", "client", "Network", ""};
    enum { NAMES = sizeof names / sizeof names[0] };
    uint64_t sequences[NAMES][SEQUENCE_LENGTH];
    for (int i = 0; i < NAMES; i++) draw(7, names[i], sequences[i]);
    for (int i = 0; i < NAMES; i++)
        for (int j = i + 1; j < NAMES; j++)
            assert_int_equal(shared_positions(sequences[i], sequences[j]), 0);
}

static void test_different_seeds_differ(void **state) {
    (void)state;
    uint64_t base[SEQUENCE_LENGTH];
    draw(1, "scheduler", base);
    static const uint64_t seeds[] = {0, 2, 3, 1ull << 32, UINT64_MAX};
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        uint64_t other[SEQUENCE_LENGTH];
        draw(seeds[i], "scheduler", other);
        assert_int_equal(shared_positions(base, other), 0);
    }
}

static void test_known_answer(void **state) {
    (void)state;
    /* xoshiro256** seeded by splitmix64 from 42 ^ fnv1a("scheduler"),
     * checked against an independent implementation of both. */
    fl_prng_t prng;
    fl_prng_seed(&prng, 42, "scheduler");
    assert_true(fl_prng_next(&prng) == 0x725888852fea0455ULL);
    assert_true(fl_prng_next(&prng) == 0x7db26e8b1f800f9fULL);
    assert_true(fl_prng_next(&prng) == 0xdad3b2b4f454c03aULL);

    fl_prng_seed(&prng, 42, "scheduler");
    static const uint64_t below_ten[] = {4, 4, 8, 6, 5};
    for (size_t i = 0; i < sizeof below_ten / sizeof below_ten[0]; i++)
        assert_int_equal(fl_prng_below(&prng, 10), below_ten[i]);
}

static void test_stream_names(void **state) {
    (void)state;
    assert_string_equal(fl_prng_stream_name(FL_PRNG_SCHEDULER), "scheduler");
    assert_string_equal(fl_prng_stream_name(FL_PRNG_NETWORK), "network");
    assert_string_equal(fl_prng_stream_name(FL_PRNG_APP), "app");
    assert_string_equal(fl_prng_stream_name(FL_PRNG_CLIENT), "client");
}

static void test_below_is_in_range_and_uniform(void **state) {
    (void)state;
    enum { DRAWS = 100000, BOUND = 10 };
    uint64_t counts[BOUND] = {0};
    fl_prng_t prng;
    fl_prng_seed(&prng, 2024, "app");
    for (int i = 0; i < DRAWS; i++) {
        uint64_t v = fl_prng_below(&prng, BOUND);
        assert_true(v < BOUND);
        counts[v]++;
    }
    /* Expected 10,000 per bucket with a standard deviation near 95: 5 %
     * either side is over five deviations, yet catches a biased reduction. */
    for (int b = 0; b < BOUND; b++) {
        if (counts[b] < 9500 || counts[b] > 10500)
            fail_msg("bucket %d holds %llu of %d draws", b, (unsigned long long)counts[b], DRAWS);
    }

    /* The draw is seeded, so the exact counts are reproducible. */
    uint64_t again[BOUND] = {0};
    fl_prng_seed(&prng, 2024, "app");
    for (int i = 0; i < DRAWS; i++) again[fl_prng_below(&prng, BOUND)]++;
    assert_memory_equal(counts, again, sizeof counts);
}

static void test_below_edge_bounds(void **state) {
    (void)state;
    fl_prng_t prng;
    fl_prng_seed(&prng, 5, "client");
    for (int i = 0; i < 1000; i++) assert_int_equal(fl_prng_below(&prng, 1), 0);
    bool seen[2] = {false, false};
    for (int i = 0; i < 1000; i++) {
        uint64_t v = fl_prng_below(&prng, 2);
        assert_true(v < 2);
        seen[v] = true;
    }
    assert_true(seen[0] && seen[1]);
    /* Bounds that are not powers of two and near the top of the range. */
    const uint64_t big = (UINT64_MAX / 3) * 2 + 1;
    bool upper_half = false;
    for (int i = 0; i < 1000; i++) {
        uint64_t v = fl_prng_below(&prng, big);
        assert_true(v < big);
        upper_half |= v > big / 2;
    }
    assert_true(upper_half);
    for (int i = 0; i < 1000; i++) assert_true(fl_prng_below(&prng, UINT64_MAX) < UINT64_MAX);
}

static void test_unit_is_in_half_open_interval(void **state) {
    (void)state;
    fl_prng_t prng;
    fl_prng_seed(&prng, 99, "network");
    double sum = 0, low = 1, high = 0;
    enum { DRAWS = 100000 };
    for (int i = 0; i < DRAWS; i++) {
        double u = fl_prng_unit(&prng);
        assert_true(u >= 0.0 && u < 1.0);
        sum += u;
        if (u < low) low = u;
        if (u > high) high = u;
    }
    double mean = sum / DRAWS;
    assert_true(mean > 0.49 && mean < 0.51);
    assert_true(low < 0.001);
    assert_true(high > 0.999);
}

static void test_splitmix64_steps_its_state(void **state) {
    (void)state;
    /* The reference splitmix64 from seed 0 (Vigna). */
    uint64_t s = 0;
    assert_true(fl_splitmix64(&s) == 0xe220a8397b1dcdafULL);
    assert_true(s == 0x9e3779b97f4a7c15ULL);
    assert_true(fl_splitmix64(&s) == 0x6e789e6aa1b965f4ULL);
}

static fl_world_t *world_with_seed(uint64_t seed) {
    fl_world_options_t options = {.seed = seed, .policy = "fifo"};
    char error[256];
    fl_world_t *world = fl_world_create(&options, error, sizeof error);
    assert_non_null(world);
    return world;
}

static void test_world_streams_match_for_the_same_seed(void **state) {
    (void)state;
    fl_world_t *a = world_with_seed(1234);
    fl_world_t *b = world_with_seed(1234);
    fl_world_t *c = world_with_seed(1235);
    assert_int_equal(fl_world_seed(a), 1234);
    bool any_differs_from_c = false;
    for (int i = 0; i < 32; i++) {
        uint64_t va = fl_prng_next(fl_world_prng(a, FL_PRNG_NETWORK));
        uint64_t vb = fl_prng_next(fl_world_prng(b, FL_PRNG_NETWORK));
        uint64_t vc = fl_prng_next(fl_world_prng(c, FL_PRNG_NETWORK));
        assert_true(va == vb);
        any_differs_from_c |= va != vc;
    }
    assert_true(any_differs_from_c);

    /* A world's stream is the stream seeded with the world's seed and the
     * stream's name. */
    fl_prng_t expected;
    fl_prng_seed(&expected, 1234, "client");
    assert_true(fl_prng_next(fl_world_prng(a, FL_PRNG_CLIENT)) == fl_prng_next(&expected));

    /* Each stream is its own state. */
    assert_ptr_not_equal(fl_world_prng(a, FL_PRNG_NETWORK), fl_world_prng(a, FL_PRNG_SCHEDULER));
    fl_world_destroy(a);
    fl_world_destroy(b);
    fl_world_destroy(c);
}

static void test_network_draws_do_not_move_the_scheduler_stream(void **state) {
    (void)state;
    fl_world_t *quiet = world_with_seed(77);
    fl_world_t *busy = world_with_seed(77);
    for (int i = 0; i < 1000; i++) fl_prng_next(fl_world_prng(busy, FL_PRNG_NETWORK));
    for (int i = 0; i < 10; i++) fl_prng_below(fl_world_prng(busy, FL_PRNG_APP), 6);
    for (int i = 0; i < 16; i++) {
        uint64_t q = fl_prng_next(fl_world_prng(quiet, FL_PRNG_SCHEDULER));
        uint64_t b = fl_prng_next(fl_world_prng(busy, FL_PRNG_SCHEDULER));
        assert_true(q == b);
    }
    fl_world_destroy(quiet);
    fl_world_destroy(busy);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_and_name_repeat),
        cmocka_unit_test(test_different_names_differ),
        cmocka_unit_test(test_different_seeds_differ),
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_stream_names),
        cmocka_unit_test(test_below_is_in_range_and_uniform),
        cmocka_unit_test(test_below_edge_bounds),
        cmocka_unit_test(test_unit_is_in_half_open_interval),
        cmocka_unit_test(test_splitmix64_steps_its_state),
        cmocka_unit_test(test_world_streams_match_for_the_same_seed),
        cmocka_unit_test(test_network_draws_do_not_move_the_scheduler_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
