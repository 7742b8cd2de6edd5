/*
 * planning.h - the planning service: brand guidelines, campaigns, storyboard
 * sequences and tool preset chains (docs/API.md §6).
 *
 * Every resource is declared once, as a res_def (common/crud/res.h): its
 * rowmap (the select list below, column by column), its statements (sql.c),
 * its field rules and list filters; the engine's handlers serve every RPC
 * from that. brand.c, campaign.c, storyboard.c and chain.c hold the
 * declarations and what differs. Nothing here allocates: all of it is
 * static data.
 */
#ifndef CAMEOS_PLANNING_H
#define CAMEOS_PLANNING_H

#include <stddef.h>

#include "cameos/planning/v1/planning.pb-c.h"
#include "res.h"

/* Statement indexes into planning_stmts (sql.c), with the engine's
 * parameters (res.h). */
enum {
    ST_BRAND_GET,
    ST_BRAND_LIST,
    ST_BRAND_CREATE,
    ST_BRAND_UPDATE,
    ST_BRAND_DELETE,
    ST_CAMPAIGN_GET,
    ST_CAMPAIGN_LIST,
    ST_CAMPAIGN_CREATE,
    ST_CAMPAIGN_UPDATE,
    ST_CAMPAIGN_DELETE,
    ST_STORYBOARD_GET,
    ST_STORYBOARD_LIST,
    ST_STORYBOARD_CREATE,
    ST_STORYBOARD_UPDATE,
    ST_STORYBOARD_DELETE,
    ST_CHAIN_GET,
    ST_CHAIN_LIST,
    ST_CHAIN_CREATE,
    ST_CHAIN_UPDATE,
    ST_CHAIN_DELETE,
    ST_CHAIN_USE,
    PLANNING_NSTMTS
};
extern const pgpool_stmt planning_stmts[PLANNING_NSTMTS];

/* The select list of each table and its columns in the same order; the
 * rowmaps (brand.c, ...) name the columns by these indexes. The statements
 * that return them are PGPOOL_BINARY: times travel as they are (8 bytes),
 * text[] as JSON arrays. */
#define BRAND_COLS                                                                                 \
    "id, user_id, brand_name, to_jsonb(\"values\"), to_jsonb(tone_of_voice), visual_style,"        \
    " to_jsonb(do_list), to_jsonb(dont_list), to_jsonb(color_palette), fonts, created_at, "        \
    "updated_at"
enum {
    BG_ID,
    BG_USER_ID,
    BG_BRAND_NAME,
    BG_VALUES,
    BG_TONE_OF_VOICE,
    BG_VISUAL_STYLE,
    BG_DO_LIST,
    BG_DONT_LIST,
    BG_COLOR_PALETTE,
    BG_FONTS,
    BG_CREATED_AT,
    BG_UPDATED_AT,
    BG_NCOLS
};

#define CAMPAIGN_COLS                                                                              \
    "id, user_id, name, description, target_audience, to_jsonb(platform), status, total_videos,"   \
    " completed_videos, " ROWMAP_SQL_JSON(                                                         \
        "concepts") ", brand_guidelines_id, created_at, updated_at,"                               \
                    " completed_at"
enum {
    CA_ID,
    CA_USER_ID,
    CA_NAME,
    CA_DESCRIPTION,
    CA_TARGET_AUDIENCE,
    CA_PLATFORM,
    CA_STATUS,
    CA_TOTAL_VIDEOS,
    CA_COMPLETED_VIDEOS,
    CA_CONCEPTS,
    CA_BRAND_GUIDELINES_ID,
    CA_CREATED_AT,
    CA_UPDATED_AT,
    CA_COMPLETED_AT,
    CA_NCOLS
};

#define STORYBOARD_COLS                                                                            \
    "id, user_id, campaign_id, name, frames, total_duration, character_id, created_at, updated_at"
enum {
    SB_ID,
    SB_USER_ID,
    SB_CAMPAIGN_ID,
    SB_NAME,
    SB_FRAMES,
    SB_TOTAL_DURATION,
    SB_CHARACTER_ID,
    SB_CREATED_AT,
    SB_UPDATED_AT,
    SB_NCOLS
};

#define CHAIN_COLS                                                                                 \
    "id, user_id, name, description, tools, is_favorite, usage_count, created_at, updated_at"
enum {
    CH_ID,
    CH_USER_ID,
    CH_NAME,
    CH_DESCRIPTION,
    CH_TOOLS,
    CH_IS_FAVORITE,
    CH_USAGE_COUNT,
    CH_CREATED_AT,
    CH_UPDATED_AT,
    CH_NCOLS
};

/* Limits shared by the resources (characters, items). */
#define PL_NAME_MAX   200  /* names: 1..200 */
#define PL_TEXT_MAX   5000 /* descriptions and other long text */
#define PL_ITEM_MAX   500  /* one item of a text array; platform, tool name, shot... */
#define PL_ITEMS_MAX  100  /* items of any repeated field but frames */
#define PL_FRAMES_MAX 500

extern const res_def planning_brand;
extern const res_def planning_campaign;
extern const res_def planning_storyboard;
extern const res_def planning_chain;

#endif
