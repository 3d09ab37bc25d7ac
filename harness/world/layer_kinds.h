/* The build function of each middleware kind, client and server, as its
 * row in the tables of model/kinds.h names it. Each builds the layer in
 * the run's world, or returns NULL with a message in error. */
#ifndef FL_HARNESS_LAYER_KINDS_H
#define FL_HARNESS_LAYER_KINDS_H

#include <stddef.h>

#include "harness/model/scenario.h"

struct fl_middleware;
struct fl_run_state;

struct fl_middleware *fl__build_retry_layer(struct fl_run_state *run,
                                            const fl_client_layer_t *layer, char *error,
                                            size_t error_size);
struct fl_middleware *fl__build_bulkhead_layer(struct fl_run_state *run,
                                               const fl_client_layer_t *layer, char *error,
                                               size_t error_size);
struct fl_middleware *fl__build_timeout_layer(struct fl_run_state *run,
                                              const fl_client_layer_t *layer, char *error,
                                              size_t error_size);

/* Server middleware: each wraps app in its layer, in world. */
struct fl_asgi_app *fl__build_base_http_layer(fl_world_t *world, struct fl_asgi_app *app,
                                              const fl_server_layer_t *layer, char *error,
                                              size_t error_size);
struct fl_asgi_app *fl__build_server_errors_layer(fl_world_t *world, struct fl_asgi_app *app,
                                                  const fl_server_layer_t *layer, char *error,
                                                  size_t error_size);
struct fl_asgi_app *fl__build_program_layer(fl_world_t *world, struct fl_asgi_app *app,
                                            const fl_server_layer_t *layer, char *error,
                                            size_t error_size);
struct fl_asgi_app *fl__build_exception_handler_layer(fl_world_t *world, struct fl_asgi_app *app,
                                                      const fl_server_layer_t *layer, char *error,
                                                      size_t error_size);

#endif /* FL_HARNESS_LAYER_KINDS_H */
