/*
 * campaign.c - campaigns: the rowmap of a campaigns row, its field rules,
 * the list filters (status, platform) and the check that ties
 * completed_videos to total_videos. Status moves are judged by the update
 * statement itself (sql.c), against the row as it is when locked.
 */
#include "planning.h"

/* Planned videos per campaign: generous, and far from int overflow. */
#define VIDEOS_MAX 100000

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

static const res_rule campaign_rules[CA_NCOLS] = {
    [CA_NAME] = {.check = RES_TEXT, .min = 1, .max = PL_NAME_MAX},
    [CA_DESCRIPTION] = {.check = RES_TEXT, .max = PL_TEXT_MAX},
    [CA_TARGET_AUDIENCE] = {.check = RES_TEXT, .max = PL_TEXT_MAX},
    [CA_PLATFORM] = {.check = RES_ITEMS, .max = PL_ITEMS_MAX, .item_max = PL_ITEM_MAX},
    [CA_STATUS] = {.check = RES_ENUM},
    [CA_TOTAL_VIDEOS] = {.check = RES_RANGE, .min = 0, .max = VIDEOS_MAX},
    [CA_COMPLETED_VIDEOS] = {.check = RES_RANGE, .min = 0, .max = VIDEOS_MAX},
    [CA_CONCEPTS] = {.check = RES_ITEMS, .max = PL_ITEMS_MAX},
    [CA_BRAND_GUIDELINES_ID] = {.check = RES_UUID},
};

/* $5 status text, $6 one platform the campaign's list must contain. */
static const res_filter campaign_filters[] = {
    {"status", RES_F_ENUM, 0},
    {"platform", RES_F_TEXT, PL_ITEM_MAX},
};

const res_def planning_campaign = {
    .map = &campaign_map,
    .not_found = "campaign not found",
    .stmt =
        {
            [RES_GET] = ST_CAMPAIGN_GET,
            [RES_LIST] = ST_CAMPAIGN_LIST,
            [RES_CREATE] = ST_CAMPAIGN_CREATE,
            [RES_UPDATE] = ST_CAMPAIGN_UPDATE,
            [RES_DELETE] = ST_CAMPAIGN_DELETE,
        },
    .filters = campaign_filters,
    .nfilters = sizeof(campaign_filters) / sizeof(campaign_filters[0]),
    .rules = campaign_rules,
    .check = campaign_extra,
};

/* ---- internals ------------------------------------------------------- */

/* A partial update that moves only one of the two counters is held to the
 * same rule by the table's campaigns_videos_check (main.c maps it). */
static int campaign_extra(rpc_call *c, const ProtobufCMessage *msg, unsigned long long cols)
{
    const Cameos__Planning__V1__Campaign *m = (const void *)msg;
    const unsigned long long both = RES_COL(CA_TOTAL_VIDEOS) | RES_COL(CA_COMPLETED_VIDEOS);
    if ((cols & both) == both && m->completed_videos > m->total_videos) {
        rpc_fail(c, GRPC_STATUS_INVALID_ARGUMENT,
                 "campaign.completed_videos must be between 0 and total_videos");
        return -1;
    }
    return 0;
}
