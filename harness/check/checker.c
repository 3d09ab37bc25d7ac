#include "harness/check/checker.h"

#include <assert.h>
#include <string.h>

void fl__copy_text(char *to, size_t capacity, const char *from) {
    assert(to != NULL && capacity > 0);
    size_t length = from != NULL ? strnlen(from, capacity - 1) : 0;
    assert(length < capacity);
    if (length > 0) memcpy(to, from, length);
    to[length] = '\0';
}

/* Records one check's verdict (and writes it to the timeline). */
void fl__check_verdict(fl_checker_t *c, const char *name, bool ok, const char *why) {
    assert(c != NULL && name != NULL && why != NULL);
    fl_seed_result_t *result = c->result;
    const fl_scenario_t *s = c->run->scenario;
    assert(result != NULL && s != NULL && name[0] != '\0');
    assert(result->checks_failed <= result->checks_run);
    result->checks_run++;
    if (c->timeline != NULL)
        fprintf(c->timeline, "check %-28s %s%s%s\n", name, ok ? "ok" : "FAILED", ok ? "" : ": ",
                ok ? "" : why);
    if (ok) return;
    if (result->checks_failed++ == 0) {
        fl__copy_text(result->failed_check, sizeof result->failed_check, name);
        fl__copy_text(result->message, sizeof result->message, why);
    }
    assert(result->checks_failed <= result->checks_run && result->failed_check[0] != '\0');

    if (s->mode == FL_SCENARIO_FINDS && s->finds != NULL && strcmp(s->finds, name) == 0 &&
        !result->target_failed) {
        result->target_failed = true;
        fl__copy_text(result->target_message, sizeof result->target_message, why);
    }
}
