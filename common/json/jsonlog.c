/* JSON log line builder; see jsonlog.h. */
#include "jsonlog.h"
#include "jsonesc.h"
#include "utcdate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char jsonlog_fallback[] = "{\"truncated\":true}\n";

static int jsonlog_open_field(jsonlog *j, const char *key, size_t *mark);
static void jsonlog_close_field(jsonlog *j, size_t mark, int ok);
static int jsonlog_put(jsonlog *j, const char *s, size_t n);
static int jsonlog_put_escaped(jsonlog *j, const char *s, size_t n);
static int jsonlog_iso_ms(const utc_date *d, char *out);

void jsonlog_begin(jsonlog *j, char *buf, size_t cap)
{
    j->buf = buf;
    j->cap = cap;
    j->len = 0;
    j->truncated = 0;
    if (buf == NULL || cap < JSONLOG_MIN_CAP) {
        j->truncated = 1;
        return;
    }
    buf[0] = '{';
    buf[1] = '\0';
    j->len = 1;
}

void jsonlog_str(jsonlog *j, const char *key, const char *val)
{
    jsonlog_strn(j, key, val, val ? strlen(val) : 0);
}

void jsonlog_strn(jsonlog *j, const char *key, const char *val, size_t n)
{
    size_t mark;
    if (jsonlog_open_field(j, key, &mark) != 0)
        return;
    int rc;
    if (val == NULL)
        rc = jsonlog_put(j, "null", 4);
    else
        rc = jsonlog_put(j, "\"", 1) | jsonlog_put_escaped(j, val, n) | jsonlog_put(j, "\"", 1);
    jsonlog_close_field(j, mark, rc == 0);
}

void jsonlog_int(jsonlog *j, const char *key, long long v)
{
    char num[24];
    size_t mark;
    if (jsonlog_open_field(j, key, &mark) != 0)
        return;
    int n = snprintf(num, sizeof(num), "%lld", v);
    jsonlog_close_field(j, mark, jsonlog_put(j, num, (size_t)n) == 0);
}

void jsonlog_bool(jsonlog *j, const char *key, int v)
{
    size_t mark;
    if (jsonlog_open_field(j, key, &mark) != 0)
        return;
    jsonlog_close_field(j, mark,
                        v ? jsonlog_put(j, "true", 4) == 0 : jsonlog_put(j, "false", 5) == 0);
}

void jsonlog_double(jsonlog *j, const char *key, double v, int decimals)
{
    size_t mark;
    if (jsonlog_open_field(j, key, &mark) != 0)
        return;
    if (!isfinite(v)) {
        jsonlog_close_field(j, mark, jsonlog_put(j, "null", 4) == 0);
        return;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 9)
        decimals = 9;
    /* Printed in place: the value can be 300+ digits long. The services
     * never call setlocale, so the decimal point is '.'. */
    size_t room = j->cap - JSONLOG_RESERVE - j->len;
    int n = snprintf(j->buf + j->len, room + 1, "%.*f", decimals, v);
    int ok = n > 0 && (size_t)n <= room;
    if (ok)
        j->len += (size_t)n;
    jsonlog_close_field(j, mark, ok);
}

void jsonlog_timestamp(jsonlog *j, const char *key)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    jsonlog_timestamp_us(j, key, (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

void jsonlog_timestamp_us(jsonlog *j, const char *key, long long unix_us)
{
    char text[64];
    size_t mark;
    if (jsonlog_open_field(j, key, &mark) != 0)
        return;
    utc_date d;
    utcdate_of(unix_us, &d);
    int n = jsonlog_iso_ms(&d, text);
    if (n == 0) /* outside years 1-9999: the general (and slower) printf */
        n = snprintf(text, sizeof(text), "\"%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ\"", d.year,
                     d.month, d.day, d.hour, d.min, d.sec, d.us / 1000);
    int ok = n > 0 && (size_t)n < sizeof(text) && jsonlog_put(j, text, (size_t)n) == 0;
    jsonlog_close_field(j, mark, ok);
}

void jsonlog_fixed(jsonlog *j, const char *key, long long units, int decimals)
{
    char text[48], *p = text + sizeof(text);
    size_t mark;
    if (jsonlog_open_field(j, key, &mark) != 0)
        return;
    if (decimals < 0)
        decimals = 0;
    if (decimals > 18)
        decimals = 18;
    unsigned long long v = units < 0 ? 0 - (unsigned long long)units : (unsigned long long)units;
    int d = 0;
    do {
        if (d == decimals && d > 0)
            *--p = '.';
        *--p = (char)('0' + v % 10);
        v /= 10;
        d++;
    } while (v > 0 || d <= decimals);
    if (units < 0)
        *--p = '-';
    jsonlog_close_field(j, mark, jsonlog_put(j, p, (size_t)(text + sizeof(text) - p)) == 0);
}

const char *jsonlog_end(jsonlog *j)
{
    if (j->buf == NULL || j->cap < JSONLOG_MIN_CAP)
        return jsonlog_fallback;
    /* A second call finds the line already closed. */
    if (j->len >= 2 && j->buf[j->len - 1] == '\n')
        return j->buf;
    /* JSONLOG_RESERVE guarantees this fits. */
    if (j->truncated) {
        const char *t = j->len > 1 ? ",\"truncated\":true" : "\"truncated\":true";
        size_t tn = strlen(t);
        memcpy(j->buf + j->len, t, tn);
        j->len += tn;
    }
    j->buf[j->len++] = '}';
    j->buf[j->len++] = '\n';
    j->buf[j->len] = '\0';
    return j->buf;
}

/* Writes the separator and key; *mark remembers where the field began so a
 * field that turns out too long can be rolled back. */
static int jsonlog_open_field(jsonlog *j, const char *key, size_t *mark)
{
    if (j->buf == NULL || j->cap < JSONLOG_MIN_CAP || key == NULL)
        return -1;
    if (j->len >= 2 && j->buf[j->len - 1] == '\n')
        return -1; /* already ended */
    *mark = j->len;
    if ((j->len > 1 && jsonlog_put(j, ",", 1) != 0) || jsonlog_put(j, "\"", 1) != 0 ||
        jsonlog_put_escaped(j, key, strlen(key)) != 0 || jsonlog_put(j, "\":", 2) != 0) {
        jsonlog_close_field(j, *mark, 0);
        return -1;
    }
    return 0;
}

static void jsonlog_close_field(jsonlog *j, size_t mark, int ok)
{
    if (!ok) {
        j->len = mark;
        j->truncated = 1;
    }
    j->buf[j->len] = '\0';
}

static int jsonlog_put(jsonlog *j, const char *s, size_t n)
{
    if (n > j->cap - JSONLOG_RESERVE - j->len)
        return -1;
    memcpy(j->buf + j->len, s, n);
    j->len += n;
    return 0;
}

/* Escaping never shortens text, so a value longer than the room left is
 * dropped before it is read through. */
static int jsonlog_put_escaped(jsonlog *j, const char *s, size_t n)
{
    size_t room = j->cap - JSONLOG_RESERVE - j->len;
    if (n > room)
        return -1;
    ssize_t len = jsonesc_len(s, n, JSONESC_REPLACE);
    if (len < 0 || (size_t)len > room ||
        jsonesc_write(j->buf + j->len, s, n, JSONESC_REPLACE) != len)
        return -1;
    j->len += (size_t)len;
    return 0;
}

/* "\"YYYY-MM-DDTHH:MM:SS.mmmZ\"" for d in years 1-9999, into out (27 bytes
 * with the NUL); the length, or 0 outside that range. Digits by hand: the
 * seven-field snprintf was most of the cost of a log line. */
static int jsonlog_iso_ms(const utc_date *d, char *out)
{
    if (d->year < 1 || d->year > 9999)
        return 0;
    int f[7] = {(int)d->year, d->month, d->day, d->hour, d->min, d->sec, d->us / 1000};
    static const char sep[] = "--T::.";
    char *p = out;
    *p++ = '"';
    for (int i = 0; i < 7; i++) {
        int width = i == 0 ? 4 : i == 6 ? 3 : 2;
        for (int k = width - 1; k >= 0; k--) {
            p[k] = (char)('0' + f[i] % 10);
            f[i] /= 10;
        }
        p += width;
        if (i < 6)
            *p++ = sep[i];
    }
    *p++ = 'Z';
    *p++ = '"';
    *p = '\0';
    return (int)(p - out);
}
