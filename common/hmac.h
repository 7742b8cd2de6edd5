/*
 * hmac.h - HMAC-SHA256 over data given in pieces, for JWT signatures (jwt.c)
 * and page tokens (pagetoken.c). Keying HMAC fetches SHA-256 by name and
 * hashes both pads; a service uses the same few keys for its whole life (the
 * JWT secret and page key, each with its previous one while it rotates), so
 * the keyed states of the last HMAC_SLOTS keys are kept, process-lifetime
 * like OpenSSL's own tables, and copied per use. Thread-safe; pure apart
 * from that cache.
 */
#ifndef CAMEOS_HMAC_H
#define CAMEOS_HMAC_H

#include <stddef.h>

#define HMAC_SHA256_LEN 32
#define HMAC_SLOTS      4

typedef struct hmac_piece {
    const void *data;
    size_t len;
} hmac_piece;

/* HMAC-SHA256(key, pieces concatenated) into out. 0, or -1 (empty key,
 * OpenSSL failure). */
int hmac_sha256(const unsigned char *key, size_t key_len, const hmac_piece *pieces, size_t n,
                unsigned char out[HMAC_SHA256_LEN]) __attribute__((warn_unused_result));

#endif
