/*
 * pgbin.c - decoders of PostgreSQL binary values (see pgbin.h). The layouts
 * are those of the types' send functions: fixed-width big-endian integers
 * and IEEE floats, timestamps as int8 microseconds since 2000-01-01, jsonb
 * as a version byte and its text, numeric as a header and base-10000 digits.
 */
#include "pgbin.h"
#include "valid.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Type OIDs are fixed in PostgreSQL's catalog (pg_type.dat). */
enum {
    OID_BOOL = 16,
    OID_NAME = 19,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_TEXT = 25,
    OID_JSON = 114,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_BPCHAR = 1042,
    OID_VARCHAR = 1043,
    OID_TIMESTAMP = 1114,
    OID_TIMESTAMPTZ = 1184,
    OID_NUMERIC = 1700,
    OID_UUID = 2950,
    OID_JSONB = 3802,
};

/* 1970-01-01 less 2000-01-01 in microseconds: 10957 days. */
#define UNIX_TO_PG_US 946684800000000LL

#define NUMERIC_POS  0x0000
#define NUMERIC_NEG  0x4000
#define NUMERIC_NAN  0xC000
#define NUMERIC_PINF 0xD000
#define NUMERIC_NINF 0xF000

static uint64_t be(const char *v, size_t n);

pgbin_type pgbin_type_of(unsigned oid)
{
    switch (oid) {
    case OID_TEXT:
    case OID_VARCHAR:
    case OID_BPCHAR:
    case OID_NAME:
    case OID_JSON:
        return PGBIN_RAW;
    case OID_JSONB:
        return PGBIN_JSONB;
    case OID_UUID:
        return PGBIN_UUID;
    case OID_BOOL:
        return PGBIN_BOOL;
    case OID_INT2:
        return PGBIN_INT2;
    case OID_INT4:
        return PGBIN_INT4;
    case OID_INT8:
        return PGBIN_INT8;
    case OID_FLOAT4:
        return PGBIN_FLOAT4;
    case OID_FLOAT8:
        return PGBIN_FLOAT8;
    case OID_NUMERIC:
        return PGBIN_NUMERIC;
    case OID_TIMESTAMP:
    case OID_TIMESTAMPTZ:
        return PGBIN_TIMESTAMP;
    default:
        /* Enum types have OIDs of their own (user types); the services
         * read enum columns as text in SQL, so they never get here. */
        return PGBIN_UNKNOWN;
    }
}

int pgbin_int(pgbin_type t, const char *v, size_t len, long long *out)
{
    /* Sign extension through the signed type of each width. */
    if (t == PGBIN_INT2 && len == 2)
        *out = (int16_t)be(v, 2);
    else if (t == PGBIN_INT4 && len == 4)
        *out = (int32_t)be(v, 4);
    else if (t == PGBIN_INT8 && len == 8)
        *out = (long long)(int64_t)be(v, 8);
    else
        return -1;
    return 0;
}

int pgbin_double(pgbin_type t, const char *v, size_t len, double *out)
{
    long long i;
    if (pgbin_int(t, v, len, &i) == 0) {
        *out = (double)i;
        return 0;
    }
    if (t == PGBIN_FLOAT4 && len == 4) {
        uint32_t bits = (uint32_t)be(v, 4);
        float f;
        memcpy(&f, &bits, sizeof(f));
        *out = f;
        return 0;
    }
    if (t == PGBIN_FLOAT8 && len == 8) {
        uint64_t bits = be(v, 8);
        memcpy(out, &bits, sizeof(*out));
        return 0;
    }
    if (t != PGBIN_NUMERIC)
        return -1;
    /* Through the text, so that the double is the one strtod gives for
     * what the text format would have sent (correct rounding included);
     * the text is short unless the value is extreme. */
    char small[128];
    long n = pgbin_numeric_text(v, len, small, sizeof(small));
    if (n < 0)
        return -1;
    if ((size_t)n < sizeof(small)) {
        *out = strtod(small, NULL);
        return 0;
    }
    char *big = malloc((size_t)n + 1);
    if (!big || pgbin_numeric_text(v, len, big, (size_t)n + 1) != n) {
        free(big);
        return -1;
    }
    *out = strtod(big, NULL);
    free(big);
    return 0;
}

int pgbin_bool(const char *v, size_t len, int *out)
{
    if (len != 1 || (unsigned char)v[0] > 1)
        return -1;
    *out = v[0];
    return 0;
}

int pgbin_epoch_us(const char *v, size_t len, long long *out)
{
    if (len != 8)
        return -1;
    int64_t pg = (int64_t)be(v, 8);
    /* INT64_MIN and INT64_MAX are -infinity and infinity: no instant. */
    if (pg == INT64_MIN || pg == INT64_MAX)
        return -1;
    long long us;
    if (__builtin_add_overflow((long long)pg, UNIX_TO_PG_US, &us))
        return -1;
    *out = us;
    return 0;
}

int pgbin_uuid_text(const char *v, size_t len, char *out)
{
    if (len != 16)
        return -1;
    valid_uuid_text((const unsigned char *)v, out);
    return 0;
}

int pgbin_jsonb_text(const char *v, size_t len, const char **text, size_t *n)
{
    if (len < 1 || v[0] != 1)
        return -1;
    *text = v + 1;
    *n = len - 1;
    return 0;
}

long pgbin_numeric_text(const char *v, size_t len, char *out, size_t cap)
{
    if (len < 8)
        return -1;
    int ndigits = (int16_t)be(v, 2), weight = (int16_t)be(v + 2, 2);
    unsigned sign = (unsigned)be(v + 4, 2);
    int dscale = (int16_t)be(v + 6, 2);
    if (ndigits < 0 || dscale < 0 || len != 8 + 2 * (size_t)ndigits)
        return -1;
    const char *special = sign == NUMERIC_NAN    ? "NaN"
                          : sign == NUMERIC_PINF ? "Infinity"
                          : sign == NUMERIC_NINF ? "-Infinity"
                                                 : NULL;
    if (!special && sign != NUMERIC_POS && sign != NUMERIC_NEG)
        return -1;
    if (special) {
        size_t k = strlen(special);
        if (k < cap)
            memcpy(out, special, k + 1);
        return (long)k;
    }
    for (int d = 0; d < ndigits; d++)
        if (be(v + 8 + 2 * d, 2) > 9999)
            return -1;
    /* PostgreSQL's layout (get_str_from_var): the sign, the integer part
     * without leading zeros ("0" when there is none), then exactly dscale
     * fractional digits, zeros past the stored digits. First the length. */
    size_t need = sign == NUMERIC_NEG;
    char lead[5];
    int first = weight >= 0 && ndigits > 0 ? (int)be(v + 8, 2) : 0;
    int lead_len = 0;
    do
        lead[lead_len++] = (char)('0' + first % 10);
    while ((first /= 10) > 0);
    need += weight >= 0 ? (size_t)lead_len + 4 * (size_t)weight : 1;
    need += dscale > 0 ? 1 + (size_t)dscale : 0;
    if (need >= cap)
        return (long)need;
    char *p = out;
    if (sign == NUMERIC_NEG)
        *p++ = '-';
    int d;
    if (weight < 0) {
        *p++ = '0';
        d = weight + 1;
    } else {
        while (lead_len > 0)
            *p++ = lead[--lead_len];
        for (d = 1; d <= weight; d++) {
            unsigned dig = d < ndigits ? (unsigned)be(v + 8 + 2 * d, 2) : 0;
            for (unsigned div = 1000; div > 0; div /= 10)
                *p++ = (char)('0' + dig / div % 10);
        }
    }
    if (dscale > 0) {
        *p++ = '.';
        for (int i = 0; i < dscale; d++) {
            unsigned dig = d >= 0 && d < ndigits ? (unsigned)be(v + 8 + 2 * d, 2) : 0;
            for (unsigned div = 1000; div > 0 && i < dscale; div /= 10, i++)
                *p++ = (char)('0' + dig / div % 10);
        }
    }
    *p = '\0';
    return (long)need;
}

/* ---- internals ------------------------------------------------------- */

/* The n-byte big-endian unsigned integer at v. */
static uint64_t be(const char *v, size_t n)
{
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = x << 8 | (unsigned char)v[i];
    return x;
}
