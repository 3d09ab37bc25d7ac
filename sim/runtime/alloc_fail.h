/* Allocation failure on demand: the counter behind the torture build.
 *
 * Every allocation made through these functions is counted; once a limit N is
 * set, the N-th allocation and every one after it return NULL with errno set
 * to ENOMEM, as memory that has run out stays out (curl's torture mode fails
 * the same way). Without a limit they are malloc, calloc, realloc, strdup and
 * strndup, plus one counter increment each.
 *
 * The normal build never calls them. The torture build (make torture) routes
 * every allocation of faultline's own code here through alloc_redirect.h,
 * and libyaml's through harness/cli/torture.c; docs/HARDENING.md says which
 * allocations that covers and which it does not (libuv's, libc's).
 *
 * The counter is process-wide and atomic, so libuv's thread pool may count
 * too. What these functions return is freed with free().
 */
#ifndef FL_ALLOC_FAIL_H
#define FL_ALLOC_FAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Makes the n-th counted allocation from now on (1 = the next) and every
 * later one fail; 0 lifts the limit. Resets the count to zero. */
void fl_alloc_fail_from(uint64_t n);

/* Allocations counted since the last fl_alloc_fail_from (or the start),
 * those refused included. */
uint64_t fl_alloc_count(void);

/* Whether an allocation has been refused since the last fl_alloc_fail_from. */
bool fl_alloc_failed(void);

/* Counted malloc, calloc, realloc, strdup and strndup. A refused realloc
 * leaves its block as it was, as realloc does. */
void *fl_alloc_malloc(size_t size);
void *fl_alloc_calloc(size_t count, size_t size);
void *fl_alloc_realloc(void *block, size_t size);
char *fl_alloc_strdup(const char *text);
char *fl_alloc_strndup(const char *text, size_t length_max);

#endif /* FL_ALLOC_FAIL_H */
