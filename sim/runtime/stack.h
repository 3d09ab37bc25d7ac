/* Task stacks: page-aligned mappings with a guard page, recycled through a
 * small process-wide pool.
 *
 * Every stack is its own mmap: a PROT_NONE guard page at the low end, so an
 * overflow faults at once instead of corrupting a neighbour, then the usable
 * region. Released stacks go back to a pool, bounded by
 * FL_STACK_POOL_CAPACITY, so that the steady churn of short tasks costs no
 * system calls.
 *
 * Not thread-safe, by design: faultline runs one runtime per process (workers
 * are processes, not threads), so the pool is plain static state.
 */
#ifndef FL_STACK_H
#define FL_STACK_H

#include <stddef.h>

/* At most this many released stacks are kept for reuse; more are unmapped. */
#define FL_STACK_POOL_CAPACITY 256

/* One stack. Filled in by fl_stack_acquire; the caller keeps it by value and
 * hands it back to fl_stack_release. */
typedef struct fl_stack {
    void *base;          /* lowest usable address, page-aligned */
    size_t size;         /* usable bytes from base, a multiple of the page */
    void *mapping;       /* the whole mmap: guard page then usable region */
    size_t mapping_size; /* size + one page */
    unsigned valgrind_id; /* Valgrind's stack registration, 0 without it */
} fl_stack_t;

/* Gives the caller a stack of at least size usable bytes (0 means
 * fl_stack_default_size()), rounded up to whole pages. Reuses a pooled stack
 * of exactly that rounded size when there is one (most recently released
 * first, its old contents left as they were), else maps a new one. Returns 0,
 * or FL_ENOMEM when the mapping fails or the size is absurd; on failure *out
 * is all zero. The caller owns the stack until fl_stack_release. */
int fl_stack_acquire(size_t size, fl_stack_t *out);

/* Takes back a stack from fl_stack_acquire: into the pool while it has room,
 * else unmapped. *stack is zeroed, as the caller no longer owns it. Releasing
 * an all-zero stack (a failed acquire) does nothing. Nothing may still run on
 * the stack, and no context made on it may be resumed again. */
void fl_stack_release(fl_stack_t *stack);

/* Unmaps every pooled stack. Stacks the callers hold are not touched. */
void fl_stack_pool_trim(void);

/* The stack size used when fl_stack_acquire is given 0: 64 KiB, or 256 KiB
 * under AddressSanitizer, whose redzones and larger frames need the room. */
size_t fl_stack_default_size(void);

/* How many released stacks the pool currently holds (for tests). */
size_t fl_stack_pool_count(void);

#endif /* FL_STACK_H */
