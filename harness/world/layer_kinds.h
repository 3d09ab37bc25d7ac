/* The build function of each middleware kind, client and server, as its
 * row in the tables of model/kinds.h names it. Each builds the layer in
 * the run's world, or returns NULL with a message in error. */
#ifndef FL_HARNESS_LAYER_KINDS_H
#define FL_HARNESS_LAYER_KINDS_H

#include <stddef.h>

#include "harness/model/kinds.h"

/* Client middleware: each builds its layer in the run's world. */
fl_client_layer_build_fn fl__build_retry_layer;
fl_client_layer_build_fn fl__build_bulkhead_layer;
fl_client_layer_build_fn fl__build_timeout_layer;

/* Server middleware: each wraps app in its layer, in world. */
fl_server_layer_build_fn fl__build_base_http_layer;
fl_server_layer_build_fn fl__build_server_errors_layer;
fl_server_layer_build_fn fl__build_program_layer;
fl_server_layer_build_fn fl__build_exception_handler_layer;

#endif /* FL_HARNESS_LAYER_KINDS_H */
