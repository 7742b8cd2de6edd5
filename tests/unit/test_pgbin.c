/*
 * Unit tests for pgbin (common/pgbin): values built byte by byte as
 * PostgreSQL's send functions lay them out, decoded to the numbers and text
 * the text format would have given; every wrong length, version, sign or
 * digit is refused. tests/grpc/test_pgbin_db.c checks the same decoders
 * against a real server's binary and text output.
 */
#include "pgbin.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* A numeric value: header then base-10000 digits, all big-endian int16. */
static size_t numeric(char *out, int weight, unsigned sign, int dscale, const int *digits, int n)
{
    int16_t head[4] = {(int16_t)n, (int16_t)weight, (int16_t)sign, (int16_t)dscale};
    size_t k = 0;
    for (int i = 0; i < 4; i++) {
        out[k++] = (char)((uint16_t)head[i] >> 8);
        out[k++] = (char)(head[i] & 0xff);
    }
    for (int i = 0; i < n; i++) {
        out[k++] = (char)(digits[i] >> 8);
        out[k++] = (char)(digits[i] & 0xff);
    }
    return k;
}

static void expect_numeric(int weight, unsigned sign, int dscale, const int *digits, int n,
                           const char *want)
{
    char v[64], text[64];
    size_t len = numeric(v, weight, sign, dscale, digits, n);
    long got = pgbin_numeric_text(v, len, text, sizeof(text));
    cr_assert_eq(got, (long)strlen(want), "length of %s: %ld", want, got);
    cr_assert_str_eq(text, want);
    double d;
    cr_assert_eq(pgbin_double(PGBIN_NUMERIC, v, len, &d), 0);
    double w = strtod(want, NULL);
    cr_assert(isnan(w) ? isnan(d) : d == w, "%s read as %.17g", want, d);
}

Test(pgbin, types_by_oid)
{
    cr_assert_eq(pgbin_type_of(25), PGBIN_RAW);   /* text */
    cr_assert_eq(pgbin_type_of(1043), PGBIN_RAW); /* varchar */
    cr_assert_eq(pgbin_type_of(3802), PGBIN_JSONB);
    cr_assert_eq(pgbin_type_of(2950), PGBIN_UUID);
    cr_assert_eq(pgbin_type_of(1184), PGBIN_TIMESTAMP);
    cr_assert_eq(pgbin_type_of(1114), PGBIN_TIMESTAMP);
    cr_assert_eq(pgbin_type_of(1700), PGBIN_NUMERIC);
    cr_assert_eq(pgbin_type_of(23), PGBIN_INT4);
    cr_assert_eq(pgbin_type_of(16), PGBIN_BOOL);
    cr_assert_eq(pgbin_type_of(1009), PGBIN_UNKNOWN); /* text[]: never sent binary */
    cr_assert_eq(pgbin_type_of(0), PGBIN_UNKNOWN);
}

Test(pgbin, integers_sign_extend_and_check_length)
{
    long long i;
    cr_assert_eq(pgbin_int(PGBIN_INT2, "\xff\xfe", 2, &i), 0);
    cr_assert_eq(i, -2);
    cr_assert_eq(pgbin_int(PGBIN_INT4, "\x80\x00\x00\x00", 4, &i), 0);
    cr_assert_eq(i, INT32_MIN);
    cr_assert_eq(pgbin_int(PGBIN_INT4, "\x00\x01\x00\x02", 4, &i), 0);
    cr_assert_eq(i, 65538);
    cr_assert_eq(pgbin_int(PGBIN_INT8, "\x80\x00\x00\x00\x00\x00\x00\x00", 8, &i), 0);
    cr_assert_eq(i, INT64_MIN);
    cr_assert_eq(pgbin_int(PGBIN_INT8, "\x7f\xff\xff\xff\xff\xff\xff\xff", 8, &i), 0);
    cr_assert_eq(i, INT64_MAX);
    cr_assert_eq(pgbin_int(PGBIN_INT4, "\x00\x00\x01", 3, &i), -1);
    cr_assert_eq(pgbin_int(PGBIN_INT8, "\x00\x00\x00\x01", 4, &i), -1);
    cr_assert_eq(pgbin_int(PGBIN_FLOAT8, "\x00\x00\x00\x00\x00\x00\x00\x00", 8, &i), -1);
    cr_assert_eq(pgbin_int(PGBIN_RAW, "12", 2, &i), -1);
}

Test(pgbin, floats_and_integers_as_double)
{
    double d;
    cr_assert_eq(pgbin_double(PGBIN_FLOAT8, "\x3f\xf8\x00\x00\x00\x00\x00\x00", 8, &d), 0);
    cr_assert_eq(d, 1.5);
    cr_assert_eq(pgbin_double(PGBIN_FLOAT4, "\xc0\x20\x00\x00", 4, &d), 0);
    cr_assert_eq(d, -2.5);
    cr_assert_eq(pgbin_double(PGBIN_FLOAT8, "\x7f\xf8\x00\x00\x00\x00\x00\x00", 8, &d), 0);
    cr_assert(isnan(d));
    cr_assert_eq(pgbin_double(PGBIN_INT4, "\xff\xff\xff\xff", 4, &d), 0);
    cr_assert_eq(d, -1.0);
    cr_assert_eq(pgbin_double(PGBIN_FLOAT8, "\x3f\xf8\x00\x00", 4, &d), -1);
    cr_assert_eq(pgbin_double(PGBIN_UUID, "0123456789abcdef", 16, &d), -1);
}

Test(pgbin, bool_is_one_byte_zero_or_one)
{
    int b = 7;
    cr_assert_eq(pgbin_bool("\x01", 1, &b), 0);
    cr_assert_eq(b, 1);
    cr_assert_eq(pgbin_bool("\x00", 1, &b), 0);
    cr_assert_eq(b, 0);
    cr_assert_eq(pgbin_bool("\x02", 1, &b), -1);
    cr_assert_eq(pgbin_bool("t", 1, &b), -1);
    cr_assert_eq(pgbin_bool("\x01\x00", 2, &b), -1);
}

Test(pgbin, timestamps_shift_from_2000_to_1970)
{
    long long us;
    cr_assert_eq(pgbin_epoch_us("\x00\x00\x00\x00\x00\x00\x00\x00", 8, &us), 0);
    cr_assert_eq(us, 946684800000000LL); /* 2000-01-01 00:00:00 UTC */
    /* 2026-11-26 12:00:00.123456 UTC is 1795694400.123456 since 1970:
     * 849009600123456 microseconds since 2000 = 0x0003042A 0x9C3C4A40. */
    long long pg = 1795694400123456LL - 946684800000000LL;
    char v[8];
    for (int i = 0; i < 8; i++)
        v[i] = (char)((unsigned long long)pg >> (56 - 8 * i));
    cr_assert_eq(pgbin_epoch_us(v, 8, &us), 0);
    cr_assert_eq(us, 1795694400123456LL);
    /* Before 1970 and before 2000: negative both ways. */
    pg = -946684800000000LL - 1;
    for (int i = 0; i < 8; i++)
        v[i] = (char)((unsigned long long)pg >> (56 - 8 * i));
    cr_assert_eq(pgbin_epoch_us(v, 8, &us), 0);
    cr_assert_eq(us, -1);
    /* infinity, -infinity, overflow of the shift, wrong length */
    cr_assert_eq(pgbin_epoch_us("\x7f\xff\xff\xff\xff\xff\xff\xff", 8, &us), -1);
    cr_assert_eq(pgbin_epoch_us("\x80\x00\x00\x00\x00\x00\x00\x00", 8, &us), -1);
    cr_assert_eq(pgbin_epoch_us("\x7f\xff\xff\xff\xff\xff\xff\x00", 8, &us), -1);
    cr_assert_eq(pgbin_epoch_us("\x00\x00\x00\x00", 4, &us), -1);
}

Test(pgbin, uuid_text)
{
    char out[PGBIN_UUID_TEXT];
    memset(out, 'x', sizeof(out));
    cr_assert_eq(pgbin_uuid_text("\x01\x23\x45\x67\x89\xab\xcd\xef\x00\x10\xfe\xdc\xba\x98\x76\x54",
                                 16, out),
                 0);
    cr_assert_str_eq(out, "01234567-89ab-cdef-0010-fedcba987654");
    cr_assert_eq(pgbin_uuid_text("\x01\x23", 2, out), -1);
    cr_assert_eq(pgbin_uuid_text("0123456789abcdefg", 17, out), -1);
}

Test(pgbin, jsonb_version_one_only)
{
    const char *t;
    size_t n;
    cr_assert_eq(pgbin_jsonb_text("\x01{\"a\": 1}", 9, &t, &n), 0);
    cr_assert_eq(n, 8);
    cr_assert_eq(memcmp(t, "{\"a\": 1}", 8), 0);
    cr_assert_eq(pgbin_jsonb_text("\x02{}", 3, &t, &n), -1);
    cr_assert_eq(pgbin_jsonb_text("", 0, &t, &n), -1);
}

Test(pgbin, numeric_text_as_postgres_prints_it)
{
    expect_numeric(0, 0x0000, 0, NULL, 0, "0");
    expect_numeric(0, 0x0000, 2, NULL, 0, "0.00");
    expect_numeric(0, 0x0000, 2, (int[]){12, 5000}, 2, "12.50");
    expect_numeric(0, 0x4000, 2, (int[]){12, 5000}, 2, "-12.50");
    expect_numeric(-1, 0x0000, 4, (int[]){1}, 1, "0.0001");
    expect_numeric(-2, 0x0000, 8, (int[]){12}, 1, "0.00000012");
    expect_numeric(-1, 0x0000, 3, (int[]){1234}, 1, "0.123"); /* dscale cuts a digit group */
    expect_numeric(2, 0x0000, 0, (int[]){1, 2345, 6789}, 3, "123456789");
    expect_numeric(5, 0x0000, 0, (int[]){1}, 1, "100000000000000000000");
    expect_numeric(1, 0x0000, 5, (int[]){9999, 9, 10}, 3, "99990009.00100");
    expect_numeric(0, 0xC000, 0, NULL, 0, "NaN");
    expect_numeric(0, 0xD000, 0, NULL, 0, "Infinity");
    expect_numeric(0, 0xF000, 0, NULL, 0, "-Infinity");
}

Test(pgbin, numeric_longer_than_the_buffer)
{
    /* 10^400: 401 characters, past a double (infinity, as strtod reads it). */
    char v[16], small[8];
    size_t len = numeric(v, 100, 0x0000, 0, (int[]){1}, 1);
    cr_assert_eq(pgbin_numeric_text(v, len, small, sizeof(small)), 401);
    double d;
    cr_assert_eq(pgbin_double(PGBIN_NUMERIC, v, len, &d), 0);
    cr_assert(isinf(d) && d > 0);
    /* 1 / 10^400 with 400 decimals: underflows to 0. */
    len = numeric(v, -100, 0x0000, 400, (int[]){1}, 1);
    cr_assert_eq(pgbin_double(PGBIN_NUMERIC, v, len, &d), 0);
    cr_assert_eq(d, 0.0);
    /* 0.1 printed with 300 zeros after: the long path keeps every digit. */
    len = numeric(v, -1, 0x0000, 301, (int[]){1000}, 1);
    cr_assert_eq(pgbin_double(PGBIN_NUMERIC, v, len, &d), 0);
    cr_assert_eq(d, 0.1);
}

Test(pgbin, malformed_numerics_are_refused)
{
    char v[32], text[32];
    size_t len = numeric(v, 0, 0x0000, 0, (int[]){10000}, 1);
    cr_assert_eq(pgbin_numeric_text(v, len, text, sizeof(text)), -1, "digit past 9999");
    len = numeric(v, 0, 0x8000, 0, (int[]){1}, 1);
    cr_assert_eq(pgbin_numeric_text(v, len, text, sizeof(text)), -1, "unknown sign");
    len = numeric(v, 0, 0x0000, 0, (int[]){1, 2}, 2);
    cr_assert_eq(pgbin_numeric_text(v, len - 2, text, sizeof(text)), -1, "digits cut short");
    cr_assert_eq(pgbin_numeric_text(v, 6, text, sizeof(text)), -1, "header cut short");
    len = numeric(v, 0, 0x0000, -1, (int[]){1}, 1);
    cr_assert_eq(pgbin_numeric_text(v, len, text, sizeof(text)), -1, "negative scale");
    double d;
    cr_assert_eq(pgbin_double(PGBIN_NUMERIC, v, len, &d), -1);
}
