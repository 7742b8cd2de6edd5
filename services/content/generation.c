/*
 * generation.c - video generations: the resource (Get, List, Create, Delete
 * through the resource engine). Creating runs one function of
 * 0012_content.sql, where the row and the credits it debits share one
 * transaction. The worker's reports (Complete, Fail) are queue.c's.
 */
#include "content.h"

#include "arg.h"

static const valid_enum models[] = {
    {CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_2, "veo-2"},
    {CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_FAST, "veo-fast"},
};

const valid_enum content_aspect_ratios[3] = {
    {CAMEOS__CONTENT__V1__ASPECT_RATIO__ASPECT_RATIO_16_9, "16:9"},
    {CAMEOS__CONTENT__V1__ASPECT_RATIO__ASPECT_RATIO_9_16, "9:16"},
    {CAMEOS__CONTENT__V1__ASPECT_RATIO__ASPECT_RATIO_1_1, "1:1"},
};

static const valid_enum resolutions[] = {
    {CAMEOS__CONTENT__V1__RESOLUTION__RESOLUTION_720P, "720p"},
    {CAMEOS__CONTENT__V1__RESOLUTION__RESOLUTION_1080P, "1080p"},
};

static const valid_enum modes[] = {
    {CAMEOS__CONTENT__V1__GENERATION_MODE__GENERATION_MODE_TEXT_TO_VIDEO, "text_to_video"},
    {CAMEOS__CONTENT__V1__GENERATION_MODE__GENERATION_MODE_IMAGE_TO_VIDEO, "image_to_video"},
};

static const valid_enum statuses[] = {
    {CAMEOS__CONTENT__V1__GENERATION_STATUS__GENERATION_STATUS_GENERATING, "generating"},
    {CAMEOS__CONTENT__V1__GENERATION_STATUS__GENERATION_STATUS_SUCCESS, "success"},
    {CAMEOS__CONTENT__V1__GENERATION_STATUS__GENERATION_STATUS_ERROR, "error"},
};

#define ENUM(t) t, sizeof(t) / sizeof(t[0])

/* In the order of GENERATION_COLS; the writable columns, in this order, are
 * the parameters of content_create_generation(). */
static const rowmap_col cols[GE_NCOLS] = {
    [GE_ID] = {"id", RM_TEXT, RM_OUT, NULL, 0, NULL},
    [GE_USER_ID] = {"user_id", RM_TEXT, RM_OUT, NULL, 0, NULL},
    [GE_PROMPT] = {"prompt", RM_TEXT, 0, NULL, 0, NULL},
    [GE_MODEL] = {"model", RM_ENUM, 0, ENUM(models), NULL},
    [GE_ASPECT_RATIO] = {"aspect_ratio", RM_ENUM, 0, ENUM(content_aspect_ratios), NULL},
    [GE_RESOLUTION] = {"resolution", RM_ENUM, 0, ENUM(resolutions), NULL},
    [GE_MODE] = {"mode", RM_ENUM, 0, ENUM(modes), NULL},
    [GE_STATUS] = {"status", RM_ENUM, RM_OUT, ENUM(statuses), NULL},
    [GE_VIDEO_URL] = {"video_url", RM_TEXT, RM_OUT, NULL, 0, NULL},
    [GE_ERROR_MESSAGE] = {"error_message", RM_TEXT, RM_OUT, NULL, 0, NULL},
    [GE_REFERENCE_IMAGE_URL] = {"reference_image_url", RM_TEXT, RM_NULLABLE, NULL, 0, NULL},
    [GE_CREDITS_USED] = {"credits_used", RM_INT32, RM_OUT, NULL, 0, NULL},
    [GE_CREATED_AT] = {"created_at", RM_TS, RM_OUT, NULL, 0, NULL},
    [GE_COMPLETED_AT] = {"completed_at", RM_TS, RM_OUT, NULL, 0, NULL},
};

static const rowmap map = {
    &cameos__content__v1__generation__descriptor, cols, GE_NCOLS, GE_CREATED_AT, GE_ID,
};

static const res_rule rules[GE_NCOLS] = {
    [GE_PROMPT] = {.check = RES_TEXT, .min = 1, .max = CT_PROMPT_MAX},
    [GE_MODEL] = {.check = RES_ENUM},
    [GE_ASPECT_RATIO] = {.check = RES_ENUM},
    [GE_RESOLUTION] = {.check = RES_ENUM},
    [GE_MODE] = {.check = RES_ENUM},
};

static const res_filter filters[] = {
    {"status", RES_F_ENUM, 0},
    {"model", RES_F_ENUM, 0},
};

static int check_reference(rpc_call *c, const ProtobufCMessage *msg, unsigned long long written);

const res_def content_generation = {
    .map = &map,
    .not_found = "generation not found",
    .stmt =
        {
            [RES_GET] = ST_GEN_GET,
            [RES_LIST] = ST_GEN_LIST,
            [RES_CREATE] = ST_GEN_CREATE,
            [RES_DELETE] = ST_GEN_DELETE,
        },
    .filters = filters,
    .nfilters = sizeof(filters) / sizeof(filters[0]),
    .rules = rules,
    .check = check_reference,
    .busy = "generation is still generating; it can be deleted once it has finished",
};

/* An image-to-video generation starts from an https image; the other mode
 * takes none. */
static int check_reference(rpc_call *c, const ProtobufCMessage *msg, unsigned long long written)
{
    (void)written; /* generations are never updated */
    const Cameos__Content__V1__Generation *g = (const void *)msg;
    if (g->mode == CAMEOS__CONTENT__V1__GENERATION_MODE__GENERATION_MODE_IMAGE_TO_VIDEO)
        return arg_url(c, "generation.reference_image_url", g->reference_image_url, 1, CT_URL_MAX,
                       1);
    if (!g->reference_image_url[0])
        return 0;
    rpc_fail(c, GRPC_STATUS_INVALID_ARGUMENT,
             "generation.reference_image_url is only for GENERATION_MODE_IMAGE_TO_VIDEO");
    return -1;
}
