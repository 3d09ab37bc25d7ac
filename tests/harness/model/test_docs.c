/* The reference in docs/SCENARIOS.md names every row of every table a
 * scenario file can name, every key of each, and every global invariant:
 * a row added without its documentation fails here, so the docs cannot
 * fall behind the tables. A name counts as documented when the docs write
 * it as code (`name`, `{name: ...}`) or quoted ("0.20"). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/check/invariants.h"
#include "client/error_kinds.h"
#include "client/knobs.h"
#include "harness/model/kinds.h"
#include "sim/asgi/base_middleware.h"
#include "sim/net/fault.h"
#include "sim/net/protocol_event.h"
#include "sim/runtime/error.h"

enum { DOC_BYTES_MAX = 1 << 20 };

static char *doc;
static size_t missing;

static void need(const char *what, const char *name) {
    static const char *const forms[] = {"`%s`", "`%s:", "{%s:", "\"%s\"", "`%s "};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char pattern[160];
        snprintf(pattern, sizeof pattern, forms[i], name);
        if (strstr(doc, pattern) != NULL) return;
    }
    print_error("docs/SCENARIOS.md does not document the %s '%s'\n", what, name);
    missing++;
}

/* A line of the error-kind tree: the name alone on its line, indented. */
static void need_line(const char *what, const char *name) {
    char indented[160], first[160];
    snprintf(indented, sizeof indented, " %s\n", name);
    snprintf(first, sizeof first, "\n%s\n", name);
    if (strstr(doc, indented) != NULL || strstr(doc, first) != NULL) return;
    print_error("docs/SCENARIOS.md does not list the %s '%s'\n", what, name);
    missing++;
}

static void need_keys(const char *kind, const fl_key_t *keys) {
    for (; keys != NULL && keys->name != NULL; keys++) need(kind, keys->name);
}

static int read_doc(void **state) {
    (void)state;
    FILE *f = fopen("docs/SCENARIOS.md", "r");
    if (f == NULL) return -1;
    doc = calloc(1, DOC_BYTES_MAX);
    size_t n = doc != NULL ? fread(doc, 1, DOC_BYTES_MAX - 1, f) : 0;
    fclose(f);
    return n > 0 ? 0 : -1;
}

static int free_doc(void **state) {
    (void)state;
    free(doc);
    return 0;
}

static void test_every_kind_and_key_is_documented(void **state) {
    (void)state;
    missing = 0;
    size_t n;
    const fl_expect_kind_row_t *expect = fl_expect_kind_rows(&n);
    for (size_t i = 0; i < n; i++)
        need("expectation kind", expect[i].head.name),
            need_keys(expect[i].head.name, expect[i].head.keys);
    const fl_client_step_row_t *steps = fl_client_step_rows(&n);
    for (size_t i = 0; i < n; i++)
        need("client step", steps[i].head.name), need_keys(steps[i].head.name, steps[i].head.keys);
    const fl_client_layer_row_t *layers = fl_client_layer_rows(&n);
    for (size_t i = 0; i < n; i++)
        need("client middleware", layers[i].head.name),
            need_keys(layers[i].head.name, layers[i].head.keys);
    const fl_handler_step_row_t *handlers = fl_handler_step_rows(&n);
    for (size_t i = 0; i < n; i++)
        need("handler step", handlers[i].head.name),
            need_keys(handlers[i].head.name, handlers[i].head.keys);
    const fl_server_layer_row_t *server = fl_server_layer_rows(&n);
    for (size_t i = 0; i < n; i++)
        need("server middleware", server[i].head.name),
            need_keys(server[i].head.name, server[i].head.keys);
    const fl_fault_trigger_row_t *triggers = fl_fault_trigger_rows(&n);
    for (size_t i = 0; i < n; i++)
        need("fault trigger", triggers[i].head.name),
            need_keys(triggers[i].head.name, triggers[i].head.keys);
    const fl_base_middleware_version_row_t *versions = fl_base_middleware_version_rows(&n);
    for (size_t i = 0; i < n; i++) need("BaseHTTPMiddleware version", versions[i].name);
    const fl_client_knob_row_t *knobs = fl_client_knob_rows(&n);
    for (size_t i = 0; i < n; i++) need("client knob", knobs[i].name);
    for (int a = 0; a < FL_FAULT_ACTION_COUNT; a++)
        need("fault action", fl_fault_action_name((fl_fault_action_kind_t)a));
    for (int e = 0; e < FL_PROTOCOL_EVENT_COUNT; e++)
        need("protocol event", fl_protocol_event_name((fl_protocol_event_t)e));
    for (size_t i = 0; fl_invariant_name(i) != NULL; i++)
        need("global invariant", fl_invariant_name(i));
    fl_client_error_kinds_add();
    fl_error_kind_t kind;
    size_t kinds = 0;
    for (size_t i = 0; fl_error_kind_at(i, &kind); i++, kinds++)
        need_line("error kind", fl_error_kind_name(kind));
    assert_true(kinds > 40); /* the runtime's and the client's */
    assert_int_equal(missing, 0);
}

/* The check can fail: a name the docs never mention is missing. */
static void test_an_undocumented_name_is_caught(void **state) {
    (void)state;
    missing = 0;
    need("expectation kind", "no-such-kind-anywhere");
    assert_int_equal(missing, 1);
    need_line("error kind", "NoSuchErrorAnywhere");
    assert_int_equal(missing, 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind_and_key_is_documented),
        cmocka_unit_test(test_an_undocumented_name_is_caught),
    };
    return cmocka_run_group_tests(tests, read_doc, free_doc);
}
