/*
 * rowmap.c - resources between rows and messages by field descriptor (see
 * rowmap.h). Field storage follows protobuf-c's layout: a scalar or pointer
 * at fd->offset, and for repeated fields the count at fd->quantifier_offset.
 */
#include "rowmap.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "google/protobuf/timestamp.pb-c.h"
#include "jsonr.h"
#include "pbjson.h"
#include "pgbin.h"

#define FIELD(msg, fd, type) ((type *)((char *)(msg) + (fd)->offset))
#define COUNT(msg, fd)       ((size_t *)((char *)(msg) + (fd)->quantifier_offset))

/* Upper bounds of protobuf sizes: a tag takes at most 5 bytes (field
 * numbers < 2^29), a length or varint 5 or 10. */
#define TAG_MAX         5
#define LEN_MAX         5
#define VARINT_MAX      10
#define REPLY_BOUND_MAX (1u << 20)
#define ROW_TOO_LARGE                                                                              \
    "a stored row is too large to read (over 2 MiB, or JSON over 1 MiB, 65536 values or 64 "       \
    "levels)"

/* How the values of a result column are read: TEXT_FMT for the text format,
 * else BIN + its pgbin_type (a PGPOOL_BINARY statement). Asked of libpq once
 * per column and call, not per cell. */
typedef unsigned char cell_fmt;
#define TEXT_FMT 0
#define BIN(t)   ((cell_fmt)(1 + (t)))
#define MAX_COLS 64

static const ProtobufCFieldDescriptor *const *fields_of(const rowmap *m);
static int last_index(const pgq *q);
static int result_formats(const rowmap *m, const PGresult *r, cell_fmt *out);
static ProtobufCMessage *read_row(rpc_call *c, const rowmap *m, const PGresult *r, int row,
                                  const cell_fmt *fmts);
static int read_col(rpc_call *c, const rowmap_col *col, const ProtobufCFieldDescriptor *fd,
                    ProtobufCMessage *msg, const char *v, size_t len, cell_fmt f);
static int cell_int(const char *v, size_t len, cell_fmt f, long long *out);
static int cell_us(const char *v, size_t len, cell_fmt f, long long *out);
static int cell_text(rpc_call *c, const char *v, size_t len, cell_fmt f, const char **out);
static int cell_json(const char *v, size_t len, cell_fmt f, const char **text, size_t *n);
static int read_msg_list(rpc_call *c, const rowmap_col *col, const ProtobufCFieldDescriptor *fd,
                         ProtobufCMessage *msg, const char *v, size_t len);
static int read_json_elem(rpc_call *c, const rowmap_col *col, void **slot,
                          Google__Protobuf__Value *v);
static Google__Protobuf__Struct *as_object(rpc_call *c, Google__Protobuf__Value *v,
                                           const char *key);
static int as_list(rpc_call *c, Google__Protobuf__Value *doc, Google__Protobuf__Value ***values,
                   size_t *n);
static char *json_text(rpc_call *c, const Google__Protobuf__Value *v);
static int read_sub_messages(rpc_call *c, const rowmap_col *col, const ProtobufCFieldDescriptor *fd,
                             ProtobufCMessage *msg, const char *v, size_t len);
static void *sub_begin(void *ctx, size_t index);
struct sub_reader;
static int slow_sub_messages(struct sub_reader *sr, const char *v, size_t len, void ***items,
                             size_t *n);
static int sub_member(void *ctx, void *record, const char *key, const Google__Protobuf__Value *jv);
static void *call_mem(void *ctx, size_t n);
static size_t row_bound(const rowmap *m, const PGresult *r, int row, const cell_fmt *fmts);
static int row_too_large(const rowmap *m, const PGresult *r, int row);
static size_t row_json_values(const rowmap *m, const PGresult *r, int row, const cell_fmt *fmts);
static size_t json_measure(const char *s, size_t n, size_t *depth);
static size_t col_bound(const rowmap_col *col, size_t text_len);
static int col_boundable(const rowmap_col *col);
static long long read_int(const char *v);
static long long cursor_us(const Google__Protobuf__Timestamp *ts);

static int read_json(rpc_call *c, const char *text, size_t n, Google__Protobuf__Value **out);

/* ---- reading --------------------------------------------------------- */

ProtobufCMessage *rowmap_read(rpc_call *c, const rowmap *m, const PGresult *r, int row)
{
    cell_fmt fmts[MAX_COLS];
    if (result_formats(m, r, fmts) != 0) {
        rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
        return NULL;
    }
    return read_row(c, m, r, row, fmts);
}

void rowmap_reply_one(rpc_call *c, const rowmap *m, pgq *q, const char *what)
{
    const PGresult *r = pgq_res(q, last_index(q));
    if (PQntuples(r) < 1) {
        rpc_fail(c, GRPC_STATUS_NOT_FOUND, what);
        return;
    }
    cell_fmt fmts[MAX_COLS];
    if (result_formats(m, r, fmts) != 0) {
        rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
        return;
    }
    if (row_too_large(m, r, 0) || row_json_values(m, r, 0, fmts) > ROWMAP_JSON_READ_VALUES) {
        rpc_fail(c, GRPC_STATUS_RESOURCE_EXHAUSTED, ROW_TOO_LARGE);
        return;
    }
    ProtobufCMessage *msg = read_row(c, m, r, 0, fmts);
    if (!msg)
        return;
    size_t size = protobuf_c_message_get_packed_size(msg);
    if (size > ROWMAP_REPLY_MAX_BYTES) {
        rpc_fail(c, GRPC_STATUS_RESOURCE_EXHAUSTED, ROW_TOO_LARGE);
        return;
    }
    rpc_reply_within(c, msg, size); /* sized once */
}

void rowmap_reply_list(rpc_call *c, const rowmap *m, pgq *q, const list_page *p,
                       const ProtobufCMessageDescriptor *resp)
{
    int stmt = last_index(q);
    const PGresult *r = pgq_res(q, stmt);
    int n = PQntuples(r), serve = n > p->limit ? p->limit : n;
    const ProtobufCFieldDescriptor *items = NULL, *token = NULL;
    for (unsigned i = 0; i < resp->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &resp->fields[i];
        if (fd->label == PROTOBUF_C_LABEL_REPEATED && fd->type == PROTOBUF_C_TYPE_MESSAGE)
            items = fd;
        else if (strcmp(fd->name, "next_page_token") == 0)
            token = fd;
    }
    ProtobufCMessage *out = rpc_alloc(c, resp->sizeof_message);
    ProtobufCMessage **ptrs = rpc_alloc(c, sizeof(*ptrs) * ((size_t)serve + 1));
    char *tok = rpc_alloc(c, PAGETOKEN_SIZE);
    if (!items || !token || !out || !ptrs || !tok) {
        rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
        return;
    }
    protobuf_c_message_init(resp, out);
    cell_fmt fmts[MAX_COLS];
    const ProtobufCFieldDescriptor *ts_fd = rowmap_field(m, (size_t)m->cursor_ts),
                                   *id_fd = rowmap_field(m, (size_t)m->cursor_id);
    rowmap_kind cursor_kind = m->cols[m->cursor_ts].kind;
    if (!ts_fd || !id_fd || (cursor_kind != RM_TS && cursor_kind != RM_INT32) ||
        result_formats(m, r, fmts) != 0) {
        rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
        return;
    }
    /* The page stops before the row that would take the reply past its
     * budget (a short page; its token continues from there). A row that is
     * over the budget alone is an error, found from its cells' lengths
     * before it is decoded. */
    int boundable = 1, cut = 0;
    for (size_t k = 0; k < m->ncols; k++)
        boundable &= col_boundable(&m->cols[k]);
    size_t used = 0, values_used = 0;
    for (int i = 0; i < serve && !cut; i++) {
        size_t size = 0, values = 0;
        int over = row_too_large(m, r, i);
        if (!over) {
            /* Decoded JSON costs memory by its values, not its bytes: the
             * page stops before the row that would pass the budget. */
            values = row_json_values(m, r, i, fmts);
            over = values > ROWMAP_JSON_READ_VALUES - values_used;
        }
        if (!over) {
            if (!(ptrs[i] = read_row(c, m, r, i, fmts)))
                return;
            size = TAG_MAX + LEN_MAX +
                   (boundable ? row_bound(m, r, i, fmts)
                              : protobuf_c_message_get_packed_size(ptrs[i]));
            /* A bound is only an upper one (JSON text over sub-messages):
             * before it cuts the page, the row's real size decides. */
            if (boundable && used + size > ROWMAP_REPLY_MAX_BYTES)
                size = TAG_MAX + LEN_MAX + protobuf_c_message_get_packed_size(ptrs[i]);
            over = used + size > ROWMAP_REPLY_MAX_BYTES;
        }
        if (over && i == 0) {
            rpc_fail(c, GRPC_STATUS_RESOURCE_EXHAUSTED, ROW_TOO_LARGE);
            return;
        }
        if (over) {
            serve = i;
            cut = 1;
        } else {
            used += size;
            values_used += values;
        }
    }
    /* The cursor is the last row served, as it was read: created_at in
     * microseconds, or an int32 column standing in its slot (tiers page by
     * sort_order). */
    long long cursor_ts = 0;
    const char *cursor_id = "";
    if (serve) {
        const ProtobufCMessage *last = ptrs[serve - 1];
        if (cursor_kind == RM_INT32) {
            cursor_ts = *FIELD(last, ts_fd, int32_t);
        } else {
            const Google__Protobuf__Timestamp *ts =
                *FIELD(last, ts_fd, Google__Protobuf__Timestamp *);
            cursor_ts = ts ? cursor_us(ts) : 0;
        }
        cursor_id = *FIELD(last, id_fd, const char *);
    }
    *COUNT(out, items) = (size_t)serve;
    *FIELD(out, items, ProtobufCMessage **) = ptrs;
    /* A cut page has more after it whatever the row count says; so has one
     * whose rows the pool stopped keeping (PGPOOL_ROWS). */
    *FIELD(out, token, const char *) =
        list_next(c, p, cut || pgq_cut(q, stmt) ? p->limit + 1 : n, cursor_ts, cursor_id, tok);
    /* `used` bounds the items (exactly, for rows sized by protobuf-c); the
     * bound may be several times the reply (JSON columns): past
     * REPLY_BOUND_MAX the sizing pass is the smaller cost. */
    size_t bound = used > REPLY_BOUND_MAX ? 0 : used;
    rpc_reply_within(c, out, bound ? bound + TAG_MAX + LEN_MAX + PAGETOKEN_LEN : 0);
}

Google__Protobuf__Timestamp *rowmap_timestamp(rpc_call *c, long long us)
{
    Google__Protobuf__Timestamp *ts = rpc_alloc(c, sizeof(*ts));
    if (!ts)
        return NULL;
    long long sec = us / 1000000, rem = us % 1000000;
    if (rem < 0) {
        sec--;
        rem += 1000000;
    }
    google__protobuf__timestamp__init(ts);
    ts->seconds = sec;
    ts->nanos = (int32_t)(rem * 1000);
    return ts;
}

const ProtobufCFieldDescriptor *rowmap_field(const rowmap *m, size_t i)
{
    const ProtobufCFieldDescriptor *const *fds = fields_of(m);
    return fds ? fds[i]
               : protobuf_c_message_descriptor_get_field_by_name(m->desc, m->cols[i].field);
}

/* ---- internals ------------------------------------------------------- */

/* The transaction's last statement: the one a reply reads. */
static int last_index(const pgq *q)
{
    int last = 0;
    while (pgq_res(q, last + 1))
        last++;
    return last;
}

/* An upper bound of the packed size of row `row` of r read through m (every
 * column col_boundable), without its tag and length as a repeated element.
 * Sizing a reply this way, from lengths libpq already has, replaces a full
 * protobuf_c_message_get_packed_size pass (13% of a 50-row list's cost). */
static size_t row_bound(const rowmap *m, const PGresult *r, int row, const cell_fmt *fmts)
{
    size_t total = 0;
    for (size_t i = 0; i < m->ncols; i++) {
        /* A binary uuid (16 bytes) is read as its 36 characters; other
         * binary values are never shorter than what is read from them. */
        size_t len =
            fmts[i] == BIN(PGBIN_UUID) ? PGBIN_UUID_TEXT - 1 : (size_t)PQgetlength(r, row, (int)i);
        total += col_bound(&m->cols[i], len);
    }
    return total;
}

/* Whether a row is too large to decode: its cells together longer than a
 * reply may be, or a free-form JSON cell past ROWMAP_JSON_READ_MAX. (Its
 * decoded size is bounded by values, row_json_values: a megabyte of nulls
 * would take 70 decoded.) Rows written through rowparam.c never are; rows
 * written by other clients may be. */
static int row_too_large(const rowmap *m, const PGresult *r, int row)
{
    static const char marker[] = ROWMAP_JSON_TOO_LARGE;
    const size_t mlen = sizeof(marker) - 1;
    size_t total = 0;
    for (size_t i = 0; i < m->ncols; i++) {
        size_t len = (size_t)PQgetlength(r, row, (int)i);
        rowmap_kind k = m->cols[i].kind;
        if (k == RM_STRUCT || k == RM_STRUCT_LIST) {
            if (len > ROWMAP_JSON_READ_MAX + 1)
                return 1;
            /* The statement's stand-in for a value too large to send
             * (ROWMAP_SQL_JSON); in binary format after jsonb's version byte. */
            const char *v = PQgetvalue(r, row, (int)i);
            size_t off = PQfformat(r, (int)i) == 1 ? 1 : 0;
            if (len == mlen + off && memcmp(v + off, marker, mlen) == 0)
                return 1;
        }
        total += len;
    }
    return total > ROWMAP_REPLY_MAX_BYTES;
}

/* The JSON values of a row's free-form JSON cells (Struct columns, lists
 * of Structs or of messages): what decoding them costs; SIZE_MAX when a cell
 * is nested deeper than the JSON reader goes (JSONR_MAX_DEPTH). */
static size_t row_json_values(const rowmap *m, const PGresult *r, int row, const cell_fmt *fmts)
{
    size_t total = 0;
    for (size_t i = 0; i < m->ncols; i++) {
        rowmap_kind k = m->cols[i].kind;
        if (k != RM_STRUCT && k != RM_STRUCT_LIST && k != RM_MSG_LIST)
            continue;
        const char *text;
        size_t n;
        if (PQgetisnull(r, row, (int)i) ||
            cell_json(PQgetvalue(r, row, (int)i), (size_t)PQgetlength(r, row, (int)i), fmts[i],
                      &text, &n) != 0)
            continue;
        size_t depth, values = json_measure(text, n, &depth);
        /* Deeper than the reader goes: it cannot be decoded at all. */
        if (depth > JSONR_MAX_DEPTH)
            return SIZE_MAX;
        total += values;
    }
    return total;
}

size_t rowmap_json_values(const char *s, size_t n)
{
    size_t depth;
    return json_measure(s, n, &depth);
}

/* One pass over JSON text: its values (as rowmap_json_values counts them)
 * and, in *depth, its deepest nesting of objects and arrays. */
static size_t json_measure(const char *s, size_t n, size_t *depth)
{
    size_t count = 0, level = 0;
    *depth = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '"') {
            size_t j = i + 1;
            while (j < n && s[j] != '"')
                j += s[j] == '\\' ? 2 : 1;
            if (j + 1 >= n || s[j + 1] != ':')
                count++; /* a string value, not a key */
            i = j;
        } else if (ch == '{' || ch == '[') {
            count++;
            if (++level > *depth)
                *depth = level;
        } else if (ch == '}' || ch == ']') {
            level -= level > 0;
        } else if (ch == 't' || ch == 'f' || ch == 'n' || ch == '-' || (ch >= '0' && ch <= '9')) {
            count++;
            /* skip the rest of a scalar */
            while (i + 1 < n && s[i + 1] != ',' && s[i + 1] != ']' && s[i + 1] != '}')
                i++;
        }
    }
    return count;
}

/* Whether col_bound has a bound for col: Struct values have none (they nest
 * a message per JSON bracket), nor sub-messages that hold one. */
static int col_boundable(const rowmap_col *col)
{
    if (col->kind == RM_STRUCT || col->kind == RM_STRUCT_LIST)
        return 0;
    for (size_t k = 0; col->kind == RM_MSG_LIST && k < col->sub->ncols; k++) {
        rowmap_kind sk = col->sub->cols[k].kind;
        if (sk != RM_TEXT && sk != RM_INT32 && sk != RM_DOUBLE && sk != RM_BOOL)
            return 0;
    }
    return 1;
}

/* Bound of one column (col_boundable) whose text is text_len bytes long. */
static size_t col_bound(const rowmap_col *col, size_t text_len)
{
    switch (col->kind) {
    case RM_TEXT:
        return TAG_MAX + LEN_MAX + text_len;
    case RM_INT32:
    case RM_ENUM:
        return TAG_MAX + VARINT_MAX;
    case RM_DOUBLE:
        return TAG_MAX + 8;
    case RM_BOOL:
        return TAG_MAX + 1;
    case RM_TS: /* Timestamp {int64 seconds = 1; int32 nanos = 2;} */
        return TAG_MAX + LEN_MAX + 2 * (TAG_MAX + VARINT_MAX);
    case RM_TEXT_ARRAY:
        /* Each element costs a tag and a length beside its bytes and takes
         * at least 2 characters of JSON ("" plus a comma or bracket):
         * (10 + b) <= 5 * (2 + b). */
        return 5 * text_len + 1;
    case RM_MSG_LIST:
        /* Sub-messages of scalars (col_boundable). Per object: tag and length (10)
         * against at least 2 characters ({}). Per member: a tag and at most
         * 10 bytes of varint/length, plus a string's bytes (never more than
         * its JSON text, escapes only shrink), against at least 4 characters
         * ("":x) plus that text: (15 + v) <= 5 * (4 + v). Repeated, unknown
         * or null keys only write less. */
        return 5 * text_len + 1;
    default: /* RM_STRUCT, RM_STRUCT_LIST: not boundable */
        return 0;
    }
}

/* Field descriptors by column, looked up by name once per rowmap and thread:
 * a list page reads 50 rows of a dozen columns, and the search by name was
 * 7% of the service's CPU. Never freed: rowmaps are static declarations. */
#define MEMO_MAPS 32
#define MEMO_COLS 64
static _Thread_local struct fd_memo {
    const rowmap *m;
    const ProtobufCFieldDescriptor *fd[MEMO_COLS];
} memo[MEMO_MAPS];
static _Thread_local size_t nmemo;

/* The memo entry of m (made on first use), or NULL when the memo is full. */
static const ProtobufCFieldDescriptor *const *fields_of(const rowmap *m)
{
    for (size_t k = 0; k < nmemo; k++)
        if (memo[k].m == m)
            return memo[k].fd;
    if (nmemo == MEMO_MAPS || m->ncols > MEMO_COLS)
        return NULL;
    struct fd_memo *e = &memo[nmemo++];
    e->m = m;
    for (size_t k = 0; k < m->ncols; k++)
        e->fd[k] = protobuf_c_message_descriptor_get_field_by_name(m->desc, m->cols[k].field);
    return e->fd;
}

/* The formats of r's columns for m: TEXT_FMT, or for a binary column the
 * decoding of its type. -1 when r has too few columns, one is binary of a
 * type pgbin cannot read, or a time column is neither a timestamp (binary)
 * nor SQL_US's int8: a statement that does not fit its rowmap. */
static int result_formats(const rowmap *m, const PGresult *r, cell_fmt *out)
{
    if (m->ncols > MAX_COLS || (size_t)PQnfields(r) < m->ncols)
        return -1;
    for (size_t i = 0; i < m->ncols; i++) {
        pgbin_type t = pgbin_type_of(PQftype(r, (int)i));
        int binary = PQfformat(r, (int)i) == 1;
        if ((binary && t == PGBIN_UNKNOWN) ||
            (m->cols[i].kind == RM_TS && t != PGBIN_INT8 && !(binary && t == PGBIN_TIMESTAMP)))
            return -1;
        out[i] = binary ? BIN(t) : TEXT_FMT;
    }
    return 0;
}

/* The message of one row; NULL after answering the call INTERNAL. */
static ProtobufCMessage *read_row(rpc_call *c, const rowmap *m, const PGresult *r, int row,
                                  const cell_fmt *fmts)
{
    ProtobufCMessage *msg = rpc_alloc(c, m->desc->sizeof_message);
    if (!msg) {
        rpc_fail(c, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        return NULL;
    }
    protobuf_c_message_init(m->desc, msg);
    const ProtobufCFieldDescriptor *const *fds = fields_of(m);
    for (size_t i = 0; i < m->ncols; i++) {
        const ProtobufCFieldDescriptor *fd = fds ? fds[i] : rowmap_field(m, i);
        /* libpq gives "" for NULL: only an empty value needs the NULL
         * check. A NULL leaves the field at its default ("" for strings). */
        const char *v = PQgetvalue(r, row, (int)i);
        int len = PQgetlength(r, row, (int)i);
        if (!fd || !v) {
            rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
            return NULL;
        }
        if (len == 0 && PQgetisnull(r, row, (int)i))
            continue;
        if (read_col(c, &m->cols[i], fd, msg, v, (size_t)len, fmts[i]) != 0) {
            rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
            return NULL;
        }
    }
    return msg;
}

/* One non-NULL value v (len bytes, format f) into its field. */
static int read_col(rpc_call *c, const rowmap_col *col, const ProtobufCFieldDescriptor *fd,
                    ProtobufCMessage *msg, const char *v, size_t len, cell_fmt f)
{
    long long i;
    const char *text;
    size_t n;
    switch (col->kind) {
    case RM_TEXT:
        return cell_text(c, v, len, f, FIELD(msg, fd, const char *));
    case RM_INT32:
        if (cell_int(v, len, f, &i) != 0)
            return -1;
        *FIELD(msg, fd, int32_t) = (int32_t)i;
        return 0;
    case RM_DOUBLE:
        if (f == TEXT_FMT) {
            *FIELD(msg, fd, double) = strtod(v, NULL);
            return 0;
        }
        return pgbin_double((pgbin_type)(f - 1), v, len, FIELD(msg, fd, double));
    case RM_BOOL: {
        int b = v[0] == 't';
        if (f != TEXT_FMT && (f != BIN(PGBIN_BOOL) || pgbin_bool(v, len, &b) != 0))
            return -1;
        *FIELD(msg, fd, protobuf_c_boolean) = b;
        return 0;
    }
    case RM_TS: {
        long long us;
        Google__Protobuf__Timestamp *ts =
            cell_us(v, len, f, &us) == 0 ? rowmap_timestamp(c, us) : NULL;
        if (!ts)
            return -1;
        *FIELD(msg, fd, Google__Protobuf__Timestamp *) = ts;
        return 0;
    }
    case RM_ENUM: {
        /* A value the enum does not know (written by another client) reads
         * as 0, the enum's UNSPECIFIED, rather than failing the row. */
        int e = 0;
        if (cell_text(c, v, len, f, &text) != 0)
            return -1;
        if (valid_enum_value(col->enums, col->nenums, text, &e) != 0)
            e = 0;
        *FIELD(msg, fd, int) = e;
        return 0;
    }
    case RM_STRUCT: {
        Google__Protobuf__Value *s;
        Google__Protobuf__Struct *obj;
        if (cell_json(v, len, f, &text, &n) != 0 || read_json(c, text, n, &s) != 0 ||
            !(obj = as_object(c, s, "items")))
            return -1;
        *FIELD(msg, fd, Google__Protobuf__Struct *) = obj;
        return 0;
    }
    case RM_STRUCT_LIST:
    case RM_TEXT_ARRAY:
        return cell_json(v, len, f, &text, &n) != 0 ? -1 : read_msg_list(c, col, fd, msg, text, n);
    case RM_MSG_LIST:
        return cell_json(v, len, f, &text, &n) != 0 ? -1
                                                    : read_sub_messages(c, col, fd, msg, text, n);
    }
    return -1;
}

/* An integer: text as PostgreSQL prints it, or a binary int2/4/8. */
static int cell_int(const char *v, size_t len, cell_fmt f, long long *out)
{
    if (f != TEXT_FMT)
        return pgbin_int((pgbin_type)(f - 1), v, len, out);
    *out = read_int(v);
    return 0;
}

/* Epoch microseconds: text or binary int8 (SQL_US), or a binary timestamp. */
static int cell_us(const char *v, size_t len, cell_fmt f, long long *out)
{
    return f == BIN(PGBIN_TIMESTAMP) ? pgbin_epoch_us(v, len, out) : cell_int(v, len, f, out);
}

/* A string: text format, binary text types as they are, a binary uuid
 * printed into the call's memory. */
static int cell_text(rpc_call *c, const char *v, size_t len, cell_fmt f, const char **out)
{
    if (f == TEXT_FMT || f == BIN(PGBIN_RAW)) {
        *out = v;
        return 0;
    }
    char *s = f == BIN(PGBIN_UUID) ? rpc_alloc(c, PGBIN_UUID_TEXT) : NULL;
    if (!s || pgbin_uuid_text(v, len, s) != 0)
        return -1;
    *out = s;
    return 0;
}

/* JSON text: text format, binary json, or binary jsonb past its version. */
static int cell_json(const char *v, size_t len, cell_fmt f, const char **text, size_t *n)
{
    if (f == BIN(PGBIN_JSONB))
        return pgbin_jsonb_text(v, len, text, n);
    if (f != TEXT_FMT && f != BIN(PGBIN_RAW))
        return -1;
    *text = v;
    *n = len;
    return 0;
}

/* JSON arrays of Structs or of strings. */
static int read_msg_list(rpc_call *c, const rowmap_col *col, const ProtobufCFieldDescriptor *fd,
                         ProtobufCMessage *msg, const char *v, size_t len)
{
    Google__Protobuf__Value *doc, **values;
    size_t n;
    if (read_json(c, v, len, &doc) != 0 || as_list(c, doc, &values, &n) != 0)
        return -1;
    void **items = rpc_alloc(c, sizeof(void *) * (n + 1));
    if (!items)
        return -1;
    for (size_t k = 0; k < n; k++)
        if (read_json_elem(c, col, &items[k], values[k]) != 0)
            return -1;
    *COUNT(msg, fd) = n;
    *FIELD(msg, fd, void **) = items;
    return 0;
}

/* One array element into *out, its place in the array. What the field
 * cannot hold as it is reads in a form it can: for a string list, null as
 * "" and any other non-string as its JSON text; for a Struct list, a value
 * that is not an object as {"value": it}. */
static int read_json_elem(rpc_call *c, const rowmap_col *col, void **out,
                          Google__Protobuf__Value *v)
{
    if (col->kind == RM_TEXT_ARRAY) {
        if (v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE)
            *out = v->string_value;
        else if (v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE)
            *out = (char *)protobuf_c_empty_string;
        else if (!(*out = json_text(c, v)))
            return -1;
        return 0;
    }
    return (*out = as_object(c, v, "value")) ? 0 : -1;
}

/* v as an object: itself, or {key: v} for anything else. */
static Google__Protobuf__Struct *as_object(rpc_call *c, Google__Protobuf__Value *v, const char *key)
{
    if (v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE)
        return v->struct_value;
    Google__Protobuf__Struct *s = rpc_alloc(c, sizeof(*s));
    Google__Protobuf__Struct__FieldsEntry *e = rpc_alloc(c, sizeof(*e));
    Google__Protobuf__Struct__FieldsEntry **entries = rpc_alloc(c, sizeof(*entries));
    if (!s || !e || !entries)
        return NULL;
    google__protobuf__struct__init(s);
    google__protobuf__struct__fields_entry__init(e);
    e->key = (char *)key;
    e->value = v;
    entries[0] = e;
    s->n_fields = 1;
    s->fields = entries;
    return s;
}

/* doc as a list: an array's elements; null as none; anything else as a
 * list of that one value. */
static int as_list(rpc_call *c, Google__Protobuf__Value *doc, Google__Protobuf__Value ***values,
                   size_t *n)
{
    if (doc->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE) {
        *values = doc->list_value->values;
        *n = doc->list_value->n_values;
        return 0;
    }
    *n = doc->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE ? 0 : 1;
    if (!(*values = rpc_alloc(c, sizeof(**values))))
        return -1;
    (*values)[0] = doc;
    return 0;
}

/* v's JSON text, in the call's memory. */
static char *json_text(rpc_call *c, const Google__Protobuf__Value *v)
{
    char *text = NULL;
    if (pbjson_from_value(v, &text) != 0)
        return NULL;
    if (rpc_defer(c, free, text) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* RM_MSG_LIST: the jsonb array of objects straight into sub-messages.
 * Members come one at a time, so a key written twice is settled as the
 * Value-tree reading settled it: the last occurrence decides, a null resets
 * the field. jsonb never prints a key twice; this keeps other JSON honest.
 * Rows other clients wrote may hold any JSON: a member of a type its field
 * cannot hold reads as the field's default, and a column that is not an
 * array of objects is read through the Value tree instead (slow_sub_messages). */
typedef struct sub_reader {
    rpc_call *c;
    const rowmap *sub;
} sub_reader;

static int read_sub_messages(rpc_call *c, const rowmap_col *col, const ProtobufCFieldDescriptor *fd,
                             ProtobufCMessage *msg, const char *v, size_t len)
{
    sub_reader sr = {c, col->sub};
    const jsonr_mem mem = {call_mem, c};
    const jsonr_objects cb = {sub_begin, sub_member, &sr};
    void **items;
    size_t n;
    if (jsonr_parse_objects(v, len, &mem, &cb, &items, &n) != 0 &&
        slow_sub_messages(&sr, v, len, &items, &n) != 0)
        return -1;
    *COUNT(msg, fd) = n;
    *FIELD(msg, fd, void **) = items;
    return 0;
}

/* Any JSON as a list (as_list); its objects become sub-messages, the other
 * elements are left out. */
static int slow_sub_messages(sub_reader *sr, const char *v, size_t len, void ***items, size_t *n)
{
    Google__Protobuf__Value *doc, **values;
    size_t count;
    if (read_json(sr->c, v, len, &doc) != 0 || as_list(sr->c, doc, &values, &count) != 0 ||
        !(*items = rpc_alloc(sr->c, sizeof(void *) * (count + 1))))
        return -1;
    *n = 0;
    for (size_t k = 0; k < count; k++) {
        if (values[k]->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE)
            continue;
        const Google__Protobuf__Struct *o = values[k]->struct_value;
        void *m = sub_begin(sr, *n);
        if (!m)
            return -1;
        for (size_t e = 0; e < o->n_fields; e++)
            if (sub_member(sr, m, o->fields[e]->key, o->fields[e]->value) != 0)
                return -1;
        (*items)[(*n)++] = m;
    }
    return 0;
}

static void *sub_begin(void *ctx, size_t index)
{
    (void)index;
    sub_reader *sr = ctx;
    ProtobufCMessage *m = rpc_alloc(sr->c, sr->sub->desc->sizeof_message);
    if (m)
        protobuf_c_message_init(sr->sub->desc, m);
    return m;
}

/* Keys that name no column are ignored. */
static int sub_member(void *ctx, void *record, const char *key, const Google__Protobuf__Value *jv)
{
    sub_reader *sr = ctx;
    const rowmap *sub = sr->sub;
    ProtobufCMessage *m = record;
    size_t i = 0;
    while (i < sub->ncols &&
           (sub->cols[i].field[0] != key[0] || strcmp(sub->cols[i].field, key) != 0))
        i++;
    if (i == sub->ncols)
        return 0;
    const ProtobufCFieldDescriptor *sfd = rowmap_field(sub, i);
    if (!sfd)
        return -1;
    int is_number = jv->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
    switch (sub->cols[i].kind) {
    case RM_TEXT:
        *FIELD(m, sfd, char *) = jv->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE
                                     ? jv->string_value
                                     : (char *)protobuf_c_empty_string;
        break;
    case RM_INT32:
        /* A number outside int32 has no int32 value (the cast would be
         * undefined): it reads as 0, like any other value it cannot hold. */
        *FIELD(m, sfd, int32_t) =
            is_number && jv->number_value >= -2147483648.0 && jv->number_value < 2147483648.0
                ? (int32_t)jv->number_value
                : 0;
        break;
    case RM_DOUBLE:
        *FIELD(m, sfd, double) = is_number ? jv->number_value : 0;
        break;
    case RM_BOOL:
        *FIELD(m, sfd, protobuf_c_boolean) =
            jv->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE && jv->bool_value;
        break;
    case RM_STRUCT:
        /* Like a Struct column: a value that is not an object as {"items": it}. */
        if (jv->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE) {
            *FIELD(m, sfd, Google__Protobuf__Struct *) = NULL;
        } else if (jv->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE) {
            *FIELD(m, sfd, Google__Protobuf__Struct *) = jv->struct_value;
        } else {
            /* The wrapper keeps the value: jv itself is the parser's and
             * gone after this call (jsonr.h), what it points to lives in
             * the call's memory. Copy the Value, not only the pointer. */
            Google__Protobuf__Value *copy = rpc_alloc(sr->c, sizeof(*copy));
            if (!copy)
                return -1;
            *copy = *jv;
            Google__Protobuf__Struct *o = as_object(sr->c, copy, "items");
            if (!o)
                return -1;
            *FIELD(m, sfd, Google__Protobuf__Struct *) = o;
        }
        break;
    default:
        return -1; /* deeper nesting is not needed by any resource */
    }
    return 0;
}

static void *call_mem(void *ctx, size_t n)
{
    return rpc_alloc(ctx, n);
}

/* A jsonb column's text, parsed into the call's memory. */
static int read_json(rpc_call *c, const char *text, size_t n, Google__Protobuf__Value **out)
{
    const jsonr_mem mem = {call_mem, c};
    return jsonr_parse(text, n, &mem, out);
}

/* PostgreSQL prints integers as -?[0-9]+; strtoll's locale and base
 * handling was 2% of a list call. Out-of-range input is not expected (the
 * columns are int4/int8) and wraps instead of saturating. */
static long long read_int(const char *v)
{
    int neg = *v == '-';
    unsigned long long n = 0;
    for (v += neg; *v >= '0' && *v <= '9'; v++)
        n = n * 10 + (unsigned long long)(*v - '0');
    return (long long)(neg ? 0 - n : n); /* unsigned negation: LLONG_MIN without overflow */
}

/* A Timestamp back to the microseconds it was read from (rowmap_timestamp),
 * saturated: a row's time is an int8 of microseconds, so only a value at
 * the very ends of that range could overflow, and it pages as the end. */
static long long cursor_us(const Google__Protobuf__Timestamp *ts)
{
    long long us;
    if (__builtin_mul_overflow((long long)ts->seconds, 1000000LL, &us) ||
        __builtin_add_overflow(us, (long long)(ts->nanos / 1000), &us))
        return ts->seconds < 0 ? LLONG_MIN : LLONG_MAX;
    return us;
}
