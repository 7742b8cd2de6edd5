/* Unit tests for jsonlog: escaping, numbers, timestamps, truncation. */
#include "jsonlog.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Parses one line: it must end in exactly one '\n' and be a JSON object. */
static json_t *parse_line(const char *line)
{
    size_t n = strlen(line);
    cr_assert_geq(n, 3, "line too short: '%s'", line);
    cr_assert_eq(line[n - 1], '\n');
    cr_assert_null(memchr(line, '\n', n - 1), "inner newline in '%s'", line);
    json_error_t err;
    json_t *o = json_loadb(line, n - 1, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
    cr_assert_not_null(o, "invalid JSON '%s': %s", line, err.text);
    cr_assert(json_is_object(o));
    return o;
}

Test(jsonlog, basic_fields)
{
    char buf[512];
    jsonlog j;
    jsonlog_begin(&j, buf, sizeof(buf));
    jsonlog_str(&j, "method", "/cameos.credits.v1.CreditsService/GetProfile");
    jsonlog_str(&j, "code", "OK");
    jsonlog_int(&j, "n", -9223372036854775807LL - 1);
    jsonlog_int(&j, "zero", 0);
    jsonlog_bool(&j, "ok", 1);
    jsonlog_bool(&j, "bad", 0);
    jsonlog_str(&j, "user", NULL);
    jsonlog_strn(&j, "part", "abcdef", 3);
    jsonlog_strn(&j, "empty", "", 0);
    const char *line = jsonlog_end(&j);
    cr_assert_str_eq(line, "{\"method\":\"/cameos.credits.v1.CreditsService/GetProfile\","
                           "\"code\":\"OK\",\"n\":-9223372036854775808,\"zero\":0,\"ok\":true,"
                           "\"bad\":false,\"user\":null,\"part\":\"abc\",\"empty\":\"\"}\n");
    cr_assert_eq(j.truncated, 0);
    json_decref(parse_line(line));
    /* end is idempotent */
    cr_assert_eq(jsonlog_end(&j), line);
    cr_assert_eq(strlen(line), j.len);
}

Test(jsonlog, empty_object)
{
    char buf[64];
    jsonlog j;
    jsonlog_begin(&j, buf, sizeof(buf));
    cr_assert_str_eq(jsonlog_end(&j), "{}\n");
}

Test(jsonlog, escaping)
{
    char buf[1024];
    jsonlog j;
    jsonlog_begin(&j, buf, sizeof(buf));
    jsonlog_str(&j, "q", "say \"hi\"\\now");
    jsonlog_str(&j, "ctl", "a\nb\rc\td\x01\x1f\x7f");
    jsonlog_str(&j, "utf8", "caf\xc3\xa9 \xf0\x9f\x8e\xac \xe2\x82\xac");
    jsonlog_str(&j, "bad",
                "a\xff"
                "b\xc3"
                "c\xed\xa0\x80"
                "d\xc0\xaf");
    jsonlog_strn(&j, "nul", "x\0y", 3);
    jsonlog_str(&j, "k\"ey", "v");
    const char *line = jsonlog_end(&j);
    cr_assert_not_null(strstr(line, "\"q\":\"say \\\"hi\\\"\\\\now\""), "%s", line);
    cr_assert_not_null(strstr(line, "\"ctl\":\"a\\nb\\rc\\td\\u0001\\u001f\\u007f\""), "%s", line);
    cr_assert_not_null(strstr(line, "\"nul\":\"x\\u0000y\""), "%s", line);
    cr_assert_not_null(strstr(line, "\"k\\\"ey\":\"v\""), "%s", line);

    json_t *o = parse_line(line);
    cr_assert_str_eq(json_string_value(json_object_get(o, "q")), "say \"hi\"\\now");
    cr_assert_str_eq(json_string_value(json_object_get(o, "ctl")), "a\nb\rc\td\x01\x1f\x7f");
    cr_assert_str_eq(json_string_value(json_object_get(o, "utf8")),
                     "caf\xc3\xa9 \xf0\x9f\x8e\xac \xe2\x82\xac");
    /* each bad byte becomes U+FFFD */
    cr_assert_str_eq(json_string_value(json_object_get(o, "bad")),
                     "a\xef\xbf\xbd"
                     "b\xef\xbf\xbd"
                     "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                     "d\xef\xbf\xbd\xef\xbf\xbd");
    cr_assert_str_eq(json_string_value(json_object_get(o, "k\"ey")), "v");
    json_decref(o);
}

Test(jsonlog, numbers)
{
    char buf[1024];
    jsonlog j;
    jsonlog_begin(&j, buf, sizeof(buf));
    jsonlog_double(&j, "ms", 12.34567, 3);
    jsonlog_double(&j, "neg", -0.5, 1);
    jsonlog_double(&j, "whole", 42.0, 0);
    jsonlog_double(&j, "clamped", 1.0 / 3.0, 99);
    jsonlog_double(&j, "negdec", 2.5, -4);
    jsonlog_double(&j, "nan", NAN, 3);
    jsonlog_double(&j, "inf", INFINITY, 3);
    jsonlog_double(&j, "huge", 1e300, 2);
    jsonlog_int(&j, "max", 9223372036854775807LL);
    const char *line = jsonlog_end(&j);
    cr_assert_not_null(strstr(line, "\"ms\":12.346,"), "%s", line);
    cr_assert_not_null(strstr(line, "\"neg\":-0.5,"), "%s", line);
    cr_assert_not_null(strstr(line, "\"whole\":42,"), "%s", line);
    cr_assert_not_null(strstr(line, "\"clamped\":0.333333333,"), "%s", line);
    cr_assert_not_null(strstr(line, "\"negdec\":2,"), "%s", line); /* %.0f rounds to even */
    cr_assert_not_null(strstr(line, "\"nan\":null,\"inf\":null"), "%s", line);
    cr_assert_not_null(strstr(line, "\"max\":9223372036854775807}"), "%s", line);
    json_t *o = parse_line(line);
    cr_assert_float_eq(json_number_value(json_object_get(o, "huge")), 1e300, 1e286);
    json_decref(o);
}

Test(jsonlog, timestamp)
{
    char buf[256];
    jsonlog j;
    jsonlog_begin(&j, buf, sizeof(buf));
    jsonlog_timestamp_us(&j, "ts", 1700000000123456LL);
    jsonlog_timestamp_us(&j, "epoch", 0);
    jsonlog_timestamp_us(&j, "before", -1);
    jsonlog_timestamp_us(&j, "leap", 951782400999999LL); /* 2000-02-29 */
    jsonlog_timestamp(&j, "now");
    const char *line = jsonlog_end(&j);
    json_t *o = parse_line(line);
    cr_assert_str_eq(json_string_value(json_object_get(o, "ts")), "2023-11-14T22:13:20.123Z");
    cr_assert_str_eq(json_string_value(json_object_get(o, "epoch")), "1970-01-01T00:00:00.000Z");
    cr_assert_str_eq(json_string_value(json_object_get(o, "before")), "1969-12-31T23:59:59.999Z");
    cr_assert_str_eq(json_string_value(json_object_get(o, "leap")), "2000-02-29T00:00:00.999Z");
    const char *now = json_string_value(json_object_get(o, "now"));
    cr_assert_not_null(now);
    cr_assert_eq(strlen(now), 24, "%s", now);
    cr_assert_eq(now[4], '-');
    cr_assert_eq(now[10], 'T');
    cr_assert_eq(now[19], '.');
    cr_assert_eq(now[23], 'Z');
    cr_assert_geq(strncmp(now, "2024", 4), 0);
    json_decref(o);
}

/* Every buffer size from nothing up: the line must always parse. */
Test(jsonlog, truncation_always_valid)
{
    static const char *long_val = "a fairly long value with \"quotes\" and \\ and \n and "
                                  "\xc3\xa9\xf0\x9f\x8e\xac and a bad \xff byte, repeated: "
                                  "a fairly long value with \"quotes\" and \\ and \n";
    char buf[400];
    for (size_t cap = 0; cap <= sizeof(buf); cap++) {
        jsonlog j;
        jsonlog_begin(&j, cap ? buf : NULL, cap);
        jsonlog_str(&j, "method", "/cameos.content.v1.ContentService/CreateGeneration");
        jsonlog_str(&j, "message", long_val);
        jsonlog_int(&j, "code", 3);
        jsonlog_double(&j, "duration_ms", 1.25, 3);
        jsonlog_timestamp_us(&j, "ts", 1700000000123456LL);
        jsonlog_str(&j, "\"key\\", "v");
        const char *line = jsonlog_end(&j);
        cr_assert_leq(strlen(line) + 1,
                      cap < JSONLOG_MIN_CAP ? sizeof("{\"truncated\":true}\n") : cap);
        json_t *o = parse_line(line);
        json_t *t = json_object_get(o, "truncated");
        if (j.truncated)
            cr_assert(json_is_true(t), "cap %zu: %s", cap, line);
        else
            cr_assert_null(t);
        if (cap >= sizeof(buf))
            cr_assert_eq(j.truncated, 0, "cap %zu: %s", cap, line);
        json_decref(o);
    }
}

Test(jsonlog, truncation_drops_only_what_does_not_fit)
{
    char big[300], buf[128];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    jsonlog j;
    jsonlog_begin(&j, buf, sizeof(buf));
    jsonlog_str(&j, "method", "M");
    jsonlog_str(&j, "big", big);
    jsonlog_int(&j, "code", 5);
    const char *line = jsonlog_end(&j);
    cr_assert_str_eq(line, "{\"method\":\"M\",\"code\":5,\"truncated\":true}\n");
    json_decref(parse_line(line));

    /* first field dropped: no leading comma */
    jsonlog_begin(&j, buf, sizeof(buf));
    jsonlog_str(&j, "big", big);
    line = jsonlog_end(&j);
    cr_assert_str_eq(line, "{\"truncated\":true}\n");

    /* tiny buffer: the static fallback */
    char tiny[5];
    jsonlog_begin(&j, tiny, sizeof(tiny));
    jsonlog_int(&j, "a", 1);
    cr_assert_str_eq(jsonlog_end(&j), "{\"truncated\":true}\n");

    /* exact fit: a 21-byte buffer holds "{}\n" */
    char exact[JSONLOG_MIN_CAP];
    jsonlog_begin(&j, exact, sizeof(exact));
    cr_assert_str_eq(jsonlog_end(&j), "{}\n");
    cr_assert_eq(jsonlog_end(&j), exact);
}

Test(jsonlog, fields_after_end_ignored)
{
    char buf[128];
    jsonlog j;
    jsonlog_begin(&j, buf, sizeof(buf));
    jsonlog_int(&j, "a", 1);
    const char *line = jsonlog_end(&j);
    jsonlog_int(&j, "b", 2);
    cr_assert_str_eq(jsonlog_end(&j), "{\"a\":1}\n");
    cr_assert_eq(line, buf);
}

/* The calendar arithmetic agrees with the C library's gmtime_r on every
 * edge we know of and on random times over years 1 to 9999 (and beyond, where
 * the library takes over). */
static void ts_agrees(long long unix_us)
{
    char buf[256], want[64];
    jsonlog j;
    jsonlog_begin(&j, buf, sizeof(buf));
    jsonlog_timestamp_us(&j, "t", unix_us);
    const char *line = jsonlog_end(&j);
    long long sec = unix_us / 1000000, us = unix_us % 1000000;
    if (us < 0) {
        us += 1000000;
        sec--;
    }
    time_t t = (time_t)sec;
    struct tm tm;
    cr_assert_not_null(gmtime_r(&t, &tm));
    snprintf(want, sizeof(want), "{\"t\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"}\n",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(us / 1000));
    cr_assert_str_eq(line, want, "at %lld us", unix_us);
}

Test(jsonlog, timestamp_calendar_matches_gmtime)
{
    static const long long edges_s[] = {
        0,
        -1,
        1,
        86399,
        86400,
        -86400,
        -86401,
        951782400,    /* 2000-02-29 */
        951868800,    /* 2000-03-01 */
        4107542400,   /* 2100-03-01, no leap day in 2100 */
        4107456000,   /* 2100-02-28 */
        -2208988800,  /* 1900-01-01 */
        -62135596800, /* 0001-01-01, the first year of the fast path */
        -62135596801, /* 0000-12-31: the library's */
        253402300799, /* 9999-12-31T23:59:59 */
        253402300800, /* 10000-01-01: the library's */
        -12219292800, /* 1582-10-15 */
        1709164800,   /* 2024-02-29 */
    };
    for (size_t i = 0; i < sizeof(edges_s) / sizeof(edges_s[0]); i++) {
        ts_agrees(edges_s[i] * 1000000);
        ts_agrees(edges_s[i] * 1000000 + 999999);
        ts_agrees(edges_s[i] * 1000000 - 1);
    }
    srand(20261126);
    for (int i = 0; i < 200000; i++) {
        long long s = (long long)(((unsigned long long)rand() << 31 | (unsigned)rand()) %
                                  (253402300800ULL + 62135596800ULL)) -
                      62135596800LL;
        ts_agrees(s * 1000000 + rand() % 1000000);
    }
}

Test(jsonlog, fixed_point)
{
    static const struct {
        long long units;
        int decimals;
        const char *want;
    } cases[] = {
        {12345, 3, "12.345"},
        {5, 3, "0.005"},
        {0, 3, "0.000"},
        {1000, 3, "1.000"},
        {-5, 3, "-0.005"},
        {-12345, 2, "-123.45"},
        {123, 0, "123"},
        {0, 0, "0"},
        {7, -2, "7"},
        {9223372036854775807LL, 3, "9223372036854775.807"},
        {-9223372036854775807LL - 1, 3, "-9223372036854775.808"},
        {1, 18, "0.000000000000000001"},
        {1, 25, "0.000000000000000001"}, /* clamped to 18 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[256], want[128];
        jsonlog j;
        jsonlog_begin(&j, buf, sizeof(buf));
        jsonlog_fixed(&j, "v", cases[i].units, cases[i].decimals);
        snprintf(want, sizeof(want), "{\"v\":%s}\n", cases[i].want);
        cr_assert_str_eq(jsonlog_end(&j), want);
        json_decref(parse_line(buf));
    }
}
