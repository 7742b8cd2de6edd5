/*
 * jsonesc - the one JSON string escaper: request text written into jsonb
 * parameters (pbjson, rowparam_value) and log fields (jsonlog) are escaped
 * alike. '"', '\' and the control characters (C0 and DEL) are escaped, \b \f
 * \n \r \t in their short forms and the rest as \u00XX; everything else is
 * copied as UTF-8.
 *
 * Invalid UTF-8 is the caller's choice: JSONESC_STRICT refuses the string
 * (client text bound for the database, where jsonb would refuse it later
 * with a worse error), JSONESC_REPLACE writes U+FFFD for each bad byte (a log
 * line must be written whatever a client sent).
 *
 * Pure functions over caller-owned memory; nothing allocates.
 */
#ifndef CAMEOS_JSONESC_H
#define CAMEOS_JSONESC_H

#include <stddef.h>
#include <sys/types.h>

typedef enum { JSONESC_STRICT, JSONESC_REPLACE } jsonesc_mode;

/* Bytes jsonesc_write writes for the n bytes at s (without quotes), or -1
 * when mode is JSONESC_STRICT and s is not valid UTF-8. */
ssize_t jsonesc_len(const char *s, size_t n, jsonesc_mode mode) __attribute__((warn_unused_result));

/* Writes the escaped n bytes at s (without quotes) to out, which has room
 * for jsonesc_len(s, n, mode) bytes; returns that length, or -1 (nothing
 * useful written) as jsonesc_len does. */
ssize_t jsonesc_write(char *out, const char *s, size_t n, jsonesc_mode mode)
    __attribute__((warn_unused_result));

#endif
