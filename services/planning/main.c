/*
 * cameos-planning - the planning service (API.md §6). Its handlers come with
 * the planning issue; until then every RPC answers UNIMPLEMENTED, while health,
 * reflection and `migrate` already work.
 */
#include <stddef.h>

#include "cameos/planning/v1/planning.pb-c.h"
#include "rpc.h"

extern const unsigned char planning_fds[];
extern const size_t planning_fds_len;

int main(int argc, char **argv)
{
    const rpc_service svc = {
        .binary = "cameos-planning",
        .desc = &cameos__planning__v1__planning_service__descriptor,
        .methods = NULL,
        .nmethods = 0,
        .stmts = NULL,
        .nstmts = 0,
        .fds = planning_fds,
        .fds_len = planning_fds_len,
        .default_grpc_listen = "0.0.0.0:50053",
        .default_metrics_listen = "0.0.0.0:9093",
    };
    return rpc_main(&svc, argc, argv);
}
