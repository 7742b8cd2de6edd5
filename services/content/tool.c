/*
 * tool.c - tool configurations: the user's settings per AI tool, listed by
 * tool, character and favourite, with a usage counter raised by
 * UseToolConfiguration.
 */
#include "content.h"

/* In the order of TOOL_COLS. */
static const rowmap_col cols[TC_NCOLS] = {
    [TC_ID] = {"id", RM_TEXT, RM_OUT, NULL, 0, NULL},
    [TC_USER_ID] = {"user_id", RM_TEXT, RM_OUT, NULL, 0, NULL},
    [TC_TOOL_NAME] = {"tool_name", RM_TEXT, 0, NULL, 0, NULL},
    [TC_CHARACTER_ID] = {"character_id", RM_TEXT, RM_NULLABLE, NULL, 0, NULL},
    [TC_CONFIGURATION] = {"configuration", RM_STRUCT, 0, NULL, 0, NULL},
    [TC_IS_FAVORITE] = {"is_favorite", RM_BOOL, 0, NULL, 0, NULL},
    [TC_USAGE_COUNT] = {"usage_count", RM_INT32, RM_OUT, NULL, 0, NULL},
    [TC_CREATED_AT] = {"created_at", RM_TS, RM_OUT, NULL, 0, NULL},
    [TC_UPDATED_AT] = {"updated_at", RM_TS, RM_OUT, NULL, 0, NULL},
};

static const rowmap map = {
    &cameos__content__v1__tool_configuration__descriptor, cols, TC_NCOLS, TC_CREATED_AT, TC_ID,
};

static const res_rule rules[TC_NCOLS] = {
    [TC_TOOL_NAME] = {.check = RES_TEXT, .min = 1, .max = CT_NAME_MAX},
    [TC_CHARACTER_ID] = {.check = RES_TEXT, .max = CT_ITEM_MAX},
};

static const res_filter filters[] = {
    {"tool_name", RES_F_TEXT, CT_ITEM_MAX},
    {"character_id", RES_F_TEXT, CT_ITEM_MAX},
    {"is_favorite", RES_F_BOOL, 0},
};

const res_def content_tool = {
    .map = &map,
    .not_found = "tool configuration not found",
    .stmt =
        {
            [RES_GET] = ST_TOOL_GET,
            [RES_LIST] = ST_TOOL_LIST,
            [RES_CREATE] = ST_TOOL_CREATE,
            [RES_UPDATE] = ST_TOOL_UPDATE,
            [RES_DELETE] = ST_TOOL_DELETE,
            [RES_USE] = ST_TOOL_USE,
        },
    .filters = filters,
    .nfilters = sizeof(filters) / sizeof(filters[0]),
    .rules = rules,
};
