/*
 * pagetoken - opaque, authenticated keyset page tokens for List RPCs.
 *
 * A token carries the (created_at, id) of the last row returned and is bound
 * by an HMAC to a scope: pagetoken_scope's digest of the list (its request
 * type), the caller when the rows are the caller's, and the list's filters,
 * so a token from another list, other filters, another user or another key
 * is refused. Every list's scope is made here, by that one function. Layout
 * before base64url: version byte 2, created_us int64 big-endian, 16 uuid
 * bytes, first 16 bytes of HMAC-SHA256(key, version | scope | those 24
 * bytes). Version 1 tokens (scopes made by each list, until 2026-12) are
 * refused.
 *
 * Pure; the caller owns every buffer. An empty page_token means "first
 * page" and is the caller's to handle: decode refuses it.
 */
#ifndef CAMEOS_PAGETOKEN_H
#define CAMEOS_PAGETOKEN_H

#include <stddef.h>

/* Length of every token, and the buffer size encode needs (with the NUL). */
#define PAGETOKEN_LEN  55
#define PAGETOKEN_SIZE (PAGETOKEN_LEN + 1)

/* Writes the NUL-terminated token to out (outsz >= PAGETOKEN_SIZE). uuid may
 * be in either case. 0, or -1 on an invalid uuid, empty key or short out. */
int pagetoken_encode(const unsigned char *key, size_t key_len, const char *scope,
                     long long created_us, const char *uuid, char *out, size_t outsz)
    __attribute__((warn_unused_result));

/* Checks token (len bytes) against key and scope; on 0 sets *created_us and
 * uuid_out (lowercase, NUL-terminated). -1 for anything malformed, tampered
 * or foreign; outputs are then untouched. */
int pagetoken_decode(const unsigned char *key, size_t key_len, const char *scope, const char *token,
                     size_t len, long long *created_us, char uuid_out[37])
    __attribute__((warn_unused_result));

/* The most filters a scope takes, and the size of a scope (64 hex digits
 * and the NUL). */
#define PAGETOKEN_MAX_FILTERS 8
#define PAGETOKEN_SCOPE_SIZE  65

/* Writes to out the scope of a page of list (the full name of its request
 * type), read by caller (NULL: the rows are not anyone's), selected by
 * filters[0..n) in the list's own order (NULL: not set; bit i of uuids:
 * filters[i] is a UUID, the same scope in either case). Each part is framed
 * by a set flag and its length, so that no two lists of values share a
 * scope however their text runs together. 0, or -1 (n too large, OpenSSL
 * failure). */
int pagetoken_scope(const char *list, const char *caller, const char *const *filters, size_t n,
                    unsigned uuids, char out[PAGETOKEN_SCOPE_SIZE])
    __attribute__((warn_unused_result));

/* Writes created_us as timestamptz input text, exact and free of DateStyle
 * ("2023-11-14 22:13:20.123456+00"; " BC" before year 1), to out (size >=
 * PAGETOKEN_TS_SIZE). Returns out. */
#define PAGETOKEN_TS_SIZE 48
char *pagetoken_ts_text(long long created_us, char *out, size_t size);

#endif
