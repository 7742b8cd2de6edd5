/*
 * cameos-content - video generations, their performance metrics, and the
 * user's style presets, tool configurations and platform configurations
 * (API.md §5). This file is the method table; handlers live beside it.
 */
#include "content.h"

#include <stddef.h>

extern const unsigned char content_fds[];
extern const size_t content_fds_len;

static const rpc_method methods[] = {
    {"CreateGeneration", content_create, RPC_AUTH_USER, RPC_UNARY},
    {"GetGeneration", content_get, RPC_AUTH_USER, RPC_UNARY},
    {"ListGenerations", content_list, RPC_AUTH_USER, RPC_UNARY},
    {"DeleteGeneration", content_delete, RPC_AUTH_USER, RPC_UNARY},
    {"CompleteGeneration", content_complete_generation, RPC_AUTH_INTERNAL, RPC_UNARY},
    {"FailGeneration", content_fail_generation, RPC_AUTH_INTERNAL, RPC_UNARY},
    {"WatchGeneration", content_watch_generation, RPC_AUTH_USER, RPC_SERVER_STREAM},
    {"CreatePerformanceMetric", content_create, RPC_AUTH_USER, RPC_UNARY},
    {"GetPerformanceMetric", content_get, RPC_AUTH_USER, RPC_UNARY},
    {"ListPerformanceMetrics", content_list, RPC_AUTH_USER, RPC_UNARY},
    {"UpdatePerformanceMetric", content_update, RPC_AUTH_USER, RPC_UNARY},
    {"CreateStylePreset", content_create, RPC_AUTH_USER, RPC_UNARY},
    {"GetStylePreset", content_get, RPC_AUTH_USER, RPC_UNARY},
    {"ListStylePresets", content_list, RPC_AUTH_USER, RPC_UNARY},
    {"UpdateStylePreset", content_update, RPC_AUTH_USER, RPC_UNARY},
    {"DeleteStylePreset", content_delete, RPC_AUTH_USER, RPC_UNARY},
    {"UseStylePreset", content_use, RPC_AUTH_USER, RPC_UNARY},
    {"CreateToolConfiguration", content_create, RPC_AUTH_USER, RPC_UNARY},
    {"GetToolConfiguration", content_get, RPC_AUTH_USER, RPC_UNARY},
    {"ListToolConfigurations", content_list, RPC_AUTH_USER, RPC_UNARY},
    {"UpdateToolConfiguration", content_update, RPC_AUTH_USER, RPC_UNARY},
    {"DeleteToolConfiguration", content_delete, RPC_AUTH_USER, RPC_UNARY},
    {"UseToolConfiguration", content_use, RPC_AUTH_USER, RPC_UNARY},
    {"CreatePlatformConfiguration", content_create, RPC_AUTH_USER, RPC_UNARY},
    {"GetPlatformConfiguration", content_get, RPC_AUTH_USER, RPC_UNARY},
    {"ListPlatformConfigurations", content_list, RPC_AUTH_USER, RPC_UNARY},
    {"UpdatePlatformConfiguration", content_update, RPC_AUTH_USER, RPC_UNARY},
    {"DeletePlatformConfiguration", content_delete, RPC_AUTH_USER, RPC_UNARY},
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
    };
    return rpc_main(&svc, argc, argv);
}
