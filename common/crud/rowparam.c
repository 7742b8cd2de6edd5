/*
 * rowparam.c - a request's resource into statement parameters (see
 * rowparam.h).
 */
#include "rowparam.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "google/protobuf/timestamp.pb-c.h"
#include "jsonesc.h"
#include "pbjson.h"

#define FIELD(msg, fd, type) ((type *)((char *)(msg) + (fd)->offset))
#define COUNT(msg, fd)       ((size_t *)((char *)(msg) + (fd)->quantifier_offset))

typedef struct strbuf {
    char *s;
    size_t len, cap;
    int bad;
} strbuf;

static char *write_json(const rowmap_col *col, const ProtobufCFieldDescriptor *fd,
                        const ProtobufCMessage *msg);
static char *sb_grow(strbuf *b, size_t n);
static void sb_add(strbuf *b, const char *p, size_t n);
static void sb_json_string(strbuf *b, const char *s);
static void sb_sub_message(strbuf *b, const rowmap *sub, const ProtobufCMessage *m);
static char *dup_call(rpc_call *c, const char *s, size_t n);
static char *own_malloced(rpc_call *c, char *s);

const char *rowparam_value(rpc_call *c, const rowmap *m, const ProtobufCMessage *msg, size_t i,
                           int *bad)
{
    const rowmap_col *col = &m->cols[i];
    const ProtobufCFieldDescriptor *fd = rowmap_field(m, i);
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
        /* What is stored must read back within a reply's budget: free-form
         * JSON is capped in bytes and in values at write (typed lists are
         * bounded by their items' own limits). */
        size_t len = strlen(text);
        if ((col->kind == RM_STRUCT || col->kind == RM_STRUCT_LIST) &&
            (len > ROWMAP_JSON_MAX_BYTES ||
             rowmap_json_values(text, len) > ROWMAP_JSON_MAX_VALUES)) {
            *bad = 1;
            rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT,
                      "%s is too large: at most %d bytes of JSON and %d values", col->field,
                      ROWMAP_JSON_MAX_BYTES, ROWMAP_JSON_MAX_VALUES);
            free(text);
            return NULL;
        }
        return own_malloced(c, text);
    }
    }
}

int rowparam_insert(rpc_call *c, const rowmap *m, const ProtobufCMessage *msg, const char **out)
{
    int n = 0, bad;
    for (size_t i = 0; i < m->ncols; i++) {
        if (m->cols[i].flags & RM_OUT)
            continue;
        out[n++] = rowparam_value(c, m, msg, i, &bad);
        if (bad)
            return -1;
    }
    return n;
}

int rowparam_update(rpc_call *c, const rowmap *m, const ProtobufCMessage *msg,
                    const Google__Protobuf__FieldMask *mask, const char **out,
                    unsigned long long *changed)
{
    *changed = 0;
    int use_mask = mask && mask->n_paths > 0;
    for (size_t k = 0; use_mask && k < mask->n_paths; k++) {
        int i = rowparam_col_index(m, mask->paths[k]);
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
        if (!use_mask && rowparam_is_set(m, msg, i))
            *changed |= 1ull << i;
        int on = (*changed >> i) & 1;
        out[n++] = on ? "t" : "f";
        out[n++] = on ? rowparam_value(c, m, msg, i, &bad) : NULL;
        if (on && bad)
            return -1;
    }
    return n;
}

int rowparam_col_index(const rowmap *m, const char *field)
{
    for (size_t i = 0; i < m->ncols; i++)
        if (strcmp(m->cols[i].field, field) == 0)
            return (int)i;
    return -1;
}

int rowparam_is_set(const rowmap *m, const ProtobufCMessage *msg, size_t i)
{
    const ProtobufCFieldDescriptor *fd = rowmap_field(m, i);
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

/* JSON text of a Struct, list or sub-message list, malloc'd; NULL when a
 * value has no JSON form. Structs go through pbjson so that numbers are
 * written as sent (a round trip through a double printed at full precision would turn
 * 0.1 into 0.10000000000000001). */
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
        const ProtobufCFieldDescriptor *sfd = rowmap_field(sub, i);
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
    const char *text = s ? s : "";
    size_t n = strlen(text);
    ssize_t len = jsonesc_len(text, n, JSONESC_STRICT);
    char *w = len >= 0 ? sb_grow(b, (size_t)len + 2) : NULL;
    if (!w || jsonesc_write(w + 1, text, n, JSONESC_STRICT) != len) {
        b->bad = 1;
        return;
    }
    w[0] = '"';
    w[len + 1] = '"';
    b->len += (size_t)len + 2;
    b->s[b->len] = 0;
}

/* Room for n more bytes and the NUL: where they go, or NULL (b is bad). */
static char *sb_grow(strbuf *b, size_t n)
{
    if (b->bad)
        return NULL;
    if (n > SIZE_MAX / 2 - b->len - 1) {
        b->bad = 1;
        return NULL;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *grown = realloc(b->s, cap);
        if (!grown) {
            b->bad = 1;
            return NULL;
        }
        b->s = grown;
        b->cap = cap;
    }
    return b->s + b->len;
}

static void sb_add(strbuf *b, const char *p, size_t n)
{
    char *w = sb_grow(b, n);
    if (!w)
        return;
    memcpy(w, p, n);
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
