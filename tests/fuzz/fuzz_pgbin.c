/*
 * fuzz_pgbin - one value of a binary-format result as PostgreSQL (or
 * anything speaking its protocol) sends it, through every pgbin decoder.
 *
 * Feeds: the whole input as the cell (len bytes, no NUL after it, so any
 * read past len is an ASan report) to pgbin_int, pgbin_double, pgbin_bool,
 * pgbin_epoch_us, pgbin_uuid_text, pgbin_jsonb_text and
 * pgbin_numeric_text under every type; the first 4 bytes also as a type
 * OID for pgbin_type_of.
 * Asserts:
 *  - each decoder accepts exactly the lengths (and versions, signs, digits)
 *    its type has, and gives what a reference decoding of the bytes gives:
 *    sign-extended integers, the float's own bits, bool 0/1, timestamps
 *    shifted to 1970 unless infinite or overflowing, the uuid's hex;
 *  - pgbin_numeric_text: asked with no room it says the length; into a
 *    buffer of exactly that length plus the NUL it writes that text, which
 *    a reference (PostgreSQL's get_str_from_var) writes too; one byte short
 *    it writes nothing; pgbin_double of a numeric is strtod of that text;
 *  - a timestamp's pagetoken_ts_text matches a gmtime_r reference;
 *  - a jsonb value's text that jsonr reads, pbjson writes.
 */
#include "fuzz.h"

#include <math.h>
#include <stdbool.h>

#include "arena.h"
#include "jsonr.h"
#include "pagetoken.h"
#include "pbjson.h"
#include "pgbin.h"
#include "valid.h"

static uint64_t be(const uint8_t *p, size_t n)
{
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = x << 8 | p[i];
    return x;
}

static const pgbin_type all_types[] = {
    PGBIN_UNKNOWN, PGBIN_RAW,  PGBIN_JSONB,  PGBIN_UUID,   PGBIN_BOOL,    PGBIN_INT2,
    PGBIN_INT4,    PGBIN_INT8, PGBIN_FLOAT4, PGBIN_FLOAT8, PGBIN_NUMERIC, PGBIN_TIMESTAMP,
};

/* The integer of a fixed-width integer type, or false. */
static bool ref_int(pgbin_type t, const uint8_t *v, size_t len, long long *out)
{
    if (t == PGBIN_INT2 && len == 2)
        *out = (int16_t)(uint16_t)be(v, 2);
    else if (t == PGBIN_INT4 && len == 4)
        *out = (int32_t)(uint32_t)be(v, 4);
    else if (t == PGBIN_INT8 && len == 8)
        *out = (long long)be(v, 8);
    else
        return false;
    return true;
}

/* PostgreSQL's get_str_from_var over the wire layout; NULL when malformed.
 * Malloc'd. */
static char *ref_numeric(const uint8_t *v, size_t len)
{
    if (len < 8)
        return NULL;
    int ndigits = (int16_t)be(v, 2), weight = (int16_t)be(v + 2, 2);
    unsigned sign = (unsigned)be(v + 4, 2);
    int dscale = (int16_t)be(v + 6, 2);
    if (ndigits < 0 || dscale < 0 || len != 8 + 2 * (size_t)ndigits)
        return NULL;
    if (sign == 0xC000)
        return strdup("NaN");
    if (sign == 0xD000)
        return strdup("Infinity");
    if (sign == 0xF000)
        return strdup("-Infinity");
    if (sign != 0 && sign != 0x4000)
        return NULL;
    for (int i = 0; i < ndigits; i++)
        if (be(v + 8 + 2 * i, 2) > 9999)
            return NULL;
    size_t cap = 16 + (weight > 0 ? 4 * (size_t)weight : 0) + (size_t)dscale;
    char *s = malloc(cap), *p = s;
    FUZZ_CHECK(s != NULL);
    if (sign == 0x4000)
        *p++ = '-';
    if (weight < 0) {
        *p++ = '0';
    } else {
        for (int d = 0; d <= weight; d++) {
            unsigned dig = d < ndigits ? (unsigned)be(v + 8 + 2 * d, 2) : 0;
            p += sprintf(p, d == 0 ? "%u" : "%04u", dig);
        }
    }
    if (dscale > 0) {
        *p++ = '.';
        for (int i = 0; i < dscale; i++) {
            /* fraction digit i belongs to group weight + 1 + i / 4 */
            long g = (long)weight + 1 + i / 4;
            unsigned dig = g >= 0 && g < ndigits ? (unsigned)be(v + 8 + 2 * g, 2) : 0;
            char four[5];
            snprintf(four, sizeof(four), "%04u", dig);
            *p++ = four[i % 4];
        }
    }
    *p = '\0';
    FUZZ_CHECK((size_t)(p - s) < cap);
    return s;
}

static void *arena_mem(void *ctx, size_t n)
{
    return arena_alloc(ctx, n);
}

static void check_numeric(const char *v, size_t len)
{
    char *want = ref_numeric((const uint8_t *)v, len);
    char none[1] = {'#'};
    long n = pgbin_numeric_text(v, len, none, 0);
    FUZZ_CHECK(none[0] == '#');
    double d = 0;
    int drc = pgbin_double(PGBIN_NUMERIC, v, len, &d);
    if (want == NULL) {
        FUZZ_CHECK(n == -1);
        FUZZ_CHECK(drc == -1);
        return;
    }
    FUZZ_CHECK(n == (long)strlen(want));

    /* one byte short: nothing written */
    char *shortbuf = malloc((size_t)n + 1);
    FUZZ_CHECK(shortbuf != NULL);
    memset(shortbuf, '#', (size_t)n + 1);
    FUZZ_CHECK(pgbin_numeric_text(v, len, shortbuf, (size_t)n) == n);
    for (long i = 0; i < n; i++)
        FUZZ_CHECK(shortbuf[i] == '#');
    free(shortbuf);

    char *text = malloc((size_t)n + 1);
    FUZZ_CHECK(text != NULL);
    FUZZ_CHECK(pgbin_numeric_text(v, len, text, (size_t)n + 1) == n);
    FUZZ_CHECK(strcmp(text, want) == 0);

    FUZZ_CHECK(drc == 0);
    double r = strtod(want, NULL);
    FUZZ_CHECK(isnan(r) ? isnan(d) : memcmp(&d, &r, sizeof(d)) == 0);
    free(text);
    free(want);
}

static void check_jsonb(const char *v, size_t len)
{
    const char *text = NULL;
    size_t n = 0;
    int rc = pgbin_jsonb_text(v, len, &text, &n);
    FUZZ_CHECK(rc == ((len >= 1 && v[0] == 1) ? 0 : -1));
    if (rc != 0)
        return;
    FUZZ_CHECK(text == v + 1 && n == len - 1);
    arena *a = NULL;
    const jsonr_mem mem = {arena_mem, &a};
    Google__Protobuf__Value *doc = NULL;
    if (jsonr_parse(text, n, &mem, &doc) == 0) {
        char *out = NULL;
        FUZZ_CHECK(pbjson_from_value(doc, &out) == 0);
        free(out);
    }
    arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes: libFuzzer's own buffer is too, but the
     * decoders take char. */
    char *v = malloc(size ? size : 1);
    FUZZ_CHECK(v != NULL);
    if (size > 0)
        memcpy(v, data, size);
    const uint8_t *u = (const uint8_t *)v;

    if (size >= 4) {
        pgbin_type t = pgbin_type_of((unsigned)be(u, 4));
        FUZZ_CHECK(t >= PGBIN_UNKNOWN && t <= PGBIN_TIMESTAMP);
    }

    for (size_t i = 0; i < sizeof(all_types) / sizeof(all_types[0]); i++) {
        pgbin_type t = all_types[i];
        long long got = 0x77, want;
        bool is_int = ref_int(t, u, size, &want);
        int rc = pgbin_int(t, v, size, &got);
        FUZZ_CHECK(rc == (is_int ? 0 : -1));
        FUZZ_CHECK(is_int ? got == want : got == 0x77);

        double d = 0.5;
        rc = pgbin_double(t, v, size, &d);
        if (is_int) {
            FUZZ_CHECK(rc == 0 && d == (double)want);
        } else if (t == PGBIN_FLOAT4 && size == 4) {
            uint32_t bits = (uint32_t)be(u, 4);
            float f;
            memcpy(&f, &bits, sizeof(f));
            FUZZ_CHECK(rc == 0 && (isnan(f) ? isnan(d) : d == (double)f));
        } else if (t == PGBIN_FLOAT8 && size == 8) {
            uint64_t bits = be(u, 8);
            FUZZ_CHECK(rc == 0 && memcmp(&d, &bits, sizeof(d)) == 0);
        } else if (t != PGBIN_NUMERIC) {
            FUZZ_CHECK(rc == -1 && d == 0.5);
        }
    }

    int b = 7;
    int rc = pgbin_bool(v, size, &b);
    FUZZ_CHECK(rc == ((size == 1 && u[0] <= 1) ? 0 : -1));
    FUZZ_CHECK(rc == 0 ? b == u[0] : b == 7);

    long long us = 0x77;
    rc = pgbin_epoch_us(v, size, &us);
    if (size == 8) {
        int64_t pg = (int64_t)be(u, 8);
        __int128 shifted = (__int128)pg + 946684800000000LL;
        bool ok = pg != INT64_MIN && pg != INT64_MAX && shifted <= INT64_MAX;
        FUZZ_CHECK(rc == (ok ? 0 : -1));
        if (ok) {
            FUZZ_CHECK(us == (long long)shifted);
            char got[PAGETOKEN_TS_SIZE], want[128];
            pagetoken_ts_text(us, got, sizeof(got));
            if (fuzz_ts_text(us, want, sizeof(want)) == 0)
                FUZZ_CHECK(strcmp(got, want) == 0);
        }
    } else {
        FUZZ_CHECK(rc == -1 && us == 0x77);
    }

    char uuid[PGBIN_UUID_TEXT];
    memset(uuid, '#', sizeof(uuid));
    rc = pgbin_uuid_text(v, size, uuid);
    FUZZ_CHECK(rc == (size == 16 ? 0 : -1));
    if (rc == 0) {
        FUZZ_CHECK(valid_uuid(uuid));
        char want[PGBIN_UUID_TEXT];
        snprintf(want, sizeof(want),
                 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
                 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
                 u[15]);
        FUZZ_CHECK(strcmp(uuid, want) == 0);
    } else {
        for (size_t i = 0; i < sizeof(uuid); i++)
            FUZZ_CHECK(uuid[i] == '#');
    }

    check_jsonb(v, size);
    check_numeric(v, size);
    free(v);
    return 0;
}
