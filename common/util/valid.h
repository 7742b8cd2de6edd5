/*
 * valid - pure checks of request fields (ids, text, URLs, names, colours)
 * and a small table mapper between enum numbers and their database text.
 *
 * Nothing here allocates; strings returned by valid_enum_text belong to the
 * caller's table. NULL inputs are never valid.
 */
#ifndef CAMEOS_VALID_H
#define CAMEOS_VALID_H

#include <stdbool.h>
#include <stddef.h>

/* 36 characters, 8-4-4-4-12 hex digits separated by '-', either case. */
bool valid_uuid(const char *s);

/* Copies a valid UUID lowercased (the canonical form PostgreSQL prints).
 * When in is not a valid UUID, out is set to "". */
void valid_uuid_lower(const char *in, char out[37]);

/* The 16 bytes of a UUID as that canonical text (36 characters and a NUL). */
void valid_uuid_text(const unsigned char bytes[16], char out[37]);

/* s is valid UTF-8 (utf8.h) of min_chars..max_chars code points (API text
 * limits count characters, not bytes). */
bool valid_text(const char *s, size_t min_chars, size_t max_chars);

/* An absolute http(s) URL of at most max_len bytes: scheme http or https
 * (any case; https only when https_only), a non-empty host, an optional port
 * 1-65535, only printable ASCII (no spaces, controls or raw non-ASCII: send
 * IRIs percent-encoded). */
bool valid_http_url(const char *s, bool https_only, size_t max_len);

/* 3 to 32 characters of [A-Za-z0-9_.-]. */
bool valid_username(const char *s);

/* "#RGB" or "#RRGGBB", hex digits in either case. */
bool valid_hex_color(const char *s);

typedef struct valid_enum {
    int value;
    const char *text;
} valid_enum;

/* Text of value in tab, or NULL when absent. */
const char *valid_enum_text(const valid_enum *tab, size_t n, int value);

/* Sets *out to the value whose text equals text exactly; 0, or -1 when absent. */
int valid_enum_value(const valid_enum *tab, size_t n, const char *text, int *out)
    __attribute__((warn_unused_result));

#endif
