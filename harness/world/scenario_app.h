/* Builds a scenario's server app (routes with scripted handlers, wrapped in
 * its middleware layers, outermost first): shared by the runner (simulated
 * network) and `faultline serve` (real sockets). */
#ifndef FL_HARNESS_SCENARIO_APP_H
#define FL_HARNESS_SCENARIO_APP_H

#include <stddef.h>

#include "harness/model/scenario.h"

/* The app in the world's arena, or NULL with a message. */
fl_asgi_app_t *fl_scenario_server_app(fl_world_t *world, const fl_server_spec_t *spec, char *error,
                                      size_t error_size);

#endif /* FL_HARNESS_SCENARIO_APP_H */
