/*
 * cameos-content - the content service (API.md §5). Its handlers come with
 * the content issue; until then every RPC answers UNIMPLEMENTED, while health,
 * reflection and `migrate` already work.
 */
#include <stddef.h>

#include "cameos/content/v1/content.pb-c.h"
#include "rpc.h"

extern const unsigned char content_fds[];
extern const size_t content_fds_len;

int main(int argc, char **argv)
{
    const rpc_service svc = {
        .binary = "cameos-content",
        .desc = &cameos__content__v1__content_service__descriptor,
        .methods = NULL,
        .nmethods = 0,
        .stmts = NULL,
        .nstmts = 0,
        .fds = content_fds,
        .fds_len = content_fds_len,
        .default_grpc_listen = "0.0.0.0:50052",
        .default_metrics_listen = "0.0.0.0:9092",
    };
    return rpc_main(&svc, argc, argv);
}
