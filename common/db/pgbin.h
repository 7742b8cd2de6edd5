/*
 * pgbin.h - PostgreSQL's binary result format (a statement sent with
 * resultFormat 1, see PGPOOL_BINARY) decoded into what rowmap needs: the
 * same strings and numbers the text format would have given, without the
 * server printing them first. A timestamptz travels as 8 bytes instead of
 * the numeric arithmetic of "extract(epoch ...) * 1000000" (or the calendar
 * of its text form), which was a fifth of the server's CPU on a 50-row list.
 *
 * Pure functions over a value's bytes (v, len) as libpq returns them; no
 * allocation, nothing kept. Every decoder checks len and returns -1 on a
 * value that is not what its type says (never reads past len).
 */
#ifndef CAMEOS_PGBIN_H
#define CAMEOS_PGBIN_H

#include <stddef.h>

/* The decodings rowmap knows, chosen per result column by type OID. */
typedef enum pgbin_type {
    PGBIN_UNKNOWN = 0, /* no decoding: a column of this type cannot be read */
    PGBIN_RAW,         /* text, varchar, bpchar, name, json, enums: the bytes themselves */
    PGBIN_JSONB,       /* a version byte (1), then the text */
    PGBIN_UUID,        /* 16 bytes */
    PGBIN_BOOL,        /* 1 byte */
    PGBIN_INT2,        /* big-endian two's complement */
    PGBIN_INT4,
    PGBIN_INT8,
    PGBIN_FLOAT4, /* big-endian IEEE 754 */
    PGBIN_FLOAT8,
    PGBIN_NUMERIC,   /* base-10000 digits */
    PGBIN_TIMESTAMP, /* timestamp and timestamptz: int8 microseconds since 2000-01-01 UTC */
} pgbin_type;

/* Text of a uuid: 36 characters and a NUL. */
#define PGBIN_UUID_TEXT 37
pgbin_type pgbin_type_of(unsigned oid);

/* An integer column (INT2, INT4, INT8) into *out. */
int pgbin_int(pgbin_type t, const char *v, size_t len, long long *out)
    __attribute__((warn_unused_result));

/* A number column (the integers, FLOAT4, FLOAT8, NUMERIC) into *out: for
 * FLOAT8 and NUMERIC the double strtod reads from the text form (numeric
 * NaN and infinities included), for FLOAT4 the float itself, widened. */
int pgbin_double(pgbin_type t, const char *v, size_t len, double *out)
    __attribute__((warn_unused_result));

/* A BOOL into *out (0 or 1). */
int pgbin_bool(const char *v, size_t len, int *out) __attribute__((warn_unused_result));

/* A TIMESTAMP as microseconds since 1970-01-01 UTC; -1 for infinity or a
 * value whose shift to 1970 overflows. */
int pgbin_epoch_us(const char *v, size_t len, long long *out) __attribute__((warn_unused_result));

/* A UUID as lower-case 8-4-4-4-12 text into out (PGBIN_UUID_TEXT bytes). */
int pgbin_uuid_text(const char *v, size_t len, char *out) __attribute__((warn_unused_result));

/* A JSONB's text: *text points into v (NUL-terminated when v is, as libpq's
 * values are), *n its length. -1 for another version byte. */
int pgbin_jsonb_text(const char *v, size_t len, const char **text, size_t *n)
    __attribute__((warn_unused_result));

/* A NUMERIC in the decimal text PostgreSQL prints ("-12.50", "NaN",
 * "Infinity"): like snprintf, returns the text's length and writes it with
 * a NUL only when that fits in cap bytes; -1 for a malformed value. */
long pgbin_numeric_text(const char *v, size_t len, char *out, size_t cap)
    __attribute__((warn_unused_result));

#endif
