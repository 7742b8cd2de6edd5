/*
 * brand.c - brand guidelines: the rowmap of a brand_guidelines row, its field
 * limits and its RPCs (all served by crud.c).
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

static const planning_limit brand_limits[BG_NCOLS] = {
    [BG_BRAND_NAME] = {.min = 1, .max = PL_NAME_MAX},
    [BG_VALUES] = {.max = PL_ITEMS_MAX, .item_max = PL_ITEM_MAX},
    [BG_TONE_OF_VOICE] = {.max = PL_ITEMS_MAX, .item_max = PL_ITEM_MAX},
    [BG_VISUAL_STYLE] = {.max = PL_TEXT_MAX},
    [BG_DO_LIST] = {.max = PL_ITEMS_MAX, .item_max = PL_ITEM_MAX},
    [BG_DONT_LIST] = {.max = PL_ITEMS_MAX, .item_max = PL_ITEM_MAX},
    [BG_COLOR_PALETTE] = {.max = PL_ITEMS_MAX, .item_max = 7, .form = PL_COLORS},
    [BG_FONTS] = {.max = PL_TEXT_MAX},
};

const planning_res planning_brand = {
    .field = "brand_guideline",
    .not_found = "brand guidelines not found",
    .map = &brand_map,
    .limits = brand_limits,
    .req =
        {
            [PL_GET] = &cameos__planning__v1__get_brand_guideline_request__descriptor,
            [PL_LIST] = &cameos__planning__v1__list_brand_guidelines_request__descriptor,
            [PL_CREATE] = &cameos__planning__v1__create_brand_guideline_request__descriptor,
            [PL_UPDATE] = &cameos__planning__v1__update_brand_guideline_request__descriptor,
            [PL_DELETE] = &cameos__planning__v1__delete_brand_guideline_request__descriptor,
        },
    .stmt =
        {
            [PL_GET] = ST_BRAND_GET,
            [PL_LIST] = ST_BRAND_LIST,
            [PL_CREATE] = ST_BRAND_CREATE,
            [PL_UPDATE] = ST_BRAND_UPDATE,
            [PL_DELETE] = ST_BRAND_DELETE,
        },
    .list_resp = &cameos__planning__v1__list_brand_guidelines_response__descriptor,
};
