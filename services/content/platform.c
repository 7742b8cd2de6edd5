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

static const content_rule rules[] = {
    {PC_PLATFORM, CR_TEXT, 1, CT_ITEM_MAX, 0},
};

static const content_filter filters[] = {
    {"platform", CF_TEXT},
};

const content_res content_platform = {
    .field = "platform_configuration",
    .not_found = "platform configuration not found",
    .map = &map,
    .req =
        {
            [CT_GET] = &cameos__content__v1__get_platform_configuration_request__descriptor,
            [CT_LIST] = &cameos__content__v1__list_platform_configurations_request__descriptor,
            [CT_CREATE] = &cameos__content__v1__create_platform_configuration_request__descriptor,
            [CT_UPDATE] = &cameos__content__v1__update_platform_configuration_request__descriptor,
            [CT_DELETE] = &cameos__content__v1__delete_platform_configuration_request__descriptor,
        },
    .stmt =
        {
            [CT_GET] = ST_PLATFORM_GET,
            [CT_LIST] = ST_PLATFORM_LIST,
            [CT_CREATE] = ST_PLATFORM_CREATE,
            [CT_UPDATE] = ST_PLATFORM_UPDATE,
            [CT_DELETE] = ST_PLATFORM_DELETE,
            [CT_USE] = -1,
        },
    .list_resp = &cameos__content__v1__list_platform_configurations_response__descriptor,
    .filters = filters,
    .nfilters = sizeof(filters) / sizeof(filters[0]),
    .rules = rules,
    .nrules = sizeof(rules) / sizeof(rules[0]),
};
