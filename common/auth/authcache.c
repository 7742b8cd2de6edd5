/*
 * authcache.c - verified-token cache (see authcache.h).
 */
#include "authcache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char *token;
    size_t len;
    uint64_t hash;
    uint64_t used; /* the cache's tick at the last hit or fill; 0: empty */
    auth_claims claims;
} entry;

struct authcache {
    entry slots[AUTHCACHE_SETS * AUTHCACHE_WAYS];
    uint64_t tick;
    unsigned long long hits, misses;
};

static uint64_t hash(const char *s, size_t n);
static entry *victim(entry *set);
static void entry_clear(entry *e);

authcache *authcache_new(void)
{
    return calloc(1, sizeof(authcache));
}

void authcache_free(authcache *ac)
{
    if (!ac)
        return;
    for (size_t i = 0; i < AUTHCACHE_SETS * AUTHCACHE_WAYS; i++)
        entry_clear(&ac->slots[i]);
    free(ac);
}

static int expired(long long exp, long long now);

int authcache_verify(authcache *ac, const auth_keys *keys, const char *token, size_t len,
                     long long now, auth_claims *out, const char **why)
{
    uint64_t h = hash(token, len);
    entry *set = &ac->slots[(h % AUTHCACHE_SETS) * AUTHCACHE_WAYS];
    for (entry *e = set; e < set + AUTHCACHE_WAYS; e++) {
        if (!e->token || e->hash != h || e->len != len || memcmp(e->token, token, len) != 0)
            continue;
        if (expired(e->claims.exp, now)) {
            entry_clear(e);
            memset(out, 0, sizeof(*out));
            if (why)
                *why = "token expired";
            return -1;
        }
        *out = e->claims;
        out->json = strdup(e->claims.json);
        if (!out->json) {
            memset(out, 0, sizeof(*out));
            if (why)
                *why = "out of memory";
            return -1;
        }
        e->used = ++ac->tick;
        ac->hits++;
        return 0;
    }
    ac->misses++;
    if (auth_verify(keys, token, len, now, out, why) != 0)
        return -1;
    /* Cache only what verified. nbf and iat passed now, and time only moves
     * forward, so on later hits only exp needs checking again. */
    char *tok = malloc(len);
    char *json = strdup(out->json);
    if (!tok || !json) {
        free(tok);
        free(json);
        return 0; /* still verified: caching is best effort */
    }
    entry *e = victim(set);
    entry_clear(e);
    memcpy(tok, token, len);
    e->token = tok;
    e->len = len;
    e->hash = h;
    e->used = ++ac->tick;
    e->claims = *out;
    e->claims.json = json;
    return 0;
}

void authcache_counts(const authcache *ac, unsigned long long *hits, unsigned long long *misses)
{
    *hits = ac->hits;
    *misses = ac->misses;
}

/* An empty way, or else the one least recently used. */
static entry *victim(entry *set)
{
    entry *v = set;
    for (entry *e = set; e < set + AUTHCACHE_WAYS; e++) {
        if (!e->token)
            return e;
        if (e->used < v->used)
            v = e;
    }
    return v;
}

static void entry_clear(entry *e)
{
    free(e->token);
    auth_claims_free(&e->claims);
    memset(e, 0, sizeof(*e));
}

/* FNV-1a: tokens are short and this is not a security boundary (a hit still
 * compares every byte). */
static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* exp + leeway without overflow: an exp near LLONG_MAX never expires (the
 * same saturation as auth_verify). */
static int expired(long long exp, long long now)
{
    long long last;
    if (__builtin_add_overflow(exp, (long long)AUTH_LEEWAY_S, &last))
        return 0;
    return now > last;
}
