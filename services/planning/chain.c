/*
 * chain.c - tool preset chains: the rowmaps of a tool_preset_chains row and
 * of one step in its tools array, their field rules and the RPCs (all
 * served by the resource engine, UseToolPresetChain included).
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

static const res_rule step_rules[TS_NCOLS] = {
    [TS_TOOL_NAME] = {.check = RES_TEXT, .min = 1, .max = PL_ITEM_MAX},
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

static const res_rule chain_rules[CH_NCOLS] = {
    [CH_NAME] = {.check = RES_TEXT, .min = 1, .max = PL_NAME_MAX},
    [CH_DESCRIPTION] = {.check = RES_TEXT, .max = PL_TEXT_MAX},
    [CH_TOOLS] = {.check = RES_ITEMS, .min = 1, .max = PL_ITEMS_MAX, .sub = step_rules},
};

const res_def planning_chain = {
    .map = &chain_map,
    .not_found = "tool preset chain not found",
    .stmt =
        {
            [RES_GET] = ST_CHAIN_GET,
            [RES_LIST] = ST_CHAIN_LIST,
            [RES_CREATE] = ST_CHAIN_CREATE,
            [RES_UPDATE] = ST_CHAIN_UPDATE,
            [RES_DELETE] = ST_CHAIN_DELETE,
            [RES_USE] = ST_CHAIN_USE,
        },
    .rules = chain_rules,
};
