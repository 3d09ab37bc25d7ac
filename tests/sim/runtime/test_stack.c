/* Tests for sim/runtime/stack.h: mappings, the guard page, and the pool. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Under valgrind the faulting children below would each print a crash
 * report that is expected but reads like a failure; they are skipped there
 * and the guard is checked through /proc/self/maps alone. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "sim/runtime/context.h" /* FL_SANITIZE_ADDRESS */
#include "sim/runtime/stack.h"
#include "sim/runtime/status.h"

static size_t page(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

/* Whether any byte of [address, address + size) is mapped (with any
 * protection, PROT_NONE included), according to /proc/self/maps. (mincore
 * would do natively, but not under qemu-user, which keeps unmapped guest
 * memory reserved.) */
static int is_mapped(const void *address, size_t size)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    assert_non_null(maps);
    uintptr_t low = (uintptr_t)address, high = low + size;
    char line[512];
    int mapped = 0;
    while (!mapped && fgets(line, sizeof line, maps) != NULL) {
        unsigned long start = 0, end = 0;
        if (sscanf(line, "%lx-%lx", &start, &end) == 2 && start < high &&
            low < end)
            mapped = 1;
    }
    fclose(maps);
    return mapped;
}

/* Runs touch(address) in a child process and returns how the child ended:
 * the signal that killed it, or 0 if it exited normally. */
static int signal_when_touching(volatile char *address)
{
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        /* The default action, even under a sanitizer's SIGSEGV handler. */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        *address = 1;
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    if (WIFSIGNALED(status))
        return WTERMSIG(status);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    return 0;
}

/* Finds the /proc/self/maps line of the mapping that starts at address and
 * copies its permission field ("---p"); returns 0 if there is none. */
static int permissions_at(const void *address, char permissions[5])
{
    FILE *maps = fopen("/proc/self/maps", "r");
    assert_non_null(maps);
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof line, maps) != NULL) {
        unsigned long start = 0, end = 0;
        if (sscanf(line, "%lx-%lx %4s", &start, &end, permissions) == 3 &&
            start <= (uintptr_t)address && (uintptr_t)address < end)
            found = 1;
    }
    fclose(maps);
    return found;
}

static int setup(void **state)
{
    (void)state;
    fl_stack_pool_trim();
    return 0;
}

static void test_default_size(void **state)
{
    (void)state;
    size_t want = FL_SANITIZE_ADDRESS ? 256 * 1024 : 64 * 1024;
    assert_int_equal(fl_stack_default_size(), want);

    fl_stack_t stack;
    assert_int_equal(fl_stack_acquire(0, &stack), FL_OK);
    assert_int_equal(stack.size, want);
    fl_stack_release(&stack);
}

static void test_acquire_gives_writable_memory(void **state)
{
    (void)state;
    fl_stack_t stack;
    assert_int_equal(fl_stack_acquire(100000, &stack), FL_OK);
    assert_true(stack.size >= 100000);
    assert_int_equal(stack.size % page(), 0);
    assert_int_equal((uintptr_t)stack.base % page(), 0);
    assert_ptr_equal(stack.mapping, (char *)stack.base - page());
    assert_int_equal(stack.mapping_size, stack.size + page());

    /* Every byte of the usable region takes a write and reads it back. */
    unsigned char *bytes = stack.base;
    for (size_t i = 0; i < stack.size; i++)
        bytes[i] = (unsigned char)(i * 7);
    for (size_t i = 0; i < stack.size; i++)
        assert_int_equal(bytes[i], (unsigned char)(i * 7));
    fl_stack_release(&stack);
    assert_null(stack.base); /* the caller's handle is cleared */
}

static void test_size_rounds_up_to_pages(void **state)
{
    (void)state;
    fl_stack_t stack;
    assert_int_equal(fl_stack_acquire(page() + 1, &stack), FL_OK);
    assert_int_equal(stack.size, 2 * page());
    fl_stack_release(&stack);
    assert_int_equal(fl_stack_acquire(1, &stack), FL_OK);
    assert_int_equal(stack.size, page());
    fl_stack_release(&stack);
}

static void test_guard_page_below_faults(void **state)
{
    (void)state;
    fl_stack_t stack;
    assert_int_equal(fl_stack_acquire(4 * page(), &stack), FL_OK);
    char *base = stack.base;

    /* The two ends of the usable region are fine; one byte below is not. */
    assert_int_equal(signal_when_touching(base), 0);
    assert_int_equal(signal_when_touching(base + stack.size - 1), 0);
    if (!RUNNING_ON_VALGRIND) {
        assert_int_equal(signal_when_touching(base - 1), SIGSEGV);
        assert_int_equal(signal_when_touching(base - page()), SIGSEGV);
    }

    char permissions[5] = {0};
    assert_true(permissions_at(base - 1, permissions));
    assert_string_equal(permissions, "---p");
    assert_true(permissions_at(base, permissions));
    assert_string_equal(permissions, "rw-p");
    fl_stack_release(&stack);
}

static void test_release_then_acquire_reuses_mapping(void **state)
{
    (void)state;
    fl_stack_t first, second, other_size;
    assert_int_equal(fl_stack_acquire(8 * page(), &first), FL_OK);
    void *mapping = first.mapping;
    void *base = first.base;
    fl_stack_release(&first);
    assert_int_equal(fl_stack_pool_count(), 1);

    /* A different size does not take the pooled stack. */
    assert_int_equal(fl_stack_acquire(16 * page(), &other_size), FL_OK);
    assert_ptr_not_equal(other_size.mapping, mapping);
    assert_int_equal(fl_stack_pool_count(), 1);

    /* The same size (before rounding, too) does. */
    assert_int_equal(fl_stack_acquire(8 * page() - 100, &second), FL_OK);
    assert_ptr_equal(second.mapping, mapping);
    assert_ptr_equal(second.base, base);
    assert_int_equal(second.size, 8 * page());
    assert_int_equal(fl_stack_pool_count(), 0);

    fl_stack_release(&second);
    fl_stack_release(&other_size);
    assert_int_equal(fl_stack_pool_count(), 2);
}

static void test_pool_is_last_in_first_out(void **state)
{
    (void)state;
    fl_stack_t a, b, again;
    assert_int_equal(fl_stack_acquire(page(), &a), FL_OK);
    assert_int_equal(fl_stack_acquire(page(), &b), FL_OK);
    void *a_mapping = a.mapping;
    void *b_mapping = b.mapping;
    fl_stack_release(&a);
    fl_stack_release(&b);
    /* The most recently released comes back first, then the other. */
    assert_int_equal(fl_stack_acquire(page(), &again), FL_OK);
    assert_ptr_equal(again.mapping, b_mapping);
    fl_stack_release(&again);
    assert_int_equal(fl_stack_acquire(page(), &again), FL_OK);
    assert_ptr_equal(again.mapping, b_mapping);
    assert_int_equal(fl_stack_acquire(page(), &b), FL_OK);
    assert_ptr_equal(b.mapping, a_mapping);
    fl_stack_release(&again);
    fl_stack_release(&b);
}

static void test_trim_unmaps_the_pool(void **state)
{
    (void)state;
    enum { COUNT = 4 };
    fl_stack_t stacks[COUNT];
    void *mappings[COUNT];
    size_t sizes[COUNT];
    for (int i = 0; i < COUNT; i++) {
        assert_int_equal(fl_stack_acquire(2 * page(), &stacks[i]), FL_OK);
        mappings[i] = stacks[i].mapping;
        sizes[i] = stacks[i].mapping_size;
    }
    for (int i = 0; i < COUNT; i++)
        fl_stack_release(&stacks[i]);
    assert_int_equal(fl_stack_pool_count(), COUNT);
    for (int i = 0; i < COUNT; i++)
        assert_true(is_mapped(mappings[i], sizes[i]));

    fl_stack_pool_trim();
    assert_int_equal(fl_stack_pool_count(), 0);
    for (int i = 0; i < COUNT; i++)
        assert_false(is_mapped(mappings[i], sizes[i]));
}

static void test_pool_is_bounded(void **state)
{
    (void)state;
    enum { EXTRA = 10, TOTAL = FL_STACK_POOL_CAPACITY + EXTRA };
    static fl_stack_t stacks[TOTAL];
    static void *mappings[TOTAL];
    for (int i = 0; i < TOTAL; i++) {
        assert_int_equal(fl_stack_acquire(page(), &stacks[i]), FL_OK);
        mappings[i] = stacks[i].mapping;
    }
    for (int i = 0; i < TOTAL; i++) {
        fl_stack_release(&stacks[i]);
        size_t want = i + 1 < FL_STACK_POOL_CAPACITY ? (size_t)i + 1
                                                     : FL_STACK_POOL_CAPACITY;
        assert_int_equal(fl_stack_pool_count(), want);
    }
    /* The first CAPACITY were pooled, the rest unmapped at release. */
    assert_true(is_mapped(mappings[FL_STACK_POOL_CAPACITY - 1], 2 * page()));
    for (int i = FL_STACK_POOL_CAPACITY; i < TOTAL; i++)
        assert_false(is_mapped(mappings[i], 2 * page()));
    fl_stack_pool_trim();
    assert_int_equal(fl_stack_pool_count(), 0);
}

static void test_absurd_sizes_fail_cleanly(void **state)
{
    (void)state;
    fl_stack_t stack;
    memset(&stack, 0xff, sizeof stack);
    assert_int_equal(fl_stack_acquire(SIZE_MAX, &stack), FL_ENOMEM);
    assert_null(stack.base);
    assert_null(stack.mapping);
    assert_int_equal(stack.size, 0);

    /* Passes the overflow check, but no address space is that large. */
    memset(&stack, 0xff, sizeof stack);
    assert_int_equal(fl_stack_acquire(SIZE_MAX / 2 - 4 * page(), &stack),
                     FL_ENOMEM);
    assert_null(stack.base);
    assert_int_equal(fl_stack_pool_count(), 0);

    /* Releasing the zeroed result of a failed acquire is harmless. */
    fl_stack_release(&stack);
    assert_int_equal(fl_stack_pool_count(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_default_size, setup),
        cmocka_unit_test_setup(test_acquire_gives_writable_memory, setup),
        cmocka_unit_test_setup(test_size_rounds_up_to_pages, setup),
        cmocka_unit_test_setup(test_guard_page_below_faults, setup),
        cmocka_unit_test_setup(test_release_then_acquire_reuses_mapping, setup),
        cmocka_unit_test_setup(test_pool_is_last_in_first_out, setup),
        cmocka_unit_test_setup(test_trim_unmaps_the_pool, setup),
        cmocka_unit_test_setup(test_pool_is_bounded, setup),
        cmocka_unit_test_setup(test_absurd_sizes_fail_cleanly, setup),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    fl_stack_pool_trim();
    return failed;
}
