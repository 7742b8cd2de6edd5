/*
 * sql.c - every statement the content service sends, prepared once per
 * connection. Each one filters by the caller on top of row-level security
 * (the worker's internal RPCs by the generation id they name), and each RPC
 * is one statement, so that its checks and its writes commit or roll back
 * together.
 *
 * Creates claim their request_id (0007_request_keys.sql) in the same
 * statement: a new key inserts the row and stores it as the key's result; a
 * known key with the same parameters returns that stored row as it was
 * created, whatever happened to the table since (AIP-155), and another
 * statement's snapshot is never needed for it. The generation lifecycle,
 * where rows and credits move together, is in the functions of
 * 0012_content.sql.
 */
#include "content.h"

/* A rowmap text array parameter (JSON array) as text[], order kept. */
#define TEXT_ARRAY(p)                                                                              \
    "array(select e from jsonb_array_elements_text(" p "::jsonb) with ordinality a(e, i)"          \
    " order by i)"

/* Updates: column col takes v when flag parameter $f says it changes. */
#define SET(col, f, v) col " = case when $" #f "::bool then " v " else " col " end"

/* A Create: claim the request_id ($2) with the RPC name and its parameters
 * (`from` may restrict the claim to rows that must exist, making the
 * statement return nothing and write nothing when they do not), insert
 * (`insert` ends with its select list; rows come from k) only for a new key,
 * store the new row as the key's result, and return the new row or the
 * stored one. */
#define SQL_CREATE(rpc, table, claim, from, insert, cols)                                          \
    "with k as materialized (select public.request_key_claim($1::uuid, $2::text,"                  \
    " jsonb_build_array('" rpc "', " claim ")) as prior" from "),"                                 \
    " ins as (" insert " from k where k.prior is null returning *),"                               \
    " st as materialized (select public.request_key_store($1::uuid, $2::text, to_jsonb(ins.*))"    \
    " from ins)"                                                                                   \
    " select " cols " from (select * from ins union all select r.* from k,"                        \
    " jsonb_populate_record(null::" table ", k.prior) r where k.prior is not null) t"              \
    " cross join (select count(*) from st) s"

#define SQL_GET(table, cols)                                                                       \
    "select " cols " from " table " where id = $1::uuid and user_id = $2::uuid"
/* Deletes answer one row saying whether the row went (none: not found). */
#define SQL_DELETE(table)                                                                          \
    "delete from " table " where id = $1::uuid and user_id = $2::uuid returning true"
#define SQL_USE(table, cols)                                                                       \
    "update " table " set usage_count = usage_count + 1 where id = $1::uuid and user_id ="         \
    " $2::uuid returning " cols
/* Newest first by (created_at, id); `filters` adds "and ..." conditions. */
#define SQL_LIST(table, cols, filters)                                                             \
    "select " cols " from " table                                                                  \
    " where user_id = $1::uuid and " SQL_BEFORE("created_at", "id", "$2", "$3") filters            \
        " order by created_at desc, id desc limit $4::int"
#define SQL_UPDATE(table, sets, cols)                                                              \
    "update " table " set " sets " where id = $1::uuid and user_id = $2::uuid returning " cols

/* The SQL reads better as written than as clang-format would wrap it. */
/* clang-format off */
const pgpool_stmt content_stmts[CONTENT_NSTMTS] = {
    /* ---- generations */
    [ST_GEN_GET] = {"gen_get", SQL_GET("public.generations", GENERATION_COLS), 2},
    [ST_GEN_LIST] = {"gen_list",
                     SQL_LIST("public.generations", GENERATION_COLS,
                              " and ($5::text is null or status = $5::text)"
                              " and ($6::text is null or model = $6::text)"),
                     6},
    /* Claim, price, insert and debit: content_create_generation (0012). */
    [ST_GEN_CREATE] = {"gen_create",
                       "select " GENERATION_COLS " from public.content_create_generation($1::uuid,"
                       " $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text)",
                       8},
    /* Only a finished generation goes; the lock keeps the worker from
     * finishing it between the look and the delete. */
    [ST_GEN_DELETE] = {"gen_delete",
                       "with g as materialized (select id, status from public.generations"
                       " where id = $1::uuid and user_id = $2::uuid for update),"
                       " d as (delete from public.generations t using g where t.id = g.id"
                       " and g.status <> 'generating' returning t.id)"
                       " select exists (select 1 from d) from g",
                       2},
    [ST_GEN_COMPLETE] = {"gen_complete",
                         "select " GENERATION_COLS " from public.content_complete_generation("
                         "$1::uuid, $2::text)",
                         2},
    [ST_GEN_FAIL] = {"gen_fail",
                     "select " GENERATION_COLS " from public.content_fail_generation($1::uuid,"
                     " $2::text)",
                     2},

    /* ---- performance metrics: the generation must be the caller's; it is
     * locked against deletion until commit */
    [ST_METRIC_GET] = {"metric_get", SQL_GET("public.performance_metrics", METRIC_COLS), 2},
    [ST_METRIC_LIST] = {"metric_list",
                        SQL_LIST("public.performance_metrics", METRIC_COLS,
                                 " and ($5::uuid is null or generation_id = $5::uuid)"
                                 " and ($6::text is null or platform = $6::text)"
                                 " and ($7::text is null or character_id = $7::text)"),
                        7},
    [ST_METRIC_CREATE] = {"metric_create",
                          SQL_CREATE("CreatePerformanceMetric", "public.performance_metrics",
                                     "$3::text, $4::jsonb, $5::text, $6::text, $7::text, $8::jsonb,"
                                     " $9::uuid, $10::text, $11::text, $12::text",
                                     " from public.generations g where g.id = $9::uuid"
                                     " and g.user_id = $1::uuid for key share",
                                     "insert into public.performance_metrics (user_id,"
                                     " predicted_score, actual_engagement, quality_score,"
                                     " style_consistency, brand_compliance, improvements,"
                                     " generation_id, prompt, character_id, platform)"
                                     " select $1::uuid, $3::numeric, $4::jsonb, $5::numeric,"
                                     " $6::numeric, $7::numeric, $8::jsonb, $9::uuid, $10::text,"
                                     " $11::text, $12::text",
                                     METRIC_COLS),
                          12},
    [ST_METRIC_UPDATE] = {"metric_update",
                          SQL_UPDATE("public.performance_metrics",
                                     SET("predicted_score", 3, "$4::numeric") ", "
                                     SET("actual_engagement", 5, "$6::jsonb") ", "
                                     SET("quality_score", 7, "$8::numeric") ", "
                                     SET("style_consistency", 9, "$10::numeric") ", "
                                     SET("brand_compliance", 11, "$12::numeric") ", "
                                     SET("improvements", 13, "$14::jsonb"),
                                     METRIC_COLS),
                          14},

    /* ---- style presets */
    [ST_PRESET_GET] = {"preset_get", SQL_GET("public.style_presets", PRESET_COLS), 2},
    [ST_PRESET_LIST] = {"preset_list",
                        SQL_LIST("public.style_presets", PRESET_COLS,
                                 " and ($5::text is null or $5::text = any (tags))"
                                 " and ($6::text is null or character_id = $6::text)"
                                 " and ($7::bool is null or is_favorite = $7::bool)"),
                        7},
    [ST_PRESET_CREATE] = {"preset_create",
                          SQL_CREATE("CreateStylePreset", "public.style_presets",
                                     "$3::text, $4::text, $5::jsonb, $6::text, $7::bool, $8::jsonb",
                                     "",
                                     "insert into public.style_presets (user_id, name,"
                                     " character_id, style_data, thumbnail_url, is_favorite, tags)"
                                     " select $1::uuid, $3::text, $4::text, $5::jsonb, $6::text,"
                                     " $7::bool, " TEXT_ARRAY("$8"),
                                     PRESET_COLS),
                          8},
    [ST_PRESET_UPDATE] = {"preset_update",
                          SQL_UPDATE("public.style_presets",
                                     SET("name", 3, "$4::text") ", "
                                     SET("character_id", 5, "$6::text") ", "
                                     SET("style_data", 7, "$8::jsonb") ", "
                                     SET("thumbnail_url", 9, "$10::text") ", "
                                     SET("is_favorite", 11, "$12::bool") ", "
                                     SET("tags", 13, TEXT_ARRAY("$14")),
                                     PRESET_COLS),
                          14},
    [ST_PRESET_DELETE] = {"preset_delete", SQL_DELETE("public.style_presets"), 2},
    [ST_PRESET_USE] = {"preset_use", SQL_USE("public.style_presets", PRESET_COLS), 2},

    /* ---- tool configurations */
    [ST_TOOL_GET] = {"tool_get", SQL_GET("public.tool_configurations", TOOL_COLS), 2},
    [ST_TOOL_LIST] = {"tool_list",
                      SQL_LIST("public.tool_configurations", TOOL_COLS,
                               " and ($5::text is null or tool_name = $5::text)"
                               " and ($6::text is null or character_id = $6::text)"
                               " and ($7::bool is null or is_favorite = $7::bool)"),
                      7},
    [ST_TOOL_CREATE] = {"tool_create",
                        SQL_CREATE("CreateToolConfiguration", "public.tool_configurations",
                                   "$3::text, $4::text, $5::jsonb, $6::bool", "",
                                   "insert into public.tool_configurations (user_id, tool_name,"
                                   " character_id, configuration, is_favorite)"
                                   " select $1::uuid, $3::text, $4::text, $5::jsonb, $6::bool",
                                   TOOL_COLS),
                        6},
    [ST_TOOL_UPDATE] = {"tool_update",
                        SQL_UPDATE("public.tool_configurations",
                                   SET("tool_name", 3, "$4::text") ", "
                                   SET("character_id", 5, "$6::text") ", "
                                   SET("configuration", 7, "$8::jsonb") ", "
                                   SET("is_favorite", 9, "$10::bool"),
                                   TOOL_COLS),
                        10},
    [ST_TOOL_DELETE] = {"tool_delete", SQL_DELETE("public.tool_configurations"), 2},
    [ST_TOOL_USE] = {"tool_use", SQL_USE("public.tool_configurations", TOOL_COLS), 2},

    /* ---- platform configurations: one per (user, platform), which the
     * table's unique constraint enforces (ALREADY_EXISTS, main.c) */
    [ST_PLATFORM_GET] = {"platform_get", SQL_GET("public.platform_configurations", PLATFORM_COLS),
                         2},
    [ST_PLATFORM_LIST] = {"platform_list",
                          SQL_LIST("public.platform_configurations", PLATFORM_COLS,
                                   " and ($5::text is null or platform = $5::text)"),
                          5},
    [ST_PLATFORM_CREATE] = {"platform_create",
                            SQL_CREATE("CreatePlatformConfiguration",
                                       "public.platform_configurations",
                                       "$3::text, $4::text, $5::jsonb, $6::jsonb, $7::jsonb", "",
                                       "insert into public.platform_configurations (user_id,"
                                       " platform, aspect_ratio, preferred_style, prompt_templates,"
                                       " character_preferences) select $1::uuid, $3::text,"
                                       " $4::text, $5::jsonb, $6::jsonb, $7::jsonb",
                                       PLATFORM_COLS),
                            7},
    [ST_PLATFORM_UPDATE] = {"platform_update",
                            SQL_UPDATE("public.platform_configurations",
                                       SET("platform", 3, "$4::text") ", "
                                       SET("aspect_ratio", 5, "$6::text") ", "
                                       SET("preferred_style", 7, "$8::jsonb") ", "
                                       SET("prompt_templates", 9, "$10::jsonb") ", "
                                       SET("character_preferences", 11, "$12::jsonb"),
                                       PLATFORM_COLS),
                            12},
    [ST_PLATFORM_DELETE] = {"platform_delete", SQL_DELETE("public.platform_configurations"), 2},
};
/* clang-format on */
