/* A recursive-descent evaluator of -k expressions (keyword_expression.h):
 *   or  := and ("or" and)*
 *   and := not ("and" not)*
 *   not := "not" not | "(" or ")" | WORD
 * A WORD is a run of characters other than spaces and parentheses. */
#include "harness/cli/keyword_expression.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

typedef struct reader {
    const char *expression;
    const char *at; /* the next unread byte */
    const char *text;
    int depth;
    const char *problem; /* the first, or NULL */
    size_t problem_offset;
} reader_t;

static void skip_spaces(reader_t *r) {
    while (isspace((unsigned char)*r->at)) r->at++;
}

static size_t word_length(const char *at) {
    size_t n = 0;
    while (at[n] != '\0' && !isspace((unsigned char)at[n]) && at[n] != '(' && at[n] != ')') n++;
    return n;
}

/* True when the next token is the keyword (a whole word). */
static bool next_is(reader_t *r, const char *keyword) {
    skip_spaces(r);
    size_t n = strlen(keyword);
    return word_length(r->at) == n && strncmp(r->at, keyword, n) == 0;
}

static bool fail(reader_t *r, const char *problem) {
    if (r->problem == NULL) {
        r->problem = problem;
        r->problem_offset = (size_t)(r->at - r->expression);
    }
    return false;
}

/* The word, ignoring case, somewhere in text. */
static bool text_holds(const char *text, const char *word, size_t length) {
    assert(text != NULL && word != NULL && length > 0);
    for (const char *t = text; *t != '\0'; t++) {
        size_t i = 0;
        while (i < length && t[i] != '\0' &&
               tolower((unsigned char)t[i]) == tolower((unsigned char)word[i]))
            i++;
        if (i == length) return true;
    }
    return false;
}

static bool read_or(reader_t *r);

static bool read_not(reader_t *r) {
    if (++r->depth > FL_KEYWORD_DEPTH_MAX) return fail(r, "nested too deeply");
    bool value;
    skip_spaces(r);
    if (next_is(r, "not")) {
        r->at += 3;
        value = !read_not(r);
    } else if (*r->at == '(') {
        r->at++;
        value = read_or(r);
        skip_spaces(r);
        if (*r->at != ')') return fail(r, "expected ')'");
        r->at++;
    } else {
        size_t n = word_length(r->at);
        if (n == 0 || next_is(r, "and") || next_is(r, "or"))
            return fail(r, *r->at == '\0' ? "expected a word at the end" : "expected a word");
        value = text_holds(r->text, r->at, n);
        r->at += n;
    }
    r->depth--;
    return value;
}

static bool read_and(reader_t *r) {
    bool value = read_not(r);
    while (r->problem == NULL && next_is(r, "and")) {
        r->at += 3;
        bool right = read_not(r); /* read even when value is false: errors are found */
        value = value && right;
    }
    return value;
}

static bool read_or(reader_t *r) {
    bool value = read_and(r);
    while (r->problem == NULL && next_is(r, "or")) {
        r->at += 2;
        bool right = read_and(r);
        value = value || right;
    }
    return value;
}

bool fl_keyword_matches(const char *expression, const char *text, bool *matches, char *problem,
                        size_t problem_size) {
    assert(expression != NULL && text != NULL && matches != NULL);
    assert(problem != NULL && problem_size > 0);
    reader_t r = {.expression = expression, .at = expression, .text = text};
    *matches = read_or(&r);
    skip_spaces(&r);
    if (r.problem == NULL && *r.at != '\0') fail(&r, "expected 'and', 'or' or the end");
    if (r.problem == NULL) {
        assert(r.depth == 0);
        return true;
    }
    snprintf(problem, problem_size, "-k '%s': %s at offset %zu", expression, r.problem,
             r.problem_offset);
    *matches = false;
    return false;
}
