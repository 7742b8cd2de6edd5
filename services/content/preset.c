/*
 * preset.c - style presets: saved visual styles, listed by tag, character
 * and favourite, with a usage counter raised by UseStylePreset.
 */
#include "content.h"

/* In the order of PRESET_COLS. */
static const rowmap_col cols[SP_NCOLS] = {
    [SP_ID] = {"id", RM_TEXT, RM_OUT, NULL, 0, NULL},
    [SP_USER_ID] = {"user_id", RM_TEXT, RM_OUT, NULL, 0, NULL},
    [SP_NAME] = {"name", RM_TEXT, 0, NULL, 0, NULL},
    [SP_CHARACTER_ID] = {"character_id", RM_TEXT, RM_NULLABLE, NULL, 0, NULL},
    [SP_STYLE_DATA] = {"style_data", RM_STRUCT, 0, NULL, 0, NULL},
    [SP_THUMBNAIL_URL] = {"thumbnail_url", RM_TEXT, RM_NULLABLE, NULL, 0, NULL},
    [SP_IS_FAVORITE] = {"is_favorite", RM_BOOL, 0, NULL, 0, NULL},
    [SP_USAGE_COUNT] = {"usage_count", RM_INT32, RM_OUT, NULL, 0, NULL},
    [SP_TAGS] = {"tags", RM_TEXT_ARRAY, 0, NULL, 0, NULL},
    [SP_CREATED_AT] = {"created_at", RM_TS, RM_OUT, NULL, 0, NULL},
    [SP_UPDATED_AT] = {"updated_at", RM_TS, RM_OUT, NULL, 0, NULL},
};

static const rowmap map = {
    &cameos__content__v1__style_preset__descriptor, cols, SP_NCOLS, SP_CREATED_AT, SP_ID,
};

static const res_rule rules[SP_NCOLS] = {
    [SP_NAME] = {.check = RES_TEXT, .min = 1, .max = CT_NAME_MAX},
    [SP_CHARACTER_ID] = {.check = RES_TEXT, .max = CT_ITEM_MAX},
    [SP_THUMBNAIL_URL] = {.check = RES_URL, .max = CT_URL_MAX},
    [SP_TAGS] = {.check = RES_ITEMS, .max = CT_ITEMS_MAX, .item_max = CT_ITEM_MAX},
};

static const res_filter filters[] = {
    {"tag", RES_F_TEXT, CT_ITEM_MAX},
    {"character_id", RES_F_TEXT, CT_ITEM_MAX},
    {"is_favorite", RES_F_BOOL, 0},
};

const res_def content_preset = {
    .map = &map,
    .not_found = "style preset not found",
    .stmt =
        {
            [RES_GET] = ST_PRESET_GET,
            [RES_LIST] = ST_PRESET_LIST,
            [RES_CREATE] = ST_PRESET_CREATE,
            [RES_UPDATE] = ST_PRESET_UPDATE,
            [RES_DELETE] = ST_PRESET_DELETE,
            [RES_USE] = ST_PRESET_USE,
        },
    .filters = filters,
    .nfilters = sizeof(filters) / sizeof(filters[0]),
    .rules = rules,
};
