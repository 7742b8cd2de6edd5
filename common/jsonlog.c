/* JSON log line builder; see jsonlog.h. */
#include "jsonlog.h"
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
static size_t jsonlog_utf8_len(const unsigned char *s, size_t n);
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
    utc_date_of(unix_us, &d);
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

static int jsonlog_put_escaped(jsonlog *j, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        /* Copy the longest run needing no escape in one go. */
        while (run < n && p[run] >= 0x20 && p[run] < 0x7f && p[run] != '"' && p[run] != '\\')
            run++;
        if (run > i) {
            if (jsonlog_put(j, s + i, run - i) != 0)
                return -1;
            i = run;
            continue;
        }
        unsigned char c = p[i];
        char esc[6];
        int rc;
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            rc = jsonlog_put(j, esc, 2);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            switch (c) {
            case '\n':
                rc = jsonlog_put(j, "\\n", 2);
                break;
            case '\r':
                rc = jsonlog_put(j, "\\r", 2);
                break;
            case '\t':
                rc = jsonlog_put(j, "\\t", 2);
                break;
            default:
                memcpy(esc, "\\u00", 4);
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                rc = jsonlog_put(j, esc, 6);
            }
            i++;
        } else {
            size_t len = jsonlog_utf8_len(p + i, n - i);
            if (len == 0) {
                rc = jsonlog_put(j, "\xef\xbf\xbd", 3); /* U+FFFD */
                i++;
            } else {
                rc = jsonlog_put(j, s + i, len);
                i += len;
            }
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Length of the well-formed UTF-8 sequence at s (lead byte >= 0x80), or 0. */
static size_t jsonlog_utf8_len(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned int cp;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[k] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
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
