/*
 * brand.c - brand guidelines: the rowmap of a brand_guidelines row, its field
 * rules and its statements (all RPCs served by the resource engine).
 */
#include "planning.h"

static const rowmap_col brand_cols[BG_NCOLS] = {
    [BG_ID] = {"id", RM_TEXT, RM_OUT, NULL, 0, NULL},
    [BG_USER_ID] = {"user_id", RM_TEXT, RM_OUT, NULL, 0, NULL},
    [BG_BRAND_NAME] = {"brand_name", RM_TEXT, 0, NULL, 0, NULL},
    [BG_VALUES] = {"values", RM_TEXT_ARRAY, 0, NULL, 0, NULL},
    [BG_TONE_OF_VOICE] = {"tone_of_voice", RM_TEXT_ARRAY, 0, NULL, 0, NULL},
    [BG_VISUAL_STYLE] = {"visual_style", RM_TEXT, RM_NULLABLE, NULL, 0, NULL},
    [BG_DO_LIST] = {"do_list", RM_TEXT_ARRAY, 0, NULL, 0, NULL},
    [BG_DONT_LIST] = {"dont_list", RM_TEXT_ARRAY, 0, NULL, 0, NULL},
    [BG_COLOR_PALETTE] = {"color_palette", RM_TEXT_ARRAY, 0, NULL, 0, NULL},
    [BG_FONTS] = {"fonts", RM_TEXT, RM_NULLABLE, NULL, 0, NULL},
    [BG_CREATED_AT] = {"created_at", RM_TS, RM_OUT, NULL, 0, NULL},
    [BG_UPDATED_AT] = {"updated_at", RM_TS, RM_OUT, NULL, 0, NULL},
};

static const rowmap brand_map = {
    &cameos__planning__v1__brand_guideline__descriptor, brand_cols, BG_NCOLS, BG_CREATED_AT, BG_ID,
};

static const res_rule brand_rules[BG_NCOLS] = {
    [BG_BRAND_NAME] = {.check = RES_TEXT, .min = 1, .max = PL_NAME_MAX},
    [BG_VALUES] = {.check = RES_ITEMS, .max = PL_ITEMS_MAX, .item_max = PL_ITEM_MAX},
    [BG_TONE_OF_VOICE] = {.check = RES_ITEMS, .max = PL_ITEMS_MAX, .item_max = PL_ITEM_MAX},
    [BG_VISUAL_STYLE] = {.check = RES_TEXT, .max = PL_TEXT_MAX},
    [BG_DO_LIST] = {.check = RES_ITEMS, .max = PL_ITEMS_MAX, .item_max = PL_ITEM_MAX},
    [BG_DONT_LIST] = {.check = RES_ITEMS, .max = PL_ITEMS_MAX, .item_max = PL_ITEM_MAX},
    [BG_COLOR_PALETTE] = {.check = RES_COLORS, .max = PL_ITEMS_MAX, .item_max = 7},
    [BG_FONTS] = {.check = RES_TEXT, .max = PL_TEXT_MAX},
};

const res_def planning_brand = {
    .map = &brand_map,
    .not_found = "brand guidelines not found",
    .stmt =
        {
            [RES_GET] = ST_BRAND_GET,
            [RES_LIST] = ST_BRAND_LIST,
            [RES_CREATE] = ST_BRAND_CREATE,
            [RES_UPDATE] = ST_BRAND_UPDATE,
            [RES_DELETE] = ST_BRAND_DELETE,
        },
    .rules = brand_rules,
};
