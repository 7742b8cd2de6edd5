/*
 * authcache.h - remembers tokens that verified, so a client that sends the
 * same bearer token on every call pays for HMAC-SHA256 and JSON parsing once
 * (profiling showed verification at a third of a GetProfile's CPU).
 *
 * A hit needs the exact same token bytes, and exp (with the leeway) is
 * checked again on every hit, so a cached token expires exactly when a
 * verified one would (nbf and iat, once passed, stay passed). Bounded and
 * set-associative: a token can sit in any of AUTHCACHE_WAYS entries of its
 * set, and a full set drops its least recently used token (direct-mapped in
 * 4096 slots, about one user in five of a thousand active ones shared a slot
 * and kept evicting the other: a full verification on most of their calls). The cache owns its
 * copies; authcache_verify fills a caller-owned auth_claims (free it with auth_claims_free). Not
 * thread-safe: one loop owns it.
 */
#ifndef CAMEOS_AUTHCACHE_H
#define CAMEOS_AUTHCACHE_H

#include <stddef.h>

#include "auth.h"

#define AUTHCACHE_SETS  1024
#define AUTHCACHE_WAYS  8
#define AUTHCACHE_SLOTS (AUTHCACHE_SETS * AUTHCACHE_WAYS)

typedef struct authcache authcache;

authcache *authcache_new(void) __attribute__((warn_unused_result));
void authcache_free(authcache *ac);

/* Verifies through the cache: a hit copies the cached claims, a miss runs
 * auth_verify and caches success. Same contract as auth_verify. */
int authcache_verify(authcache *ac, const auth_keys *keys, const char *token, size_t len,
                     long long now, auth_claims *out, const char **why)
    __attribute__((warn_unused_result));

/* Lookups answered from the cache (hits) and by auth_verify (misses). */
void authcache_counts(const authcache *ac, unsigned long long *hits, unsigned long long *misses);

#endif
