/*
 * cameos-planning - brand guidelines, campaigns, storyboard sequences and
 * tool preset chains (docs/API.md §6). This file is the method table and the
 * constraint messages; the resource engine (common/crud/res.h) serves every
 * RPC from the declarations beside it.
 */
#include "planning.h"

#include <stddef.h>

#include "server.h"

extern const unsigned char planning_fds[];
extern const size_t planning_fds_len;

static const rpc_method methods[] = {
    {"CreateBrandGuideline", res_create, RPC_AUTH_USER, RPC_UNARY, &planning_brand},
    {"GetBrandGuideline", res_get, RPC_AUTH_USER, RPC_UNARY, &planning_brand},
    {"ListBrandGuidelines", res_list, RPC_AUTH_USER, RPC_UNARY, &planning_brand},
    {"UpdateBrandGuideline", res_update, RPC_AUTH_USER, RPC_UNARY, &planning_brand},
    {"DeleteBrandGuideline", res_delete, RPC_AUTH_USER, RPC_UNARY, &planning_brand},
    {"CreateCampaign", res_create, RPC_AUTH_USER, RPC_UNARY, &planning_campaign},
    {"GetCampaign", res_get, RPC_AUTH_USER, RPC_UNARY, &planning_campaign},
    {"ListCampaigns", res_list, RPC_AUTH_USER, RPC_UNARY, &planning_campaign},
    {"UpdateCampaign", res_update, RPC_AUTH_USER, RPC_UNARY, &planning_campaign},
    {"DeleteCampaign", res_delete, RPC_AUTH_USER, RPC_UNARY, &planning_campaign},
    {"CreateStoryboardSequence", res_create, RPC_AUTH_USER, RPC_UNARY, &planning_storyboard},
    {"GetStoryboardSequence", res_get, RPC_AUTH_USER, RPC_UNARY, &planning_storyboard},
    {"ListStoryboardSequences", res_list, RPC_AUTH_USER, RPC_UNARY, &planning_storyboard},
    {"UpdateStoryboardSequence", res_update, RPC_AUTH_USER, RPC_UNARY, &planning_storyboard},
    {"DeleteStoryboardSequence", res_delete, RPC_AUTH_USER, RPC_UNARY, &planning_storyboard},
    {"CreateToolPresetChain", res_create, RPC_AUTH_USER, RPC_UNARY, &planning_chain},
    {"GetToolPresetChain", res_get, RPC_AUTH_USER, RPC_UNARY, &planning_chain},
    {"ListToolPresetChains", res_list, RPC_AUTH_USER, RPC_UNARY, &planning_chain},
    {"UpdateToolPresetChain", res_update, RPC_AUTH_USER, RPC_UNARY, &planning_chain},
    {"DeleteToolPresetChain", res_delete, RPC_AUTH_USER, RPC_UNARY, &planning_chain},
    {"UseToolPresetChain", res_use, RPC_AUTH_USER, RPC_UNARY, &planning_chain},
};

/* The service checks these first; the table has the last word under races
 * and for partial updates (one video counter moved alone). */
static const rpc_constraint constraints[] = {
    {"campaigns_videos_check", GRPC_STATUS_INVALID_ARGUMENT,
     "campaign.completed_videos must be between 0 and total_videos"},
    {"campaigns_brand_guidelines_id_fkey", GRPC_STATUS_NOT_FOUND, "brand_guidelines_id not found"},
    {"storyboard_sequences_campaign_id_fkey", GRPC_STATUS_NOT_FOUND, "campaign_id not found"},
    {"brand_guidelines_user_id_fkey", GRPC_STATUS_NOT_FOUND, "user not found"},
    {"campaigns_user_id_fkey", GRPC_STATUS_NOT_FOUND, "user not found"},
    {"storyboard_sequences_user_id_fkey", GRPC_STATUS_NOT_FOUND, "user not found"},
    {"tool_preset_chains_user_id_fkey", GRPC_STATUS_NOT_FOUND, "user not found"},
};

int main(int argc, char **argv)
{
    const rpc_service svc = {
        .binary = "cameos-planning",
        .desc = &cameos__planning__v1__planning_service__descriptor,
        .methods = methods,
        .nmethods = sizeof(methods) / sizeof(methods[0]),
        .stmts = planning_stmts,
        .nstmts = PLANNING_NSTMTS,
        .constraints = constraints,
        .nconstraints = sizeof(constraints) / sizeof(constraints[0]),
        .fds = planning_fds,
        .fds_len = planning_fds_len,
        .default_grpc_listen = "0.0.0.0:50053",
        .default_metrics_listen = "0.0.0.0:9093",
    };
    if (res_register(&svc) != 0)
        return 1;
    return server_main(&svc, argc, argv);
}
