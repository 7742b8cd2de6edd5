/*
 * sql.c - every statement the content service sends, prepared once per
 * connection. Each one filters by the caller on top of row-level security
 * (the worker's internal RPCs by the generation id they name), and each RPC
 * is one statement, so that its checks and its writes commit or roll back
 * together.
 *
 * The resources' statements follow the engine's parameter contract and are
 * written with its RES_SQL_* macros (res.h); creates claim their
 * request_id in the same statement (AIP-155). The generation lifecycle,
 * where rows and credits move together, is in the functions of
 * 0012_content.sql.
 */
#include "content.h"

/* The SQL reads better as written than as clang-format would wrap it. */
/* clang-format off */

/* ---- generations */
#define GEN_LIST_FILTERS                                                       \
    " and ($5::text is null or status = $5::text)"                             \
    " and ($6::text is null or model = $6::text)"

/* Claim, price, insert and debit: content_create_generation (0012). */
#define GEN_CREATE                                                             \
    "select " GENERATION_COLS " from public.content_create_generation($1::uuid," \
    " $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text)"

/* Only a finished generation goes; the lock keeps the worker from
 * finishing it between the look and the delete. */
#define GEN_DELETE                                                             \
    "with g as materialized (select id, status from public.generations"        \
    " where id = $1::uuid and user_id = $2::uuid for update),"                 \
    " d as (delete from public.generations t using g where t.id = g.id"        \
    " and g.status <> 'generating' returning t.id)"                            \
    " select exists (select 1 from d) from g"

#define GEN_COMPLETE                                                           \
    "select " GENERATION_COLS " from public.content_complete_generation("       \
    "$1::uuid, $2::text)"

#define GEN_FAIL                                                               \
    "select " GENERATION_COLS " from public.content_fail_generation($1::uuid,"  \
    " $2::text)"

/* ---- the work queue (0013_generation_queue.sql): a lease's generation
 * in GENERATION_COLS' order, then its token, expiry and attempt */
#define QUEUE_CLAIM                                                            \
    "select " GENERATION_COLS ", l.lease_token::text, l.lease_expires_at,"      \
    " l.attempt from public.queue_claim($1::text, $2::int, $3::int, $4::int) l" \
    " cross join lateral (select (l.generation).*) g"
/* The sweep and the queue's size, one row: the columns QS_* of content.h. */
#define QUEUE_SWEEP                                                                                \
    "select swept, requeued, exhausted, too_old, refunds, refunded_credits, queued, leased,"      \
    " oldest_queued_s from public.queue_janitor($1::int, $2::int, $3::int)"

/* ---- performance metrics: the generation must be the caller's; it is
 * locked against deletion until commit */
#define METRIC_LIST_FILTERS                                                    \
    " and ($5::uuid is null or generation_id = $5::uuid)"                      \
    " and ($6::text is null or platform = $6::text)"                           \
    " and ($7::text is null or character_id = $7::text)"

#define METRIC_CREATE                                                          \
    RES_SQL_CREATE("CreatePerformanceMetric", METRIC,                          \
        "$3::text, $4::jsonb, $5::text, $6::text, $7::text, $8::jsonb,"        \
        " $9::uuid, $10::text, $11::text, $12::text",                          \
        " from public.generations g where g.id = $9::uuid"                     \
        " and g.user_id = $1::uuid for key share",                             \
        "insert into public.performance_metrics (user_id,"                     \
        " predicted_score, actual_engagement, quality_score,"                  \
        " style_consistency, brand_compliance, improvements,"                  \
        " generation_id, prompt, character_id, platform)"                      \
        " select $1::uuid, $3::numeric, $4::jsonb, $5::numeric,"               \
        " $6::numeric, $7::numeric, $8::jsonb, $9::uuid, $10::text,"           \
        " $11::text, $12::text",                                               \
        METRIC_COLS)

#define METRIC_UPDATE                                                          \
    RES_SQL_UPDATE(METRIC,                                                     \
        RES_SQL_SET("predicted_score", 3, "$4::numeric") ", "                  \
        RES_SQL_SET("actual_engagement", 5, "$6::jsonb") ", "                  \
        RES_SQL_SET("quality_score", 7, "$8::numeric") ", "                    \
        RES_SQL_SET("style_consistency", 9, "$10::numeric") ", "               \
        RES_SQL_SET("brand_compliance", 11, "$12::numeric") ", "               \
        RES_SQL_SET("improvements", 13, "$14::jsonb"),                         \
        METRIC_COLS)

/* ---- style presets */
#define PRESET_LIST_FILTERS                                                    \
    " and ($5::text is null or $5::text = any (tags))"                         \
    " and ($6::text is null or character_id = $6::text)"                       \
    " and ($7::bool is null or is_favorite = $7::bool)"

#define PRESET_CREATE                                                          \
    RES_SQL_CREATE("CreateStylePreset", PRESET,                                \
        "$3::text, $4::text, $5::jsonb, $6::text, $7::bool, $8::jsonb", "",    \
        "insert into public.style_presets (user_id, name,"                     \
        " character_id, style_data, thumbnail_url, is_favorite, tags)"         \
        " select $1::uuid, $3::text, $4::text, $5::jsonb, $6::text,"           \
        " $7::bool, " RES_SQL_TEXT_ARRAY("$8"),                                \
        PRESET_COLS)

#define PRESET_UPDATE                                                          \
    RES_SQL_UPDATE(PRESET,                                                     \
        RES_SQL_SET("name", 3, "$4::text") ", "                                \
        RES_SQL_SET("character_id", 5, "$6::text") ", "                        \
        RES_SQL_SET("style_data", 7, "$8::jsonb") ", "                         \
        RES_SQL_SET("thumbnail_url", 9, "$10::text") ", "                      \
        RES_SQL_SET("is_favorite", 11, "$12::bool") ", "                       \
        RES_SQL_SET("tags", 13, RES_SQL_TEXT_ARRAY("$14")),                    \
        PRESET_COLS)

/* ---- tool configurations */
#define TOOL_LIST_FILTERS                                                      \
    " and ($5::text is null or tool_name = $5::text)"                          \
    " and ($6::text is null or character_id = $6::text)"                       \
    " and ($7::bool is null or is_favorite = $7::bool)"

#define TOOL_CREATE                                                            \
    RES_SQL_CREATE("CreateToolConfiguration", TOOL,                            \
        "$3::text, $4::text, $5::jsonb, $6::bool", "",                         \
        "insert into public.tool_configurations (user_id, tool_name,"          \
        " character_id, configuration, is_favorite)"                           \
        " select $1::uuid, $3::text, $4::text, $5::jsonb, $6::bool",           \
        TOOL_COLS)

#define TOOL_UPDATE                                                            \
    RES_SQL_UPDATE(TOOL,                                                       \
        RES_SQL_SET("tool_name", 3, "$4::text") ", "                           \
        RES_SQL_SET("character_id", 5, "$6::text") ", "                        \
        RES_SQL_SET("configuration", 7, "$8::jsonb") ", "                      \
        RES_SQL_SET("is_favorite", 9, "$10::bool"),                            \
        TOOL_COLS)

/* ---- platform configurations: one per (user, platform), which the
 * table's unique constraint enforces (ALREADY_EXISTS, main.c) */
#define PLATFORM_LIST_FILTERS " and ($5::text is null or platform = $5::text)"

#define PLATFORM_CREATE                                                        \
    RES_SQL_CREATE("CreatePlatformConfiguration", PLATFORM,                    \
        "$3::text, $4::text, $5::jsonb, $6::jsonb, $7::jsonb", "",             \
        "insert into public.platform_configurations (user_id,"                 \
        " platform, aspect_ratio, preferred_style, prompt_templates,"          \
        " character_preferences) select $1::uuid, $3::text,"                   \
        " $4::text, $5::jsonb, $6::jsonb, $7::jsonb",                          \
        PLATFORM_COLS)

#define PLATFORM_UPDATE                                                        \
    RES_SQL_UPDATE(PLATFORM,                                                   \
        RES_SQL_SET("platform", 3, "$4::text") ", "                            \
        RES_SQL_SET("aspect_ratio", 5, "$6::text") ", "                        \
        RES_SQL_SET("preferred_style", 7, "$8::jsonb") ", "                    \
        RES_SQL_SET("prompt_templates", 9, "$10::jsonb") ", "                  \
        RES_SQL_SET("character_preferences", 11, "$12::jsonb"),                \
        PLATFORM_COLS)

#define GENERATION "public.generations"
#define METRIC     "public.performance_metrics"
#define PRESET     "public.style_presets"
#define TOOL       "public.tool_configurations"
#define PLATFORM   "public.platform_configurations"

const pgpool_stmt content_stmts[CONTENT_NSTMTS] = {
    [ST_GEN_GET]         = {"gen_get", RES_SQL_GET(GENERATION, GENERATION_COLS), 2, PGPOOL_BINARY},
    [ST_GEN_LIST]        = {"gen_list",
                            RES_SQL_LIST(GENERATION, GENERATION_COLS, GEN_LIST_FILTERS), 6, PGPOOL_KEYSET | PGPOOL_BINARY | PGPOOL_ROWS},
    [ST_GEN_CREATE]      = {"gen_create", GEN_CREATE, 8, PGPOOL_BINARY},
    [ST_GEN_DELETE]      = {"gen_delete", GEN_DELETE, 2, 0},
    [ST_GEN_COMPLETE]    = {"gen_complete", GEN_COMPLETE, 2, PGPOOL_BINARY},
    [ST_GEN_FAIL]        = {"gen_fail", GEN_FAIL, 2, PGPOOL_BINARY},
    [ST_QUEUE_CLAIM]     = {"queue_claim", QUEUE_CLAIM, 4, PGPOOL_BINARY},
    [ST_QUEUE_EXTEND]    = {"queue_extend", "select public.queue_extend($1::uuid, $2::uuid, $3::int)", 3, PGPOOL_BINARY},
    [ST_QUEUE_RELEASE]   = {"queue_release", "select public.queue_release($1::uuid, $2::uuid)", 2, 0},
    [ST_QUEUE_CHECK]     = {"queue_check", "select public.queue_check_lease($1::uuid, $2::uuid)", 2, 0},
    [ST_QUEUE_CANCEL]    = {"queue_cancel", "select " GENERATION_COLS " from public.queue_cancel($1::uuid)", 1, PGPOOL_BINARY},
    [ST_QUEUE_SWEEP]     = {"queue_sweep", QUEUE_SWEEP, 3, 0},

    [ST_METRIC_GET]      = {"metric_get", RES_SQL_GET(METRIC, METRIC_COLS), 2, PGPOOL_BINARY},
    [ST_METRIC_LIST]     = {"metric_list",
                            RES_SQL_LIST(METRIC, METRIC_COLS, METRIC_LIST_FILTERS), 7, PGPOOL_KEYSET | PGPOOL_BINARY | PGPOOL_ROWS},
    [ST_METRIC_CREATE]   = {"metric_create", METRIC_CREATE, 12, PGPOOL_BINARY},
    [ST_METRIC_UPDATE]   = {"metric_update", METRIC_UPDATE, 14, PGPOOL_BINARY},

    [ST_PRESET_GET]      = {"preset_get", RES_SQL_GET(PRESET, PRESET_COLS), 2, PGPOOL_BINARY},
    [ST_PRESET_LIST]     = {"preset_list",
                            RES_SQL_LIST(PRESET, PRESET_COLS, PRESET_LIST_FILTERS), 7, PGPOOL_KEYSET | PGPOOL_BINARY | PGPOOL_ROWS},
    [ST_PRESET_CREATE]   = {"preset_create", PRESET_CREATE, 8, PGPOOL_BINARY},
    [ST_PRESET_UPDATE]   = {"preset_update", PRESET_UPDATE, 14, PGPOOL_BINARY},
    [ST_PRESET_DELETE]   = {"preset_delete", RES_SQL_DELETE(PRESET), 2, 0},
    [ST_PRESET_USE]      = {"preset_use", RES_SQL_USE(PRESET, PRESET_COLS), 2, PGPOOL_BINARY},

    [ST_TOOL_GET]        = {"tool_get", RES_SQL_GET(TOOL, TOOL_COLS), 2, PGPOOL_BINARY},
    [ST_TOOL_LIST]       = {"tool_list", RES_SQL_LIST(TOOL, TOOL_COLS, TOOL_LIST_FILTERS), 7, PGPOOL_KEYSET | PGPOOL_BINARY | PGPOOL_ROWS},
    [ST_TOOL_CREATE]     = {"tool_create", TOOL_CREATE, 6, PGPOOL_BINARY},
    [ST_TOOL_UPDATE]     = {"tool_update", TOOL_UPDATE, 10, PGPOOL_BINARY},
    [ST_TOOL_DELETE]     = {"tool_delete", RES_SQL_DELETE(TOOL), 2, 0},
    [ST_TOOL_USE]        = {"tool_use", RES_SQL_USE(TOOL, TOOL_COLS), 2, PGPOOL_BINARY},

    [ST_PLATFORM_GET]    = {"platform_get", RES_SQL_GET(PLATFORM, PLATFORM_COLS), 2, PGPOOL_BINARY},
    [ST_PLATFORM_LIST]   = {"platform_list",
                            RES_SQL_LIST(PLATFORM, PLATFORM_COLS, PLATFORM_LIST_FILTERS), 5, PGPOOL_KEYSET | PGPOOL_BINARY | PGPOOL_ROWS},
    [ST_PLATFORM_CREATE] = {"platform_create", PLATFORM_CREATE, 7, PGPOOL_BINARY},
    [ST_PLATFORM_UPDATE] = {"platform_update", PLATFORM_UPDATE, 12, PGPOOL_BINARY},
    [ST_PLATFORM_DELETE] = {"platform_delete", RES_SQL_DELETE(PLATFORM), 2, 0},
};
/* clang-format on */
