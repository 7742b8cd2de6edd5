/*
 * cameos-content - video generations, their performance metrics, and the
 * user's style presets, tool configurations and platform configurations
 * (docs/API.md §5). This file is the method table: the resource engine
 * (common/crud/res.h) serves the declarations beside it, and generation.c,
 * queue.c and watch.c the rest; each loop's content_loop is made and freed
 * here.
 */
#include "content.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>

#include "server.h"

extern const unsigned char content_fds[];
extern const size_t content_fds_len;

static void *loop_data_new(rpc_server *s);
static void loop_data_free(void *data);

static const rpc_method methods[] = {
    {"CreateGeneration", res_create, RPC_AUTH_USER, RPC_UNARY, &content_generation},
    {"GetGeneration", res_get, RPC_AUTH_USER, RPC_UNARY, &content_generation},
    {"ListGenerations", res_list, RPC_AUTH_USER, RPC_UNARY, &content_generation},
    {"DeleteGeneration", res_delete, RPC_AUTH_USER, RPC_UNARY, &content_generation},
    {"CancelGeneration", content_cancel_generation, RPC_AUTH_USER, RPC_UNARY, NULL},
    {"ClaimGenerations", content_claim_generations, RPC_AUTH_INTERNAL, RPC_UNARY, NULL},
    {"WaitForGenerations", content_wait_for_generations, RPC_AUTH_INTERNAL, RPC_SERVER_STREAM,
     NULL},
    {"ExtendGenerationLease", content_extend_generation_lease, RPC_AUTH_INTERNAL, RPC_UNARY, NULL},
    {"ReleaseGeneration", content_release_generation, RPC_AUTH_INTERNAL, RPC_UNARY, NULL},
    {"CompleteGeneration", content_complete_generation, RPC_AUTH_INTERNAL, RPC_UNARY, NULL},
    {"FailGeneration", content_fail_generation, RPC_AUTH_INTERNAL, RPC_UNARY, NULL},
    {"WatchGeneration", content_watch_generation, RPC_AUTH_USER, RPC_SERVER_STREAM, NULL},
    {"CreatePerformanceMetric", res_create, RPC_AUTH_USER, RPC_UNARY, &content_metric},
    {"GetPerformanceMetric", res_get, RPC_AUTH_USER, RPC_UNARY, &content_metric},
    {"ListPerformanceMetrics", res_list, RPC_AUTH_USER, RPC_UNARY, &content_metric},
    {"UpdatePerformanceMetric", res_update, RPC_AUTH_USER, RPC_UNARY, &content_metric},
    {"CreateStylePreset", res_create, RPC_AUTH_USER, RPC_UNARY, &content_preset},
    {"GetStylePreset", res_get, RPC_AUTH_USER, RPC_UNARY, &content_preset},
    {"ListStylePresets", res_list, RPC_AUTH_USER, RPC_UNARY, &content_preset},
    {"UpdateStylePreset", res_update, RPC_AUTH_USER, RPC_UNARY, &content_preset},
    {"DeleteStylePreset", res_delete, RPC_AUTH_USER, RPC_UNARY, &content_preset},
    {"UseStylePreset", res_use, RPC_AUTH_USER, RPC_UNARY, &content_preset},
    {"CreateToolConfiguration", res_create, RPC_AUTH_USER, RPC_UNARY, &content_tool},
    {"GetToolConfiguration", res_get, RPC_AUTH_USER, RPC_UNARY, &content_tool},
    {"ListToolConfigurations", res_list, RPC_AUTH_USER, RPC_UNARY, &content_tool},
    {"UpdateToolConfiguration", res_update, RPC_AUTH_USER, RPC_UNARY, &content_tool},
    {"DeleteToolConfiguration", res_delete, RPC_AUTH_USER, RPC_UNARY, &content_tool},
    {"UseToolConfiguration", res_use, RPC_AUTH_USER, RPC_UNARY, &content_tool},
    {"CreatePlatformConfiguration", res_create, RPC_AUTH_USER, RPC_UNARY, &content_platform},
    {"GetPlatformConfiguration", res_get, RPC_AUTH_USER, RPC_UNARY, &content_platform},
    {"ListPlatformConfigurations", res_list, RPC_AUTH_USER, RPC_UNARY, &content_platform},
    {"UpdatePlatformConfiguration", res_update, RPC_AUTH_USER, RPC_UNARY, &content_platform},
    {"DeletePlatformConfiguration", res_delete, RPC_AUTH_USER, RPC_UNARY, &content_platform},
};

static const rpc_constraint constraints[] = {
    {"platform_configurations_user_id_platform_key", GRPC_STATUS_ALREADY_EXISTS,
     "a configuration for this platform already exists"},
    /* The statement locks the caller's generation first; this is only the
     * backstop should it go anyway. */
    {"performance_metrics_generation_id_fkey", GRPC_STATUS_NOT_FOUND, "generation not found"},
};

int main(int argc, char **argv)
{
    const rpc_service svc = {
        .binary = "cameos-content",
        .desc = &cameos__content__v1__content_service__descriptor,
        .methods = methods,
        .nmethods = sizeof(methods) / sizeof(methods[0]),
        .stmts = content_stmts,
        .nstmts = CONTENT_NSTMTS,
        .listen_channel = "generation_changed",
        .on_notify = content_generation_changed,
        .loop_data_new = loop_data_new,
        .loop_data_free = loop_data_free,
        .constraints = constraints,
        .nconstraints = sizeof(constraints) / sizeof(constraints[0]),
        .fds = content_fds,
        .fds_len = content_fds_len,
        .default_grpc_listen = "0.0.0.0:50052",
        .default_metrics_listen = "0.0.0.0:9092",
        /* Expired leases back to the queue (or failed, refunded) within
         * seconds of their expiry (sweep.c). */
        .janitor_stmt = ST_QUEUE_SWEEP,
        .janitor_every_s = 2,
        .janitor_args = content_sweep_args,
        .janitor_done = content_sweep_done,
        .series = content_series,
        .nseries = CONTENT_NSERIES,
    };
    if (res_register(&svc) != 0)
        return 1;
    return server_main(&svc, argc, argv);
}

/* ---- internals ------------------------------------------------------- */

static void *loop_data_new(rpc_server *s)
{
    content_loop *l = calloc(1, sizeof(*l));
    if (l)
        l->server = s;
    return l;
}

/* The loop has run dry: every stream's cleanup and every re-read's
 * completion has run, and each unlinked itself. */
static void loop_data_free(void *data)
{
    content_loop *l = data;
    assert(!l->rereads && !l->waiters);
    for (unsigned b = 0; b < CONTENT_WATCH_BUCKETS; b++)
        assert(!l->watchers[b]);
    free(l);
}
