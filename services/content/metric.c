/*
 * metric.c - performance metrics of the caller's generations. No Delete
 * and no Use, as in the seed. generation_id, prompt, character_id and
 * platform are set by Create only: the rowmap marks them output-only, so
 * that an update mask naming them is refused, and lists them in
 * create_only for the insert.
 */
#include "content.h"

/* In the order of METRIC_COLS. */
static const rowmap_col cols[ME_NCOLS] = {
    [ME_ID] = {"id", RM_TEXT, RM_OUT, NULL, 0, NULL},
    [ME_USER_ID] = {"user_id", RM_TEXT, RM_OUT, NULL, 0, NULL},
    [ME_GENERATION_ID] = {"generation_id", RM_TEXT, RM_OUT | RM_NULLABLE, NULL, 0, NULL},
    [ME_PROMPT] = {"prompt", RM_TEXT, RM_OUT | RM_NULLABLE, NULL, 0, NULL},
    [ME_CHARACTER_ID] = {"character_id", RM_TEXT, RM_OUT | RM_NULLABLE, NULL, 0, NULL},
    [ME_PLATFORM] = {"platform", RM_TEXT, RM_OUT | RM_NULLABLE, NULL, 0, NULL},
    [ME_PREDICTED_SCORE] = {"predicted_score", RM_DOUBLE, 0, NULL, 0, NULL},
    [ME_ACTUAL_ENGAGEMENT] = {"actual_engagement", RM_STRUCT, 0, NULL, 0, NULL},
    [ME_QUALITY_SCORE] = {"quality_score", RM_DOUBLE, 0, NULL, 0, NULL},
    [ME_STYLE_CONSISTENCY] = {"style_consistency", RM_DOUBLE, 0, NULL, 0, NULL},
    [ME_BRAND_COMPLIANCE] = {"brand_compliance", RM_DOUBLE, 0, NULL, 0, NULL},
    [ME_IMPROVEMENTS] = {"improvements", RM_STRUCT, 0, NULL, 0, NULL},
    [ME_CREATED_AT] = {"created_at", RM_TS, RM_OUT, NULL, 0, NULL},
};

static const rowmap map = {
    &cameos__content__v1__performance_metric__descriptor, cols, ME_NCOLS, ME_CREATED_AT, ME_ID,
};

/* After the writable columns, in this order ($9..$12 of metric_create). */
static const int create_only[] = {ME_GENERATION_ID, ME_PROMPT, ME_CHARACTER_ID, ME_PLATFORM};

static const content_rule rules[] = {
    {ME_GENERATION_ID, CR_UUID, 1, 0, 0},          {ME_PROMPT, CR_TEXT, 0, CT_PROMPT_MAX, 0},
    {ME_CHARACTER_ID, CR_TEXT, 0, CT_ITEM_MAX, 0}, {ME_PLATFORM, CR_TEXT, 0, CT_ITEM_MAX, 0},
    {ME_PREDICTED_SCORE, CR_SCORE, 0, 0, 0},       {ME_QUALITY_SCORE, CR_SCORE, 0, 0, 0},
    {ME_STYLE_CONSISTENCY, CR_SCORE, 0, 0, 0},     {ME_BRAND_COMPLIANCE, CR_SCORE, 0, 0, 0},
};

static const content_filter filters[] = {
    {"generation_id", CF_UUID},
    {"platform", CF_TEXT},
    {"character_id", CF_TEXT},
};

const content_res content_metric = {
    .field = "performance_metric",
    .not_found = "performance metric not found",
    .map = &map,
    .req =
        {
            [CT_GET] = &cameos__content__v1__get_performance_metric_request__descriptor,
            [CT_LIST] = &cameos__content__v1__list_performance_metrics_request__descriptor,
            [CT_CREATE] = &cameos__content__v1__create_performance_metric_request__descriptor,
            [CT_UPDATE] = &cameos__content__v1__update_performance_metric_request__descriptor,
        },
    .stmt =
        {
            [CT_GET] = ST_METRIC_GET,
            [CT_LIST] = ST_METRIC_LIST,
            [CT_CREATE] = ST_METRIC_CREATE,
            [CT_UPDATE] = ST_METRIC_UPDATE,
            [CT_DELETE] = -1,
            [CT_USE] = -1,
        },
    .list_resp = &cameos__content__v1__list_performance_metrics_response__descriptor,
    .filters = filters,
    .nfilters = sizeof(filters) / sizeof(filters[0]),
    .rules = rules,
    .nrules = sizeof(rules) / sizeof(rules[0]),
    .create_only = create_only,
    .ncreate_only = sizeof(create_only) / sizeof(create_only[0]),
    .ref_not_found = "generation not found",
};
