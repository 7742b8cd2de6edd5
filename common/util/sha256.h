/*
 * sha256.h - SHA-256 over data given in pieces: HMAC-SHA256 for JWT
 * signatures (auth.c) and page tokens (pagetoken.c), the plain digest of a
 * page token's scope (pagetoken.c). OpenSSL fetches an
 * algorithm by name each time it starts one, and keying HMAC hashes both
 * pads; a service uses the same few keys for its whole life (the JWT secret
 * and page key, each with its previous one while it rotates), so SHA-256 is
 * fetched once and the keyed states of the last SHA256_HMAC_SLOTS keys are
 * kept, process-lifetime like OpenSSL's own tables, and copied per use.
 * Thread-safe; pure apart from that cache.
 */
#ifndef CAMEOS_SHA256_H
#define CAMEOS_SHA256_H

#include <stddef.h>

#define SHA256_LEN        32
#define SHA256_HMAC_SLOTS 4

typedef struct sha256_piece {
    const void *data;
    size_t len;
} sha256_piece;

/* HMAC-SHA256(key, pieces concatenated) into out. 0, or -1 (empty key,
 * OpenSSL failure). */
int sha256_hmac(const unsigned char *key, size_t key_len, const sha256_piece *pieces, size_t n,
                unsigned char out[SHA256_LEN]) __attribute__((warn_unused_result));

/* SHA-256(pieces concatenated) into out. 0, or -1 (OpenSSL failure). */
int sha256_digest(const sha256_piece *pieces, size_t n, unsigned char out[SHA256_LEN])
    __attribute__((warn_unused_result));

#endif
