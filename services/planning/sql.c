/*
 * sql.c - every statement the planning service sends, prepared once per
 * connection. Each one filters by the caller ($1 or $2) on top of row-level
 * security, and each RPC is one statement, so its checks and its write
 * commit or roll back together.
 *
 * Creates claim their request_id (0007_request_keys.sql) in the same
 * statement: a new key inserts the row and stores it as the key's result; a
 * known key with the same parameters returns that stored row as it was
 * created, whatever happened to the table since. References to other rows
 * (brand_guidelines_id, campaign_id) must be the caller's: the foreign keys
 * alone would take another user's id. They are checked where the row is
 * written, with the referenced row locked against deletion until commit, and
 * a failed check raises (planning_require, 0011_planning.sql) so that the
 * request_id claim rolls back with it.
 */
#include "planning.h"

// clang-format off

/* A rowmap text array parameter (JSON array) as text[], order kept. */
#define TEXT_ARRAY(p)                                                          \
    "array(select e from jsonb_array_elements_text(" p "::jsonb)"              \
    " with ordinality a(e, i) order by i)"

/* Updates: column col takes v when the flag parameter $f says it changes. */
#define SET(col, f, v) col " = case when $" #f "::bool then " v " else " col " end"

/* The sum of the frames' durations (frames as a JSON array parameter). */
#define FRAMES_TOTAL(p)                                                        \
    "(select coalesce(sum((f ->> 'duration_seconds')::int), 0)::int"           \
    " from jsonb_array_elements(" p "::jsonb) f)"

/* v when it is NULL or names a row of `table` that the caller (owner) owns;
 * else raises NOT_FOUND. The row stays locked against deletion until commit.
 * CASE fixes the order of evaluation: the check runs only for a value. */
#define OWNED_REF(v, table, owner, what)                                       \
    "case when " v " is null then null"                                        \
    " when public.planning_require(exists (select 1 from " table " r"          \
    " where r.id = " v " and r.user_id = " owner " for key share),"            \
    " 'CM404', '" what " not found') then " v " end"

/* A Create: claim the request_id ($2) with the RPC name and its parameters;
 * for a new key insert (`insert` ends with its select list, whose rows come
 * from k) and store the new row as the key's result; return the new row or
 * the stored one. */
#define SQL_CREATE(rpc, table, claim, insert, cols)                            \
    "with k as materialized (select public.request_key_claim($1::uuid,"        \
    " $2::text, jsonb_build_array('" rpc "', " claim ")) as prior),"           \
    " ins as (" insert " from k where k.prior is null returning *),"           \
    " st as materialized (select public.request_key_store($1::uuid, $2::text," \
    " to_jsonb(ins.*)) from ins)"                                              \
    " select " cols " from (select * from ins union all select r.* from k,"    \
    " jsonb_populate_record(null::" table ", k.prior) r"                       \
    " where k.prior is not null) t cross join (select count(*) from st) s"

#define SQL_GET(table, cols)                                                   \
    "select " cols " from " table " where id = $1::uuid and user_id = $2::uuid"
#define SQL_DELETE(table)                                                      \
    "delete from " table " where id = $1::uuid and user_id = $2::uuid"         \
    " returning id"
/* Newest first by (created_at, id); filters adds " and ..." conditions. */
#define SQL_LIST(table, cols, filters)                                         \
    "select " cols " from " table " where user_id = $1::uuid and "             \
    SQL_BEFORE("created_at", "id", "$2", "$3") filters                         \
    " order by created_at desc, id desc limit $4::int"

/* ---- brand guidelines */
#define BRAND_CREATE                                                           \
    SQL_CREATE("CreateBrandGuideline", "public.brand_guidelines",              \
        "$3::text, $4::jsonb, $5::jsonb, $6::text, $7::jsonb, $8::jsonb,"      \
        " $9::jsonb, $10::text",                                               \
        "insert into public.brand_guidelines (user_id, brand_name, \"values\","\
        " tone_of_voice, visual_style, do_list, dont_list, color_palette,"     \
        " fonts) select $1::uuid, $3::text, " TEXT_ARRAY("$4") ", "            \
        TEXT_ARRAY("$5") ", $6::text, " TEXT_ARRAY("$7") ", "                  \
        TEXT_ARRAY("$8") ", " TEXT_ARRAY("$9") ", $10::text",                  \
        BRAND_COLS)

#define BRAND_UPDATE                                                           \
    "update public.brand_guidelines set "                                      \
    SET("brand_name", 3, "$4::text") ", "                                      \
    SET("\"values\"", 5, TEXT_ARRAY("$6")) ", "                                \
    SET("tone_of_voice", 7, TEXT_ARRAY("$8")) ", "                             \
    SET("visual_style", 9, "$10::text") ", "                                   \
    SET("do_list", 11, TEXT_ARRAY("$12")) ", "                                 \
    SET("dont_list", 13, TEXT_ARRAY("$14")) ", "                               \
    SET("color_palette", 15, TEXT_ARRAY("$16")) ", "                           \
    SET("fonts", 17, "$18::text")                                              \
    " where id = $1::uuid and user_id = $2::uuid returning " BRAND_COLS

/* ---- campaigns. The status text comes checked from the service (NULL on
 * create means draft); completed_at is set on reaching 'completed'. */
#define CAMPAIGN_LIST_FILTERS                                                  \
    " and ($5::text is null or status = $5::text)"                             \
    " and ($6::text is null or platform @> array[$6::text])"

#define CAMPAIGN_CREATE                                                        \
    SQL_CREATE("CreateCampaign", "public.campaigns",                           \
        "$3::text, $4::text, $5::text, $6::jsonb, $7::text, $8::int, $9::int," \
        " $10::jsonb, $11::uuid",                                              \
        "insert into public.campaigns (user_id, name, description,"            \
        " target_audience, platform, status, total_videos, completed_videos,"  \
        " concepts, brand_guidelines_id, completed_at) select $1::uuid,"       \
        " $3::text, $4::text, $5::text, " TEXT_ARRAY("$6") ","                 \
        " coalesce($7::text, 'draft'), $8::int, $9::int, $10::jsonb, "         \
        OWNED_REF("$11::uuid", "public.brand_guidelines", "$1::uuid",          \
                  "brand_guidelines_id") ","                                   \
        " case when $7::text = 'completed' then now() end",                    \
        CAMPAIGN_COLS)

/* cur is the row locked as it is now: the status move is judged from the
 * latest status even when a concurrent update committed first. The same
 * status again is no move and passes. */
#define CAMPAIGN_UPDATE                                                        \
    "with cur as materialized (select id as cur_id, status as cur_status"      \
    " from public.campaigns where id = $1::uuid and user_id = $2::uuid"        \
    " for update)"                                                             \
    " update public.campaigns set "                                            \
    SET("name", 3, "$4::text") ", "                                            \
    SET("description", 5, "$6::text") ", "                                     \
    SET("target_audience", 7, "$8::text") ", "                                 \
    SET("platform", 9, TEXT_ARRAY("$10")) ", "                                 \
    "status = case when not $11::bool then status"                             \
    " when public.planning_require($12::text = cur_status"                     \
    " or (cur_status, $12::text) in (('draft', 'active'),"                     \
    " ('active', 'completed')), 'CM412',"                                      \
    " format('campaign status cannot move from %s to %s', cur_status,"         \
    " $12::text)) then $12::text end, "                                        \
    "completed_at = case when $11::bool and $12::text = 'completed'"           \
    " and cur_status <> 'completed' then now() else completed_at end, "        \
    SET("total_videos", 13, "$14::int") ", "                                   \
    SET("completed_videos", 15, "$16::int") ", "                               \
    SET("concepts", 17, "$18::jsonb") ", "                                     \
    "brand_guidelines_id = case when not $19::bool then brand_guidelines_id"   \
    " else (" OWNED_REF("$20::uuid", "public.brand_guidelines", "$2::uuid",    \
                        "brand_guidelines_id") ") end"                         \
    " from cur where id = cur_id returning " CAMPAIGN_COLS

/* ---- storyboard sequences: total_duration follows frames. */
#define STORYBOARD_LIST_FILTERS                                                \
    " and ($5::uuid is null or campaign_id = $5::uuid)"                        \
    " and ($6::text is null or character_id = $6::text)"

#define STORYBOARD_CREATE                                                      \
    SQL_CREATE("CreateStoryboardSequence", "public.storyboard_sequences",      \
        "$3::uuid, $4::text, $5::jsonb, $6::text",                             \
        "insert into public.storyboard_sequences (user_id, campaign_id, name," \
        " frames, total_duration, character_id) select $1::uuid, "             \
        OWNED_REF("$3::uuid", "public.campaigns", "$1::uuid", "campaign_id")   \
        ", $4::text, $5::jsonb, " FRAMES_TOTAL("$5") ", $6::text",             \
        STORYBOARD_COLS)

#define STORYBOARD_UPDATE                                                      \
    "update public.storyboard_sequences set "                                  \
    "campaign_id = case when not $3::bool then campaign_id else ("             \
    OWNED_REF("$4::uuid", "public.campaigns", "$2::uuid", "campaign_id")       \
    ") end, "                                                                  \
    SET("name", 5, "$6::text") ", "                                            \
    SET("frames", 7, "$8::jsonb") ", "                                         \
    SET("total_duration", 7, FRAMES_TOTAL("$8")) ", "                          \
    SET("character_id", 9, "$10::text")                                        \
    " where id = $1::uuid and user_id = $2::uuid returning " STORYBOARD_COLS

/* ---- tool preset chains */
#define CHAIN_CREATE                                                           \
    SQL_CREATE("CreateToolPresetChain", "public.tool_preset_chains",           \
        "$3::text, $4::text, $5::jsonb, $6::bool",                             \
        "insert into public.tool_preset_chains (user_id, name, description,"   \
        " tools, is_favorite) select $1::uuid, $3::text, $4::text, $5::jsonb," \
        " $6::bool",                                                           \
        CHAIN_COLS)

#define CHAIN_UPDATE                                                           \
    "update public.tool_preset_chains set "                                    \
    SET("name", 3, "$4::text") ", "                                            \
    SET("description", 5, "$6::text") ", "                                     \
    SET("tools", 7, "$8::jsonb") ", "                                          \
    SET("is_favorite", 9, "$10::bool")                                         \
    " where id = $1::uuid and user_id = $2::uuid returning " CHAIN_COLS

#define CHAIN_USE                                                              \
    "update public.tool_preset_chains set usage_count = usage_count + 1"       \
    " where id = $1::uuid and user_id = $2::uuid returning " CHAIN_COLS

const pgpool_stmt planning_stmts[PLANNING_NSTMTS] = {
    [ST_BRAND_GET]         = {"brand_get", SQL_GET("public.brand_guidelines", BRAND_COLS), 2},
    [ST_BRAND_LIST]        = {"brand_list", SQL_LIST("public.brand_guidelines", BRAND_COLS, ""), 4},
    [ST_BRAND_CREATE]      = {"brand_create", BRAND_CREATE, 10},
    [ST_BRAND_UPDATE]      = {"brand_update", BRAND_UPDATE, 18},
    [ST_BRAND_DELETE]      = {"brand_delete", SQL_DELETE("public.brand_guidelines"), 2},

    [ST_CAMPAIGN_GET]      = {"campaign_get", SQL_GET("public.campaigns", CAMPAIGN_COLS), 2},
    [ST_CAMPAIGN_LIST]     = {"campaign_list",
                              SQL_LIST("public.campaigns", CAMPAIGN_COLS, CAMPAIGN_LIST_FILTERS), 6},
    [ST_CAMPAIGN_CREATE]   = {"campaign_create", CAMPAIGN_CREATE, 11},
    [ST_CAMPAIGN_UPDATE]   = {"campaign_update", CAMPAIGN_UPDATE, 20},
    [ST_CAMPAIGN_DELETE]   = {"campaign_delete", SQL_DELETE("public.campaigns"), 2},

    [ST_STORYBOARD_GET]    = {"storyboard_get",
                              SQL_GET("public.storyboard_sequences", STORYBOARD_COLS), 2},
    [ST_STORYBOARD_LIST]   = {"storyboard_list",
                              SQL_LIST("public.storyboard_sequences", STORYBOARD_COLS,
                                       STORYBOARD_LIST_FILTERS), 6},
    [ST_STORYBOARD_CREATE] = {"storyboard_create", STORYBOARD_CREATE, 6},
    [ST_STORYBOARD_UPDATE] = {"storyboard_update", STORYBOARD_UPDATE, 10},
    [ST_STORYBOARD_DELETE] = {"storyboard_delete", SQL_DELETE("public.storyboard_sequences"), 2},

    [ST_CHAIN_GET]         = {"chain_get", SQL_GET("public.tool_preset_chains", CHAIN_COLS), 2},
    [ST_CHAIN_LIST]        = {"chain_list", SQL_LIST("public.tool_preset_chains", CHAIN_COLS, ""), 4},
    [ST_CHAIN_CREATE]      = {"chain_create", CHAIN_CREATE, 6},
    [ST_CHAIN_UPDATE]      = {"chain_update", CHAIN_UPDATE, 10},
    [ST_CHAIN_DELETE]      = {"chain_delete", SQL_DELETE("public.tool_preset_chains"), 2},
    [ST_CHAIN_USE]         = {"chain_use", CHAIN_USE, 2},
};

// clang-format on
