/*
 * fuzz_jsonr - JSON text as a jsonb column or a stored document holds it,
 * through jsonr (the reader rowmap.c uses for every jsonb column) and back
 * out through pbjson (the writer of what goes into jsonb).
 *
 * Feeds: the whole input as JSON text (no NUL needed) to jsonr_parse and
 * jsonr_parse_objects; every allocation comes from a calloc'd block of its
 * own (ASan sees each one), all freed after the run.
 * Asserts:
 *  - jsonr_parse: 0 with a tree, or -1 with NULL; the tree has no unset
 *    kind, no NULL pointer, finite numbers, well-formed UTF-8 (by a
 *    reference decoder) in strings and keys, distinct keys per object, at
 *    most JSONR_MAX_DEPTH containers;
 *  - what it accepts pbjson writes (pbjson_from_value must succeed), jsonr
 *    reads that text back as an equal tree (numbers bit for bit, -0
 *    included) and pbjson writes the same text again;
 *  - the tree packed as a google.protobuf.Value passes pbguard_check and
 *    unpacks with protobuf-c to an equal tree (what the services read
 *    from jsonb, a client may send back);
 *  - a parse whose k-th allocation fails (k chosen by the input) returns -1
 *    and NULL;
 *  - jsonr_parse_objects succeeds exactly when jsonr_parse gives an array
 *    of objects; begin is called with 0, 1, 2...; the records come back in
 *    order; for every key of each object the last member call carried the
 *    value jsonr_parse kept (duplicate keys: the last wins); when a callback
 *    fails, the parse returns -1 with no items.
 */
#include "fuzz.h"

#include <math.h>
#include <stdbool.h>

#include "jsonr.h"
#include "pbguard.h"
#include "pbjson.h"

typedef Google__Protobuf__Value pb_value;
typedef Google__Protobuf__Struct pb_struct;
typedef Google__Protobuf__ListValue pb_list;

/* ---- the allocator: calloc per allocation, recorded ------------------ */

typedef struct recmem {
    void **p;
    size_t n, cap;
    size_t budget; /* allocations allowed; SIZE_MAX: unlimited */
} recmem;

static void *rec_alloc(void *ctx, size_t n)
{
    recmem *m = ctx;
    FUZZ_CHECK(n > 0);
    if (m->n >= m->budget)
        return NULL;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        void **p = realloc(m->p, cap * sizeof(*p));
        FUZZ_CHECK(p != NULL);
        m->p = p;
        m->cap = cap;
    }
    void *x = calloc(1, n);
    FUZZ_CHECK(x != NULL);
    m->p[m->n++] = x;
    return x;
}

static void rec_free(recmem *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->p[i]);
    free(m->p);
    memset(m, 0, sizeof(*m));
}

/* ---- tree checks ------------------------------------------------------ */

static bool good_text(const char *s)
{
    return s != NULL && fuzz_utf8_chars((const unsigned char *)s, strlen(s)) >= 0;
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* depth: containers around v. */
static void check_tree(const pb_value *v, int depth)
{
    FUZZ_CHECK(v != NULL);
    FUZZ_CHECK(v->base.descriptor == &google__protobuf__value__descriptor);
    switch (v->kind_case) {
    case GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE:
    case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE:
        break;
    case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE:
        FUZZ_CHECK(isfinite(v->number_value));
        break;
    case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE:
        FUZZ_CHECK(good_text(v->string_value));
        break;
    case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE: {
        const pb_struct *s = v->struct_value;
        FUZZ_CHECK(depth + 1 <= JSONR_MAX_DEPTH);
        FUZZ_CHECK(s != NULL && (s->n_fields == 0 || s->fields != NULL));
        const char **keys = malloc((s->n_fields + 1) * sizeof(*keys));
        FUZZ_CHECK(keys != NULL);
        for (size_t i = 0; i < s->n_fields; i++) {
            FUZZ_CHECK(s->fields[i] != NULL);
            FUZZ_CHECK(good_text(s->fields[i]->key));
            keys[i] = s->fields[i]->key;
            check_tree(s->fields[i]->value, depth + 1);
        }
        qsort(keys, s->n_fields, sizeof(*keys), key_cmp);
        for (size_t i = 1; i < s->n_fields; i++)
            FUZZ_CHECK(strcmp(keys[i - 1], keys[i]) != 0);
        free(keys);
        break;
    }
    case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE: {
        const pb_list *l = v->list_value;
        FUZZ_CHECK(depth + 1 <= JSONR_MAX_DEPTH);
        FUZZ_CHECK(l != NULL && (l->n_values == 0 || l->values != NULL));
        for (size_t i = 0; i < l->n_values; i++)
            check_tree(l->values[i], depth + 1);
        break;
    }
    default:
        FUZZ_CHECK(!"a value of no kind");
    }
}

/* ---- jsonr_parse_objects's callbacks: a record of every call ---------- */

typedef struct member_rec {
    char *key;
    char *json; /* pbjson of the value */
} member_rec;

typedef struct obj_rec {
    member_rec *m;
    size_t n, cap;
} obj_rec;

typedef struct objs_ctx {
    obj_rec **objs;
    size_t n, cap;
    size_t calls, fail_at; /* the call (begin or member) that fails; SIZE_MAX: none */
} objs_ctx;

static void *cb_begin(void *ctx, size_t index)
{
    objs_ctx *c = ctx;
    FUZZ_CHECK(index == c->n);
    if (c->calls++ == c->fail_at)
        return NULL;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->objs = realloc(c->objs, c->cap * sizeof(*c->objs));
        FUZZ_CHECK(c->objs != NULL);
    }
    obj_rec *o = calloc(1, sizeof(*o));
    FUZZ_CHECK(o != NULL);
    c->objs[c->n++] = o;
    return o;
}

static int cb_member(void *ctx, void *record, const char *key, const pb_value *value)
{
    objs_ctx *c = ctx;
    FUZZ_CHECK(c->n > 0 && record == c->objs[c->n - 1]);
    FUZZ_CHECK(good_text(key));
    check_tree(value, 2);
    if (c->calls++ == c->fail_at)
        return -1;
    obj_rec *o = record;
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 8;
        o->m = realloc(o->m, o->cap * sizeof(*o->m));
        FUZZ_CHECK(o->m != NULL);
    }
    member_rec *r = &o->m[o->n++];
    r->key = strdup(key);
    FUZZ_CHECK(r->key != NULL);
    FUZZ_CHECK(pbjson_from_value(value, &r->json) == 0);
    return 0;
}

static void objs_free(objs_ctx *c)
{
    for (size_t i = 0; i < c->n; i++) {
        for (size_t k = 0; k < c->objs[i]->n; k++) {
            free(c->objs[i]->m[k].key);
            free(c->objs[i]->m[k].json);
        }
        free(c->objs[i]->m);
        free(c->objs[i]);
    }
    free(c->objs);
    memset(c, 0, sizeof(*c));
}

/* Runs jsonr_parse_objects; returns its rc and leaves the records in c. */
static int parse_objects(const char *json, size_t len, objs_ctx *c, size_t fail_at, recmem *m,
                         void ***items, size_t *n)
{
    memset(c, 0, sizeof(*c));
    c->fail_at = fail_at;
    memset(m, 0, sizeof(*m));
    m->budget = SIZE_MAX;
    const jsonr_mem mem = {rec_alloc, m};
    const jsonr_objects cb = {cb_begin, cb_member, c};
    int rc = jsonr_parse_objects(json, len, &mem, &cb, items, n);
    FUZZ_CHECK(rc == 0 || rc == -1);
    if (rc != 0)
        FUZZ_CHECK(*items == NULL && *n == 0);
    else
        FUZZ_CHECK(*items != NULL);
    return rc;
}

static void check_objects(const char *json, size_t len, const pb_value *doc)
{
    objs_ctx c;
    recmem m;
    void **items;
    size_t n;
    int rc = parse_objects(json, len, &c, SIZE_MAX, &m, &items, &n);

    bool array_of_objects =
        doc != NULL && doc->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE;
    for (size_t i = 0; array_of_objects && i < doc->list_value->n_values; i++)
        array_of_objects =
            doc->list_value->values[i]->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
    FUZZ_CHECK((rc == 0) == array_of_objects);

    if (rc == 0) {
        const pb_list *l = doc->list_value;
        FUZZ_CHECK(n == l->n_values && n == c.n);
        for (size_t i = 0; i < n; i++) {
            const obj_rec *o = c.objs[i];
            const pb_struct *s = l->values[i]->struct_value;
            FUZZ_CHECK(items[i] == o);
            /* every key called is kept, every kept key was called */
            for (size_t k = 0; k < o->n; k++) {
                size_t f = 0;
                while (f < s->n_fields && strcmp(s->fields[f]->key, o->m[k].key) != 0)
                    f++;
                FUZZ_CHECK(f < s->n_fields);
            }
            for (size_t f = 0; f < s->n_fields; f++) {
                const member_rec *last = NULL;
                for (size_t k = 0; k < o->n; k++)
                    if (strcmp(o->m[k].key, s->fields[f]->key) == 0)
                        last = &o->m[k];
                FUZZ_CHECK(last != NULL);
                char *want = NULL;
                FUZZ_CHECK(pbjson_from_value(s->fields[f]->value, &want) == 0);
                FUZZ_CHECK(strcmp(want, last->json) == 0);
                free(want);
            }
        }
    }
    size_t calls = c.calls;
    objs_free(&c);
    rec_free(&m);

    /* A callback that fails fails the parse. */
    if (rc == 0 && calls > 0) {
        size_t fail_at = (len * 31 + calls) % calls;
        FUZZ_CHECK(parse_objects(json, len, &c, fail_at, &m, &items, &n) == -1);
        objs_free(&c);
        rec_free(&m);
    }
}

/* ---- the run ------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;
    recmem m = {.budget = SIZE_MAX};
    const jsonr_mem mem = {rec_alloc, &m};
    pb_value *v = (pb_value *)&m; /* must be reset */
    int rc = jsonr_parse(json, size, &mem, &v);
    FUZZ_CHECK(rc == 0 || rc == -1);
    FUZZ_CHECK((rc == 0) == (v != NULL));

    if (rc == 0) {
        check_tree(v, 0);

        /* pbjson writes it; jsonr reads that back as the same tree. */
        char *text = NULL, *again = NULL;
        FUZZ_CHECK(pbjson_from_value(v, &text) == 0);
        recmem m2 = {.budget = SIZE_MAX};
        const jsonr_mem mem2 = {rec_alloc, &m2};
        pb_value *v2 = NULL;
        FUZZ_CHECK(jsonr_parse(text, strlen(text), &mem2, &v2) == 0);
        FUZZ_CHECK(fuzz_same_value(v, v2));
        FUZZ_CHECK(pbjson_from_value(v2, &again) == 0);
        FUZZ_CHECK(strcmp(text, again) == 0);
        free(text);
        free(again);
        rec_free(&m2);

        /* As protobuf: what a client may send back passes the request guard. */
        size_t n = google__protobuf__value__get_packed_size(v);
        uint8_t *wire = malloc(n ? n : 1);
        FUZZ_CHECK(wire != NULL);
        FUZZ_CHECK(google__protobuf__value__pack(v, wire) == n);
        static const pbguard_limits lim = {PBGUARD_MAX_DEPTH, PBGUARD_MAX_NODES};
        char field[128];
        if (size < 16384)
            FUZZ_CHECK(pbguard_check(&google__protobuf__value__descriptor, wire, n, &lim, field,
                                     sizeof(field)) == PBGUARD_OK);
        pb_value *u = google__protobuf__value__unpack(NULL, n, wire);
        FUZZ_CHECK(u != NULL);
        FUZZ_CHECK(fuzz_same_value(v, u));
        google__protobuf__value__free_unpacked(u, NULL);
        free(wire);

        /* Out of memory at the k-th allocation: a clean failure. */
        size_t k = m.n;
        if (k > 0) {
            recmem fail = {.budget = (size * 131 + k) % k};
            const jsonr_mem fmem = {rec_alloc, &fail};
            pb_value *w = (pb_value *)&fail;
            FUZZ_CHECK(jsonr_parse(json, size, &fmem, &w) == -1);
            FUZZ_CHECK(w == NULL);
            rec_free(&fail);
        }
    }

    check_objects(json, size, v);
    rec_free(&m);
    return 0;
}
