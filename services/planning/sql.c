/*
 * sql.c - every statement the planning service sends, prepared once per
 * connection. Each one filters by the caller ($1 or $2) on top of row-level
 * security, and each RPC is one statement, so its checks and its write
 * commit or roll back together.
 *
 * The statements follow the resource engine's parameter contract and are
 * written with its RES_SQL_* macros (res.h); creates claim their
 * request_id in the same statement (AIP-155). References to other rows
 * (brand_guidelines_id, campaign_id) must be the caller's: the foreign keys
 * alone would take another user's id. They are checked where the row is
 * written, with the referenced row locked against deletion until commit, and
 * a failed check raises (planning_require, 0011_planning.sql) so that the
 * request_id claim rolls back with it.
 */
#include "planning.h"

// clang-format off

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

/* ---- brand guidelines */
#define BRAND_CREATE                                                           \
    RES_SQL_CREATE("CreateBrandGuideline", "public.brand_guidelines",          \
        "$3::text, $4::jsonb, $5::jsonb, $6::text, $7::jsonb, $8::jsonb,"      \
        " $9::jsonb, $10::text", "",                                           \
        "insert into public.brand_guidelines (user_id, brand_name, \"values\","\
        " tone_of_voice, visual_style, do_list, dont_list, color_palette,"     \
        " fonts) select $1::uuid, $3::text, " RES_SQL_TEXT_ARRAY("$4") ", "    \
        RES_SQL_TEXT_ARRAY("$5") ", $6::text, " RES_SQL_TEXT_ARRAY("$7") ", "  \
        RES_SQL_TEXT_ARRAY("$8") ", " RES_SQL_TEXT_ARRAY("$9") ", $10::text",  \
        BRAND_COLS)

#define BRAND_UPDATE                                                           \
    RES_SQL_UPDATE("public.brand_guidelines",                                  \
        RES_SQL_SET("brand_name", 3, "$4::text") ", "                          \
        RES_SQL_SET("\"values\"", 5, RES_SQL_TEXT_ARRAY("$6")) ", "            \
        RES_SQL_SET("tone_of_voice", 7, RES_SQL_TEXT_ARRAY("$8")) ", "         \
        RES_SQL_SET("visual_style", 9, "$10::text") ", "                       \
        RES_SQL_SET("do_list", 11, RES_SQL_TEXT_ARRAY("$12")) ", "             \
        RES_SQL_SET("dont_list", 13, RES_SQL_TEXT_ARRAY("$14")) ", "           \
        RES_SQL_SET("color_palette", 15, RES_SQL_TEXT_ARRAY("$16")) ", "       \
        RES_SQL_SET("fonts", 17, "$18::text"),                                 \
        BRAND_COLS)

/* ---- campaigns. The status text comes checked from the service (NULL on
 * create means draft); completed_at is set on reaching 'completed'. */
#define CAMPAIGN_LIST_FILTERS                                                  \
    " and ($5::text is null or status = $5::text)"                             \
    " and ($6::text is null or platform @> array[$6::text])"

#define CAMPAIGN_CREATE                                                        \
    RES_SQL_CREATE("CreateCampaign", "public.campaigns",                       \
        "$3::text, $4::text, $5::text, $6::jsonb, $7::text, $8::int, $9::int," \
        " $10::jsonb, $11::uuid", "",                                          \
        "insert into public.campaigns (user_id, name, description,"            \
        " target_audience, platform, status, total_videos, completed_videos,"  \
        " concepts, brand_guidelines_id, completed_at) select $1::uuid,"       \
        " $3::text, $4::text, $5::text, " RES_SQL_TEXT_ARRAY("$6") ","         \
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
    RES_SQL_SET("name", 3, "$4::text") ", "                                    \
    RES_SQL_SET("description", 5, "$6::text") ", "                             \
    RES_SQL_SET("target_audience", 7, "$8::text") ", "                         \
    RES_SQL_SET("platform", 9, RES_SQL_TEXT_ARRAY("$10")) ", "                 \
    "status = case when not $11::bool then status"                             \
    " when public.planning_require($12::text = cur_status"                     \
    " or (cur_status, $12::text) in (('draft', 'active'),"                     \
    " ('active', 'completed')), 'CM412',"                                      \
    " format('campaign status cannot move from %s to %s', cur_status,"         \
    " $12::text)) then $12::text end, "                                        \
    "completed_at = case when $11::bool and $12::text = 'completed'"           \
    " and cur_status <> 'completed' then now() else completed_at end, "        \
    RES_SQL_SET("total_videos", 13, "$14::int") ", "                           \
    RES_SQL_SET("completed_videos", 15, "$16::int") ", "                       \
    RES_SQL_SET("concepts", 17, "$18::jsonb") ", "                             \
    "brand_guidelines_id = case when not $19::bool then brand_guidelines_id"   \
    " else (" OWNED_REF("$20::uuid", "public.brand_guidelines", "$2::uuid",    \
                        "brand_guidelines_id") ") end"                         \
    " from cur where id = cur_id returning " CAMPAIGN_COLS

/* ---- storyboard sequences: total_duration follows frames. */
#define STORYBOARD_LIST_FILTERS                                                \
    " and ($5::uuid is null or campaign_id = $5::uuid)"                        \
    " and ($6::text is null or character_id = $6::text)"

#define STORYBOARD_CREATE                                                      \
    RES_SQL_CREATE("CreateStoryboardSequence", "public.storyboard_sequences",  \
        "$3::uuid, $4::text, $5::jsonb, $6::text", "",                         \
        "insert into public.storyboard_sequences (user_id, campaign_id, name," \
        " frames, total_duration, character_id) select $1::uuid, "             \
        OWNED_REF("$3::uuid", "public.campaigns", "$1::uuid", "campaign_id")   \
        ", $4::text, $5::jsonb, " FRAMES_TOTAL("$5") ", $6::text",             \
        STORYBOARD_COLS)

#define STORYBOARD_UPDATE                                                      \
    RES_SQL_UPDATE("public.storyboard_sequences",                              \
        "campaign_id = case when not $3::bool then campaign_id else ("         \
        OWNED_REF("$4::uuid", "public.campaigns", "$2::uuid", "campaign_id")   \
        ") end, "                                                              \
        RES_SQL_SET("name", 5, "$6::text") ", "                                \
        RES_SQL_SET("frames", 7, "$8::jsonb") ", "                             \
        RES_SQL_SET("total_duration", 7, FRAMES_TOTAL("$8")) ", "              \
        RES_SQL_SET("character_id", 9, "$10::text"),                           \
        STORYBOARD_COLS)

/* ---- tool preset chains */
#define CHAIN_CREATE                                                           \
    RES_SQL_CREATE("CreateToolPresetChain", "public.tool_preset_chains",       \
        "$3::text, $4::text, $5::jsonb, $6::bool", "",                         \
        "insert into public.tool_preset_chains (user_id, name, description,"   \
        " tools, is_favorite) select $1::uuid, $3::text, $4::text, $5::jsonb," \
        " $6::bool",                                                           \
        CHAIN_COLS)

#define CHAIN_UPDATE                                                           \
    RES_SQL_UPDATE("public.tool_preset_chains",                                \
        RES_SQL_SET("name", 3, "$4::text") ", "                                \
        RES_SQL_SET("description", 5, "$6::text") ", "                         \
        RES_SQL_SET("tools", 7, "$8::jsonb") ", "                              \
        RES_SQL_SET("is_favorite", 9, "$10::bool"),                            \
        CHAIN_COLS)

#define BRAND      "public.brand_guidelines"
#define CAMPAIGN   "public.campaigns"
#define STORYBOARD "public.storyboard_sequences"
#define CHAIN      "public.tool_preset_chains"

const pgpool_stmt planning_stmts[PLANNING_NSTMTS] = {
    [ST_BRAND_GET]         = {"brand_get", RES_SQL_GET(BRAND, BRAND_COLS), 2, PGPOOL_BINARY},
    [ST_BRAND_LIST]        = {"brand_list", RES_SQL_LIST(BRAND, BRAND_COLS, ""), 4, PGPOOL_KEYSET | PGPOOL_BINARY | PGPOOL_ROWS},
    [ST_BRAND_CREATE]      = {"brand_create", BRAND_CREATE, 10, PGPOOL_BINARY},
    [ST_BRAND_UPDATE]      = {"brand_update", BRAND_UPDATE, 18, PGPOOL_BINARY},
    [ST_BRAND_DELETE]      = {"brand_delete", RES_SQL_DELETE(BRAND), 2, 0},

    [ST_CAMPAIGN_GET]      = {"campaign_get", RES_SQL_GET(CAMPAIGN, CAMPAIGN_COLS), 2, PGPOOL_BINARY},
    [ST_CAMPAIGN_LIST]     = {"campaign_list",
                              RES_SQL_LIST(CAMPAIGN, CAMPAIGN_COLS, CAMPAIGN_LIST_FILTERS), 6, PGPOOL_KEYSET | PGPOOL_BINARY | PGPOOL_ROWS},
    [ST_CAMPAIGN_CREATE]   = {"campaign_create", CAMPAIGN_CREATE, 11, PGPOOL_BINARY},
    [ST_CAMPAIGN_UPDATE]   = {"campaign_update", CAMPAIGN_UPDATE, 20, PGPOOL_BINARY},
    [ST_CAMPAIGN_DELETE]   = {"campaign_delete", RES_SQL_DELETE(CAMPAIGN), 2, 0},

    [ST_STORYBOARD_GET]    = {"storyboard_get", RES_SQL_GET(STORYBOARD, STORYBOARD_COLS), 2, PGPOOL_BINARY},
    [ST_STORYBOARD_LIST]   = {"storyboard_list",
                              RES_SQL_LIST(STORYBOARD, STORYBOARD_COLS, STORYBOARD_LIST_FILTERS),
                              6, PGPOOL_KEYSET | PGPOOL_BINARY | PGPOOL_ROWS},
    [ST_STORYBOARD_CREATE] = {"storyboard_create", STORYBOARD_CREATE, 6, PGPOOL_BINARY},
    [ST_STORYBOARD_UPDATE] = {"storyboard_update", STORYBOARD_UPDATE, 10, PGPOOL_BINARY},
    [ST_STORYBOARD_DELETE] = {"storyboard_delete", RES_SQL_DELETE(STORYBOARD), 2, 0},

    [ST_CHAIN_GET]         = {"chain_get", RES_SQL_GET(CHAIN, CHAIN_COLS), 2, PGPOOL_BINARY},
    [ST_CHAIN_LIST]        = {"chain_list", RES_SQL_LIST(CHAIN, CHAIN_COLS, ""), 4, PGPOOL_KEYSET | PGPOOL_BINARY | PGPOOL_ROWS},
    [ST_CHAIN_CREATE]      = {"chain_create", CHAIN_CREATE, 6, PGPOOL_BINARY},
    [ST_CHAIN_UPDATE]      = {"chain_update", CHAIN_UPDATE, 10, PGPOOL_BINARY},
    [ST_CHAIN_DELETE]      = {"chain_delete", RES_SQL_DELETE(CHAIN), 2, 0},
    [ST_CHAIN_USE]         = {"chain_use", RES_SQL_USE(CHAIN, CHAIN_COLS), 2, PGPOOL_BINARY},
};

// clang-format on
