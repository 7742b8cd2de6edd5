/*
 * planning.h - the planning service: brand guidelines, campaigns, storyboard
 * sequences and tool preset chains (API.md §6).
 *
 * Every resource is described once, as a planning_res: its rowmap (the select
 * list below, column by column), its statements (sql.c), its request types
 * and its field checks. The handlers in crud.c serve all four resources from
 * that description; brand.c, campaign.c, storyboard.c and chain.c hold what
 * differs. Nothing here allocates: all of it is static data.
 */
#ifndef CAMEOS_PLANNING_H
#define CAMEOS_PLANNING_H

#include <stddef.h>

#include "cameos/planning/v1/planning.pb-c.h"
#include "listing.h"
#include "rowmap.h"
#include "rpc.h"

/* Statement indexes into planning_stmts (sql.c). Parameters, by kind:
 * get/delete/use ($1 id, $2 caller); list ($1 caller, $2 cursor time, $3
 * cursor id, $4 rows to fetch, then the resource's filters); create ($1
 * caller, $2 request_id, then rowmap_insert_params); update ($1 id, $2
 * caller, then rowmap_update_params). */
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
 * rowmaps (brand.c, ...) name the columns by these indexes. Times travel as
 * epoch microseconds, text[] as JSON arrays. */
#define BRAND_COLS                                                                                 \
    "id, user_id, brand_name, to_jsonb(\"values\"), to_jsonb(tone_of_voice), visual_style,"        \
    " to_jsonb(do_list), to_jsonb(dont_list), to_jsonb(color_palette), fonts, " SQL_US(            \
        "created_at") ", " SQL_US("updated_at")
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
    " completed_videos, concepts, brand_guidelines_id, " SQL_US("created_at") ", " SQL_US(         \
        "updated_at") ", " SQL_US("completed_at")
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
    "id, user_id, campaign_id, name, frames, total_duration, character_id, " SQL_US(               \
        "created_at") ", " SQL_US("updated_at")
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
    "id, user_id, name, description, tools, is_favorite, usage_count, " SQL_US(                    \
        "created_at") ", " SQL_US("updated_at")
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

/* The RPCs every resource may have. */
typedef enum planning_op {
    PL_GET,
    PL_LIST,
    PL_CREATE,
    PL_UPDATE,
    PL_DELETE,
    PL_USE,
    PL_NOPS
} planning_op;

/* Most filter parameters a List RPC adds after the four paging ones. */
#define PLANNING_MAX_FILTERS 2
/* Most columns of a resource (rowmap ncols). */
#define PLANNING_MAX_COLS 16

_Static_assert(BG_NCOLS <= PLANNING_MAX_COLS && CA_NCOLS <= PLANNING_MAX_COLS &&
                   SB_NCOLS <= PLANNING_MAX_COLS && CH_NCOLS <= PLANNING_MAX_COLS,
               "PLANNING_MAX_COLS sizes the parameter arrays of crud.c");

/* Bit of column i in a column set (rowmap column indexes, as
 * rowmap_update_params reports them). */
#define PL_COL(i) (1ull << (i))

/* Limits shared by the resources (characters, items). */
#define PL_NAME_MAX   200  /* names: 1..200 */
#define PL_TEXT_MAX   5000 /* descriptions and other long text */
#define PL_ITEM_MAX   500  /* one item of a text array; platform, tool name, shot... */
#define PL_ITEMS_MAX  100  /* items of any repeated field but frames */
#define PL_FRAMES_MAX 500

/* What a writable column accepts, by the column's rowmap kind:
 * RM_TEXT       min..max characters; with PL_UUID a UUID, or empty when min is 0
 * RM_INT32      min <= value <= max
 * RM_TEXT_ARRAY min..max items of 1..item_max characters; with PL_COLORS
 *               each "#RGB" or "#RRGGBB"
 * RM_STRUCT_LIST, RM_MSG_LIST  min..max items; RM_MSG_LIST items are checked
 *               against sub (one limit per column of the column's sub rowmap)
 * RM_ENUM       a value of the column's table; 0 only on create when
 *               RM_NULLABLE (the database default applies)
 * RM_BOOL, RM_STRUCT  anything. */
typedef struct planning_limit {
    long long min, max;
    int item_max;
    unsigned form; /* PL_UUID, PL_COLORS */
    const struct planning_limit *sub;
} planning_limit;
enum { PL_UUID = 1u << 0, PL_COLORS = 1u << 1 };

typedef struct planning_res {
    const char *field;     /* the resource's field in Create/Update requests */
    const char *not_found; /* NOT_FOUND message */
    const rowmap *map;
    const planning_limit *limits;                   /* one per rowmap column */
    const ProtobufCMessageDescriptor *req[PL_NOPS]; /* request type per RPC; NULL: none */
    int stmt[PL_NOPS];
    const ProtobufCMessageDescriptor *list_resp;
    /* List filters: writes nfilters parameters (NULL = no filter) and the
     * page-token scope text of the filters; -1 when one is invalid (the call
     * is answered). NULL when the list has no filters. */
    int (*filters)(rpc_call *c, const ProtobufCMessage *req, const char **params, char *scope,
                   size_t scope_size);
    int nfilters;
    /* Checks across fields beyond the limits (may be NULL); same contract as
     * planning_check. */
    int (*extra)(rpc_call *c, const ProtobufCMessage *msg, unsigned long long cols);
} planning_res;

extern const planning_res planning_brand;
extern const planning_res planning_campaign;
extern const planning_res planning_storyboard;
extern const planning_res planning_chain;

/* The handlers (crud.c): one per kind of RPC, for every resource; each finds
 * its resource by the request's type. */
void planning_get(rpc_call *c, const ProtobufCMessage *req);
void planning_list(rpc_call *c, const ProtobufCMessage *req);
void planning_create(rpc_call *c, const ProtobufCMessage *req);
void planning_update(rpc_call *c, const ProtobufCMessage *req);
void planning_delete(rpc_call *c, const ProtobufCMessage *req);
void planning_use(rpc_call *c, const ProtobufCMessage *req);

/* Checks the writable columns in cols (PL_COL bits) of msg, a resource of
 * res, against res->limits and res->extra; creating: a Create (defaults
 * allowed where the database has them). 0, or -1 after failing the call with
 * INVALID_ARGUMENT naming the field ("campaign.frames[2].duration_seconds"). */
int planning_check(rpc_call *c, const planning_res *res, const ProtobufCMessage *msg,
                   unsigned long long cols, int creating) __attribute__((warn_unused_result));

#endif
