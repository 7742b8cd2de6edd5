/*
 * campaign.c - campaigns: the rowmap of a campaigns row, its field limits,
 * the list filters (status, platform) and the check that ties
 * completed_videos to total_videos. Status moves are judged by the update
 * statement itself (sql.c), against the row as it is when locked.
 */
#include "planning.h"

#include <stdio.h>

#include "args.h"
#include "validate.h"

/* Planned videos per campaign: generous, and far from int overflow. */
#define VIDEOS_MAX 100000

static int campaign_filters(rpc_call *c, const ProtobufCMessage *req, const char **params,
                            char *scope, size_t scope_size);
static int campaign_extra(rpc_call *c, const ProtobufCMessage *msg, unsigned long long cols);

static const valid_enum campaign_statuses[] = {
    {CAMEOS__PLANNING__V1__CAMPAIGN_STATUS__CAMPAIGN_STATUS_DRAFT, "draft"},
    {CAMEOS__PLANNING__V1__CAMPAIGN_STATUS__CAMPAIGN_STATUS_ACTIVE, "active"},
    {CAMEOS__PLANNING__V1__CAMPAIGN_STATUS__CAMPAIGN_STATUS_COMPLETED, "completed"},
};
#define N_STATUSES (sizeof(campaign_statuses) / sizeof(campaign_statuses[0]))

static const rowmap_col campaign_cols[CA_NCOLS] = {
    [CA_ID] = {"id", RM_TEXT, RM_OUT, NULL, 0, NULL},
    [CA_USER_ID] = {"user_id", RM_TEXT, RM_OUT, NULL, 0, NULL},
    [CA_NAME] = {"name", RM_TEXT, 0, NULL, 0, NULL},
    [CA_DESCRIPTION] = {"description", RM_TEXT, RM_NULLABLE, NULL, 0, NULL},
    [CA_TARGET_AUDIENCE] = {"target_audience", RM_TEXT, RM_NULLABLE, NULL, 0, NULL},
    [CA_PLATFORM] = {"platform", RM_TEXT_ARRAY, 0, NULL, 0, NULL},
    /* NULL (UNSPECIFIED) on create means draft. */
    [CA_STATUS] = {"status", RM_ENUM, RM_NULLABLE, campaign_statuses, N_STATUSES, NULL},
    [CA_TOTAL_VIDEOS] = {"total_videos", RM_INT32, 0, NULL, 0, NULL},
    [CA_COMPLETED_VIDEOS] = {"completed_videos", RM_INT32, 0, NULL, 0, NULL},
    [CA_CONCEPTS] = {"concepts", RM_STRUCT_LIST, 0, NULL, 0, NULL},
    [CA_BRAND_GUIDELINES_ID] = {"brand_guidelines_id", RM_TEXT, RM_NULLABLE, NULL, 0, NULL},
    [CA_CREATED_AT] = {"created_at", RM_TS, RM_OUT, NULL, 0, NULL},
    [CA_UPDATED_AT] = {"updated_at", RM_TS, RM_OUT, NULL, 0, NULL},
    [CA_COMPLETED_AT] = {"completed_at", RM_TS, RM_OUT, NULL, 0, NULL},
};

static const rowmap campaign_map = {
    &cameos__planning__v1__campaign__descriptor, campaign_cols, CA_NCOLS, CA_CREATED_AT, CA_ID,
};

static const planning_limit campaign_limits[CA_NCOLS] = {
    [CA_NAME] = {.min = 1, .max = PL_NAME_MAX},
    [CA_DESCRIPTION] = {.max = PL_TEXT_MAX},
    [CA_TARGET_AUDIENCE] = {.max = PL_TEXT_MAX},
    [CA_PLATFORM] = {.max = PL_ITEMS_MAX, .item_max = PL_ITEM_MAX},
    [CA_TOTAL_VIDEOS] = {.min = 0, .max = VIDEOS_MAX},
    [CA_COMPLETED_VIDEOS] = {.min = 0, .max = VIDEOS_MAX},
    [CA_CONCEPTS] = {.max = PL_ITEMS_MAX},
    [CA_BRAND_GUIDELINES_ID] = {.form = PL_UUID},
};

const planning_res planning_campaign = {
    .field = "campaign",
    .not_found = "campaign not found",
    .map = &campaign_map,
    .limits = campaign_limits,
    .req =
        {
            [PL_GET] = &cameos__planning__v1__get_campaign_request__descriptor,
            [PL_LIST] = &cameos__planning__v1__list_campaigns_request__descriptor,
            [PL_CREATE] = &cameos__planning__v1__create_campaign_request__descriptor,
            [PL_UPDATE] = &cameos__planning__v1__update_campaign_request__descriptor,
            [PL_DELETE] = &cameos__planning__v1__delete_campaign_request__descriptor,
        },
    .stmt =
        {
            [PL_GET] = ST_CAMPAIGN_GET,
            [PL_LIST] = ST_CAMPAIGN_LIST,
            [PL_CREATE] = ST_CAMPAIGN_CREATE,
            [PL_UPDATE] = ST_CAMPAIGN_UPDATE,
            [PL_DELETE] = ST_CAMPAIGN_DELETE,
        },
    .list_resp = &cameos__planning__v1__list_campaigns_response__descriptor,
    .filters = campaign_filters,
    .nfilters = 2,
    .extra = campaign_extra,
};

/* ---- internals ------------------------------------------------------- */

/* $5 status text, $6 one platform the campaign's list must contain. */
static int campaign_filters(rpc_call *c, const ProtobufCMessage *req, const char **params,
                            char *scope, size_t scope_size)
{
    const Cameos__Planning__V1__ListCampaignsRequest *r = (const void *)req;
    params[0] = NULL;
    if (r->status != 0 &&
        !(params[0] = valid_enum_text(campaign_statuses, N_STATUSES, r->status))) {
        rpc_fail(c, GRPC_STATUS_INVALID_ARGUMENT, "status has an unknown value");
        return -1;
    }
    if (arg_text(c, "platform", r->platform, 0, PL_ITEM_MAX) != 0)
        return -1;
    params[1] = r->platform[0] ? r->platform : NULL;
    snprintf(scope, scope_size, "status=%d|platform=%s", r->status, r->platform);
    return 0;
}

/* A partial update that moves only one of the two counters is held to the
 * same rule by the table's campaigns_videos_check (main.c maps it). */
static int campaign_extra(rpc_call *c, const ProtobufCMessage *msg, unsigned long long cols)
{
    const Cameos__Planning__V1__Campaign *m = (const void *)msg;
    const unsigned long long both = PL_COL(CA_TOTAL_VIDEOS) | PL_COL(CA_COMPLETED_VIDEOS);
    if ((cols & both) == both && m->completed_videos > m->total_videos) {
        rpc_fail(c, GRPC_STATUS_INVALID_ARGUMENT,
                 "campaign.completed_videos must be between 0 and total_videos");
        return -1;
    }
    return 0;
}
