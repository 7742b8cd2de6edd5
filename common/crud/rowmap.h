/*
 * rowmap.h - one declaration per resource that moves it both ways between
 * PostgreSQL results (text, or binary for PGPOOL_BINARY statements: see
 * pgbin.h) / text parameters and its protobuf-c message, through
 * the message's field descriptors. A service declares, per resource, the
 * select list as a rowmap (proto field name + kind per column, in SQL
 * order); Get, List, Create, Update and Delete handlers then share the code
 * here instead of copying field-by-field assignments.
 *
 * Reading (rows into messages, replies) is rowmap.c, writing (messages into
 * statement parameters) rowparam.c.
 *
 * Memory: everything built here is call-scoped (rpc_alloc, or registered
 * with the call and freed when it ends), so handlers free nothing. Strings
 * read from a result point into the PGresult, which lives until the
 * database callback returns; reply (rpc_reply) before returning.
 */
#ifndef CAMEOS_ROWMAP_H
#define CAMEOS_ROWMAP_H

#include <stddef.h>

#include "google/protobuf/field_mask.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "list.h"
#include "rpc.h"
#include "valid.h"

typedef enum rowmap_kind {
    RM_TEXT,        /* string; SQL NULL reads as "", "" writes as NULL when RM_NULLABLE */
    RM_INT32,       /* int32 */
    RM_DOUBLE,      /* double (numeric columns too); NULL reads as 0 */
    RM_BOOL,        /* bool */
    RM_TS,          /* Timestamp *; the column itself in a binary result, else
                       epoch microseconds (SQL_US) */
    RM_STRUCT,      /* Struct *; jsonb object as text */
    RM_STRUCT_LIST, /* repeated Struct; jsonb array of objects */
    RM_TEXT_ARRAY,  /* repeated string; SQL gives/takes a JSON array (to_jsonb(col) /
                       array(select jsonb_array_elements_text($n::jsonb))) */
    RM_ENUM,        /* enum; stored as the text of the valid_enum table */
    RM_MSG_LIST,    /* repeated sub-message; jsonb array of objects whose keys are
                       the sub-message's field names, mapped by `sub` */
} rowmap_kind;

enum {
    RM_OUT =
        1u << 0, /* output only: never read from requests (id, user_id, timestamps, counters) */
    RM_NULLABLE = 1u << 1, /* RM_TEXT: "" is written as SQL NULL; RM_ENUM: 0 as NULL */
};

typedef struct rowmap rowmap;

typedef struct rowmap_col {
    const char *field; /* proto field name, also the JSON key inside RM_MSG_LIST */
    rowmap_kind kind;
    unsigned flags;
    const valid_enum *enums; /* RM_ENUM */
    size_t nenums;
    const rowmap *sub; /* RM_MSG_LIST */
} rowmap_col;

struct rowmap {
    const ProtobufCMessageDescriptor *desc;
    const rowmap_col *cols; /* the select list, in order */
    size_t ncols;
    int cursor_ts; /* index of the created_at column (RM_TS), or of an RM_INT32
                      column ordering the list instead, used for page tokens */
    int cursor_id; /* index of the id column */
};

/* Builds the message of row `row`; NULL (call answered INTERNAL) on bad data. */
ProtobufCMessage *rowmap_read(rpc_call *c, const rowmap *m, const PGresult *r, int row)
    __attribute__((warn_unused_result));

/* Replies with the single row of the last statement's result, or NOT_FOUND
 * with `what` ("campaign not found") when it has none. */
void rowmap_reply_one(rpc_call *c, const rowmap *m, pgq *q, const char *what);

/* Replies to a List RPC from the last statement's result (fetched with
 * p->fetch rows): fills the response's only repeated message field with up
 * to p->limit rows and next_page_token from the cursor columns. */
void rowmap_reply_list(rpc_call *c, const rowmap *m, pgq *q, const list_page *p,
                       const ProtobufCMessageDescriptor *resp);

/* The field of column i (looked up by name once per rowmap and thread), or
 * NULL when the message has no such field. */
const ProtobufCFieldDescriptor *rowmap_field(const rowmap *m, size_t i);

/* Microseconds since the epoch as a Timestamp in the call's arena; NULL
 * when out of memory. */
Google__Protobuf__Timestamp *rowmap_timestamp(rpc_call *c, long long us);

/* Every free-form JSON value a service writes (RM_STRUCT, RM_STRUCT_LIST:
 * google.protobuf.Struct fields) is at most this many bytes of JSON and this
 * many values (each object, array and scalar counts one; keys do not), so
 * that what is stored reads back well within a reply's budget. Over either
 * is INVALID_ARGUMENT naming the field. Typed lists are bounded by the
 * limits of their items and by MAX_RECV_BYTES. */
#define ROWMAP_JSON_MAX_BYTES  65536
#define ROWMAP_JSON_MAX_VALUES 10000

/* A reply (one resource or a list page) is at most this many bytes packed,
 * half of what gRPC clients accept by default: a list page stops early at
 * the row that would take it past (a short page whose next_page_token goes
 * on from there); a single row over it, or a free-form JSON cell longer than
 * ROWMAP_JSON_READ_MAX (1 MiB), is RESOURCE_EXHAUSTED, found before it is
 * decoded. */
#define ROWMAP_REPLY_MAX_BYTES (2u << 20)
#define ROWMAP_JSON_READ_MAX   1048576
/* Decoded JSON costs memory by its values (a Value each, some 50 bytes), not
 * by its bytes: a reply decodes at most this many values from stored JSON
 * cells. A row over it alone is RESOURCE_EXHAUSTED; a list page stops before
 * the row that would pass it (a short page whose token goes on). */
#define ROWMAP_JSON_READ_VALUES 65536
/* The values in JSON text (each object, array, string, number, true, false
 * and null counts one; object keys do not); jsonb's text form or compact. */
size_t rowmap_json_values(const char *s, size_t n);
#define ROWMAP_STR_(x) #x
#define ROWMAP_STR(x)  ROWMAP_STR_(x)

/* The select-list expression of a free-form JSON column col: expr (col
 * itself, or an expression of it), or, when col's JSON text is longer than
 * ROWMAP_JSON_READ_MAX, the marker ROWMAP_JSON_TOO_LARGE in its place, so
 * that a row too large for any reply costs a few bytes to receive (libpq
 * holds a whole result in memory) and is answered RESOURCE_EXHAUSTED. A
 * value stored in at most 2 kB (pg_column_size, which reads no more than
 * the header) is not measured. */
#define ROWMAP_JSON_TOO_LARGE "{\"cameos.json_too_large\": true}"
#define ROWMAP_SQL_JSON_AS(col, expr)                                                              \
    "(case when pg_column_size(" col ") <= 2048 then " expr " when octet_length((" col             \
    ")::text) <= " ROWMAP_STR(ROWMAP_JSON_READ_MAX) " then " expr " else '" ROWMAP_JSON_TOO_LARGE  \
                                                    "'::jsonb end)"
#define ROWMAP_SQL_JSON(col) ROWMAP_SQL_JSON_AS(col, col)

#endif
