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

static const res_rule rules[ME_NCOLS] = {
    [ME_GENERATION_ID] = {.check = RES_UUID, .min = 1},
    [ME_PROMPT] = {.check = RES_TEXT, .max = CT_PROMPT_MAX},
    [ME_CHARACTER_ID] = {.check = RES_TEXT, .max = CT_ITEM_MAX},
    [ME_PLATFORM] = {.check = RES_TEXT, .max = CT_ITEM_MAX},
    [ME_PREDICTED_SCORE] = {.check = RES_RANGE, .min = 0, .max = 100},
    [ME_QUALITY_SCORE] = {.check = RES_RANGE, .min = 0, .max = 100},
    [ME_STYLE_CONSISTENCY] = {.check = RES_RANGE, .min = 0, .max = 100},
    [ME_BRAND_COMPLIANCE] = {.check = RES_RANGE, .min = 0, .max = 100},
};

static const res_filter filters[] = {
    {"generation_id", RES_F_UUID, 0},
    {"platform", RES_F_TEXT, CT_ITEM_MAX},
    {"character_id", RES_F_TEXT, CT_ITEM_MAX},
};

const res_def content_metric = {
    .map = &map,
    .not_found = "performance metric not found",
    .stmt =
        {
            [RES_GET] = ST_METRIC_GET,
            [RES_LIST] = ST_METRIC_LIST,
            [RES_CREATE] = ST_METRIC_CREATE,
            [RES_UPDATE] = ST_METRIC_UPDATE,
        },
    .filters = filters,
    .nfilters = sizeof(filters) / sizeof(filters[0]),
    .rules = rules,
    .create_only = create_only,
    .ncreate_only = sizeof(create_only) / sizeof(create_only[0]),
    .ref_not_found = "generation not found",
};
