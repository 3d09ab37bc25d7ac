#include "harness/report/chrome_trace.h"

#include <assert.h>
#include <inttypes.h>

#include "harness/json/json.h"

static void thread_name(fl_json_writer_t *w, uint32_t tid, const char *name) {
    assert(w != NULL && name != NULL);
    assert(w->depth == 2); /* an item of traceEvents */
    fl_json_object_begin(w);
    fl_json_key(w, "name");
    fl_json_string(w, "thread_name");
    fl_json_key(w, "ph");
    fl_json_string(w, "M");
    fl_json_key(w, "pid");
    fl_json_uint(w, 1);
    fl_json_key(w, "tid");
    fl_json_uint(w, tid);
    fl_json_key(w, "args");
    fl_json_object_begin(w);
    fl_json_key(w, "name");
    fl_json_string(w, name);
    fl_json_object_end(w);
    fl_json_object_end(w);
    assert(w->depth == 2);
}

void fl_chrome_trace_write(fl_world_t *world, FILE *out) {
    assert(world != NULL && out != NULL);
    fl_json_writer_t w;
    fl_json_init(&w, out);
    fl_json_object_begin(&w);
    fl_json_key(&w, "displayTimeUnit");
    fl_json_string(&w, "ns");
    fl_json_key(&w, "traceEvents");
    fl_json_array_begin(&w);
    thread_name(&w, 0, "scheduler");
    for (uint32_t id = 1; id <= fl_world_task_count(world); id++) {
        char name[96];
        snprintf(name, sizeof name, "t%" PRIu32 ":%s", id, fl_task_name(fl_world_task(world, id)));
        thread_name(&w, id, name);
    }
    size_t count = 0;
    const fl_trace_event_t *events = fl_trace_events(fl_world_trace(world), &count);
    assert(events != NULL || count == 0);
    for (size_t i = 0; i < count; i++) {
        const fl_trace_event_t *e = &events[i];
        assert((int)e->kind >= 0 && (int)e->kind < FL_TRACE_KIND_COUNT);
        assert(w.depth == 2); /* each event an item of traceEvents */
        fl_json_object_begin(&w);
        fl_json_key(&w, "name");
        fl_json_string(&w, fl_trace_kind_name(e->kind));
        fl_json_key(&w, "ph");
        fl_json_string(&w, "i");
        fl_json_key(&w, "s");
        fl_json_string(&w, "t");
        fl_json_key(&w, "ts");
        fl_json_int(&w, e->time_ns / 1000);
        fl_json_key(&w, "pid");
        fl_json_uint(&w, 1);
        fl_json_key(&w, "tid");
        fl_json_uint(&w, e->task);
        fl_json_key(&w, "args");
        fl_json_object_begin(&w);
        fl_json_key(&w, "time_ns");
        fl_json_int(&w, e->time_ns);
        fl_json_key(&w, "object");
        fl_json_uint(&w, e->object);
        fl_json_key(&w, "value");
        fl_json_int(&w, e->value);
        if (e->detail != NULL) {
            fl_json_key(&w, "detail");
            fl_json_string(&w, e->detail);
        }
        fl_json_object_end(&w);
        fl_json_object_end(&w);
    }
    fl_json_array_end(&w);
    fl_json_object_end(&w);
    assert(fl_json_complete(&w));
    fputc('\n', out);
}
