/*
 * cameos-credits - profiles, the credit ledger and pricing tiers
 * (API.md §4). This file is the method table; handlers live beside it.
 */
#include "credits.h"

#include <stddef.h>

extern const unsigned char credits_fds[];
extern const size_t credits_fds_len;

static const rpc_method methods[] = {
    {"GetProfile", credits_get_profile, RPC_AUTH_USER, RPC_UNARY},
};

int main(int argc, char **argv)
{
    const rpc_service svc = {
        .binary = "cameos-credits",
        .desc = &cameos__credits__v1__credits_service__descriptor,
        .methods = methods,
        .nmethods = sizeof(methods) / sizeof(methods[0]),
        .stmts = credits_stmts,
        .nstmts = CREDITS_NSTMTS,
        .fds = credits_fds,
        .fds_len = credits_fds_len,
        .default_grpc_listen = "0.0.0.0:50051",
        .default_metrics_listen = "0.0.0.0:9091",
    };
    return rpc_main(&svc, argc, argv);
}
