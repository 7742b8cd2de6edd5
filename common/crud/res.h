/*
 * res.h - the resource engine: Get, List, Create, Update, Delete and
 * Use (usage_count + 1) of a user's rows, served from a declaration.
 *
 * A service declares each resource once as a res_def (its rowmap, its
 * statements, list filters, field rules, and the few hooks that differ),
 * names res_get ... res_use as handlers in its method table, and calls
 * res_register once before server_main. What the handlers need of a request is
 * found at registration, from the service descriptor: the method
 * "ListStylePresets" routed to res_list lists the resource whose rowmap
 * message is StylePreset (method = verb + message name, plus "s" for List),
 * its response type is the method's output, and the Create/Update request's
 * field of that message type ("style_preset") names the resource in
 * messages. A table that does not fit is refused at start, not per call.
 *
 * Statements follow one parameter contract per operation (the RES_SQL_*
 * macros below write them):
 *   Get, Delete, Use  $1 id, $2 caller
 *   List              $1 caller, $2 cursor time, $3 cursor id, $4 rows to
 *                     fetch, then one parameter per filter (NULL: not set)
 *   Create            $1 caller, $2 request_id (NULL when none), then
 *                     rowparam_insert, then the create-only columns
 *   Update            $1 id, $2 caller, then rowparam_update
 * Get, Create, Update and Use return the row (select list = the rowmap);
 * Delete returns one row when the row exists: true when it went, false
 * when it may not go yet (FAILED_PRECONDITION `busy`).
 *
 * Ownership: declarations are static data of the service; the engine keeps
 * pointers to them and allocates nothing outside call memory.
 */
#ifndef CAMEOS_RES_H
#define CAMEOS_RES_H

#include <stddef.h>

#include "list.h"
#include "rowmap.h"
#include "rpc.h"

typedef enum res_op {
    RES_GET,
    RES_LIST,
    RES_CREATE,
    RES_UPDATE,
    RES_DELETE,
    RES_USE,
    RES_NOPS
} res_op;

/* Bit of rowmap column i in a column set. */
#define RES_COL(i) (1ull << (i))

/* Most columns of a resource, and filters of a List. */
#define RES_MAX_COLS    32
#define RES_MAX_FILTERS 4

/* What a column accepts; checked on Create for the writable and create-only
 * columns, on Update for the columns it changes, before the statement runs.
 * Messages name the field as "<resource>.<field>[<item>].<field>". */
typedef enum res_check {
    RES_ANY = 0, /* nothing checked here (rowmap still refuses unknown enum numbers) */
    RES_TEXT,    /* RM_TEXT: min..max characters */
    RES_UUID,    /* RM_TEXT: a UUID; empty passes unless min > 0 */
    RES_URL,     /* RM_TEXT: an http(s) URL of at most max bytes; empty passes unless min > 0 */
    RES_RANGE,   /* RM_INT32, RM_DOUBLE: min <= value <= max (NaN fails) */
    RES_ENUM,    /* RM_ENUM: a value of the column's table; UNSPECIFIED only on
                    Create of an RM_NULLABLE column (the database default) */
    RES_ITEMS,   /* repeated: min..max items; RM_TEXT_ARRAY items of 1..item_max
                    characters, RM_MSG_LIST items checked against sub */
    RES_COLORS,  /* RM_TEXT_ARRAY: RES_ITEMS whose items are "#RGB" or "#RRGGBB" */
} res_check;

typedef struct res_rule {
    res_check check;
    long long min, max;
    long long item_max;
    const struct res_rule *sub; /* RM_MSG_LIST: one rule per column of the column's sub rowmap */
} res_rule;

/* A List filter: a field of the List request, one SQL parameter. */
typedef enum res_filter_kind {
    RES_F_TEXT, /* string of 1..max characters, exact match; "" is no filter */
    RES_F_UUID, /* string holding a UUID; "" is no filter */
    RES_F_BOOL, /* google.protobuf.BoolValue; unset is no filter */
    RES_F_ENUM, /* enum named like an RM_ENUM column; UNSPECIFIED is no filter */
} res_filter_kind;

typedef struct res_filter {
    const char *field;
    res_filter_kind kind;
    size_t max; /* RES_F_TEXT */
} res_filter;

typedef struct res_def {
    const rowmap *map;     /* the select list; map->desc is the resource message */
    const char *not_found; /* NOT_FOUND message: "campaign not found" */
    int stmt[RES_NOPS];    /* statement of each operation the method table routes here */
    const res_filter *filters;
    size_t nfilters;
    const res_rule *rules; /* one per rowmap column; NULL: none */
    /* Output-only (RM_OUT) columns that Create still writes, after the
     * writable ones: fields set once and never updated. */
    const int *create_only;
    size_t ncreate_only;
    /* Checks across fields after the rules, on Create and Update; cols are
     * the columns being written. 0, or -1 when invalid (call answered). */
    int (*check)(rpc_call *c, const ProtobufCMessage *msg, unsigned long long cols);
    /* Create: NOT_FOUND message when the statement returns no row (a
     * referenced row is not the caller's); NULL: not_found. */
    const char *ref_not_found;
    /* Delete: FAILED_PRECONDITION message when the row may not go yet. */
    const char *busy;
} res_def;

/* Handlers for a service's method table. */
void res_get(rpc_call *c, const ProtobufCMessage *req);
void res_list(rpc_call *c, const ProtobufCMessage *req);
void res_create(rpc_call *c, const ProtobufCMessage *req);
void res_update(rpc_call *c, const ProtobufCMessage *req);
void res_delete(rpc_call *c, const ProtobufCMessage *req);
void res_use(rpc_call *c, const ProtobufCMessage *req);

/* Binds every row of svc's method table whose handler is a res_* handler
 * to the resource its arg names, and checks the declarations against the
 * method's name, its request and response types, and the statements'
 * parameter counts. Call once before server_main; 0, or -1 after printing what
 * does not fit to stderr (a bug in the service). */
int res_register(const rpc_service *svc) __attribute__((warn_unused_result));

/* ---- SQL that follows the parameter contract above ------------------- */
/* clang-format off */

/* A rowmap text array parameter (a JSON array) as text[], order kept. */
#define RES_SQL_TEXT_ARRAY(p) \
    "array(select e from jsonb_array_elements_text(" p "::jsonb) with ordinality a(e, i)" \
    " order by i)"

/* Update: column col takes v when the flag parameter $f says it changes. */
#define RES_SQL_SET(col, f, v) col " = case when $" #f "::bool then " v " else " col " end"

#define RES_SQL_GET(table, cols) \
    "select " cols " from " table " where id = $1::uuid and user_id = $2::uuid"

#define RES_SQL_DELETE(table) \
    "delete from " table " where id = $1::uuid and user_id = $2::uuid returning true"

#define RES_SQL_USE(table, cols) \
    "update " table " set usage_count = usage_count + 1 where id = $1::uuid" \
    " and user_id = $2::uuid returning " cols

/* Newest first by (created_at, id); filters adds " and ..." conditions on $5... */
#define RES_SQL_LIST(table, cols, filters) \
    "select " cols " from " table \
    " where user_id = $1::uuid and " SQL_BEFORE("created_at", "id", "$2", "$3") filters \
    " order by created_at desc, id desc limit $4::int"

/* sets: RES_SQL_SET terms joined by ", ". */
#define RES_SQL_UPDATE(table, sets, cols) \
    "update " table " set " sets " where id = $1::uuid and user_id = $2::uuid returning " cols

/* Create with its request_id claimed in the same statement
 * (0007_request_keys.sql): claim the key with the RPC name and `claim` (its
 * parameters); `from` may restrict the claim to rows that must exist
 * (" from t where ..."), so that the statement returns and writes nothing
 * when they do not (ref_not_found). For a new key insert (`insert` ends
 * with its select list, whose rows come from k) and store the new row as
 * the key's result; return the new row, or the stored one as it was
 * created, whatever happened to the table since. */
#define RES_SQL_CREATE(rpc, table, claim, from, insert, cols) \
    "with k as materialized (select public.request_key_claim($1::uuid, $2::text," \
    " jsonb_build_array('" rpc "', " claim ")) as prior" from ")," \
    " ins as (" insert " from k where k.prior is null returning *)," \
    " st as materialized (select public.request_key_store($1::uuid, $2::text, to_jsonb(ins.*))" \
    " from ins)" \
    " select " cols " from (select * from ins union all select r.* from k," \
    " jsonb_populate_record(null::" table ", k.prior) r where k.prior is not null) t" \
    " cross join (select count(*) from st) s"

/* clang-format on */

#endif
