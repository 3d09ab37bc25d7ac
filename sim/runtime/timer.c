#include "sim/runtime/timer.h"

#include <assert.h>
#include <stdlib.h>

#include "sim/runtime/arena.h"

void fl_timer_heap_init(fl_timer_heap_t *heap) { *heap = (fl_timer_heap_t){0}; }

void fl_timer_heap_destroy(fl_timer_heap_t *heap) {
    /* Timers still armed belong to owners that die with the world; mark them
     * disarmed so nothing mistakes them for live ones. */
    for (size_t i = 0; i < heap->count; i++) heap->items[i]->heap_index = FL_TIMER_DISARMED;
    free(heap->items);
    *heap = (fl_timer_heap_t){0};
}

static bool earlier(const fl_timer_t *a, const fl_timer_t *b) {
    if (a->at_ns != b->at_ns) return a->at_ns < b->at_ns;
    return a->sequence < b->sequence;
}

static void place(fl_timer_heap_t *heap, size_t index, fl_timer_t *timer) {
    heap->items[index] = timer;
    timer->heap_index = index;
}

static void sift_up(fl_timer_heap_t *heap, size_t index) {
    fl_timer_t *timer = heap->items[index];
    while (index > 0) {
        size_t parent = (index - 1) / 2;
        if (!earlier(timer, heap->items[parent])) break;
        place(heap, index, heap->items[parent]);
        index = parent;
    }
    place(heap, index, timer);
}

static void sift_down(fl_timer_heap_t *heap, size_t index) {
    fl_timer_t *timer = heap->items[index];
    for (;;) {
        size_t child = 2 * index + 1;
        if (child >= heap->count) break;
        if (child + 1 < heap->count && earlier(heap->items[child + 1], heap->items[child]))
            child++;
        if (!earlier(heap->items[child], timer)) break;
        place(heap, index, heap->items[child]);
        index = child;
    }
    place(heap, index, timer);
}

void fl_timer_heap_arm(fl_timer_heap_t *heap, fl_timer_t *timer, int64_t at_ns, fl_timer_fn fire,
                       void *data) {
    assert(fire != NULL);
    if (fl_timer_armed(timer)) fl_timer_heap_disarm(heap, timer);
    if (heap->count == heap->capacity) {
        size_t capacity = heap->capacity ? heap->capacity * 2 : 64;
        fl_timer_t **grown = realloc(heap->items, capacity * sizeof *grown);
        if (grown == NULL) fl__out_of_memory("timer heap");
        heap->items = grown;
        heap->capacity = capacity;
    }
    timer->at_ns = at_ns;
    timer->sequence = heap->next_sequence++;
    timer->fire = fire;
    timer->data = data;
    heap->items[heap->count] = timer;
    timer->heap_index = heap->count++;
    sift_up(heap, timer->heap_index);
}

void fl_timer_heap_disarm(fl_timer_heap_t *heap, fl_timer_t *timer) {
    if (!fl_timer_armed(timer)) return;
    size_t index = timer->heap_index;
    assert(index < heap->count && heap->items[index] == timer);
    timer->heap_index = FL_TIMER_DISARMED;
    heap->count--;
    if (index == heap->count) return;
    fl_timer_t *last = heap->items[heap->count];
    place(heap, index, last);
    if (index > 0 && earlier(last, heap->items[(index - 1) / 2]))
        sift_up(heap, index);
    else
        sift_down(heap, index);
}

fl_timer_t *fl_timer_heap_peek(const fl_timer_heap_t *heap) {
    return heap->count ? heap->items[0] : NULL;
}

fl_timer_t *fl_timer_heap_pop(fl_timer_heap_t *heap) {
    fl_timer_t *top = fl_timer_heap_peek(heap);
    if (top != NULL) fl_timer_heap_disarm(heap, top);
    return top;
}
