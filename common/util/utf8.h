/*
 * utf8 - the one UTF-8 reader of the project: every check of client text
 * (field limits, JSON in and out, log lines) goes through utf8_seq, so there
 * is one definition of "valid" (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF, no truncated sequence).
 *
 * Pure functions over caller-owned bytes; nothing allocates. Thread-safe.
 */
#ifndef CAMEOS_UTF8_H
#define CAMEOS_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length (2 to 4) of the well-formed multi-byte sequence at s, of which n
 * bytes may be read; 0 when s[0] does not start one (ASCII included) or the
 * sequence is cut short by n. Reads no byte past the first bad one, so a
 * NUL-terminated string may pass n = 4. */
size_t utf8_seq(const unsigned char *s, size_t n);

/* Number of code points in the n bytes at s, or -1 if they are not valid
 * UTF-8. Embedded NUL bytes count as characters. s may be NULL when n is 0. */
long utf8_chars(const char *s, size_t n);

/* Writes code point cp (at most U+10FFFF, not a surrogate: the caller has
 * checked) as 1 to 4 bytes at out; returns how many. */
size_t utf8_put(char *out, uint32_t cp);

#endif
