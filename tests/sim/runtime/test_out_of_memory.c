/* Out of memory is a clean error: fl__out_of_memory prints its line and
 * exits with FL_EXIT_OUT_OF_MEMORY, from the main stack even when a task ran
 * out, so the harness's frames stay visible to LeakSanitizer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/out_of_memory.h"
#include "tests/support/child_process.h"
#include "tests/support/runtime_test.h"

/* A local of the child's body: the main stack, near where exit must run. */
static const char *main_stack_marker;

static void say_which_stack(void) {
    char here;
    ptrdiff_t distance = main_stack_marker - &here;
    /* Task stacks are separate mappings, far from the main stack. */
    bool main = distance >= 0 && distance < 1024 * 1024;
    printf("exit on the main stack: %s\n", main ? "yes" : "no");
}

static void oom_on_main_stack(void *arg) {
    (void)arg;
    char marker;
    main_stack_marker = &marker;
    atexit(say_which_stack);
    fl__out_of_memory("test site");
}

/* The world and its tasks are held by the main stack only (the test body's
 * frame): exiting from there keeps them reachable under LeakSanitizer, which
 * the sanitizer build checks as this child exits. */
static fl_error_t *task_out_of_memory(fl_world_t *w, void *arg) {
    (void)w, (void)arg;
    fl__out_of_memory("task site");
}

static void oom_in_a_task(void *arg) {
    (void)arg;
    char marker;
    main_stack_marker = &marker;
    atexit(say_which_stack);
    fl_world_t *w = rt_world("fifo", 1);
    fl_spawn(w, "allocates", task_out_of_memory, NULL);
    fl_world_run(w);
    printf("the run went on\n"); /* never: the task's report ends the process */
}

static void test_out_of_memory_exits_with_its_code(void **state) {
    (void)state;
    static child_result_t result;
    child_run(oom_on_main_stack, NULL, &result);
    assert_true(result.exited);
    assert_int_equal(result.exit_code, FL_EXIT_OUT_OF_MEMORY);
    assert_string_equal(result.err, "faultline: out of memory (test site)\n");
    assert_non_null(strstr(result.out, "exit on the main stack: yes"));
}

static void test_a_task_out_of_memory_exits_from_the_main_stack(void **state) {
    (void)state;
    static child_result_t result;
    child_run(oom_in_a_task, NULL, &result);
    assert_true(result.exited);
    assert_int_equal(result.exit_code, FL_EXIT_OUT_OF_MEMORY);
    assert_string_equal(result.err, "faultline: out of memory (task site)\n");
    assert_non_null(strstr(result.out, "exit on the main stack: yes"));
    assert_null(strstr(result.out, "the run went on"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_out_of_memory_exits_with_its_code),
        cmocka_unit_test(test_a_task_out_of_memory_exits_from_the_main_stack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
