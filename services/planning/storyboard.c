/*
 * storyboard.c - storyboard sequences: the rowmaps of a storyboard_sequences
 * row and of one frame in its frames array, their field rules and the list
 * filters (campaign_id, character_id). total_duration is output-only: the
 * statements compute it from the frames they write (sql.c).
 */
#include "planning.h"

#include <stdint.h>

/* One frame lasts at most an hour: 500 of them still fit an int. */
#define FRAME_SECONDS_MAX 3600

enum { FR_INDEX, FR_DESCRIPTION, FR_DURATION_SECONDS, FR_SHOT, FR_CAMERA, FR_NCOLS };

static const rowmap_col frame_cols[FR_NCOLS] = {
    [FR_INDEX] = {"index", RM_INT32, 0, NULL, 0, NULL},
    [FR_DESCRIPTION] = {"description", RM_TEXT, 0, NULL, 0, NULL},
    [FR_DURATION_SECONDS] = {"duration_seconds", RM_INT32, 0, NULL, 0, NULL},
    [FR_SHOT] = {"shot", RM_TEXT, 0, NULL, 0, NULL},
    [FR_CAMERA] = {"camera", RM_TEXT, 0, NULL, 0, NULL},
};

static const rowmap frame_map = {
    &cameos__planning__v1__frame__descriptor, frame_cols, FR_NCOLS, -1, -1,
};

static const res_rule frame_rules[FR_NCOLS] = {
    [FR_INDEX] = {.check = RES_RANGE, .min = 0, .max = INT32_MAX},
    [FR_DESCRIPTION] = {.check = RES_TEXT, .max = PL_TEXT_MAX},
    [FR_DURATION_SECONDS] = {.check = RES_RANGE, .min = 1, .max = FRAME_SECONDS_MAX},
    [FR_SHOT] = {.check = RES_TEXT, .max = PL_ITEM_MAX},
    [FR_CAMERA] = {.check = RES_TEXT, .max = PL_ITEM_MAX},
};

static const rowmap_col storyboard_cols[SB_NCOLS] = {
    [SB_ID] = {"id", RM_TEXT, RM_OUT, NULL, 0, NULL},
    [SB_USER_ID] = {"user_id", RM_TEXT, RM_OUT, NULL, 0, NULL},
    [SB_CAMPAIGN_ID] = {"campaign_id", RM_TEXT, RM_NULLABLE, NULL, 0, NULL},
    [SB_NAME] = {"name", RM_TEXT, 0, NULL, 0, NULL},
    [SB_FRAMES] = {"frames", RM_MSG_LIST, 0, NULL, 0, &frame_map},
    [SB_TOTAL_DURATION] = {"total_duration", RM_INT32, RM_OUT, NULL, 0, NULL},
    [SB_CHARACTER_ID] = {"character_id", RM_TEXT, RM_NULLABLE, NULL, 0, NULL},
    [SB_CREATED_AT] = {"created_at", RM_TS, RM_OUT, NULL, 0, NULL},
    [SB_UPDATED_AT] = {"updated_at", RM_TS, RM_OUT, NULL, 0, NULL},
};

static const rowmap storyboard_map = {
    &cameos__planning__v1__storyboard_sequence__descriptor,
    storyboard_cols,
    SB_NCOLS,
    SB_CREATED_AT,
    SB_ID,
};

static const res_rule storyboard_rules[SB_NCOLS] = {
    [SB_CAMPAIGN_ID] = {.check = RES_UUID},
    [SB_NAME] = {.check = RES_TEXT, .min = 1, .max = PL_NAME_MAX},
    [SB_FRAMES] = {.check = RES_ITEMS, .max = PL_FRAMES_MAX, .sub = frame_rules},
    [SB_CHARACTER_ID] = {.check = RES_TEXT, .max = PL_ITEM_MAX},
};

/* $5 campaign UUID, $6 character id. Another user's campaign_id simply
 * matches nothing: the statement filters by the caller. */
static const res_filter storyboard_filters[] = {
    {"campaign_id", RES_F_UUID, 0},
    {"character_id", RES_F_TEXT, PL_ITEM_MAX},
};

const res_def planning_storyboard = {
    .map = &storyboard_map,
    .not_found = "storyboard sequence not found",
    .stmt =
        {
            [RES_GET] = ST_STORYBOARD_GET,
            [RES_LIST] = ST_STORYBOARD_LIST,
            [RES_CREATE] = ST_STORYBOARD_CREATE,
            [RES_UPDATE] = ST_STORYBOARD_UPDATE,
            [RES_DELETE] = ST_STORYBOARD_DELETE,
        },
    .filters = storyboard_filters,
    .nfilters = sizeof(storyboard_filters) / sizeof(storyboard_filters[0]),
    .rules = storyboard_rules,
};
