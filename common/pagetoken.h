/*
 * pagetoken - opaque, authenticated keyset page tokens for List RPCs.
 *
 * A token carries the (created_at, id) of the last row returned and is bound
 * by an HMAC to a scope string the caller builds from the RPC name, its
 * filters and the caller's user id ("ListGenerations|status=1|model=0|user=
 * <uuid>"), so a token from another list, other filters, another user or
 * another key is refused. Layout before base64url: version byte 1,
 * created_us int64 big-endian, 16 uuid bytes, first 16 bytes of
 * HMAC-SHA256(key, version | scope | those 24 bytes).
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

/* Writes created_us as timestamptz input text, exact and free of DateStyle
 * ("2023-11-14 22:13:20.123456+00"; " BC" before year 1), to out (size >=
 * PAGETOKEN_TS_SIZE). Returns out. */
#define PAGETOKEN_TS_SIZE 48
char *pagetoken_ts_text(long long created_us, char *out, size_t size);

#endif
