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

static const content_rule rules[] = {
    {SP_NAME, CR_TEXT, 1, CT_NAME_MAX, 0},
    {SP_CHARACTER_ID, CR_TEXT, 0, CT_ITEM_MAX, 0},
    {SP_THUMBNAIL_URL, CR_URL, 0, CT_URL_MAX, 0},
    {SP_TAGS, CR_TEXTS, 0, CT_ITEM_MAX, CT_ITEMS_MAX},
};

static const content_filter filters[] = {
    {"tag", CF_TEXT},
    {"character_id", CF_TEXT},
    {"is_favorite", CF_BOOL},
};

const content_res content_preset = {
    .field = "style_preset",
    .not_found = "style preset not found",
    .map = &map,
    .req =
        {
            [CT_GET] = &cameos__content__v1__get_style_preset_request__descriptor,
            [CT_LIST] = &cameos__content__v1__list_style_presets_request__descriptor,
            [CT_CREATE] = &cameos__content__v1__create_style_preset_request__descriptor,
            [CT_UPDATE] = &cameos__content__v1__update_style_preset_request__descriptor,
            [CT_DELETE] = &cameos__content__v1__delete_style_preset_request__descriptor,
            [CT_USE] = &cameos__content__v1__use_style_preset_request__descriptor,
        },
    .stmt =
        {
            [CT_GET] = ST_PRESET_GET,
            [CT_LIST] = ST_PRESET_LIST,
            [CT_CREATE] = ST_PRESET_CREATE,
            [CT_UPDATE] = ST_PRESET_UPDATE,
            [CT_DELETE] = ST_PRESET_DELETE,
            [CT_USE] = ST_PRESET_USE,
        },
    .list_resp = &cameos__content__v1__list_style_presets_response__descriptor,
    .filters = filters,
    .nfilters = sizeof(filters) / sizeof(filters[0]),
    .rules = rules,
    .nrules = sizeof(rules) / sizeof(rules[0]),
};
