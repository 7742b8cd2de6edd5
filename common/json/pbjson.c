/* google.protobuf.Struct / Value / ListValue -> JSON text; see pbjson.h (jsonr.h reads). */
#include "pbjson.h"

#include "jsonesc.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef Google__Protobuf__Struct pb_struct;
typedef Google__Protobuf__Value pb_value;
typedef Google__Protobuf__ListValue pb_list;
typedef Google__Protobuf__Struct__FieldsEntry pb_entry;

/* Integers up to this magnitude are exact in a double and written as such. */
#define PBJSON_EXACT_INT 9007199254740992.0

typedef struct {
    char *p;
    size_t len, cap;
} pbjson_buf;

typedef struct {
    const char *key;
    size_t idx;
} pbjson_keyref;

static int buf_reserve(pbjson_buf *b, size_t n);
static int buf_put(pbjson_buf *b, const char *s, size_t n);
static int buf_putc(pbjson_buf *b, char c);
static int buf_finish(pbjson_buf *b, int rc, char **out);
static int emit_value(pbjson_buf *b, const pb_value *v, int depth);
static int emit_struct(pbjson_buf *b, const pb_struct *s, int depth);
static int emit_list(pbjson_buf *b, const pb_list *l, int depth);
static int emit_number(pbjson_buf *b, double d);
static int emit_string(pbjson_buf *b, const char *s);
static int superseded_entries(const pb_struct *s, unsigned char **skip);
static int keyref_cmp(const void *a, const void *b);

int pbjson_from_struct(const pb_struct *s, char **out)
{
    pbjson_buf b = {0};

    return buf_finish(&b, emit_struct(&b, s, 1), out);
}

int pbjson_from_value(const pb_value *v, char **out)
{
    pbjson_buf b = {0};

    return buf_finish(&b, emit_value(&b, v, 0), out);
}

int pbjson_from_list(const pb_list *l, char **out)
{
    pbjson_buf b = {0};

    return buf_finish(&b, emit_list(&b, l, 1), out);
}

int pbjson_from_struct_list(pb_struct *const *items, size_t n, char **out)
{
    pbjson_buf b = {0};
    int rc = (n > 0 && items == NULL) ? -1 : buf_putc(&b, '[');

    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (i > 0)
            rc = buf_putc(&b, ',');
        if (rc == 0)
            rc = emit_struct(&b, items[i], 2);
    }
    if (rc == 0)
        rc = buf_putc(&b, ']');
    return buf_finish(&b, rc, out);
}

/* Room for n more bytes. */
static int buf_reserve(pbjson_buf *b, size_t n)
{
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 64;
        char *p;

        while (cap - b->len < n) {
            if (cap > SIZE_MAX / 2)
                return -1;
            cap *= 2;
        }
        if ((p = realloc(b->p, cap)) == NULL)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    return 0;
}

static int buf_put(pbjson_buf *b, const char *s, size_t n)
{
    if (buf_reserve(b, n) != 0)
        return -1;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return 0;
}

static int buf_putc(pbjson_buf *b, char c)
{
    return buf_put(b, &c, 1);
}

/* Hands the text over on success, frees it on failure: callers pass the rc
 * of their whole emission and need no cleanup path of their own. */
static int buf_finish(pbjson_buf *b, int rc, char **out)
{
    if (rc == 0)
        rc = buf_putc(b, '\0');
    if (rc != 0) {
        free(b->p);
        *out = NULL;
        return -1;
    }
    *out = b->p;
    return 0;
}

/* depth is that of the container holding v: a struct or list value is one
 * level deeper. */
static int emit_value(pbjson_buf *b, const pb_value *v, int depth)
{
    if (v == NULL)
        return -1;
    switch (v->kind_case) {
    case GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE:
        return buf_put(b, "null", 4);
    case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE:
        return emit_number(b, v->number_value);
    case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE:
        return emit_string(b, v->string_value);
    case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE:
        return v->bool_value ? buf_put(b, "true", 4) : buf_put(b, "false", 5);
    case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE:
        return emit_struct(b, v->struct_value, depth + 1);
    case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE:
        return emit_list(b, v->list_value, depth + 1);
    default:
        /* Not set, or a number this version of struct.proto does not know:
         * protobuf's JSON mapping has no text for either. */
        return -1;
    }
}

static int emit_struct(pbjson_buf *b, const pb_struct *s, int depth)
{
    unsigned char *skip = NULL;
    int rc, first = 1;

    if (depth > PBJSON_MAX_DEPTH)
        return -1;
    if (s != NULL && s->n_fields > 0 && s->fields == NULL)
        return -1;
    if (s != NULL && s->n_fields > 1 && superseded_entries(s, &skip) != 0)
        return -1;
    rc = buf_putc(b, '{');
    for (size_t i = 0; rc == 0 && s != NULL && i < s->n_fields; i++) {
        const pb_entry *e = s->fields[i];

        if (e == NULL) {
            rc = -1;
            break;
        }
        if (skip != NULL && skip[i])
            continue;
        if (!first)
            rc = buf_putc(b, ',');
        first = 0;
        if (rc == 0)
            rc = emit_string(b, e->key);
        if (rc == 0)
            rc = buf_putc(b, ':');
        if (rc == 0)
            rc = emit_value(b, e->value, depth);
    }
    free(skip);
    return rc == 0 ? buf_putc(b, '}') : -1;
}

static int emit_list(pbjson_buf *b, const pb_list *l, int depth)
{
    int rc;

    if (depth > PBJSON_MAX_DEPTH)
        return -1;
    if (l != NULL && l->n_values > 0 && l->values == NULL)
        return -1;
    rc = buf_putc(b, '[');
    for (size_t i = 0; rc == 0 && l != NULL && i < l->n_values; i++) {
        if (i > 0)
            rc = buf_putc(b, ',');
        if (rc == 0)
            rc = emit_value(b, l->values[i], depth);
    }
    return rc == 0 ? buf_putc(b, ']') : -1;
}

/* Shortest text that strtod turns back into exactly d. */
static int emit_number(pbjson_buf *b, double d)
{
    char tmp[40];
    int n = 0;

    if (!isfinite(d))
        return -1;
    if (d >= -PBJSON_EXACT_INT && d <= PBJSON_EXACT_INT && (double)(long long)d == d) {
        /* The cast loses the sign of -0, which is a distinct double. */
        if (d == 0 && signbit(d))
            return buf_put(b, "-0", 2);
        n = snprintf(tmp, sizeof tmp, "%lld", (long long)d);
        return n > 0 ? buf_put(b, tmp, (size_t)n) : -1;
    }
    /* 17 significant digits always round-trip, so the loop ends by then. */
    for (int prec = 1; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (n <= 0 || (size_t)n >= sizeof tmp)
            return -1;
        if (strtod(tmp, NULL) == d)
            break;
    }
    /* printf pads exponents to two digits ("1e-07"); JSON needs none. */
    char *e = strchr(tmp, 'e');
    if (e != NULL) {
        char *digits = e + 2, *z = digits;

        while (z[0] == '0' && z[1] != '\0')
            z++;
        memmove(digits, z, strlen(z) + 1);
        n = (int)strlen(tmp);
    }
    return buf_put(b, tmp, (size_t)n);
}

/* Writes s as a JSON string, checking that it is well-formed UTF-8: protobuf-c
 * does not check what clients send, and jsonb would refuse it later with a
 * less useful error. */
static int emit_string(pbjson_buf *b, const char *s)
{
    const char *text = s != NULL ? s : "";
    size_t n = strlen(text);
    ssize_t len = jsonesc_len(text, n, JSONESC_STRICT);

    if (len < 0 || (size_t)len > SIZE_MAX - 2 || buf_reserve(b, (size_t)len + 2) != 0)
        return -1;
    b->p[b->len++] = '"';
    if (jsonesc_write(b->p + b->len, text, n, JSONESC_STRICT) != len)
        return -1;
    b->len += (size_t)len;
    b->p[b->len++] = '"';
    return 0;
}

/* Marks the entries whose key appears again later: a protobuf map keeps the
 * last, and writing both would leave the choice to whoever reads the JSON.
 * Sorting keeps this O(n log n) for the large maps a client may send. */
static int superseded_entries(const pb_struct *s, unsigned char **skip)
{
    size_t n = s->n_fields, i;
    pbjson_keyref *refs;

    *skip = NULL;
    if (n > SIZE_MAX / sizeof *refs)
        return -1;
    for (i = 0; i < n; i++)
        if (s->fields[i] == NULL)
            return -1;
    if ((refs = malloc(n * sizeof *refs)) == NULL)
        return -1;
    if ((*skip = calloc(n, 1)) == NULL) {
        free(refs);
        return -1;
    }
    for (i = 0; i < n; i++) {
        refs[i].key = s->fields[i]->key != NULL ? s->fields[i]->key : "";
        refs[i].idx = i;
    }
    qsort(refs, n, sizeof *refs, keyref_cmp);
    for (i = 0; i + 1 < n; i++)
        if (strcmp(refs[i].key, refs[i + 1].key) == 0)
            (*skip)[refs[i].idx] = 1;
    free(refs);
    return 0;
}

static int keyref_cmp(const void *a, const void *b)
{
    const pbjson_keyref *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    if (c != 0)
        return c;
    return (x->idx > y->idx) - (x->idx < y->idx);
}
