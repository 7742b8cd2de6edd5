/*
 * jsonlog - builds one JSON object per line for structured logs, in a
 * caller-owned buffer (no allocation, no I/O).
 *
 * Usage: jsonlog_begin, any number of field calls, jsonlog_end, then write
 * the returned line. Strings are escaped (invalid UTF-8 becomes U+FFFD).
 * A field that does not fit is dropped whole and the line gets
 * "truncated":true, so the result is always one valid JSON object ending
 * in '\n'. Buffers smaller than JSONLOG_MIN_CAP hold no fields: jsonlog_end
 * then returns a static {"truncated":true} line.
 */
#ifndef CAMEOS_JSONLOG_H
#define CAMEOS_JSONLOG_H

#include <stddef.h>

/* Room always kept free for ',"truncated":true}\n' and the NUL. */
#define JSONLOG_RESERVE 20
#define JSONLOG_MIN_CAP (1 + JSONLOG_RESERVE)

typedef struct jsonlog {
    char *buf;
    size_t cap, len;
    int truncated;
} jsonlog;

void jsonlog_begin(jsonlog *j, char *buf, size_t cap);
/* val NULL writes null. */
void jsonlog_str(jsonlog *j, const char *key, const char *val);
void jsonlog_strn(jsonlog *j, const char *key, const char *val, size_t n);
void jsonlog_int(jsonlog *j, const char *key, long long v);
void jsonlog_bool(jsonlog *j, const char *key, int v);
/* decimals is clamped to 0..9; NaN and infinities are written as null. */
void jsonlog_double(jsonlog *j, const char *key, double v, int decimals);
/* units / 10^decimals printed exactly with `decimals` digits after the
 * point (0..18), e.g. microseconds as milliseconds: (12345, 3) -> 12.345. */
void jsonlog_fixed(jsonlog *j, const char *key, long long units, int decimals);
/* The current time as RFC 3339 UTC with milliseconds: "2024-05-01T12:00:00.123Z". */
void jsonlog_timestamp(jsonlog *j, const char *key);
/* The same for a given time in microseconds since the Unix epoch. */
void jsonlog_timestamp_us(jsonlog *j, const char *key, long long unix_us);
/* Closes the object; returns the NUL-terminated line ending in '\n'. */
const char *jsonlog_end(jsonlog *j);

#endif
