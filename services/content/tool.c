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

static const content_rule rules[] = {
    {TC_TOOL_NAME, CR_TEXT, 1, CT_NAME_MAX, 0},
    {TC_CHARACTER_ID, CR_TEXT, 0, CT_ITEM_MAX, 0},
};

static const content_filter filters[] = {
    {"tool_name", CF_TEXT},
    {"character_id", CF_TEXT},
    {"is_favorite", CF_BOOL},
};

const content_res content_tool = {
    .field = "tool_configuration",
    .not_found = "tool configuration not found",
    .map = &map,
    .req =
        {
            [CT_GET] = &cameos__content__v1__get_tool_configuration_request__descriptor,
            [CT_LIST] = &cameos__content__v1__list_tool_configurations_request__descriptor,
            [CT_CREATE] = &cameos__content__v1__create_tool_configuration_request__descriptor,
            [CT_UPDATE] = &cameos__content__v1__update_tool_configuration_request__descriptor,
            [CT_DELETE] = &cameos__content__v1__delete_tool_configuration_request__descriptor,
            [CT_USE] = &cameos__content__v1__use_tool_configuration_request__descriptor,
        },
    .stmt =
        {
            [CT_GET] = ST_TOOL_GET,
            [CT_LIST] = ST_TOOL_LIST,
            [CT_CREATE] = ST_TOOL_CREATE,
            [CT_UPDATE] = ST_TOOL_UPDATE,
            [CT_DELETE] = ST_TOOL_DELETE,
            [CT_USE] = ST_TOOL_USE,
        },
    .list_resp = &cameos__content__v1__list_tool_configurations_response__descriptor,
    .filters = filters,
    .nfilters = sizeof(filters) / sizeof(filters[0]),
    .rules = rules,
    .nrules = sizeof(rules) / sizeof(rules[0]),
};
