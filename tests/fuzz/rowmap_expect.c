/*
 * rowmap_expect.c - what fuzz_rowmap holds a message read from a TYPED row
 * to (see rowmap_expect.h, and the Asserts of fuzz_rowmap.c's header
 * comment): every field equals its cell, JSON fields as jsonr reads the
 * cell's text, compared value by value.
 */
#include "rowmap_expect.h"

#include "fuzz.h"

#include <math.h>

#include "google/protobuf/timestamp.pb-c.h"

static bool struct_is(const Google__Protobuf__Struct *got, const Google__Protobuf__Value *v,
                      const char *key);
static Google__Protobuf__Value *const *list_of(Google__Protobuf__Value *const *doc, size_t *n);
static const Google__Protobuf__Value *member(const Google__Protobuf__Struct *o, const char *key);
static bool same_double(double got, double want);
static void check_sub(const rowmap *sub, const ProtobufCMessage *got,
                      const Google__Protobuf__Struct *o);
static void check_json(const rowmap_col *col, const ProtobufCFieldDescriptor *fd,
                       const ProtobufCMessage *msg, const cells_value *cv, const jsonr_mem *mem);

/* The field of d named name (the rowmaps are derived from d: it has it). */
const ProtobufCFieldDescriptor *expect_field_of(const ProtobufCMessageDescriptor *d,
                                                const char *name)
{
    const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field_by_name(d, name);
    FUZZ_CHECK(fd != NULL);
    return fd;
}

/* Every field of msg against the cells of its row. */
void expect_check_row(const rowmap *m, const ProtobufCMessage *msg, const cells_value *row,
                      const jsonr_mem *mem)
{
    FUZZ_CHECK(msg != NULL && msg->descriptor == m->desc);
    for (size_t i = 0; i < m->ncols; i++) {
        const rowmap_col *col = &m->cols[i];
        const ProtobufCFieldDescriptor *fd = expect_field_of(m->desc, col->field);
        const cells_value *cv = &row[i];
        bool null = cv->len < 0;
        switch (col->kind) {
        case RM_TEXT:
            FUZZ_CHECK(EXPECT_AT(msg, fd, char *) != NULL);
            FUZZ_CHECK(strcmp(EXPECT_AT(msg, fd, char *), null ? "" : cv->text) == 0);
            break;
        case RM_INT32:
            FUZZ_CHECK(EXPECT_AT(msg, fd, int32_t) == (null ? 0 : cv->i));
            break;
        case RM_DOUBLE:
            FUZZ_CHECK(same_double(EXPECT_AT(msg, fd, double), null ? 0 : cv->d));
            break;
        case RM_BOOL:
            FUZZ_CHECK(EXPECT_AT(msg, fd, protobuf_c_boolean) == (null ? 0 : cv->i));
            break;
        case RM_ENUM:
            FUZZ_CHECK(EXPECT_AT(msg, fd, int) == (null ? 0 : cv->i));
            break;
        case RM_TS: {
            const Google__Protobuf__Timestamp *ts =
                EXPECT_AT(msg, fd, Google__Protobuf__Timestamp *);
            if (null) {
                FUZZ_CHECK(ts == NULL);
                break;
            }
            FUZZ_CHECK(ts != NULL);
            FUZZ_CHECK(ts->nanos >= 0 && ts->nanos <= 999999000 && ts->nanos % 1000 == 0);
            FUZZ_CHECK((__int128)ts->seconds * 1000000 + ts->nanos / 1000 == (__int128)cv->i);
            break;
        }
        default:
            check_json(col, fd, msg, cv, mem);
        }
    }
}

/* Would rowmap refuse to read this row (RESOURCE_EXHAUSTED, or the page
 * cut before it)? A free-form JSON cell too deep for jsonr, or the
 * statement's stand-in for one too large. */
bool expect_row_over(const rowmap *m, const cells_value *row)
{
    for (size_t i = 0; i < m->ncols; i++) {
        rowmap_kind k = m->cols[i].kind;
        if (row[i].len < 0 || (k != RM_STRUCT && k != RM_STRUCT_LIST && k != RM_MSG_LIST))
            continue;
        if (row[i].depth > JSONR_MAX_DEPTH || row[i].marker)
            return true;
    }
    return false;
}

/* ---- comparisons: JSON values, sub-messages, JSON fields -------------- */

/* got is v as an object: v itself, or {key: v}. */
static bool struct_is(const Google__Protobuf__Struct *got, const Google__Protobuf__Value *v,
                      const char *key)
{
    if (v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE)
        return got != NULL && fuzz_same_struct(got, v->struct_value);
    return got != NULL && got->n_fields == 1 && strcmp(got->fields[0]->key, key) == 0 &&
           fuzz_same_value(got->fields[0]->value, v);
}

/* A JSON document as a list: an array's elements, none for null, else
 * itself alone. */
static Google__Protobuf__Value *const *list_of(Google__Protobuf__Value *const *doc, size_t *n)
{
    if ((*doc)->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE) {
        *n = (*doc)->list_value->n_values;
        return (*doc)->list_value->values;
    }
    *n = (*doc)->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE ? 0 : 1;
    return doc;
}

static const Google__Protobuf__Value *member(const Google__Protobuf__Struct *o, const char *key)
{
    const Google__Protobuf__Value *v = NULL;
    for (size_t k = 0; k < o->n_fields; k++)
        if (strcmp(o->fields[k]->key, key) == 0)
            v = o->fields[k]->value;
    return v;
}

static bool same_double(double got, double want)
{
    return isnan(want) ? isnan(got) : memcmp(&got, &want, sizeof(got)) == 0;
}

/* One sub-message from object o: each field from its member, a value of
 * the wrong type (or none) the default. */
static void check_sub(const rowmap *sub, const ProtobufCMessage *got,
                      const Google__Protobuf__Struct *o)
{
    FUZZ_CHECK(got != NULL && got->descriptor == sub->desc);
    for (size_t i = 0; i < sub->ncols; i++) {
        const ProtobufCFieldDescriptor *fd = expect_field_of(sub->desc, sub->cols[i].field);
        const Google__Protobuf__Value *v = member(o, sub->cols[i].field);
        int kind = v ? (int)v->kind_case : 0;
        bool number = kind == GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
        switch (sub->cols[i].kind) {
        case RM_TEXT: {
            const char *want =
                kind == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE ? v->string_value : "";
            FUZZ_CHECK(EXPECT_AT(got, fd, char *) != NULL);
            FUZZ_CHECK(strcmp(EXPECT_AT(got, fd, char *), want) == 0);
            break;
        }
        case RM_INT32: {
            int32_t want =
                number && v->number_value >= -2147483648.0 && v->number_value < 2147483648.0
                    ? (int32_t)v->number_value
                    : 0;
            FUZZ_CHECK(EXPECT_AT(got, fd, int32_t) == want);
            break;
        }
        case RM_DOUBLE:
            FUZZ_CHECK(same_double(EXPECT_AT(got, fd, double), number ? v->number_value : 0));
            break;
        case RM_BOOL:
            FUZZ_CHECK(EXPECT_AT(got, fd, protobuf_c_boolean) ==
                       (kind == GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE && v->bool_value));
            break;
        case RM_STRUCT:
            if (!v || kind == GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE)
                FUZZ_CHECK(EXPECT_AT(got, fd, Google__Protobuf__Struct *) == NULL);
            else
                FUZZ_CHECK(struct_is(EXPECT_AT(got, fd, Google__Protobuf__Struct *), v, "items"));
            break;
        default:
            FUZZ_CHECK(0);
        }
    }
}

static void check_json(const rowmap_col *col, const ProtobufCFieldDescriptor *fd,
                       const ProtobufCMessage *msg, const cells_value *cv, const jsonr_mem *mem)
{
    if (cv->len < 0) {
        if (col->kind == RM_STRUCT)
            FUZZ_CHECK(EXPECT_AT(msg, fd, Google__Protobuf__Struct *) == NULL);
        else
            FUZZ_CHECK(EXPECT_COUNT_OF(msg, fd) == 0);
        return;
    }
    FUZZ_CHECK(cv->doc != NULL); /* a row with a deeper cell is not read */
    if (col->kind == RM_STRUCT) {
        FUZZ_CHECK(struct_is(EXPECT_AT(msg, fd, Google__Protobuf__Struct *), cv->doc, "items"));
        return;
    }
    size_t n;
    Google__Protobuf__Value *const *vals = list_of(&cv->doc, &n);
    void *const *items = EXPECT_AT(msg, fd, void **);
    if (col->kind == RM_MSG_LIST) {
        size_t k = 0;
        for (size_t e = 0; e < n; e++) {
            if (vals[e]->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE)
                continue;
            FUZZ_CHECK(k < EXPECT_COUNT_OF(msg, fd));
            check_sub(col->sub, items[k++], vals[e]->struct_value);
        }
        FUZZ_CHECK(EXPECT_COUNT_OF(msg, fd) == k);
        return;
    }
    FUZZ_CHECK(EXPECT_COUNT_OF(msg, fd) == n);
    for (size_t e = 0; e < n; e++) {
        if (col->kind == RM_STRUCT_LIST) {
            FUZZ_CHECK(struct_is(items[e], vals[e], "value"));
            continue;
        }
        const char *got = items[e];
        FUZZ_CHECK(got != NULL);
        if (vals[e]->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE) {
            FUZZ_CHECK(strcmp(got, vals[e]->string_value) == 0);
        } else if (vals[e]->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE) {
            FUZZ_CHECK(got[0] == '\0');
        } else {
            Google__Protobuf__Value *back = NULL;
            FUZZ_CHECK(jsonr_parse(got, strlen(got), mem, &back) == 0);
            FUZZ_CHECK(fuzz_same_value(back, vals[e]));
        }
    }
}
