/* The proxy's admin API, as toxiproxy's: an ASGI app that faultline's own
 * server (sim/asgi/server.h) serves on a second loopback port, so that a
 * test can list, add and remove faults between its requests.
 *
 *   GET    /faults      200, the plan as a JSON array (fl_proxy_faults_write_json)
 *   POST   /faults      a fault (JSON object, the scenario files' form) or
 *                       an array of them: 201 {"ids": [...]}, or 400
 *                       {"error": "..."} naming what is wrong; all or none
 *   DELETE /faults      204: every fault removed
 *   DELETE /faults/ID   204, or 404 when no fault has that id
 *   GET    /stats       200 {"connections", "open", "requests", "responses",
 *                       "faults", "faults_fired", "c2s_bytes", "s2c_bytes"}
 * Another path is 404, another method on a known path 405 with Allow; a
 * request body over FL_PROXY_ADMIN_BODY_MAX is 413. Every answer is JSON
 * (application/json), errors as {"error": "..."}.
 *
 * A change applies from the next event on: a fault added now counts the
 * occurrences after it (docs/PROXY.md).
 */
#ifndef FL_PROXY_ADMIN_APP_H
#define FL_PROXY_ADMIN_APP_H

#include <stdint.h>

#include "harness/proxy/proxy_faults.h"
#include "sim/asgi/asgi.h"

enum { FL_PROXY_ADMIN_BODY_MAX = 64 * 1024 };

/* What GET /stats says, asked of the proxy at each request. */
typedef struct fl_proxy_admin_stats {
    uint64_t connections; /* accepted, in all */
    uint64_t open;        /* open now */
    uint64_t requests;
    uint64_t responses;
    uint64_t c2s_bytes;
    uint64_t s2c_bytes;
} fl_proxy_admin_stats_t;

typedef void fl_proxy_admin_stats_fn(void *context, fl_proxy_admin_stats_t *out);

/* The app, in the world's arena; faults is the proxy's plan (borrowed, it
 * must outlive the app); stats (with context) fills GET /stats. */
fl_asgi_app_t *fl_proxy_admin_app(fl_world_t *world, fl_proxy_faults_t *faults,
                                  fl_proxy_admin_stats_fn *stats, void *context);

#endif /* FL_PROXY_ADMIN_APP_H */
