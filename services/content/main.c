/*
 * cameos-content - video generations, their performance metrics, and the
 * user's style presets, tool configurations and platform configurations
 * (docs/API.md §5). This file is the method table: the resource engine
 * (common/resource.h) serves the declarations beside it, and generation.c,
 * queue.c and watch.c the rest.
 */
#include "content.h"

#include <stddef.h>

extern const unsigned char content_fds[];
extern const size_t content_fds_len;

static const rpc_method methods[] = {
    {"CreateGeneration", res_create, RPC_AUTH_USER, RPC_UNARY},
    {"GetGeneration", res_get, RPC_AUTH_USER, RPC_UNARY},
    {"ListGenerations", res_list, RPC_AUTH_USER, RPC_UNARY},
    {"DeleteGeneration", res_delete, RPC_AUTH_USER, RPC_UNARY},
    {"CancelGeneration", content_cancel_generation, RPC_AUTH_USER, RPC_UNARY},
    {"ClaimGenerations", content_claim_generations, RPC_AUTH_INTERNAL, RPC_UNARY},
    {"WaitForGenerations", content_wait_for_generations, RPC_AUTH_INTERNAL, RPC_SERVER_STREAM},
    {"ExtendGenerationLease", content_extend_generation_lease, RPC_AUTH_INTERNAL, RPC_UNARY},
    {"ReleaseGeneration", content_release_generation, RPC_AUTH_INTERNAL, RPC_UNARY},
    {"CompleteGeneration", content_complete_generation, RPC_AUTH_INTERNAL, RPC_UNARY},
    {"FailGeneration", content_fail_generation, RPC_AUTH_INTERNAL, RPC_UNARY},
    {"WatchGeneration", content_watch_generation, RPC_AUTH_USER, RPC_SERVER_STREAM},
    {"CreatePerformanceMetric", res_create, RPC_AUTH_USER, RPC_UNARY},
    {"GetPerformanceMetric", res_get, RPC_AUTH_USER, RPC_UNARY},
    {"ListPerformanceMetrics", res_list, RPC_AUTH_USER, RPC_UNARY},
    {"UpdatePerformanceMetric", res_update, RPC_AUTH_USER, RPC_UNARY},
    {"CreateStylePreset", res_create, RPC_AUTH_USER, RPC_UNARY},
    {"GetStylePreset", res_get, RPC_AUTH_USER, RPC_UNARY},
    {"ListStylePresets", res_list, RPC_AUTH_USER, RPC_UNARY},
    {"UpdateStylePreset", res_update, RPC_AUTH_USER, RPC_UNARY},
    {"DeleteStylePreset", res_delete, RPC_AUTH_USER, RPC_UNARY},
    {"UseStylePreset", res_use, RPC_AUTH_USER, RPC_UNARY},
    {"CreateToolConfiguration", res_create, RPC_AUTH_USER, RPC_UNARY},
    {"GetToolConfiguration", res_get, RPC_AUTH_USER, RPC_UNARY},
    {"ListToolConfigurations", res_list, RPC_AUTH_USER, RPC_UNARY},
    {"UpdateToolConfiguration", res_update, RPC_AUTH_USER, RPC_UNARY},
    {"DeleteToolConfiguration", res_delete, RPC_AUTH_USER, RPC_UNARY},
    {"UseToolConfiguration", res_use, RPC_AUTH_USER, RPC_UNARY},
    {"CreatePlatformConfiguration", res_create, RPC_AUTH_USER, RPC_UNARY},
    {"GetPlatformConfiguration", res_get, RPC_AUTH_USER, RPC_UNARY},
    {"ListPlatformConfigurations", res_list, RPC_AUTH_USER, RPC_UNARY},
    {"UpdatePlatformConfiguration", res_update, RPC_AUTH_USER, RPC_UNARY},
    {"DeletePlatformConfiguration", res_delete, RPC_AUTH_USER, RPC_UNARY},
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
    static const res_def *const resources[] = {
        &content_generation, &content_metric, &content_preset, &content_tool, &content_platform,
    };
    if (res_register(&svc, resources, sizeof(resources) / sizeof(resources[0])) != 0)
        return 1;
    return rpc_main(&svc, argc, argv);
}
