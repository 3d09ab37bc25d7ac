#include "harness/world/build.h"

#include <assert.h>
#include <stdio.h>

#include "client/budget.h"
#include "client/bulkhead.h"
#include "client/retry.h"
#include "client/timeout.h"
#include "harness/model/kinds.h"
#include "harness/world/layer_kinds.h"
#include "harness/world/scenario_app.h"
#include "sim/asgi/server.h"
#include "sim/net/simnet.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/status.h"

static int build_server(fl_run_state_t *run, char *error, size_t error_size) {
    assert(run != NULL && run->net != NULL && run->server == NULL);
    assert(error != NULL && error_size > 0);
    const fl_server_spec_t *spec = &run->scenario->server;
    fl_world_t *w = run->world;
    fl_asgi_app_t *app = fl_scenario_server_app(w, spec, error, error_size);
    if (app == NULL) return FL_EINVAL;
    fl_asgi_server_options_t options = {.spec_version = spec->spec_version,
                                        .header_timeout_ns = spec->header_timeout_ns,
                                        .keep_alive_timeout_ns = spec->keep_alive_timeout_ns};
    run->server = fl_asgi_server_create(w, run->net, app, &options, error, error_size);
    if (run->server == NULL) return FL_EINVAL;
    assert(fl_asgi_server_log(run->server) != NULL);
    int status = fl_asgi_server_listen(run->server, "server", 80);
    if (status != FL_OK) snprintf(error, error_size, "server cannot listen on server:80");
    return status;
}

fl_middleware_t *fl__build_retry_layer(fl_run_state_t *run, const fl_client_layer_t *layer,
                                       char *error, size_t error_size) {
    assert(run != NULL && layer != NULL && layer->kind == FL_CLIENT_LAYER_RETRY);
    fl_world_t *w = run->world;
    assert(w != NULL && layer->attempts <= 100); /* 0: the default */
    assert(layer->retry_methods != NULL || layer->retry_method_count == 0);
    assert(layer->retry_statuses != NULL || layer->retry_status_count == 0);
    fl_retry_options_t options = fl_retry_options_default();
    if (layer->attempts != 0) options.max_attempts = layer->attempts;
    if (layer->base_delay_ns != 0) options.base_delay_ns = layer->base_delay_ns;
    if (layer->max_delay_ns != 0) options.max_delay_ns = layer->max_delay_ns;
    options.refuse_streamed_body = layer->refuse_streamed_body;
    options.retry_methods = layer->retry_methods; /* NULL: the defaults */
    options.retry_method_count = layer->retry_method_count;
    options.retry_statuses = layer->retry_statuses;
    options.retry_status_count = layer->retry_status_count;
    if (layer->budget) {
        /* build_client refused more layers than this: a budget per layer fits. */
        if (FL_NEVER(run->budget_count >= FL_RUN_LAYERS_MAX)) return NULL;
        /* Options all zero (a scenario built in C that only says budget):
         * httpware's defaults. */
        const fl_retry_budget_options_t *budget_options =
            layer->budget_options.ttl_ns != 0 ? &layer->budget_options : NULL;
        options.budget = fl_retry_budget_create(w, budget_options, error, error_size);
        if (options.budget == NULL) return NULL;
        run->budgets[run->budget_count++] = options.budget;
        assert(run->budget_count <= FL_RUN_LAYERS_MAX);
    }
    return fl_retry_create(w, &options, error, error_size);
}

fl_middleware_t *fl__build_bulkhead_layer(fl_run_state_t *run, const fl_client_layer_t *layer,
                                          char *error, size_t error_size) {
    assert(run != NULL && layer != NULL && layer->kind == FL_CLIENT_LAYER_BULKHEAD);
    assert(run->world != NULL && layer->timeout_ns >= 0);
    fl_bulkhead_options_t options = fl_bulkhead_options_default();
    options.max_concurrent = layer->max_concurrent;
    if (layer->timeout_ns != 0) options.acquire_timeout_ns = layer->timeout_ns;
    return fl_bulkhead_create(run->world, &options, error, error_size);
}

fl_middleware_t *fl__build_timeout_layer(fl_run_state_t *run, const fl_client_layer_t *layer,
                                         char *error, size_t error_size) {
    assert(run != NULL && layer != NULL && layer->kind == FL_CLIENT_LAYER_TIMEOUT);
    assert(run->world != NULL && layer->timeout_ns >= 0);
    return fl_timeout_create(run->world, &(fl_timeout_options_t){.timeout_ns = layer->timeout_ns},
                             error, error_size);
}

static int build_client(fl_run_state_t *run, char *error, size_t error_size) {
    assert(run != NULL && run->net != NULL && run->server != NULL && run->client == NULL);
    assert(run->budget_count == 0 && error != NULL && error_size > 0);
    const fl_client_spec_t *spec = &run->scenario->client;
    if (spec->layer_count > FL_RUN_LAYERS_MAX) {
        snprintf(error, error_size, "too many client layers (at most %d)", FL_RUN_LAYERS_MAX);
        return FL_EINVAL;
    }
    fl_middleware_t **chain =
        fl_arena_zalloc(fl_world_arena(run->world), (spec->layer_count + 1) * sizeof *chain);
    for (size_t i = 0; i < spec->layer_count; i++) {
        chain[i] = fl_client_layer_row(spec->layers[i].kind)
                       ->build(run, &spec->layers[i], error, error_size);
        if (chain[i] == NULL) return FL_EINVAL;
    }
    assert(run->budget_count <= spec->layer_count);
    fl_client_options_t options = {.net = run->net,
                                   .timeouts = spec->timeouts,
                                   .max_connections = spec->max_connections,
                                   .idle_expiry_ns = spec->idle_expiry_ns,
                                   .header_bytes_max = spec->header_bytes_max,
                                   .body_bytes_max = spec->body_bytes_max,
                                   .knobs = spec->knobs,
                                   .middleware = chain,
                                   .middleware_count = spec->layer_count};
    run->client = fl_client_create(run->world, &options, error, error_size);
    return run->client != NULL ? FL_OK : FL_EINVAL;
}

int fl__world_build(fl_run_state_t *run, char *error, size_t error_size) {
    assert(run != NULL && run->world != NULL && run->scenario != NULL);
    assert(run->net == NULL && error != NULL && error_size > 0); /* built once */
    const fl_scenario_t *s = run->scenario;

    if (s->fault_count > 0 && s->fault_plan == NULL) {
        snprintf(error, error_size, "the scenario's faults have no plan (fl_scenario_plan_faults)");
        return FL_EINVAL;
    }
    assert(s->fault_plan == NULL || s->fault_plan->count == s->fault_count);
    fl_simnet_options_t network = s->network;
    if (network.buffer_bytes == 0) network = fl_simnet_options_default();
    run->net = fl_simnet_create(run->world, &network, s->fault_plan, error, error_size);
    if (run->net == NULL) return FL_EINVAL;
    int status = build_server(run, error, error_size);
    if (status == FL_OK) status = build_client(run, error, error_size);
    assert(status != FL_OK || (run->server != NULL && run->client != NULL));
    return status;
}
