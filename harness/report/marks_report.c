#include "harness/report/marks_report.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

void fl_marks_sum_outcomes(const fl_outcome_t *outcomes, size_t count,
                           uint64_t hits[FL_MARK_COUNT]) {
    assert((outcomes != NULL || count == 0) && hits != NULL);
    memset(hits, 0, sizeof(uint64_t) * FL_MARK_COUNT);
    for (size_t i = 0; i < count; i++)
        for (unsigned m = 0; m < FL_MARK_COUNT; m++) hits[m] += outcomes[i].marks[m];
}

size_t fl_marks_hit_count(const uint64_t hits[FL_MARK_COUNT]) {
    assert(hits != NULL);
    size_t hit = 0;
    for (unsigned m = 0; m < FL_MARK_COUNT; m++) hit += hits[m] > 0;
    assert(hit <= FL_MARK_COUNT);
    return hit;
}

void fl_marks_json_write(fl_json_writer_t *w, const uint64_t hits[FL_MARK_COUNT]) {
    assert(w != NULL && hits != NULL);
    size_t depth = w->depth;
    fl_json_object_begin(w);
    for (unsigned m = 0; m < FL_MARK_COUNT; m++) {
        if (hits[m] == 0) continue;
        fl_json_key(w, fl_mark_name((fl_mark_t)m));
        fl_json_uint(w, hits[m]);
    }
    fl_json_object_end(w);
    assert(w->depth == depth);
}

bool fl_marks_json_add(const fl_json_value_t *object, uint64_t hits[FL_MARK_COUNT]) {
    assert(hits != NULL);
    if (object == NULL || object->type != FL_JSON_OBJECT) return false;
    for (size_t i = 0; i < object->count; i++) {
        fl_mark_t mark;
        uint64_t count;
        if (!fl_mark_from_name(object->keys[i], &mark)) return false;
        if (!fl_json_get_u64(object, object->keys[i], &count)) return false;
        assert((unsigned)mark < FL_MARK_COUNT);
        hits[mark] += count;
    }
    return true;
}

size_t fl_marks_missing(const uint64_t hits[FL_MARK_COUNT]) {
    assert(hits != NULL);
    size_t missing = 0;
    for (unsigned m = 0; m < FL_MARK_COUNT; m++)
        if (hits[m] == 0 && fl_mark_unreached_reason((fl_mark_t)m) == NULL) missing++;
    assert(missing <= FL_MARK_COUNT);
    return missing;
}

void fl_marks_print(const uint64_t hits[FL_MARK_COUNT], FILE *out) {
    assert(hits != NULL && out != NULL);
    size_t hit = fl_marks_hit_count(hits);
    fprintf(out, "--- coverage marks: %zu of %d hit\n", hit, FL_MARK_COUNT);
    for (unsigned m = 0; m < FL_MARK_COUNT; m++)
        if (hits[m] > 0)
            fprintf(out, "  %10" PRIu64 "  %-40s %s\n", hits[m], fl_mark_name((fl_mark_t)m),
                    fl_mark_doc((fl_mark_t)m));
    if (hit == FL_MARK_COUNT) return;
    fprintf(out, "--- never hit: %d\n", FL_MARK_COUNT - (int)hit);
    for (unsigned m = 0; m < FL_MARK_COUNT; m++) {
        if (hits[m] > 0) continue;
        const char *reason = fl_mark_unreached_reason((fl_mark_t)m);
        fprintf(out, "  %-40s %s%s%s\n", fl_mark_name((fl_mark_t)m), fl_mark_doc((fl_mark_t)m),
                reason ? "; known unreached: " : "", reason ? reason : "");
    }
}
