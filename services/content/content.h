/*
 * content.h - the content service: generations, performance metrics, style
 * presets, tool configurations and platform configurations (docs/API.md §5).
 *
 * Every resource is declared once, as a res_def (common/crud/res.h): its
 * rowmap (the select list below, column by column), its statements (sql.c),
 * its field rules and list filters; the engine's handlers serve its Get,
 * List, Create, Update, Delete and Use. generation.c, metric.c, preset.c,
 * tool.c and platform.c hold the declarations and what differs (the
 * generation lifecycle, watch.c). Nothing here allocates: all of it is
 * static data.
 */
#ifndef CAMEOS_CONTENT_H
#define CAMEOS_CONTENT_H

#include <stddef.h>

#include "cameos/content/v1/content.pb-c.h"
#include "res.h"

/* Statement indexes into content_stmts (sql.c); the engine's parameters
 * (res.h) but for the worker's two. */
enum {
    ST_GEN_GET,
    ST_GEN_LIST,
    ST_GEN_CREATE,
    ST_GEN_DELETE,
    ST_GEN_COMPLETE,  /* $1 id, $2 video_url */
    ST_GEN_FAIL,      /* $1 id, $2 error_message */
    ST_QUEUE_CLAIM,   /* $1 worker, $2 max, $3 lease ms, $4 per-user limit */
    ST_QUEUE_EXTEND,  /* $1 id, $2 lease token, $3 lease ms */
    ST_QUEUE_RELEASE, /* $1 id, $2 lease token */
    ST_QUEUE_CHECK,   /* $1 id, $2 lease token: before a fenced report */
    ST_QUEUE_CANCEL,  /* $1 id, as the owner */
    ST_QUEUE_SWEEP,   /* the janitor's: $1 max attempts, $2 max age s, $3 batch */
    ST_METRIC_GET,
    ST_METRIC_LIST,
    ST_METRIC_CREATE,
    ST_METRIC_UPDATE,
    ST_PRESET_GET,
    ST_PRESET_LIST,
    ST_PRESET_CREATE,
    ST_PRESET_UPDATE,
    ST_PRESET_DELETE,
    ST_PRESET_USE,
    ST_TOOL_GET,
    ST_TOOL_LIST,
    ST_TOOL_CREATE,
    ST_TOOL_UPDATE,
    ST_TOOL_DELETE,
    ST_TOOL_USE,
    ST_PLATFORM_GET,
    ST_PLATFORM_LIST,
    ST_PLATFORM_CREATE,
    ST_PLATFORM_UPDATE,
    ST_PLATFORM_DELETE,
    CONTENT_NSTMTS
};
extern const pgpool_stmt content_stmts[CONTENT_NSTMTS];

/* clang-format off */
/* jsonb read as a Struct: the row reader (common/crud/rowmap.c) gives anything
 * but an object (rows written outside the service, e.g. the '[]' column
 * defaults) as {"items": value}, so that no data is lost and no read fails. */
#define SQL_OBJECT(col) ROWMAP_SQL_JSON(col)

/* The select list of each table and its columns in the same order; the
 * rowmaps (generation.c, ...) list the columns in this order, named by these
 * indexes. The statements that return them are PGPOOL_BINARY: times
 * travel as they are (8 bytes), text[] as JSON arrays. */
#define GENERATION_COLS \
    "id, user_id, prompt, model, aspect_ratio, resolution, mode, status, video_url," \
    " error_message, reference_image_url, credits_used, created_at, completed_at"
enum {
    GE_ID,
    GE_USER_ID,
    GE_PROMPT,
    GE_MODEL,
    GE_ASPECT_RATIO,
    GE_RESOLUTION,
    GE_MODE,
    GE_STATUS,
    GE_VIDEO_URL,
    GE_ERROR_MESSAGE,
    GE_REFERENCE_IMAGE_URL,
    GE_CREDITS_USED,
    GE_CREATED_AT,
    GE_COMPLETED_AT,
    GE_NCOLS
};

#define METRIC_COLS \
    "id, user_id, generation_id, prompt, character_id, platform, predicted_score, " \
    SQL_OBJECT("actual_engagement") ", quality_score, style_consistency, brand_compliance, " \
    SQL_OBJECT("improvements") ", created_at"
enum {
    ME_ID,
    ME_USER_ID,
    ME_GENERATION_ID,
    ME_PROMPT,
    ME_CHARACTER_ID,
    ME_PLATFORM,
    ME_PREDICTED_SCORE,
    ME_ACTUAL_ENGAGEMENT,
    ME_QUALITY_SCORE,
    ME_STYLE_CONSISTENCY,
    ME_BRAND_COMPLIANCE,
    ME_IMPROVEMENTS,
    ME_CREATED_AT,
    ME_NCOLS
};

#define PRESET_COLS \
    "id, user_id, name, character_id, " SQL_OBJECT("style_data") ", thumbnail_url," \
    " is_favorite, usage_count, to_jsonb(tags), created_at, updated_at"
enum {
    SP_ID,
    SP_USER_ID,
    SP_NAME,
    SP_CHARACTER_ID,
    SP_STYLE_DATA,
    SP_THUMBNAIL_URL,
    SP_IS_FAVORITE,
    SP_USAGE_COUNT,
    SP_TAGS,
    SP_CREATED_AT,
    SP_UPDATED_AT,
    SP_NCOLS
};

#define TOOL_COLS \
    "id, user_id, tool_name, character_id, " SQL_OBJECT("configuration") ", is_favorite," \
    " usage_count, created_at, updated_at"
enum {
    TC_ID,
    TC_USER_ID,
    TC_TOOL_NAME,
    TC_CHARACTER_ID,
    TC_CONFIGURATION,
    TC_IS_FAVORITE,
    TC_USAGE_COUNT,
    TC_CREATED_AT,
    TC_UPDATED_AT,
    TC_NCOLS
};

/* aspect_ratio has no CHECK in the table: text outside the enum reads as
 * unset rather than failing the read. */
#define PLATFORM_COLS \
    "id, user_id, platform," \
    " case when aspect_ratio in ('16:9', '9:16', '1:1') then aspect_ratio end, " \
    SQL_OBJECT("preferred_style") ", " SQL_OBJECT("prompt_templates") ", " \
    SQL_OBJECT("character_preferences") ", created_at, updated_at"
enum {
    PC_ID,
    PC_USER_ID,
    PC_PLATFORM,
    PC_ASPECT_RATIO,
    PC_PREFERRED_STYLE,
    PC_PROMPT_TEMPLATES,
    PC_CHARACTER_PREFERENCES,
    PC_CREATED_AT,
    PC_UPDATED_AT,
    PC_NCOLS
};
/* clang-format on */

/* The enum tables shared by resources (generation.c). */
extern const valid_enum content_aspect_ratios[3];

extern const res_def content_generation;
extern const res_def content_metric;
extern const res_def content_preset;
extern const res_def content_tool;
extern const res_def content_platform;

/* queue.c: the work queue's RPCs (0013_generation_queue.sql) and the
 * worker's reports. */
void content_claim_generations(rpc_call *c, const ProtobufCMessage *req);
void content_extend_generation_lease(rpc_call *c, const ProtobufCMessage *req);
void content_release_generation(rpc_call *c, const ProtobufCMessage *req);
void content_cancel_generation(rpc_call *c, const ProtobufCMessage *req);
void content_wait_for_generations(rpc_call *c, const ProtobufCMessage *req);
void content_complete_generation(rpc_call *c, const ProtobufCMessage *req);
void content_fail_generation(rpc_call *c, const ProtobufCMessage *req);

/* What one loop of the service keeps (rpc_service.loop_data_new, made and
 * freed by main.c): the WatchGeneration streams by generation id and their
 * re-reads in flight (watch.c), and the workers waiting in
 * WaitForGenerations (queue.c). A stream lives on its call's loop, and each
 * loop hears every notification on its own LISTEN connection: nothing in it
 * is shared between threads. content_loop_of(rpc_call_server(c)) finds a
 * call's. */
#define CONTENT_WATCH_BUCKETS 256
typedef struct content_loop {
    rpc_server *server;
    struct watcher *watchers[CONTENT_WATCH_BUCKETS];
    struct reread *rereads;
    struct waiter *waiters;
} content_loop;
#define content_loop_of(s) ((content_loop *)rpc_server_data(s))

/* Cues every waiting worker of the loop whose last cue has gone out
 * (watch.c calls it on a NOTIFY that may mean claimable work, and after a
 * reconnect). */
void content_queue_wake(content_loop *l);

/* sweep.c: the janitor's limits and its result as the queue's metrics. */
enum {
    CS_QUEUED,
    CS_LEASED,
    CS_OLDEST,
    CS_EXPIRED,
    CS_REQUEUED,
    CS_EXHAUSTED,
    CS_TOO_OLD,
    CS_REFUNDS,
    CS_REFUNDED_CREDITS,
    CS_SWEEPS,
    CONTENT_NSERIES
};
extern const metrics_series content_series[CONTENT_NSERIES];
void content_sweep_args(rpc_server *s, rpc_args *a);
void content_sweep_done(rpc_server *s, const PGresult *r);

/* watch.c: WatchGeneration and the NOTIFY callback that feeds it. */
void content_watch_generation(rpc_call *c, const ProtobufCMessage *req);
void content_generation_changed(rpc_server *s, const char *payload);

/* Limits (characters, items, bytes for URLs). */
#define CT_PROMPT_MAX  10000 /* prompts */
#define CT_NAME_MAX    200   /* names, tool names */
#define CT_ITEM_MAX    200   /* platform, character id, one tag */
#define CT_ITEMS_MAX   100   /* tags */
#define CT_URL_MAX     2048  /* URLs, in bytes */
#define CT_MESSAGE_MAX 2000  /* error messages */

#endif
