/*
 * chain.c - tool preset chains: the rowmaps of a tool_preset_chains row and
 * of one step in its tools array, their field limits and the RPCs (all
 * served by crud.c, UseToolPresetChain included).
 */
#include "planning.h"

enum { TS_TOOL_NAME, TS_SETTINGS, TS_NCOLS };

static const rowmap_col step_cols[TS_NCOLS] = {
    [TS_TOOL_NAME] = {"tool_name", RM_TEXT, 0, NULL, 0, NULL},
    [TS_SETTINGS] = {"settings", RM_STRUCT, 0, NULL, 0, NULL},
};

static const rowmap step_map = {
    &cameos__planning__v1__tool_step__descriptor, step_cols, TS_NCOLS, -1, -1,
};

static const planning_limit step_limits[TS_NCOLS] = {
    [TS_TOOL_NAME] = {.min = 1, .max = PL_ITEM_MAX},
};

static const rowmap_col chain_cols[CH_NCOLS] = {
    [CH_ID] = {"id", RM_TEXT, RM_OUT, NULL, 0, NULL},
    [CH_USER_ID] = {"user_id", RM_TEXT, RM_OUT, NULL, 0, NULL},
    [CH_NAME] = {"name", RM_TEXT, 0, NULL, 0, NULL},
    [CH_DESCRIPTION] = {"description", RM_TEXT, RM_NULLABLE, NULL, 0, NULL},
    [CH_TOOLS] = {"tools", RM_MSG_LIST, 0, NULL, 0, &step_map},
    [CH_IS_FAVORITE] = {"is_favorite", RM_BOOL, 0, NULL, 0, NULL},
    [CH_USAGE_COUNT] = {"usage_count", RM_INT32, RM_OUT, NULL, 0, NULL},
    [CH_CREATED_AT] = {"created_at", RM_TS, RM_OUT, NULL, 0, NULL},
    [CH_UPDATED_AT] = {"updated_at", RM_TS, RM_OUT, NULL, 0, NULL},
};

static const rowmap chain_map = {
    &cameos__planning__v1__tool_preset_chain__descriptor,
    chain_cols,
    CH_NCOLS,
    CH_CREATED_AT,
    CH_ID,
};

static const planning_limit chain_limits[CH_NCOLS] = {
    [CH_NAME] = {.min = 1, .max = PL_NAME_MAX},
    [CH_DESCRIPTION] = {.max = PL_TEXT_MAX},
    [CH_TOOLS] = {.min = 1, .max = PL_ITEMS_MAX, .sub = step_limits},
};

const planning_res planning_chain = {
    .field = "tool_preset_chain",
    .not_found = "tool preset chain not found",
    .map = &chain_map,
    .limits = chain_limits,
    .req =
        {
            [PL_GET] = &cameos__planning__v1__get_tool_preset_chain_request__descriptor,
            [PL_LIST] = &cameos__planning__v1__list_tool_preset_chains_request__descriptor,
            [PL_CREATE] = &cameos__planning__v1__create_tool_preset_chain_request__descriptor,
            [PL_UPDATE] = &cameos__planning__v1__update_tool_preset_chain_request__descriptor,
            [PL_DELETE] = &cameos__planning__v1__delete_tool_preset_chain_request__descriptor,
            [PL_USE] = &cameos__planning__v1__use_tool_preset_chain_request__descriptor,
        },
    .stmt =
        {
            [PL_GET] = ST_CHAIN_GET,
            [PL_LIST] = ST_CHAIN_LIST,
            [PL_CREATE] = ST_CHAIN_CREATE,
            [PL_UPDATE] = ST_CHAIN_UPDATE,
            [PL_DELETE] = ST_CHAIN_DELETE,
            [PL_USE] = ST_CHAIN_USE,
        },
    .list_resp = &cameos__planning__v1__list_tool_preset_chains_response__descriptor,
};
