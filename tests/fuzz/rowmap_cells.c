/*
 * rowmap_cells.c - fuzz_rowmap's synthetic cells and results (see
 * rowmap_cells.h; fuzz_rowmap.c's header comment says which input bytes
 * mean what). Every TYPED value is built so that the field it should read
 * as is known exactly: a uuid from 16 bytes, numerics from whole and
 * fractional parts, timestamps within PostgreSQL's range, and JSON from
 * the input's bytes when jsonr takes them, else built from them (always
 * valid).
 */
#include "rowmap_cells.h"

#include "fuzz.h"

#include <math.h>
#include <stdarg.h>

#include "arena.h"
#include "pgbin.h"

enum {
    OID_BOOL = 16,
    OID_NAME = 19,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_TEXT = 25,
    OID_OID = 26,
    OID_JSON = 114,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_BPCHAR = 1042,
    OID_VARCHAR = 1043,
    OID_DATE = 1082,
    OID_TIMESTAMP = 1114,
    OID_TIMESTAMPTZ = 1184,
    OID_NUMERIC = 1700,
    OID_UUID = 2950,
    OID_JSONB = 3802,
};

/* PostgreSQL's epoch (2000-01-01) in unix microseconds, and its first
 * timestamp (julian day 0, 4714-11-24 BC) in unix microseconds. */
#define PG_EPOCH_US 946684800000000LL
#define TS_MIN_US   (-211813488000000000LL + PG_EPOCH_US)

/* A growing text, always NUL-terminated: a cell's bytes as they are built
 * (set_bytes hands them to the cell). */
typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static size_t take_bytes(cells_in *s, size_t want, const uint8_t **out);
static size_t take_len(cells_in *s);
static uint64_t take_be(cells_in *s, int n);
static void put(sbuf *b, const void *s, size_t n);
static void puts_(sbuf *b, const char *s);
static void putc_(sbuf *b, char c);
__attribute__((format(printf, 2, 3))) static void putf(sbuf *b, const char *fmt, ...);
static void put_be(sbuf *b, uint64_t x, int n);
static void set_bytes(cells_value *cv, sbuf *b);
static char *utf8_text(cells_in *s);
static int variants(rowmap_kind k);
static void typed_text(cells_in *s, const cells_spec *cs, cells_value *cv);
static void typed_int32(cells_in *s, const cells_spec *cs, cells_value *cv);
static void typed_numeric(cells_in *s, unsigned sel, const cells_spec *cs, cells_value *cv);
static void typed_double(cells_in *s, unsigned sel, const cells_spec *cs, cells_value *cv);
static void typed_ts(cells_in *s, unsigned sel, const cells_spec *cs, cells_value *cv);
static void typed_enum(cells_in *s, unsigned sel, const rowmap_col *col, cells_value *cv);
static void json_string(cells_in *s, sbuf *b);
static void json_scalar(cells_in *s, sbuf *b);
static void json_key(cells_in *s, sbuf *b, const rowmap_col *col);
static void json_member(cells_in *s, sbuf *b);
static void json_object(cells_in *s, sbuf *b, const rowmap_col *col);
static void build_json(cells_in *s, sbuf *b, const rowmap_col *col, unsigned max_depth);
static size_t ref_depth(const char *s, size_t n);
static void typed_json(cells_in *s, const rowmap_col *col, const cells_spec *cs, cells_value *cv,
                       const jsonr_mem *mem);

unsigned cells_take(cells_in *s)
{
    if (s->n == 0)
        return 0;
    s->n--;
    return *s->p++;
}

cells_spec cells_raw_spec(cells_in *s)
{
    static const unsigned oids[] = {
        0,           OID_BOOL, OID_NAME,      OID_INT8,        OID_INT2,    OID_INT4,
        OID_TEXT,    OID_OID,  OID_JSON,      OID_FLOAT4,      OID_FLOAT8,  OID_BPCHAR,
        OID_VARCHAR, OID_DATE, OID_TIMESTAMP, OID_TIMESTAMPTZ, OID_NUMERIC, OID_UUID,
        OID_JSONB,
    };
    const size_t noids = sizeof(oids) / sizeof(oids[0]);
    unsigned sel = cells_take(s);
    cells_spec cs = {0, (int)(sel & 1), 0};
    size_t k = (sel >> 1) % (noids + 1);
    cs.oid = k < noids ? oids[k] : (unsigned)take_be(s, 4);
    return cs;
}

cells_spec cells_typed_spec(rowmap_kind k, unsigned sel)
{
    static const cells_spec text[] = {
        {OID_TEXT, 0, 0}, {OID_TEXT, 1, 1}, {OID_UUID, 1, 2}, {OID_UUID, 0, 3}};
    static const cells_spec int32[] = {
        {OID_INT4, 0, 0}, {OID_INT2, 1, 1}, {OID_INT4, 1, 2}, {OID_INT8, 1, 3}, {OID_INT8, 0, 4}};
    static const cells_spec dbl[] = {{OID_FLOAT8, 0, 0},
                                     {OID_FLOAT8, 1, 1},
                                     {OID_FLOAT4, 1, 2},
                                     {OID_NUMERIC, 1, 3},
                                     {OID_NUMERIC, 0, 4}};
    static const cells_spec bol[] = {{OID_BOOL, 0, 0}, {OID_BOOL, 1, 1}};
    static const cells_spec ts[] = {
        {OID_INT8, 0, 0}, {OID_INT8, 1, 1}, {OID_TIMESTAMPTZ, 1, 2}, {OID_TIMESTAMP, 1, 3}};
    static const cells_spec enm[] = {{OID_TEXT, 0, 0}, {OID_TEXT, 1, 1}, {OID_VARCHAR, 1, 2}};
    static const cells_spec json[] = {{OID_JSONB, 0, 0}, {OID_JSON, 0, 1}, {OID_JSONB, 1, 2}};
    int v = (int)(sel % (unsigned)variants(k));
    switch (k) {
    case RM_TEXT:
        return text[v];
    case RM_INT32:
        return int32[v];
    case RM_DOUBLE:
        return dbl[v];
    case RM_BOOL:
        return bol[v];
    case RM_TS:
        return ts[v];
    case RM_ENUM:
        return enm[v];
    default:
        return json[v];
    }
}

void cells_raw(cells_in *s, cells_value *cv)
{
    unsigned sel = cells_take(s);
    if ((sel & 7) == 7) {
        cv->len = -1;
        return;
    }
    const uint8_t *p;
    size_t n = take_bytes(s, take_len(s), &p);
    sbuf b = {0};
    put(&b, p, n);
    set_bytes(cv, &b);
}

void cells_typed(cells_in *s, const rowmap_col *col, const cells_spec *cs, cells_value *cv,
                 const jsonr_mem *mem)
{
    unsigned sel = cells_take(s);
    if ((sel & 7) == 7) {
        cv->len = -1;
        return;
    }
    switch (col->kind) {
    case RM_TEXT:
        typed_text(s, cs, cv);
        break;
    case RM_INT32:
        typed_int32(s, cs, cv);
        break;
    case RM_DOUBLE:
        typed_double(s, sel, cs, cv);
        break;
    case RM_BOOL: {
        sbuf b = {0};
        cv->i = (sel >> 3) & 1;
        if (cs->variant == 0)
            puts_(&b, cv->i ? "t" : "f");
        else
            putc_(&b, (char)cv->i);
        set_bytes(cv, &b);
        break;
    }
    case RM_TS:
        typed_ts(s, sel, cs, cv);
        break;
    case RM_ENUM:
        typed_enum(s, sel, col, cv);
        break;
    default:
        typed_json(s, col, cs, cv, mem);
    }
}

PGresult *cells_result(const rowmap *m, const cells_spec *specs, size_t ncols,
                       const cells_value *cells, int nrows)
{
    PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    FUZZ_CHECK(r != NULL);
    PGresAttDesc attrs[CELLS_MAX_COLS];
    FUZZ_CHECK(ncols <= CELLS_MAX_COLS);
    for (size_t i = 0; i < ncols; i++)
        attrs[i] = (PGresAttDesc){.name = (char *)m->cols[i].field,
                                  .format = specs[i].format,
                                  .typid = specs[i].oid,
                                  .typlen = -1,
                                  .atttypmod = -1};
    FUZZ_CHECK(PQsetResultAttrs(r, (int)ncols, attrs));
    for (int row = 0; row < nrows; row++)
        for (size_t i = 0; i < ncols; i++) {
            const cells_value *cv = &cells[(size_t)row * ncols + i];
            char *v = cv->len < 0 ? NULL : cv->bytes ? cv->bytes : (char *)"";
            FUZZ_CHECK(PQsetvalue(r, row, (int)i, v, cv->len));
        }
    FUZZ_CHECK(PQntuples(r) == nrows && PQnfields(r) == (int)ncols);
    return r;
}

cells_value *cells_alloc(size_t n)
{
    cells_value *cells = calloc(n + 1, sizeof(*cells));
    FUZZ_CHECK(cells != NULL);
    return cells;
}

void cells_free(cells_value *cells, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        free(cells[k].bytes);
        free(cells[k].text);
    }
    free(cells);
}

void *cells_arena_mem(void *ctx, size_t n)
{
    return arena_alloc(ctx, n);
}

/* ---- input ------------------------------------------------------------ */

/* up to want bytes, fewer at the end of the input */
static size_t take_bytes(cells_in *s, size_t want, const uint8_t **out)
{
    size_t k = want < s->n ? want : s->n;
    *out = s->p;
    s->p += k;
    s->n -= k;
    return k;
}

/* a length: one byte, or after 255 two more */
static size_t take_len(cells_in *s)
{
    size_t len = cells_take(s);
    if (len == 255) {
        len = (size_t)cells_take(s) << 8;
        len |= cells_take(s);
    }
    return len;
}

/* n bytes big-endian (missing ones 0) */
static uint64_t take_be(cells_in *s, int n)
{
    uint64_t x = 0;
    for (int i = 0; i < n; i++)
        x = x << 8 | cells_take(s);
    return x;
}

/* ---- growing text ------------------------------------------------------ */

static void put(sbuf *b, const void *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        FUZZ_CHECK(b->p != NULL);
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void puts_(sbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void putc_(sbuf *b, char c)
{
    put(b, &c, 1);
}

__attribute__((format(printf, 2, 3))) static void putf(sbuf *b, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    FUZZ_CHECK(n >= 0 && (size_t)n < sizeof(tmp));
    put(b, tmp, (size_t)n);
}

static void put_be(sbuf *b, uint64_t x, int n)
{
    for (int i = n - 1; i >= 0; i--)
        putc_(b, (char)(x >> (8 * i)));
}

/* ---- cells ------------------------------------------------------------- */

static void set_bytes(cells_value *cv, sbuf *b)
{
    FUZZ_CHECK(b->n < INT32_MAX);
    cv->len = (int)b->n;
    cv->bytes = b->p; /* the cell's now */
    *b = (sbuf){0};
}

/* Valid UTF-8 without NUL: the bytes as they are when they are that, else
 * each byte as itself (NUL as '0') or, from 0x80, as U+0080..U+00FF. */
static char *utf8_text(cells_in *s)
{
    const uint8_t *p;
    size_t n = take_bytes(s, take_len(s), &p);
    sbuf b = {0};
    put(&b, "", 0);
    if (fuzz_utf8_chars(p, n) >= 0 && memchr(p, 0, n) == NULL) {
        put(&b, p, n);
        return b.p;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned c = p[i];
        if (c == 0) {
            putc_(&b, '0');
        } else if (c < 0x80) {
            putc_(&b, (char)c);
        } else {
            putc_(&b, (char)(0xC0 | c >> 6));
            putc_(&b, (char)(0x80 | (c & 0x3F)));
        }
    }
    return b.p;
}

/* How many ways a TYPED column of this kind is sent. */
static int variants(rowmap_kind k)
{
    switch (k) {
    case RM_TEXT:
        return 4; /* text, binary text, binary uuid, text uuid */
    case RM_INT32:
        return 5; /* text int4, binary int2, int4, int8, text int8 */
    case RM_DOUBLE:
        return 5; /* text float8, binary float8, binary float4, binary numeric, text numeric */
    case RM_BOOL:
        return 2;
    case RM_TS:
        return 4; /* text int8, binary int8, binary timestamptz, binary timestamp */
    case RM_ENUM:
        return 3; /* text, binary text, binary varchar */
    default:
        return 3; /* text jsonb, text json, binary jsonb */
    }
}

static void typed_text(cells_in *s, const cells_spec *cs, cells_value *cv)
{
    sbuf b = {0};
    if (cs->variant >= 2) {
        uint8_t u[16];
        for (size_t i = 0; i < sizeof(u); i++)
            u[i] = (uint8_t)cells_take(s);
        char t[PGBIN_UUID_TEXT];
        snprintf(t, sizeof(t),
                 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
                 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
                 u[15]);
        cv->text = strdup(t);
        FUZZ_CHECK(cv->text != NULL);
        if (cs->variant == 2)
            put(&b, u, sizeof(u));
        else
            puts_(&b, t);
    } else {
        cv->text = utf8_text(s);
        puts_(&b, cv->text);
    }
    set_bytes(cv, &b);
}

static void typed_int32(cells_in *s, const cells_spec *cs, cells_value *cv)
{
    sbuf b = {0};
    int32_t v = cs->variant == 1 ? (int16_t)take_be(s, 2) : (int32_t)(uint32_t)take_be(s, 4);
    cv->i = v;
    if (cs->variant == 0 || cs->variant == 4)
        putf(&b, "%d", v);
    else
        put_be(&b, (uint64_t)(int64_t)v, cs->variant == 1 ? 2 : cs->variant == 2 ? 4 : 8);
    set_bytes(cv, &b);
}

/* A numeric in PostgreSQL's binary form (digits base 10000, leading and
 * trailing zero groups dropped), or its text; the double strtod reads from
 * that text. */
static void typed_numeric(cells_in *s, unsigned sel, const cells_spec *cs, cells_value *cv)
{
    sbuf b = {0};
    unsigned special = (sel >> 4) % 8;
    bool neg = (sel >> 3) & 1;
    uint32_t whole = (uint32_t)take_be(s, 4) % 100000000u, frac = (uint32_t)take_be(s, 2) % 10000u;
    char text[48];
    unsigned sign = 0;
    if (special < 3) {
        static const char *const names[] = {"NaN", "Infinity", "-Infinity"};
        static const unsigned signs[] = {0xC000, 0xD000, 0xF000};
        snprintf(text, sizeof(text), "%s", names[special]);
        sign = signs[special];
        whole = frac = 0;
    } else {
        if (whole == 0 && frac == 0)
            neg = false; /* PostgreSQL has no negative zero */
        snprintf(text, sizeof(text), "%s%u.%04u", neg ? "-" : "", whole, frac);
        sign = neg ? 0x4000 : 0;
    }
    cv->d = strtod(text, NULL);
    if (cs->variant == 4) {
        puts_(&b, text);
    } else {
        unsigned g[3] = {whole / 10000, whole % 10000, frac};
        size_t first = 0, end = 3;
        int weight = 1;
        while (first < end && g[first] == 0) {
            first++;
            weight--;
        }
        while (end > first && g[end - 1] == 0)
            end--;
        if (first == end)
            weight = 0;
        put_be(&b, end - first, 2);
        put_be(&b, (uint64_t)(int64_t)weight, 2);
        put_be(&b, sign, 2);
        put_be(&b, special < 3 ? 0 : 4, 2);
        for (size_t k = first; k < end; k++)
            put_be(&b, g[k], 2);
    }
    set_bytes(cv, &b);
}

static void typed_double(cells_in *s, unsigned sel, const cells_spec *cs, cells_value *cv)
{
    if (cs->variant >= 3) {
        typed_numeric(s, sel, cs, cv);
        return;
    }
    sbuf b = {0};
    if (cs->variant == 2) {
        uint32_t bits = (uint32_t)take_be(s, 4);
        float f;
        memcpy(&f, &bits, sizeof(f));
        cv->d = f;
        put_be(&b, bits, 4);
    } else {
        uint64_t bits = take_be(s, 8);
        memcpy(&cv->d, &bits, sizeof(cv->d));
        if (cs->variant == 1)
            put_be(&b, bits, 8);
        else if (isnan(cv->d))
            puts_(&b, "NaN");
        else if (isinf(cv->d))
            puts_(&b, cv->d > 0 ? "Infinity" : "-Infinity");
        else
            putf(&b, "%.17g", cv->d);
    }
    set_bytes(cv, &b);
}

static void typed_ts(cells_in *s, unsigned sel, const cells_spec *cs, cells_value *cv)
{
    sbuf b = {0};
    uint64_t raw = take_be(s, 8);
    long long us;
    if ((sel >> 3) & 1) {
        /* around now: 2023-11-14 +- 68 years */
        us = 1700000000000000LL + (long long)(int32_t)(uint32_t)raw * 1000000LL +
             (long long)((raw >> 32) % 1000000);
    } else {
        /* PostgreSQL's first microsecond up to INT64_MAX */
        uint64_t span = (uint64_t)INT64_MAX - (uint64_t)TS_MIN_US;
        us = (long long)((uint64_t)TS_MIN_US + raw % (span + 1));
    }
    cv->i = us;
    if (cs->variant == 0)
        putf(&b, "%lld", us);
    else if (cs->variant == 1)
        put_be(&b, (uint64_t)us, 8);
    else
        put_be(&b, (uint64_t)(us - PG_EPOCH_US), 8);
    set_bytes(cv, &b);
}

static void typed_enum(cells_in *s, unsigned sel, const rowmap_col *col, cells_value *cv)
{
    sbuf b = {0};
    if ((sel >> 3) & 1 && col->nenums > 0) {
        cv->text = strdup(col->enums[cells_take(s) % col->nenums].text);
        FUZZ_CHECK(cv->text != NULL);
    } else {
        cv->text = utf8_text(s);
    }
    cv->i = 0;
    for (size_t k = 0; k < col->nenums; k++)
        if (strcmp(col->enums[k].text, cv->text) == 0)
            cv->i = col->enums[k].value;
    puts_(&b, cv->text);
    set_bytes(cv, &b);
}

/* ---- JSON built from input bytes (always valid JSON) --------------------- */

static void json_string(cells_in *s, sbuf *b)
{
    size_t n = cells_take(s) % 12;
    putc_(b, '"');
    for (size_t k = 0; k < n; k++) {
        unsigned c = cells_take(s);
        switch (c % 16) {
        case 0:
            puts_(b, "\\n");
            break;
        case 1:
            puts_(b, "\\\"");
            break;
        case 2:
            puts_(b, "\\u00e9");
            break;
        case 3:
            puts_(b, "\xc3\xa9");
            break;
        case 4:
            puts_(b, "\\\\");
            break;
        case 5:
            puts_(b, "\\ud83d\\ude00");
            break;
        default:
            putc_(b, (char)('a' + c % 26));
        }
    }
    putc_(b, '"');
}

static void json_scalar(cells_in *s, sbuf *b)
{
    switch (cells_take(s) % 7) {
    case 0:
        puts_(b, "null");
        break;
    case 1:
        puts_(b, "true");
        break;
    case 2:
        puts_(b, "false");
        break;
    case 3:
        putf(b, "%d", (int32_t)(uint32_t)take_be(s, 4));
        break;
    case 4: {
        uint64_t bits = take_be(s, 8);
        double d;
        memcpy(&d, &bits, sizeof(d));
        if (isfinite(d))
            putf(b, "%.17g", d);
        else
            puts_(b, "-0.5e-3");
        break;
    }
    case 5:
        json_string(s, b);
        break;
    default: {
        int whole = (int8_t)cells_take(s);
        putf(b, "%d.%02u", whole, cells_take(s) % 100);
    }
    }
}

static void json_key(cells_in *s, sbuf *b, const rowmap_col *col)
{
    static const char *const other[] = {"a", "value", "items", "x y"};
    unsigned k = cells_take(s);
    putc_(b, '"');
    if (col->kind == RM_MSG_LIST && col->sub->ncols > 0 && k % 4 != 3)
        puts_(b, col->sub->cols[(k >> 2) % col->sub->ncols].field);
    else
        puts_(b, other[(k >> 2) % 4]);
    puts_(b, "\":");
}

static void json_member(cells_in *s, sbuf *b)
{
    switch (cells_take(s) % 6) {
    case 4:
        puts_(b, "{\"k\":");
        json_scalar(s, b);
        putc_(b, '}');
        break;
    case 5:
        putc_(b, '[');
        json_scalar(s, b);
        putc_(b, ',');
        json_scalar(s, b);
        putc_(b, ']');
        break;
    default:
        json_scalar(s, b);
    }
}

static void json_object(cells_in *s, sbuf *b, const rowmap_col *col)
{
    size_t m = cells_take(s) % 5;
    putc_(b, '{');
    for (size_t k = 0; k < m; k++) {
        if (k > 0)
            putc_(b, ',');
        json_key(s, b, col);
        json_member(s, b);
    }
    putc_(b, '}');
}

static void build_json(cells_in *s, sbuf *b, const rowmap_col *col, unsigned max_depth)
{
    switch (cells_take(s) % 5) {
    case 0:
        json_scalar(s, b);
        break;
    case 1: {
        /* a scalar inside depth containers, each an array or {"k": ...} */
        unsigned depth = 1 + cells_take(s) % max_depth, bits = 0;
        char close[128];
        FUZZ_CHECK(depth <= sizeof(close));
        for (unsigned d = 0; d < depth; d++) {
            if (d % 8 == 0)
                bits = cells_take(s);
            bool obj = (bits >> (d % 8)) & 1;
            puts_(b, obj ? "{\"k\":" : "[");
            close[d] = obj ? '}' : ']';
        }
        json_scalar(s, b);
        for (unsigned d = depth; d-- > 0;)
            putc_(b, close[d]);
        break;
    }
    case 2: {
        size_t n = cells_take(s) % 5;
        putc_(b, '[');
        for (size_t k = 0; k < n; k++) {
            if (k > 0)
                putc_(b, ',');
            if (cells_take(s) % 8 == 7)
                json_scalar(s, b);
            else
                json_object(s, b, col);
        }
        putc_(b, ']');
        break;
    }
    case 3: {
        size_t n = cells_take(s) % 6;
        putc_(b, '[');
        for (size_t k = 0; k < n; k++) {
            if (k > 0)
                putc_(b, ',');
            json_scalar(s, b);
        }
        putc_(b, ']');
        break;
    }
    default:
        json_object(s, b, col);
    }
}

/* Nesting of objects and arrays in valid JSON text (the outermost is 1). */
static size_t ref_depth(const char *s, size_t n)
{
    size_t level = 0, max = 0;
    bool in_string = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++level > max)
                max = level;
        } else if (c == '}' || c == ']') {
            level--;
        }
    }
    return max;
}

static void typed_json(cells_in *s, const rowmap_col *col, const cells_spec *cs, cells_value *cv,
                       const jsonr_mem *mem)
{
    static const char marker[] = ROWMAP_JSON_TOO_LARGE;
    const uint8_t *p;
    size_t n = take_bytes(s, take_len(s), &p);
    sbuf text = {0};
    put(&text, "", 0);
    Google__Protobuf__Value *doc = NULL;
    if (jsonr_parse((const char *)p, n, mem, &doc) == 0) {
        put(&text, p, n);
    } else {
        cells_in sub = {p, n};
        build_json(&sub, &text, col, col->kind == RM_TEXT_ARRAY ? JSONR_MAX_DEPTH : 100);
    }
    cv->depth = ref_depth(text.p, text.n);
    if (!doc && cv->depth <= JSONR_MAX_DEPTH)
        FUZZ_CHECK(jsonr_parse(text.p, text.n, mem, &doc) == 0); /* the builder's is valid */
    cv->doc = doc;
    cv->marker = (col->kind == RM_STRUCT || col->kind == RM_STRUCT_LIST) &&
                 text.n == sizeof(marker) - 1 && memcmp(text.p, marker, text.n) == 0;
    if (cs->variant == 2) {
        sbuf b = {0};
        putc_(&b, 1);
        put(&b, text.p, text.n);
        free(text.p);
        set_bytes(cv, &b);
    } else {
        set_bytes(cv, &text);
    }
}
