/* Task stacks and their pool. See stack.h.
 *
 * Single-threaded by design: one runtime per process, so the pool below is
 * unsynchronised static state. */
#include "sim/runtime/stack.h"

#include "sim/runtime/context.h" /* FL_SANITIZE_ADDRESS */
#include "sim/runtime/status.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if FL_SANITIZE_ADDRESS
#include <sanitizer/asan_interface.h>
#endif

/* The torture build ends a process on its first refused allocation while
 * tasks are suspended mid-call, holding blocks in their frames: those are
 * reachable, as they would be from a thread's stack, but LeakSanitizer scans
 * only the stack that runs. So there each stack a task holds is a root region
 * (lsan_interface.h) from acquire to release; a pooled stack is not, so its
 * stale frames hide nothing. The normal builds never exit from a task. */
#if FL_SANITIZE_ADDRESS && FL_TORTURE
#include <sanitizer/lsan_interface.h>
#define STACK_ROOT_REGION(stack) __lsan_register_root_region((stack)->base, (stack)->size)
#define STACK_ROOT_REGION_END(stack) __lsan_unregister_root_region((stack)->base, (stack)->size)
#else
#define STACK_ROOT_REGION(stack) ((void)(stack))
#define STACK_ROOT_REGION_END(stack) ((void)(stack))
#endif

/* Valgrind must be told where each stack is, or it mistakes a switch onto a
 * far-away stack for a huge stack-pointer move and reports nonsense. The
 * header is optional so that the build works without Valgrind installed. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define STACK_HAVE_VALGRIND 1
#endif
#endif

#define STACK_DEFAULT_SIZE ((size_t)64 * 1024)
#define STACK_DEFAULT_SIZE_ASAN ((size_t)256 * 1024)

/* The released stacks, most recently released last. */
static fl_stack_t pool[FL_STACK_POOL_CAPACITY];
static size_t pool_count;

static size_t page_size(void)
{
    static size_t cached;
    if (cached == 0) {
        long value = sysconf(_SC_PAGESIZE);
        assert(value > 0);
        cached = (size_t)value;
        assert((cached & (cached - 1)) == 0);
    }
    return cached;
}

size_t fl_stack_default_size(void)
{
    return FL_SANITIZE_ADDRESS ? STACK_DEFAULT_SIZE_ASAN : STACK_DEFAULT_SIZE;
}

size_t fl_stack_pool_count(void)
{
    return pool_count;
}

/* A stack whose fields agree with each other, as acquire made it. */
static int stack_is_sane(const fl_stack_t *stack)
{
    size_t page = page_size();
    return stack->base != NULL && stack->mapping != NULL &&
           (char *)stack->base == (char *)stack->mapping + page &&
           /* page is a power of two (page_size asserts it): a mask, not a
            * division, since this runs on every acquire and release. */
           stack->size > 0 && (stack->size & (page - 1)) == 0 &&
           stack->mapping_size == stack->size + page;
}

/* Takes the most recently released pooled stack of exactly this size, since
 * its pages are the likeliest to be resident and in cache. */
static int pool_take(size_t size, fl_stack_t *out)
{
    for (size_t i = pool_count; i-- > 0;) {
        if (pool[i].size != size)
            continue;
        *out = pool[i];
        memmove(&pool[i], &pool[i + 1], (pool_count - i - 1) * sizeof pool[0]);
        pool_count--;
        assert(stack_is_sane(out));
        return 1;
    }
    return 0;
}

static int stack_map(size_t size, fl_stack_t *out)
{
    size_t page = page_size();
    size_t mapping_size = size + page;
    void *mapping = mmap(NULL, mapping_size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (mapping == MAP_FAILED)
        return FL_ENOMEM;
    /* The guard goes at the low end because stacks grow down. */
    if (mprotect(mapping, page, PROT_NONE) != 0) {
        munmap(mapping, mapping_size);
        return FL_ENOMEM;
    }
    out->mapping = mapping;
    out->mapping_size = mapping_size;
    out->base = (char *)mapping + page;
    out->size = size;
#if defined(STACK_HAVE_VALGRIND)
    out->valgrind_id =
        VALGRIND_STACK_REGISTER(out->base, (char *)out->base + out->size);
#endif
    assert(stack_is_sane(out));
    return FL_OK;
}

static void stack_unmap(fl_stack_t *stack)
{
    assert(stack_is_sane(stack));
#if defined(STACK_HAVE_VALGRIND)
    VALGRIND_STACK_DEREGISTER(stack->valgrind_id);
#endif
    int status = munmap(stack->mapping, stack->mapping_size);
    /* munmap of a whole mapping we made cannot fail. */
    assert(status == 0);
    (void)status;
}

int fl_stack_acquire(size_t size, fl_stack_t *out)
{
    assert(out != NULL);
    memset(out, 0, sizeof *out);
    if (size == 0)
        size = fl_stack_default_size();

    size_t page = page_size();
    /* Leaves room for the rounding and the guard page without overflow. */
    if (size > SIZE_MAX / 2)
        return FL_ENOMEM;
    size = (size + page - 1) & ~(page - 1);

    if (pool_take(size, out)) {
        STACK_ROOT_REGION(out);
        return FL_OK;
    }
    int status = stack_map(size, out);
    if (status != FL_OK)
        memset(out, 0, sizeof *out);
    else
        STACK_ROOT_REGION(out);
    return status;
}

void fl_stack_release(fl_stack_t *stack)
{
    assert(stack != NULL);
    if (stack->base == NULL && stack->mapping == NULL)
        return;
    assert(stack_is_sane(stack));
    STACK_ROOT_REGION_END(stack);
#if FL_SANITIZE_ADDRESS
    /* Frames abandoned on this stack (a context that never returned) left
     * their redzones poisoned; the next user of the memory must not trip on
     * them, whether it reuses the stack or the address range after munmap. */
    __asan_unpoison_memory_region(stack->base, stack->size);
#endif
    if (pool_count < FL_STACK_POOL_CAPACITY)
        pool[pool_count++] = *stack;
    else
        stack_unmap(stack);
    memset(stack, 0, sizeof *stack);
}

void fl_stack_pool_trim(void)
{
    assert(pool_count <= FL_STACK_POOL_CAPACITY);
    for (size_t i = 0; i < pool_count; i++)
        stack_unmap(&pool[i]);
    memset(pool, 0, pool_count * sizeof pool[0]);
    pool_count = 0;
}
