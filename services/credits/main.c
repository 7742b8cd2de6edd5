/*
 * cameos-credits - profiles, the credit ledger and pricing tiers
 * (docs/API.md §4). This file is the method table; handlers live beside it.
 */
#include "credits.h"

#include <stddef.h>

#include "server.h"

extern const unsigned char credits_fds[];
extern const size_t credits_fds_len;

static const rpc_method methods[] = {
    {"GetProfile", credits_get_profile, RPC_AUTH_USER, RPC_UNARY, NULL},
    {"UpdateProfile", credits_update_profile, RPC_AUTH_USER, RPC_UNARY, NULL},
    {"ListCreditTransactions", credits_list_transactions, RPC_AUTH_USER, RPC_UNARY, NULL},
    {"ListPricingTiers", credits_list_pricing_tiers, RPC_AUTH_USER, RPC_UNARY, NULL},
    {"CreateUser", credits_create_user, RPC_AUTH_INTERNAL, RPC_UNARY, NULL},
    {"PurchaseCredits", credits_purchase, RPC_AUTH_INTERNAL, RPC_UNARY, NULL},
    {"SpendCredits", credits_spend, RPC_AUTH_INTERNAL, RPC_UNARY, NULL},
    {"RefundCredits", credits_refund, RPC_AUTH_INTERNAL, RPC_UNARY, NULL},
    {"GrantCredits", credits_grant, RPC_AUTH_INTERNAL, RPC_UNARY, NULL},
    {"GetBalance", credits_get_balance, RPC_AUTH_INTERNAL, RPC_UNARY, NULL},
};

static const rpc_constraint constraints[] = {
    {"user_profiles_username_key", GRPC_STATUS_ALREADY_EXISTS, "username is already taken"},
    {"users_email_key", GRPC_STATUS_ALREADY_EXISTS, "a user with this email already exists"},
    {"users_pkey", GRPC_STATUS_ALREADY_EXISTS, "a user with this id already exists"},
    {"user_profiles_pkey", GRPC_STATUS_ALREADY_EXISTS, "a user with this id already exists"},
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
        .janitor_stmt = ST_PURGE_KEYS,
        .janitor_every_s = 3600,
        .constraints = constraints,
        .nconstraints = sizeof(constraints) / sizeof(constraints[0]),
        .fds = credits_fds,
        .fds_len = credits_fds_len,
        .default_grpc_listen = "0.0.0.0:50051",
        .default_metrics_listen = "0.0.0.0:9091",
    };
    return server_main(&svc, argc, argv);
}
