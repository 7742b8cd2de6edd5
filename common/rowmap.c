/*
 * rowmap.c - resources between rows and messages by field descriptor (see
 * rowmap.h). Field storage follows protobuf-c's layout: a scalar or pointer
 * at fd->offset, and for repeated fields the count at fd->quantifier_offset.
 */
#include "rowmap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "google/protobuf/timestamp.pb-c.h"
#include "jsonr.h"
#include "pbjson.h"

#define FIELD(msg, fd, type) ((type *)((char *)(msg) + (fd)->offset))
#define COUNT(msg, fd)       ((size_t *)((char *)(msg) + (fd)->quantifier_offset))

/* Upper bounds of protobuf sizes: a tag takes at most 5 bytes (field
 * numbers < 2^29), a length or varint 5 or 10. */
#define TAG_MAX         5
#define LEN_MAX         5
#define VARINT_MAX      10
#define REPLY_BOUND_MAX (1u << 20)

static const ProtobufCFieldDescriptor *const *fields_of(const rowmap *m);
static const ProtobufCFieldDescriptor *field_of(const rowmap *m, size_t i);
static int read_col(rpc_call *c, const rowmap_col *col, const ProtobufCFieldDescriptor *fd,
                    ProtobufCMessage *msg, const char *v, int is_null);
static int read_msg_list(rpc_call *c, const rowmap_col *col, const ProtobufCFieldDescriptor *fd,
                         ProtobufCMessage *msg, const char *v);
static int read_json_elem(const rowmap_col *col, void **slot, const Google__Protobuf__Value *v);
static int read_sub_messages(rpc_call *c, const rowmap_col *col, const ProtobufCFieldDescriptor *fd,
                             ProtobufCMessage *msg, const char *v);
static void *sub_begin(void *ctx, size_t index);
static int sub_member(void *ctx, void *record, const char *key, const Google__Protobuf__Value *jv);
static void *call_mem(void *ctx, size_t n);
static char *write_json(const rowmap_col *col, const ProtobufCFieldDescriptor *fd,
                        const ProtobufCMessage *msg);
static char *dup_call(rpc_call *c, const char *s, size_t n);
static size_t reply_bound(const rowmap *m, const PGresult *r, int rows);
static size_t col_bound(const rowmap_col *col, size_t text_len);
static int col_boundable(const rowmap_col *col);
static long long read_int(const char *v);

typedef struct strbuf {
    char *s;
    size_t len, cap;
    int bad;
} strbuf;
static void sb_add(strbuf *b, const char *p, size_t n);
static void sb_json_string(strbuf *b, const char *s);
static void sb_sub_message(strbuf *b, const rowmap *sub, const ProtobufCMessage *m);
static char *own_malloced(rpc_call *c, char *s);
static int read_json(rpc_call *c, const char *text, Google__Protobuf__Value **out);

/* ---- reading --------------------------------------------------------- */

ProtobufCMessage *rowmap_read(rpc_call *c, const rowmap *m, const PGresult *r, int row)
{
    ProtobufCMessage *msg = rpc_alloc(c, m->desc->sizeof_message);
    if (!msg) {
        rpc_fail(c, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        return NULL;
    }
    protobuf_c_message_init(m->desc, msg);
    const ProtobufCFieldDescriptor *const *fds = fields_of(m);
    for (size_t i = 0; i < m->ncols; i++) {
        const ProtobufCFieldDescriptor *fd = fds ? fds[i] : field_of(m, i);
        /* libpq gives "" for NULL: only an empty value needs the NULL check
         * (and NULL only for a column the result does not have). */
        const char *v = PQgetvalue(r, row, (int)i);
        if (!fd || !v ||
            read_col(c, &m->cols[i], fd, msg, v, !v[0] && PQgetisnull(r, row, (int)i)) != 0) {
            rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
            return NULL;
        }
    }
    return msg;
}

void rowmap_reply_one(rpc_call *c, const rowmap *m, pgq *q, const char *what)
{
    int last = 0;
    while (pgq_res(q, last + 1))
        last++;
    const PGresult *r = pgq_res(q, last);
    if (PQntuples(r) < 1) {
        rpc_fail(c, GRPC_STATUS_NOT_FOUND, what);
        return;
    }
    ProtobufCMessage *msg = rowmap_read(c, m, r, 0);
    if (msg)
        rpc_reply(c, msg);
}

void rowmap_reply_list(rpc_call *c, const rowmap *m, pgq *q, const list_page *p,
                       const ProtobufCMessageDescriptor *resp)
{
    int last = 0;
    while (pgq_res(q, last + 1))
        last++;
    const PGresult *r = pgq_res(q, last);
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
    for (int i = 0; i < serve; i++)
        if (!(ptrs[i] = rowmap_read(c, m, r, i)))
            return;
    *COUNT(out, items) = (size_t)serve;
    *FIELD(out, items, ProtobufCMessage **) = ptrs;
    *FIELD(out, token, const char *) =
        list_next(c, p, n, serve ? read_int(PQgetvalue(r, serve - 1, m->cursor_ts)) : 0,
                  serve ? PQgetvalue(r, serve - 1, m->cursor_id) : "", tok);
    /* The bound may be several times the reply (JSON columns): past
     * REPLY_BOUND_MAX the sizing pass is the smaller cost. */
    size_t bound = reply_bound(m, r, serve);
    if (bound > REPLY_BOUND_MAX)
        bound = 0;
    rpc_reply_within(c, out, bound ? bound + TAG_MAX + LEN_MAX + PAGETOKEN_LEN : 0);
}

/* ---- writing --------------------------------------------------------- */

const char *rowmap_param(rpc_call *c, const rowmap *m, const ProtobufCMessage *msg, size_t i,
                         int *bad)
{
    const rowmap_col *col = &m->cols[i];
    const ProtobufCFieldDescriptor *fd = field_of(m, i);
    char buf[64];
    *bad = 0;
    if (!fd) {
        *bad = 1;
        rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
        return NULL;
    }
    switch (col->kind) {
    case RM_TEXT: {
        const char *s = *FIELD(msg, fd, const char *);
        return (col->flags & RM_NULLABLE) && (!s || !s[0]) ? NULL : s;
    }
    case RM_INT32:
        snprintf(buf, sizeof(buf), "%d", *FIELD(msg, fd, int32_t));
        return dup_call(c, buf, strlen(buf));
    case RM_DOUBLE:
        snprintf(buf, sizeof(buf), "%.17g", *FIELD(msg, fd, double));
        return dup_call(c, buf, strlen(buf));
    case RM_BOOL:
        return *FIELD(msg, fd, protobuf_c_boolean) ? "t" : "f";
    case RM_TS: {
        const Google__Protobuf__Timestamp *ts = *FIELD(msg, fd, Google__Protobuf__Timestamp *);
        if (!ts)
            return NULL;
        snprintf(buf, sizeof(buf), "%lld",
                 (long long)ts->seconds * 1000000 + (long long)ts->nanos / 1000);
        return dup_call(c, buf, strlen(buf));
    }
    case RM_ENUM: {
        int v = *FIELD(msg, fd, int);
        if (v == 0 && (col->flags & RM_NULLABLE))
            return NULL;
        const char *t = valid_enum_text(col->enums, col->nenums, v);
        if (!t) {
            *bad = 1;
            rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s has an unknown value", col->field);
        }
        return t;
    }
    default: {
        char *text = write_json(col, fd, msg);
        if (!text) {
            *bad = 1;
            rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s is not representable as JSON",
                      col->field);
            return NULL;
        }
        return own_malloced(c, text);
    }
    }
}

int rowmap_insert_params(rpc_call *c, const rowmap *m, const ProtobufCMessage *msg,
                         const char **out)
{
    int n = 0, bad;
    for (size_t i = 0; i < m->ncols; i++) {
        if (m->cols[i].flags & RM_OUT)
            continue;
        out[n++] = rowmap_param(c, m, msg, i, &bad);
        if (bad)
            return -1;
    }
    return n;
}

int rowmap_update_params(rpc_call *c, const rowmap *m, const ProtobufCMessage *msg,
                         const Google__Protobuf__FieldMask *mask, const char **out,
                         unsigned long long *changed)
{
    *changed = 0;
    int use_mask = mask && mask->n_paths > 0;
    for (size_t k = 0; use_mask && k < mask->n_paths; k++) {
        int i = rowmap_col_index(m, mask->paths[k]);
        if (i < 0) {
            rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "update_mask: unknown field %.64s",
                      mask->paths[k]);
            return -1;
        }
        if (m->cols[i].flags & RM_OUT) {
            rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "update_mask: %.64s cannot be changed",
                      mask->paths[k]);
            return -1;
        }
        *changed |= 1ull << i;
    }
    int n = 0, bad;
    for (size_t i = 0; i < m->ncols; i++) {
        if (m->cols[i].flags & RM_OUT)
            continue;
        if (!use_mask && rowmap_is_set(m, msg, i))
            *changed |= 1ull << i;
        int on = (*changed >> i) & 1;
        out[n++] = on ? "t" : "f";
        out[n++] = on ? rowmap_param(c, m, msg, i, &bad) : NULL;
        if (on && bad)
            return -1;
    }
    return n;
}

int rowmap_col_index(const rowmap *m, const char *field)
{
    for (size_t i = 0; i < m->ncols; i++)
        if (strcmp(m->cols[i].field, field) == 0)
            return (int)i;
    return -1;
}

int rowmap_is_set(const rowmap *m, const ProtobufCMessage *msg, size_t i)
{
    const ProtobufCFieldDescriptor *fd = field_of(m, i);
    if (!fd)
        return 0;
    if (fd->label == PROTOBUF_C_LABEL_REPEATED)
        return *COUNT(msg, fd) > 0;
    switch (m->cols[i].kind) {
    case RM_TEXT: {
        const char *s = *FIELD(msg, fd, const char *);
        return s && s[0];
    }
    case RM_INT32:
        return *FIELD(msg, fd, int32_t) != 0;
    case RM_DOUBLE:
        return *FIELD(msg, fd, double) != 0;
    case RM_BOOL:
        return *FIELD(msg, fd, protobuf_c_boolean) != 0;
    case RM_ENUM:
        return *FIELD(msg, fd, int) != 0;
    default:
        return *FIELD(msg, fd, void *) != NULL;
    }
}

/* ---- internals ------------------------------------------------------- */

/* An upper bound of the packed size of `rows` rows of r read through m, each
 * an element of a repeated message field, or 0 when a column has none
 * (col_boundable, asked once per column rather than per cell). Sizing the
 * reply this way, from lengths libpq already has, replaces a full
 * protobuf_c_message_get_packed_size pass (13% of a 50-row list's cost). */
static size_t reply_bound(const rowmap *m, const PGresult *r, int rows)
{
    for (size_t i = 0; i < m->ncols; i++)
        if (!col_boundable(&m->cols[i]))
            return 0;
    size_t total = 0;
    for (int row = 0; row < rows; row++) {
        total += TAG_MAX + LEN_MAX;
        for (size_t i = 0; i < m->ncols; i++)
            total += col_bound(&m->cols[i], (size_t)PQgetlength(r, row, (int)i));
    }
    return total;
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

static const ProtobufCFieldDescriptor *field_of(const rowmap *m, size_t i)
{
    const ProtobufCFieldDescriptor *const *fds = fields_of(m);
    return fds ? fds[i]
               : protobuf_c_message_descriptor_get_field_by_name(m->desc, m->cols[i].field);
}

static int read_col(rpc_call *c, const rowmap_col *col, const ProtobufCFieldDescriptor *fd,
                    ProtobufCMessage *msg, const char *v, int is_null)
{
    switch (col->kind) {
    case RM_TEXT:
        *FIELD(msg, fd, const char *) = v; /* "" for NULL */
        return 0;
    case RM_INT32:
        *FIELD(msg, fd, int32_t) = is_null ? 0 : (int32_t)read_int(v);
        return 0;
    case RM_DOUBLE:
        *FIELD(msg, fd, double) = is_null ? 0 : strtod(v, NULL);
        return 0;
    case RM_BOOL:
        *FIELD(msg, fd, protobuf_c_boolean) = v[0] == 't';
        return 0;
    case RM_TS: {
        if (is_null)
            return 0;
        Google__Protobuf__Timestamp *ts = rpc_alloc(c, sizeof(*ts));
        if (!ts)
            return -1;
        long long us = read_int(v), sec = us / 1000000, rem = us % 1000000;
        if (rem < 0) {
            sec--;
            rem += 1000000;
        }
        google__protobuf__timestamp__init(ts);
        ts->seconds = sec;
        ts->nanos = (int32_t)(rem * 1000);
        *FIELD(msg, fd, Google__Protobuf__Timestamp *) = ts;
        return 0;
    }
    case RM_ENUM: {
        int e = 0;
        if (!is_null && valid_enum_value(col->enums, col->nenums, v, &e) != 0)
            return -1;
        *FIELD(msg, fd, int) = e;
        return 0;
    }
    case RM_STRUCT: {
        if (is_null)
            return 0;
        Google__Protobuf__Value *s;
        if (read_json(c, v, &s) != 0 || s->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE)
            return -1;
        *FIELD(msg, fd, Google__Protobuf__Struct *) = s->struct_value;
        return 0;
    }
    case RM_STRUCT_LIST:
    case RM_TEXT_ARRAY:
        return is_null ? 0 : read_msg_list(c, col, fd, msg, v);
    case RM_MSG_LIST:
        return is_null ? 0 : read_sub_messages(c, col, fd, msg, v);
    }
    return -1;
}

/* JSON arrays of Structs or of strings. */
static int read_msg_list(rpc_call *c, const rowmap_col *col, const ProtobufCFieldDescriptor *fd,
                         ProtobufCMessage *msg, const char *v)
{
    Google__Protobuf__Value *arr;
    if (read_json(c, v, &arr) != 0 || arr->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE)
        return -1;
    size_t n = arr->list_value->n_values;
    void **items = rpc_alloc(c, sizeof(void *) * (n + 1));
    if (!items)
        return -1;
    for (size_t k = 0; k < n; k++)
        if (read_json_elem(col, &items[k], arr->list_value->values[k]) != 0)
            return -1;
    *COUNT(msg, fd) = n;
    *FIELD(msg, fd, void **) = items;
    return 0;
}

/* One array element into *out, its place in the array. */
static int read_json_elem(const rowmap_col *col, void **out, const Google__Protobuf__Value *v)
{
    if (col->kind == RM_TEXT_ARRAY) {
        if (v->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE)
            return -1;
        *out = v->string_value;
        return 0;
    }
    if (v->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE)
        return -1;
    *out = v->struct_value;
    return 0;
}

/* RM_MSG_LIST: the jsonb array of objects straight into sub-messages.
 * Members come one at a time, so a key written twice is settled as the
 * Value-tree reading settled it: the last occurrence decides, a null resets
 * the field, and a value of the wrong type fails the row only if no later
 * occurrence of its key replaces it (`bad`, checked when the object ends).
 * jsonb never prints a key twice; this keeps other JSON honest. */
typedef struct sub_reader {
    rpc_call *c;
    const rowmap *sub;
    uint64_t bad; /* the current object's columns whose latest value had the wrong type */
} sub_reader;

static int read_sub_messages(rpc_call *c, const rowmap_col *col, const ProtobufCFieldDescriptor *fd,
                             ProtobufCMessage *msg, const char *v)
{
    sub_reader sr = {c, col->sub, 0};
    const jsonr_mem mem = {call_mem, c};
    const jsonr_objects cb = {sub_begin, sub_member, &sr};
    void **items;
    size_t n;
    if (col->sub->ncols > 64 || jsonr_parse_objects(v, strlen(v), &mem, &cb, &items, &n) != 0 ||
        sr.bad)
        return -1;
    *COUNT(msg, fd) = n;
    *FIELD(msg, fd, void **) = items;
    return 0;
}

static void *sub_begin(void *ctx, size_t index)
{
    (void)index;
    sub_reader *sr = ctx;
    if (sr->bad)
        return NULL; /* the previous object ended with a bad value */
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
    const ProtobufCFieldDescriptor *sfd = field_of(sub, i);
    if (!sfd)
        return -1;
    uint64_t bit = 1ull << i;
    int is_null = jv->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE;
    int is_number = jv->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
    int ok = 1;
    switch (sub->cols[i].kind) {
    case RM_TEXT:
        ok = is_null || jv->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
        *FIELD(m, sfd, char *) =
            ok && !is_null ? jv->string_value : (char *)protobuf_c_empty_string;
        break;
    case RM_INT32:
        /* A number outside int32 has no int32 value (the cast would be
         * undefined): bad data, not something to wrap. */
        ok = !is_number || (jv->number_value >= -2147483648.0 && jv->number_value < 2147483648.0);
        *FIELD(m, sfd, int32_t) = is_number && ok ? (int32_t)jv->number_value : 0;
        break;
    case RM_DOUBLE:
        *FIELD(m, sfd, double) = is_number ? jv->number_value : 0;
        break;
    case RM_BOOL:
        *FIELD(m, sfd, protobuf_c_boolean) =
            jv->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE && jv->bool_value;
        break;
    case RM_STRUCT:
        ok = is_null || jv->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
        *FIELD(m, sfd, Google__Protobuf__Struct *) = ok && !is_null ? jv->struct_value : NULL;
        break;
    default:
        return -1; /* deeper nesting is not needed by any resource */
    }
    sr->bad = ok ? sr->bad & ~bit : sr->bad | bit;
    return 0;
}

/* JSON text of a Struct, list or sub-message list, malloc'd; NULL when a
 * value has no JSON form. Structs go through pbjson so that numbers are
 * written as sent (a jansson round trip would print 0.1 as 0.10000000000000001). */
static char *write_json(const rowmap_col *col, const ProtobufCFieldDescriptor *fd,
                        const ProtobufCMessage *msg)
{
    char *text = NULL;
    if (col->kind == RM_STRUCT)
        return pbjson_from_struct(*FIELD(msg, fd, Google__Protobuf__Struct *), &text) == 0 ? text
                                                                                           : NULL;
    size_t n = *COUNT(msg, fd);
    void *const *items = *FIELD(msg, fd, void *const *);
    if (col->kind == RM_STRUCT_LIST)
        return pbjson_from_struct_list((Google__Protobuf__Struct *const *)items, n, &text) == 0
                   ? text
                   : NULL;
    strbuf b = {0};
    sb_add(&b, "[", 1);
    for (size_t k = 0; k < n && !b.bad; k++) {
        if (k)
            sb_add(&b, ",", 1);
        if (col->kind == RM_TEXT_ARRAY)
            sb_json_string(&b, items[k]);
        else
            sb_sub_message(&b, col->sub, items[k]);
    }
    sb_add(&b, "]", 1);
    if (b.bad) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* One sub-message as a JSON object keyed by its rowmap's field names. */
static void sb_sub_message(strbuf *b, const rowmap *sub, const ProtobufCMessage *m)
{
    sb_add(b, "{", 1);
    for (size_t i = 0; i < sub->ncols && !b->bad; i++) {
        const ProtobufCFieldDescriptor *sfd = field_of(sub, i);
        char num[32];
        if (!sfd) {
            b->bad = 1;
            return;
        }
        if (i)
            sb_add(b, ",", 1);
        sb_json_string(b, sub->cols[i].field);
        sb_add(b, ":", 1);
        switch (sub->cols[i].kind) {
        case RM_TEXT:
            sb_json_string(b, *FIELD(m, sfd, const char *));
            break;
        case RM_INT32:
            snprintf(num, sizeof(num), "%d", *FIELD(m, sfd, int32_t));
            sb_add(b, num, strlen(num));
            break;
        case RM_BOOL: {
            int on = *FIELD(m, sfd, protobuf_c_boolean) != 0;
            sb_add(b, on ? "true" : "false", on ? 4 : 5);
            break;
        }
        case RM_STRUCT: {
            char *text = NULL;
            if (pbjson_from_struct(*FIELD(m, sfd, Google__Protobuf__Struct *), &text) != 0) {
                b->bad = 1;
                return;
            }
            sb_add(b, text, strlen(text));
            free(text);
            break;
        }
        default:
            b->bad = 1; /* no resource nests deeper */
            return;
        }
    }
    sb_add(b, "}", 1);
}

/* A JSON string literal; invalid UTF-8 makes the whole value unwritable. */
static void sb_json_string(strbuf *b, const char *s)
{
    json_t *j = json_string(s ? s : "");
    char *text = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    json_decref(j);
    if (!text) {
        b->bad = 1;
        return;
    }
    sb_add(b, text, strlen(text));
    free(text);
}

static void sb_add(strbuf *b, const char *p, size_t n)
{
    if (b->bad)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *grown = realloc(b->s, cap);
        if (!grown) {
            b->bad = 1;
            return;
        }
        b->s = grown;
        b->cap = cap;
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = 0;
}

static char *dup_call(rpc_call *c, const char *s, size_t n)
{
    char *d = rpc_alloc(c, n + 1);
    if (d)
        memcpy(d, s, n);
    return d;
}

static char *own_malloced(rpc_call *c, char *s)
{
    return rpc_defer(c, free, s) == 0 ? s : NULL;
}

static void *call_mem(void *ctx, size_t n)
{
    return rpc_alloc(ctx, n);
}

/* A jsonb column's text, parsed into the call's memory. */
static int read_json(rpc_call *c, const char *text, Google__Protobuf__Value **out)
{
    const jsonr_mem mem = {call_mem, c};
    return jsonr_parse(text, strlen(text), &mem, out);
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
