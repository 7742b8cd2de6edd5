/*
 * jsonr.c - one-pass JSON reader into Value trees (see jsonr.h). Recursive
 * descent bounded by JSONR_MAX_DEPTH; the members of each open container
 * wait on one scratch stack until it closes and gets an array of exact size.
 */
#include "jsonr.h"

#include "utf8.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef Google__Protobuf__Value pb_value;
typedef Google__Protobuf__Struct pb_struct;
typedef Google__Protobuf__Struct__FieldsEntry pb_entry;
typedef Google__Protobuf__ListValue pb_list;

/* Objects up to this size look for a repeated key by comparing every pair;
 * larger ones sort their keys (a million-key object stays n log n). */
#define PAIRWISE_MAX 16

/* Members waiting for their container to close; most documents fit in
 * `inline_stack`, so a parse needs no malloc. */
#define INLINE_STACK 64

typedef struct parser {
    const char *p, *end;
    const jsonr_mem *mem;
    void **stack; /* inline_stack, or a malloc'd copy once it outgrew it */
    size_t sp, cap;
    int unique; /* a repeated key fails the parse instead of merging */
    void *inline_stack[INLINE_STACK];
} parser;

static int parse_value(const char *json, size_t len, const jsonr_mem *mem, int unique,
                       pb_value **out);
static pb_value *read_value(parser *ps, int depth);
static int fill_value(parser *ps, int depth, pb_value *v);
static int read_objects(parser *ps, const jsonr_objects *cb, void ***items, size_t *n);
static int read_members(parser *ps, const jsonr_objects *cb, void *obj);
static pb_struct *read_object(parser *ps, int depth);
static pb_list *read_array(parser *ps, int depth);
static char *read_string(parser *ps, char *buf, size_t cap);
static int read_number(parser *ps, double *out);
static int read_literal(parser *ps, const char *word);
static int open_container(parser *ps, char close);
static int after_member(parser *ps, char close);
static int push(parser *ps, void *item);
static void **take(parser *ps, size_t base, size_t *n);
static char *read_key(parser *ps, char *buf, size_t cap);
static int finish(parser *ps, int rc);
static int keys_ascending(pb_entry *const *e, size_t n);
static size_t merge_duplicates(pb_entry **e, size_t n);
static void skip_ws(parser *ps);
static void *get(parser *ps, size_t n);
static int hex4(const char *s, uint32_t *out);

int jsonr_parse(const char *json, size_t len, const jsonr_mem *mem, pb_value **out)
{
    return parse_value(json, len, mem, 0, out);
}

int jsonr_parse_unique(const char *json, size_t len, const jsonr_mem *mem, pb_value **out)
{
    return parse_value(json, len, mem, 1, out);
}

int jsonr_parse_objects(const char *json, size_t len, const jsonr_mem *mem, const jsonr_objects *cb,
                        void ***items, size_t *n)
{
    *items = NULL;
    *n = 0;
    if (!json || !mem || !mem->alloc || !cb || !cb->begin || !cb->member)
        return -1;
    parser ps = {.p = json, .end = json + len, .mem = mem, .cap = INLINE_STACK};
    ps.stack = ps.inline_stack;
    int rc = finish(&ps, read_objects(&ps, cb, items, n));
    if (rc != 0) {
        *items = NULL;
        *n = 0;
    }
    return rc;
}

const pb_value *jsonr_member(const pb_struct *s, const char *key)
{
    if (!s || !key)
        return NULL;
    for (size_t i = 0; i < s->n_fields; i++)
        if (s->fields[i] && s->fields[i]->key && strcmp(s->fields[i]->key, key) == 0)
            return s->fields[i]->value;
    return NULL;
}

const char *jsonr_member_string(const pb_struct *s, const char *key)
{
    const pb_value *v = jsonr_member(s, key);
    return v && v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE ? v->string_value : NULL;
}

/* ---- values ---------------------------------------------------------- */

static int parse_value(const char *json, size_t len, const jsonr_mem *mem, int unique,
                       pb_value **out)
{
    *out = NULL;
    if (!json || !mem || !mem->alloc)
        return -1;
    parser ps = {.p = json, .end = json + len, .mem = mem, .cap = INLINE_STACK, .unique = unique};
    ps.stack = ps.inline_stack;
    pb_value *v = read_value(&ps, 0);
    if (finish(&ps, v ? 0 : -1) != 0)
        return -1;
    *out = v;
    return 0;
}

static pb_value *read_value(parser *ps, int depth)
{
    skip_ws(ps);
    if (ps->p == ps->end)
        return NULL;
    pb_value *v = get(ps, sizeof(*v));
    return v && fill_value(ps, depth, v) == 0 ? v : NULL;
}

/* The value at ps->p (not whitespace, not the end) into v. 0 or -1. */
static int fill_value(parser *ps, int depth, pb_value *v)
{
    google__protobuf__value__init(v);
    switch (*ps->p) {
    case '{':
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
        return (v->struct_value = read_object(ps, depth + 1)) ? 0 : -1;
    case '[':
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE;
        return (v->list_value = read_array(ps, depth + 1)) ? 0 : -1;
    case '"':
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
        return (v->string_value = read_string(ps, NULL, 0)) ? 0 : -1;
    case 't':
    case 'f':
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE;
        v->bool_value = *ps->p == 't';
        return read_literal(ps, v->bool_value ? "true" : "false");
    case 'n':
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE;
        v->null_value = GOOGLE__PROTOBUF__NULL_VALUE__NULL_VALUE;
        return read_literal(ps, "null");
    default:
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
        return read_number(ps, &v->number_value);
    }
}

/* An array of objects, each handed member by member to cb (see
 * jsonr_parse_objects); the objects cb made wait on the stack. */
static int read_objects(parser *ps, const jsonr_objects *cb, void ***items, size_t *n)
{
    skip_ws(ps);
    if (ps->p == ps->end || *ps->p != '[')
        return -1;
    size_t base = ps->sp;
    if (!open_container(ps, ']')) {
        for (size_t index = 0, more = 1; more; index++) {
            skip_ws(ps);
            if (ps->p == ps->end || *ps->p != '{')
                return -1;
            void *obj = cb->begin(cb->ctx, index);
            if (!obj || push(ps, obj) != 0 || read_members(ps, cb, obj) != 0)
                return -1;
            int after = after_member(ps, ']');
            if (after < 0)
                return -1;
            more = (size_t)after;
        }
    }
    return (*items = take(ps, base, n)) ? 0 : -1;
}

/* At '{' of an array element (depth 2): its members to cb->member. */
static int read_members(parser *ps, const jsonr_objects *cb, void *obj)
{
    if (open_container(ps, '}'))
        return 0;
    for (int more = 1; more;) {
        char small[64];
        const char *key = read_key(ps, small, sizeof(small));
        if (!key)
            return -1;
        skip_ws(ps);
        pb_value v;
        if (ps->p == ps->end || fill_value(ps, 2, &v) != 0 ||
            cb->member(cb->ctx, obj, key, &v) != 0 || (more = after_member(ps, '}')) < 0)
            return -1;
    }
    return 0;
}

static pb_struct *read_object(parser *ps, int depth)
{
    if (depth > JSONR_MAX_DEPTH)
        return NULL;
    pb_struct *s = get(ps, sizeof(*s));
    if (!s)
        return NULL;
    google__protobuf__struct__init(s);
    size_t base = ps->sp;
    if (open_container(ps, '}'))
        return s;
    for (int more = 1; more;) {
        pb_entry *e = get(ps, sizeof(*e));
        if (!e)
            return NULL;
        google__protobuf__struct__fields_entry__init(e);
        if (!(e->key = read_key(ps, NULL, 0)) || !(e->value = read_value(ps, depth)) ||
            push(ps, e) != 0 || (more = after_member(ps, '}')) < 0)
            return NULL;
    }
    size_t n;
    if (!(s->fields = (pb_entry **)take(ps, base, &n)))
        return NULL;
    s->n_fields = merge_duplicates(s->fields, n);
    return ps->unique && s->n_fields != n ? NULL : s;
}

static pb_list *read_array(parser *ps, int depth)
{
    if (depth > JSONR_MAX_DEPTH)
        return NULL;
    pb_list *l = get(ps, sizeof(*l));
    if (!l)
        return NULL;
    google__protobuf__list_value__init(l);
    size_t base = ps->sp;
    if (open_container(ps, ']'))
        return l;
    for (int more = 1; more;) {
        pb_value *v = read_value(ps, depth);
        if (!v || push(ps, v) != 0 || (more = after_member(ps, ']')) < 0)
            return NULL;
    }
    if (!(l->values = (pb_value **)take(ps, base, &l->n_values)))
        return NULL;
    return l;
}

/* ---- scalars --------------------------------------------------------- */

/* At the opening quote; returns the unescaped, NUL-terminated text: in buf
 * when one is given and the text has no escape and fits (cap counts the
 * NUL; member keys, which are compared and dropped), else in parser memory. */
static char *read_string(parser *ps, char *buf, size_t cap)
{
    const char *start = ++ps->p, *q = start;
    int escaped = 0;
    while (q < ps->end && *q != '"') {
        unsigned char ch = (unsigned char)*q;
        if (ch < 0x20)
            return NULL;
        if (ch == '\\') {
            escaped = 1;
            q += 2;
        } else if (ch < 0x80) {
            q++;
        } else {
            size_t n = utf8_seq((const unsigned char *)q, (size_t)(ps->end - q));
            if (n == 0)
                return NULL;
            q += n;
        }
    }
    if (q >= ps->end)
        return NULL;
    size_t raw = (size_t)(q - start);
    /* unescaping only shrinks */
    char *out = !escaped && buf && raw < cap ? buf : get(ps, raw + 1);
    if (!out)
        return NULL;
    ps->p = q + 1;
    if (!escaped) {
        memcpy(out, start, raw);
        out[raw] = '\0';
        return out;
    }
    char *w = out;
    for (const char *r = start; r < q;) {
        if (*r != '\\') {
            *w++ = *r++;
            continue;
        }
        char e = r[1];
        r += 2;
        switch (e) {
        case '"':
            *w++ = '"';
            break;
        case '\\':
            *w++ = '\\';
            break;
        case '/':
            *w++ = '/';
            break;
        case 'b':
            *w++ = '\b';
            break;
        case 'f':
            *w++ = '\f';
            break;
        case 'n':
            *w++ = '\n';
            break;
        case 'r':
            *w++ = '\r';
            break;
        case 't':
            *w++ = '\t';
            break;
        case 'u': {
            uint32_t cp, lo;
            if (q - r < 4 || hex4(r, &cp) != 0)
                return NULL;
            r += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return NULL; /* a low surrogate first */
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (q - r < 6 || r[0] != '\\' || r[1] != 'u' || hex4(r + 2, &lo) != 0 ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return NULL;
                r += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (cp == 0)
                return NULL;
            w += utf8_put(w, cp);
            break;
        }
        default:
            return NULL;
        }
    }
    *w = 0;
    return out;
}

/* JSON's number grammar, then strtod on a terminated copy. */
static int read_number(parser *ps, double *out)
{
    const char *s = ps->p, *q = s;
    if (q < ps->end && *q == '-')
        q++;
    if (q == ps->end || *q < '0' || *q > '9')
        return -1;
    const char *first = q;
    if (*q == '0')
        q++;
    else
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
    size_t digits = (size_t)(q - first);
    int integral = !(q < ps->end && (*q == '.' || *q == 'e' || *q == 'E'));
    if (q < ps->end && *q == '.') {
        const char *d = ++q;
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
        if (q == d)
            return -1;
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < ps->end && (*q == '+' || *q == '-'))
            q++;
        const char *d = q;
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
        if (q == d)
            return -1;
    }
    size_t n = (size_t)(q - s);
    if (integral && digits <= 15) {
        /* Exact in a double, no need for strtod. */
        long long v = 0;
        for (const char *d = s + (*s == '-'); d < q; d++)
            v = v * 10 + (*d - '0');
        *out = *s == '-' ? -(double)v : (double)v;
        ps->p = q;
        return 0;
    }
    char small[64], *text = n < sizeof(small) ? small : malloc(n + 1);
    if (!text)
        return -1;
    memcpy(text, s, n);
    text[n] = 0;
    errno = 0;
    double d = strtod(text, NULL);
    int overflow = errno == ERANGE && isinf(d);
    if (text != small)
        free(text);
    if (overflow)
        return -1;
    *out = d;
    ps->p = q;
    return 0;
}

static int read_literal(parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return -1;
    ps->p += n;
    return 0;
}

/* ---- helpers --------------------------------------------------------- */

/* At '{' or '[': steps over it; 1 when `close` follows at once (consumed). */
static int open_container(parser *ps, char close)
{
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return 1;
    }
    return 0;
}

/* After a member: 1 when ',' announces another, 0 at `close` (both
 * consumed), -1 for anything else. */
static int after_member(parser *ps, char close)
{
    skip_ws(ps);
    if (ps->p == ps->end)
        return -1;
    char c = *ps->p++;
    return c == ',' ? 1 : c == close ? 0 : -1;
}

static int push(parser *ps, void *item)
{
    if (ps->sp == ps->cap) {
        size_t cap = ps->cap * 2;
        void **grown = ps->stack == ps->inline_stack ? malloc(cap * sizeof(*grown))
                                                     : realloc(ps->stack, cap * sizeof(*grown));
        if (!grown)
            return -1;
        if (ps->stack == ps->inline_stack)
            memcpy(grown, ps->inline_stack, sizeof(ps->inline_stack));
        ps->stack = grown;
        ps->cap = cap;
    }
    ps->stack[ps->sp++] = item;
    return 0;
}

/* The members pushed since base; valid until the next push. */
/* The items pushed since base, popped into an array in parser memory (one
 * spare NULL slot at the end); *n their count. NULL on allocation failure. */
static void **take(parser *ps, size_t base, size_t *n)
{
    *n = ps->sp - base;
    ps->sp = base;
    void **out = get(ps, (*n + 1) * sizeof(*out));
    if (out)
        memcpy(out, ps->stack + base, *n * sizeof(*out));
    return out;
}

/* At a member's key (after whitespace): the key text, through the ':'.
 * buf as for read_string. */
static char *read_key(parser *ps, char *buf, size_t cap)
{
    skip_ws(ps);
    if (ps->p == ps->end || *ps->p != '"')
        return NULL;
    char *key = read_string(ps, buf, cap);
    if (!key)
        return NULL;
    skip_ws(ps);
    if (ps->p == ps->end || *ps->p != ':')
        return NULL;
    ps->p++;
    return key;
}

/* The end of a parse that gave rc: only whitespace may follow the value.
 * Frees the scratch stack; rc, or -1 for trailing text. */
static int finish(parser *ps, int rc)
{
    if (rc == 0) {
        skip_ws(ps);
        if (ps->p != ps->end)
            rc = -1;
    }
    if (ps->stack != ps->inline_stack)
        free(ps->stack);
    return rc;
}

/* jsonb prints an object's keys in its own strict order (shorter first,
 * then bytewise), which proves them distinct in one pass. */
static int keys_ascending(pb_entry *const *e, size_t n)
{
    size_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(e[i]->key);
        if (i > 0 && (len < prev || (len == prev && memcmp(e[i - 1]->key, e[i]->key, len) >= 0)))
            return 0;
        prev = len;
    }
    return 1;
}

typedef struct keyed {
    pb_entry *e;
    size_t pos;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    int c = strcmp(x->e->key, y->e->key);
    return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* A repeated key keeps its first position and takes the last value; the
 * later entries go. Returns the new count. */
static size_t merge_duplicates(pb_entry **e, size_t n)
{
    if (keys_ascending(e, n))
        return n;
    int found = 0;
    if (n <= PAIRWISE_MAX) {
        for (size_t i = 1; i < n; i++)
            for (size_t k = 0; k < i; k++)
                if (e[k] && e[i] && strcmp(e[k]->key, e[i]->key) == 0) {
                    e[k]->value = e[i]->value;
                    e[i] = NULL;
                    found = 1;
                }
    } else {
        keyed *sorted = malloc(n * sizeof(*sorted));
        if (!sorted)
            return n; /* cannot check: keep them all (still valid for protobuf) */
        for (size_t i = 0; i < n; i++)
            sorted[i] = (keyed){e[i], i};
        qsort(sorted, n, sizeof(*sorted), cmp_keyed);
        for (size_t i = 1; i < n; i++) {
            size_t first = i - 1;
            while (i < n && strcmp(sorted[first].e->key, sorted[i].e->key) == 0)
                i++;
            if (i - first == 1)
                continue;
            sorted[first].e->value = sorted[i - 1].e->value;
            for (size_t k = first + 1; k < i; k++)
                e[sorted[k].pos] = NULL;
            found = 1;
        }
        free(sorted);
    }
    if (!found)
        return n;
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (e[i])
            e[w++] = e[i];
    return w;
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
        ps->p++;
}

static void *get(parser *ps, size_t n)
{
    return ps->mem->alloc(ps->mem->ctx, n ? n : 1);
}

static int hex4(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return 0;
}
