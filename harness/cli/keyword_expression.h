/* pytest's -k: a boolean expression of words over a scenario's names.
 * A word matches when it is a substring of the text, ignoring case; words
 * combine with `and`, `or`, `not` and parentheses, `not` binding tightest
 * and `or` loosest. "sse and not fixed" selects every scenario whose file
 * or name holds "sse" and not "fixed". */
#ifndef FL_HARNESS_KEYWORD_EXPRESSION_H
#define FL_HARNESS_KEYWORD_EXPRESSION_H

#include <stdbool.h>
#include <stddef.h>

/* Deepest nesting of parentheses and `not`s an expression may have. */
enum { FL_KEYWORD_DEPTH_MAX = 32 };

/* Evaluates expression against text into *matches. Returns false when the
 * expression is malformed, with why (and the byte offset where) in
 * problem. */
bool fl_keyword_matches(const char *expression, const char *text, bool *matches, char *problem,
                        size_t problem_size);

#endif /* FL_HARNESS_KEYWORD_EXPRESSION_H */
