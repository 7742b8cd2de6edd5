/*
 * storyboard.c - storyboard sequences: the rowmaps of a storyboard_sequences
 * row and of one frame in its frames array, their field limits and the list
 * filters (campaign_id, character_id). total_duration is output-only: the
 * statements compute it from the frames they write (sql.c).
 */
#include "planning.h"

#include <stdint.h>
#include <stdio.h>

#include "args.h"
#include "validate.h"

/* One frame lasts at most an hour: 500 of them still fit an int. */
#define FRAME_SECONDS_MAX 3600

static int storyboard_filters(rpc_call *c, const ProtobufCMessage *req, const char **params,
                              char *scope, size_t scope_size);

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

static const planning_limit frame_limits[FR_NCOLS] = {
    [FR_INDEX] = {.min = 0, .max = INT32_MAX},
    [FR_DESCRIPTION] = {.max = PL_TEXT_MAX},
    [FR_DURATION_SECONDS] = {.min = 1, .max = FRAME_SECONDS_MAX},
    [FR_SHOT] = {.max = PL_ITEM_MAX},
    [FR_CAMERA] = {.max = PL_ITEM_MAX},
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

static const planning_limit storyboard_limits[SB_NCOLS] = {
    [SB_CAMPAIGN_ID] = {.form = PL_UUID},
    [SB_NAME] = {.min = 1, .max = PL_NAME_MAX},
    [SB_FRAMES] = {.max = PL_FRAMES_MAX, .sub = frame_limits},
    [SB_CHARACTER_ID] = {.max = PL_ITEM_MAX},
};

const planning_res planning_storyboard = {
    .field = "storyboard_sequence",
    .not_found = "storyboard sequence not found",
    .map = &storyboard_map,
    .limits = storyboard_limits,
    .req =
        {
            [PL_GET] = &cameos__planning__v1__get_storyboard_sequence_request__descriptor,
            [PL_LIST] = &cameos__planning__v1__list_storyboard_sequences_request__descriptor,
            [PL_CREATE] = &cameos__planning__v1__create_storyboard_sequence_request__descriptor,
            [PL_UPDATE] = &cameos__planning__v1__update_storyboard_sequence_request__descriptor,
            [PL_DELETE] = &cameos__planning__v1__delete_storyboard_sequence_request__descriptor,
        },
    .stmt =
        {
            [PL_GET] = ST_STORYBOARD_GET,
            [PL_LIST] = ST_STORYBOARD_LIST,
            [PL_CREATE] = ST_STORYBOARD_CREATE,
            [PL_UPDATE] = ST_STORYBOARD_UPDATE,
            [PL_DELETE] = ST_STORYBOARD_DELETE,
        },
    .list_resp = &cameos__planning__v1__list_storyboard_sequences_response__descriptor,
    .filters = storyboard_filters,
    .nfilters = 2,
};

/* ---- internals ------------------------------------------------------- */

/* $5 campaign UUID, $6 character id. Another user's campaign_id simply
 * matches nothing: the statement filters by the caller. */
static int storyboard_filters(rpc_call *c, const ProtobufCMessage *req, const char **params,
                              char *scope, size_t scope_size)
{
    const Cameos__Planning__V1__ListStoryboardSequencesRequest *r = (const void *)req;
    if (arg_uuid(c, "campaign_id", r->campaign_id, 0) != 0 ||
        arg_text(c, "character_id", r->character_id, 0, PL_ITEM_MAX) != 0)
        return -1;
    params[0] = r->campaign_id[0] ? r->campaign_id : NULL;
    params[1] = r->character_id[0] ? r->character_id : NULL;
    /* The UUID is compared as a uuid: spell it one way in the scope. */
    char id[37];
    valid_uuid_lower(r->campaign_id, id);
    snprintf(scope, scope_size, "campaign_id=%s|character_id=%s", id, r->character_id);
    return 0;
}
