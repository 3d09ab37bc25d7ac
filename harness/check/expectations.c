/* The expectations a scenario file states, each judged after the run:
 * step outcomes, the server's log, hangs, retry budgets, trace events. */
#include "harness/check/expectations.h"

#include "harness/check/checker.h"
#include "harness/model/kinds.h"
#include "harness/run/steps.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client/budget.h"
#include "client/headers.h"
#include "sim/asgi/log.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/trace.h"

/* "ReadError: connection reset", "status 200", "cancelled by cancel_after". */
void fl__describe_step(const fl_step_state_t *step, char *out, size_t capacity) {
    assert(step != NULL && out != NULL && capacity > 0);
    assert(step->error == NULL || step->error->message != NULL);
    if (!step->ran)
        snprintf(out, capacity, "a step that never ran");
    else if (step->moved_on)
        snprintf(out, capacity, "cancelled by its cancel_after");
    else if (step->error != NULL)
        snprintf(out, capacity, "%s: %s", fl_error_kind_name(step->error->kind),
                 step->error->message);
    else if (step->status != 0)
        snprintf(out, capacity, "status %d", step->status);
    else
        snprintf(out, capacity, "success");
}

void fl__format_time(char *out, size_t capacity, int64_t ns) {
    assert(out != NULL && ns >= 0);
    snprintf(out, capacity, "%" PRId64 ".%09" PRId64 "s", ns / 1000000000, ns % 1000000000);
}

/* Whether time_ns lies in the window (an end not given: open). */
static bool in_window(const fl_time_window_t *window, int64_t time_ns) {
    assert(window != NULL && time_ns >= 0);
    return (!window->has_min || time_ns >= window->min_ns) &&
           (!window->has_max || time_ns <= window->max_ns);
}

/* Whether value (a time of the step's) lies in the window; else why. */
static bool within(const fl_step_state_t *step, const char *what, const fl_time_window_t *window,
                   int64_t value, char *why, size_t capacity) {
    assert(step != NULL && what != NULL && window != NULL && value >= 0);
    if (in_window(window, value)) return true;
    bool low = window->has_min && value < window->min_ns;
    char got[32], bound[32];
    fl__format_time(got, sizeof got, value);
    fl__format_time(bound, sizeof bound, low ? window->min_ns : window->max_ns);
    snprintf(why, capacity, "step %s: %s %s, expected %s %s", step->id, what, got,
             low ? "at least" : "at most", bound);
    return false;
}

/* Writes why and returns false: a check that does not hold. */
static bool fails(char *why, size_t capacity, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
static bool fails(char *why, size_t capacity, const char *format, ...) {
    assert(why != NULL && capacity > 0 && format != NULL);
    va_list args;
    va_start(args, format);
    vsnprintf(why, capacity, format, args);
    va_end(args);
    return false;
}

/* Whether one of the error's causes, below it, is of kind. */
static bool caused_by(const fl_error_t *error, fl_error_kind_t kind) {
    for (const fl_error_t *cause = error != NULL ? error->cause : NULL; cause != NULL;
         cause = cause->cause)
        if (fl_error_kind_is(cause->kind, kind)) return true;
    return false;
}

/* What the step read and how it failed: body, headers, chunks, notes that
 * must be absent, the cause chain. */
static bool check_content(const fl_step_state_t *step, const fl_expectation_t *e, char *why,
                          size_t capacity) {
    assert(step != NULL && e != NULL && why != NULL);
    assert(step->body != NULL || step->body_length == 0);
    int shown = (int)(step->body_length < 64 ? step->body_length : 64);
    const char *more = (size_t)shown < step->body_length ? "..." : "";
    const char *body = step->body != NULL ? (const char *)step->body : "";
    if (e->body != NULL &&
        (strlen(e->body) != step->body_length || memcmp(e->body, body, step->body_length) != 0))
        return fails(why, capacity, "step %s: expected the body \"%s\", got \"%.*s\"%s", step->id,
                     e->body, shown, body, more);
    if (e->body_contains != NULL &&
        memmem(body, step->body_length, e->body_contains, strlen(e->body_contains)) == NULL)
        return fails(why, capacity, "step %s: expected a body containing \"%s\", got \"%.*s\"%s",
                     step->id, e->body_contains, shown, body, more);
    for (size_t i = 0; i < e->header_count; i++) {
        const char *got = step->headers ? fl_headers_get(step->headers, e->headers[i].name) : NULL;
        if (got == NULL || strcmp(got, e->headers[i].value) != 0)
            return fails(why, capacity, "step %s: expected the header %s: %s, got %s", step->id,
                         e->headers[i].name, e->headers[i].value, got != NULL ? got : "none");
    }
    if (e->chunks >= 0 && (int64_t)step->chunks != e->chunks)
        return fails(why, capacity, "step %s: expected %" PRId64 " chunks, got %zu", step->id,
                     e->chunks, step->chunks);
    if (e->comments >= 0 && (int64_t)step->comments != e->comments)
        return fails(why, capacity, "step %s: expected %" PRId64 " SSE comments, got %" PRIu64,
                     step->id, e->comments, step->comments);
    if (e->pings >= 0 && (int64_t)step->pings != e->pings)
        return fails(why, capacity, "step %s: expected %" PRId64 " SSE pings, got %" PRIu64,
                     step->id, e->pings, step->pings);
    if (e->last_event_id != NULL &&
        (step->last_event_id == NULL || strcmp(step->last_event_id, e->last_event_id) != 0))
        return fails(why, capacity, "step %s: expected the last event id %s, got %s", step->id,
                     e->last_event_id, step->last_event_id ? step->last_event_id : "none");
    if (e->note_absent != NULL && fl_error_has_note(step->error, e->note_absent))
        return fails(why, capacity, "step %s: expected no note containing \"%s\"", step->id,
                     e->note_absent);
    if (e->has_cause && !caused_by(step->error, e->cause))
        return fails(why, capacity, "step %s: expected a cause of kind %s", step->id,
                     fl_error_kind_name(e->cause));
    return true;
}

bool fl__check_step_expectation(const fl_checker_t *c, const fl_expectation_t *e, char *why,
                                size_t capacity) {
    assert(c != NULL && c->run != NULL && e != NULL && why != NULL && capacity > 0);
    assert(e->kind == FL_EXPECT_STEP);
    fl_run_state_t *run = c->run;
    fl_step_state_t *step = fl__run_find_step(run, e->step);
    if (step == NULL)
        return fails(why, capacity, "step %s: no such step", e->step ? e->step : "(none)");
    assert(step->id != NULL && step->spec != NULL);
    char got[320];
    fl__describe_step(step, got, sizeof got);
    bool failed = step->error != NULL || step->moved_on || !step->ran;
    if (e->ok && failed)
        return fails(why, capacity, "step %s: expected success, got %s", step->id, got);
    if (e->moved_on && !step->moved_on)
        return fails(why, capacity, "step %s: expected its cancel_after to expire, got %s",
                     step->id, got);
    if (e->status != 0 && (step->status != e->status || !step->ran))
        return fails(why, capacity, "step %s: expected status %d, got %s", step->id, e->status,
                     got);
    if (e->has_error && !fl_error_is(step->error, e->error_kind))
        return fails(why, capacity, "step %s: expected %s, got %s", step->id,
                     fl_error_kind_name(e->error_kind), got);
    if (e->message != NULL &&
        (step->error == NULL || strstr(step->error->message, e->message) == NULL))
        return fails(why, capacity, "step %s: expected an error message containing \"%s\", got %s",
                     step->id, e->message, got);
    if (e->note != NULL && !fl_error_has_note(step->error, e->note))
        return fails(why, capacity, "step %s: expected a note containing \"%s\", got %s", step->id,
                     e->note, got);
    if (e->attempts != 0 && step->attempts != e->attempts)
        return fails(why, capacity, "step %s: expected %" PRIu32 " attempts, got %" PRIu32 " (%s)",
                     step->id, e->attempts, step->attempts, got);
    if (e->events >= 0 && step->events != e->events)
        return fails(why, capacity, "step %s: expected %" PRId64 " events, got %" PRId64 " (%s)",
                     step->id, e->events, step->events < 0 ? 0 : step->events, got);
    if (e->body_bytes >= 0 && step->body_bytes != e->body_bytes)
        return fails(why, capacity,
                     "step %s: expected %" PRId64 " body bytes, got %" PRId64 " (%s)", step->id,
                     e->body_bytes, step->body_bytes < 0 ? 0 : step->body_bytes, got);
    return check_content(step, e, why, capacity) &&
           within(step, "ended at", &e->ended, step->ended_ns, why, capacity) &&
           within(step, "took", &e->elapsed, step->ended_ns - step->started_ns, why, capacity);
}

/* Whether some route's app received bodies of different sizes in two
 * cycles (see runner.h). Cycles are numbered from 1, in order. */
static bool bodies_differ(const fl_server_log_t *log) {
    assert(log != NULL);
    size_t count = fl_server_log_count(log);
    for (size_t i = 0; i < count; i++) {
        const fl_server_log_entry_t *a = fl_server_log_entry(log, i);
        assert(a != NULL);
        if (a->kind != FL_SERVER_LOG_REQUEST) continue;
        int64_t a_bytes = 0;
        for (size_t k = 0; k < count; k++) {
            const fl_server_log_entry_t *b = fl_server_log_entry(log, k);
            if (b->kind == FL_SERVER_LOG_BODY_RECEIVED && b->cycle == a->cycle) a_bytes += b->value;
        }
        for (size_t j = i + 1; j < count; j++) {
            const fl_server_log_entry_t *c = fl_server_log_entry(log, j);
            if (c->kind != FL_SERVER_LOG_REQUEST) continue;
            assert(c->text != NULL && a->text != NULL); /* a request entry names its path */
            if (strcmp(c->text, a->text) != 0) continue;
            int64_t c_bytes = 0;
            for (size_t k = 0; k < count; k++) {
                const fl_server_log_entry_t *b = fl_server_log_entry(log, k);
                if (b->kind == FL_SERVER_LOG_BODY_RECEIVED && b->cycle == c->cycle)
                    c_bytes += b->value;
            }
            if (c_bytes != a_bytes) return true;
        }
    }
    return false;
}

/* An expectation's count: exactly e->count, or at least one when unset. */
static bool count_matches(const fl_expectation_t *e, size_t n) {
    assert(e != NULL);
    assert(e->count >= -1); /* -1: at least one */
    return e->count < 0 ? n > 0 : (int64_t)n == e->count;
}

enum { COUNTED_WHAT_MAX = 128 };

/* Says why n things of a kind (what: "log entries containing") did not
 * make e's count, text (NULL: "") being what they were to contain, and
 * returns false. */
static bool count_fails(const fl_expectation_t *e, size_t n, const char *section, const char *what,
                        const char *text, char *why, size_t capacity) {
    assert(e != NULL && section != NULL && what != NULL && why != NULL && capacity > 0);
    assert(!count_matches(e, n));
    char wanted[32];
    if (e->count < 0)
        snprintf(wanted, sizeof wanted, "at least one");
    else
        snprintf(wanted, sizeof wanted, "%" PRId64, e->count);
    snprintf(why, capacity, "%s: expected %s %s \"%s\"%s, got %zu", section, wanted, what,
             text ? text : "", e->ended.has_min || e->ended.has_max ? " in the time window" : "",
             n);
    return false;
}

bool fl__check_server_expectation(const fl_checker_t *c, const fl_expectation_t *e, char *why,
                                  size_t capacity) {
    assert(c != NULL && c->run != NULL && e != NULL && why != NULL && capacity > 0);
    assert(e->kind == FL_EXPECT_SERVER);
    fl_server_log_t *log = fl_asgi_server_log(c->run->server);
    assert(log != NULL);
    if (e->bodies_differ) {
        if (bodies_differ(log)) return true;
        snprintf(why, capacity,
                 "server: expected different bodies across attempts, every one was the same");
        return false;
    }
    size_t n = fl_server_log_matches_between(log, e->log_kind, e->cycle, e->log_text,
                                             e->ended.has_min ? e->ended.min_ns : 0,
                                             e->ended.has_max ? e->ended.max_ns : INT64_MAX);
    if (count_matches(e, n)) return true;
    char where[32] = "";
    if (e->cycle != 0) snprintf(where, sizeof where, " in cycle %u", e->cycle);
    char what[COUNTED_WHAT_MAX];
    snprintf(what, sizeof what, "%s entries%s containing", fl_server_log_kind_name(e->log_kind),
             where);
    return count_fails(e, n, "server", what, e->log_text, why, capacity);
}

/* Trace events of a kind whose detail contains the text. The run keeps its
 * trace records when the scenario has a trace expectation. */
bool fl__check_trace_expectation(const fl_checker_t *c, const fl_expectation_t *e, char *why,
                                 size_t capacity) {
    assert(c != NULL && c->run != NULL && e != NULL && why != NULL && capacity > 0);
    assert(e->kind == FL_EXPECT_TRACE);
    fl_run_state_t *run = c->run;
    size_t count = 0, n = 0;
    const fl_trace_event_t *events = fl_trace_events(fl_world_trace(run->world), &count);
    assert(events != NULL || count == 0);
    char line[FL_TIMELINE_LINE_MAX];
    for (size_t i = 0; i < count; i++) {
        if (events[i].kind != e->trace_kind || !in_window(&e->ended, events[i].time_ns)) continue;
        if (e->log_text != NULL &&
            (events[i].detail == NULL || strstr(events[i].detail, e->log_text) == NULL))
            continue;
        /* line is looked for as the timeline prints the event: task names
         * and values are there too, not only the detail. */
        if (e->trace_line != NULL &&
            strstr(fl_world_timeline_line(run->world, &events[i], line, sizeof line),
                   e->trace_line) == NULL)
            continue;
        n++;
    }
    assert(n <= count);
    if (count_matches(e, n)) return true;
    char what[COUNTED_WHAT_MAX];
    snprintf(what, sizeof what, "%s events %s", fl_trace_kind_name(e->trace_kind),
             e->trace_line ? "whose line has" : "containing");
    return count_fails(e, n, "trace", what, e->trace_line ? e->trace_line : e->log_text, why,
                       capacity);
}

bool fl__check_hang_expectation(const fl_checker_t *c, const fl_expectation_t *e, char *why,
                                size_t capacity) {
    assert(c != NULL && c->result != NULL && e != NULL && why != NULL && capacity > 0);
    assert(e->kind == FL_EXPECT_HANG);
    const fl_seed_result_t *result = c->result;
    /* client_blocked is a kind of hang */
    assert(!result->client_blocked || result->outcome == FL_RUN_HANG);
    if (result->client_blocked != e->hang) {
        snprintf(why, capacity, "hang: expected %s, the run ended %s%s",
                 e->hang ? "a hang" : "no hang", fl_run_outcome_name(result->outcome),
                 result->client_blocked ? " with client tasks blocked" : "");
        return false;
    }
    if (e->hang && e->blocked_task != NULL) {
        char needle[160];
        snprintf(needle, sizeof needle, "'%s' blocked", e->blocked_task);
        if (strstr(result->hang_report, needle) == NULL) {
            snprintf(why, capacity, "hang: expected task %s blocked, the report names others",
                     e->blocked_task);
            return false;
        }
    }
    return true;
}

bool fl__check_budget_expectation(const fl_checker_t *c, const fl_expectation_t *e, char *why,
                                  size_t capacity) {
    assert(c != NULL && c->run != NULL && e != NULL && why != NULL && capacity > 0);
    assert(e->kind == FL_EXPECT_BUDGET && c->run->budget_count <= FL_RUN_LAYERS_MAX);

    fl_run_state_t *run = c->run;
    int64_t withdrawals = 0;
    for (size_t i = 0; i < run->budget_count; i++)
        withdrawals +=
            (int64_t)fl_retry_budget_stats(run->world, run->budgets[i]).withdrawals_total;
    if (run->budget_count == 0) {
        snprintf(why, capacity, "budget: the client has no retry budget");
        return false;
    }
    assert(withdrawals >= 0);
    if (withdrawals == e->withdrawals) return true;
    snprintf(why, capacity, "budget: expected %" PRId64 " withdrawals, got %" PRId64,
             e->withdrawals, withdrawals);
    return false;
}

bool fl__check_expectations(fl_checker_t *c) {
    assert(c != NULL && c->run != NULL && c->result != NULL);
    const fl_scenario_t *s = c->run->scenario;
    assert(s != NULL && (s->expectations != NULL || s->expectation_count == 0));
    assert(c->result->checks_run == 0); /* the expectations come first */
    bool hang_expected = false;
    for (size_t i = 0; i < s->expectation_count; i++) {
        const fl_expectation_t *e = &s->expectations[i];
        assert(fl_expect_kind_row(e->kind)->kind == e->kind); /* an expectation's kind has a row */
        char name[FL_RUN_NAME_MAX];
        if (e->name != NULL)
            fl__copy_text(name, sizeof name, e->name);
        else
            snprintf(name, sizeof name, "expectation %zu", i + 1);
        if (e->kind == FL_EXPECT_HANG) hang_expected = hang_expected || e->hang;
        /* Only its start is cleared: zeroing it whole per check showed in
         * short runs' profiles. */
        char why[FL_RUN_MESSAGE_MAX];
        why[0] = '\0';
        bool ok = fl_expect_kind_row(e->kind)->check(c, e, why, sizeof why);
        fl__check_verdict(c, name, ok, why);
        assert(ok || why[0] != '\0'); /* a failed check says why */
    }
    assert(c->result->checks_run == s->expectation_count);
    return hang_expected;
}
