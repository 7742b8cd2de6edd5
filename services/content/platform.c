/*
 * platform.c - platform configurations: the user's preferences for one
 * platform, at most one per platform (the table's unique constraint; a
 * second one is ALREADY_EXISTS through main.c's constraint table).
 */
#include "content.h"

/* In the order of PLATFORM_COLS. */
static const rowmap_col cols[PC_NCOLS] = {
    [PC_ID] = {"id", RM_TEXT, RM_OUT, NULL, 0, NULL},
    [PC_USER_ID] = {"user_id", RM_TEXT, RM_OUT, NULL, 0, NULL},
    [PC_PLATFORM] = {"platform", RM_TEXT, 0, NULL, 0, NULL},
    [PC_ASPECT_RATIO] = {"aspect_ratio", RM_ENUM, RM_NULLABLE, content_aspect_ratios,
                         sizeof(content_aspect_ratios) / sizeof(content_aspect_ratios[0]), NULL},
    [PC_PREFERRED_STYLE] = {"preferred_style", RM_STRUCT, 0, NULL, 0, NULL},
    [PC_PROMPT_TEMPLATES] = {"prompt_templates", RM_STRUCT, 0, NULL, 0, NULL},
    [PC_CHARACTER_PREFERENCES] = {"character_preferences", RM_STRUCT, 0, NULL, 0, NULL},
    [PC_CREATED_AT] = {"created_at", RM_TS, RM_OUT, NULL, 0, NULL},
    [PC_UPDATED_AT] = {"updated_at", RM_TS, RM_OUT, NULL, 0, NULL},
};

static const rowmap map = {
    &cameos__content__v1__platform_configuration__descriptor, cols, PC_NCOLS, PC_CREATED_AT, PC_ID,
};

/* aspect_ratio is optional: UNSPECIFIED clears it, rowmap refuses unknown numbers. */
static const res_rule rules[PC_NCOLS] = {
    [PC_PLATFORM] = {.check = RES_TEXT, .min = 1, .max = CT_ITEM_MAX},
};

static const res_filter filters[] = {
    {"platform", RES_F_TEXT, CT_ITEM_MAX},
};

const res_def content_platform = {
    .map = &map,
    .not_found = "platform configuration not found",
    .stmt =
        {
            [RES_GET] = ST_PLATFORM_GET,
            [RES_LIST] = ST_PLATFORM_LIST,
            [RES_CREATE] = ST_PLATFORM_CREATE,
            [RES_UPDATE] = ST_PLATFORM_UPDATE,
            [RES_DELETE] = ST_PLATFORM_DELETE,
        },
    .filters = filters,
    .nfilters = sizeof(filters) / sizeof(filters[0]),
    .rules = rules,
};
