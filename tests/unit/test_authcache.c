/*
 * test_authcache.c - the verified-token cache answers exactly as auth_verify
 * would: same claims on a hit, expiry still enforced, other bytes not a hit.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "authcache.h"
#include "b64.h"

static const char secret[] = "0123456789abcdef0123456789abcdef-cache";
static const char sub[] = "6f1c2a43-5b7e-4d6a-9c1b-2f3e4d5c6b7a";
static const long long now = 1800000000;

static void mint(long long exp, const char *role, char *out, size_t outsz)
{
    char payload[256], h[128], p[512], s[64];
    const char *hdr = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    snprintf(payload, sizeof(payload), "{\"sub\":\"%s\",\"role\":\"%s\",\"exp\":%lld}", sub, role,
             exp);
    cr_assert(b64_encode_url((const unsigned char *)hdr, strlen(hdr), h, sizeof(h)) > 0);
    cr_assert(b64_encode_url((const unsigned char *)payload, strlen(payload), p, sizeof(p)) > 0);
    int n = snprintf(out, outsz, "%s.%s", h, p);
    unsigned char md[32];
    unsigned mdlen = 0;
    cr_assert_not_null(HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)out,
                            (size_t)n, md, &mdlen));
    cr_assert(b64_encode_url(md, mdlen, s, sizeof(s)) == 43);
    strcat(out, ".");
    strcat(out, s);
}

static auth_keys keys(void)
{
    auth_keys k = {(const unsigned char *)secret, strlen(secret), NULL, 0};
    return k;
}

Test(authcache, hit_returns_the_same_claims_as_a_fresh_verify)
{
    authcache *ac = authcache_new();
    auth_keys k = keys();
    char tok[1024];
    mint(now + 600, "service_role", tok, sizeof(tok));
    auth_claims a, b;
    cr_assert_eq(authcache_verify(ac, &k, tok, strlen(tok), now, &a, NULL), 0);
    cr_assert_eq(authcache_verify(ac, &k, tok, strlen(tok), now + 1, &b, NULL), 0);
    cr_assert_str_eq(a.sub, b.sub);
    cr_assert_eq(a.role, AUTH_ROLE_SERVICE);
    cr_assert_eq(b.role, AUTH_ROLE_SERVICE);
    cr_assert_eq(a.exp, b.exp);
    cr_assert_str_eq(a.json, b.json);
    cr_assert_neq(a.json, b.json, "each call owns its own copy of the payload");
    auth_claims_free(&a);
    auth_claims_free(&b);
    authcache_free(ac);
}

Test(authcache, cached_token_still_expires)
{
    authcache *ac = authcache_new();
    auth_keys k = keys();
    char tok[1024];
    const char *why = NULL;
    mint(now + 60, "authenticated", tok, sizeof(tok));
    auth_claims c;
    cr_assert_eq(authcache_verify(ac, &k, tok, strlen(tok), now, &c, NULL), 0);
    auth_claims_free(&c);
    /* Within the leeway it is still good, past it it is not, cached or not. */
    cr_assert_eq(authcache_verify(ac, &k, tok, strlen(tok), now + 60 + AUTH_LEEWAY_S, &c, NULL), 0);
    auth_claims_free(&c);
    cr_assert_eq(authcache_verify(ac, &k, tok, strlen(tok), now + 61 + AUTH_LEEWAY_S, &c, &why),
                 -1);
    cr_assert_str_eq(why, "token expired");
    cr_assert_null(c.json);
    authcache_free(ac);
}

/* exp at the top of the range: a hit must not overflow exp + leeway (the
 * UBSan build aborts on it) and, like a fresh verify, never expires. */
Test(authcache, exp_near_the_maximum_does_not_overflow)
{
    authcache *ac = authcache_new();
    auth_keys k = keys();
    char tok[1024];
    mint(LLONG_MAX, "authenticated", tok, sizeof(tok));
    auth_claims c;
    cr_assert_eq(authcache_verify(ac, &k, tok, strlen(tok), now, &c, NULL), 0);
    cr_assert_eq(c.exp, LLONG_MAX);
    auth_claims_free(&c);
    cr_assert_eq(authcache_verify(ac, &k, tok, strlen(tok), LLONG_MAX, &c, NULL), 0,
                 "a cached hit at the latest time");
    auth_claims_free(&c);
    authcache_free(ac);
}

Test(authcache, altered_token_is_not_a_hit)
{
    authcache *ac = authcache_new();
    auth_keys k = keys();
    char tok[1024];
    mint(now + 600, "authenticated", tok, sizeof(tok));
    auth_claims c;
    cr_assert_eq(authcache_verify(ac, &k, tok, strlen(tok), now, &c, NULL), 0);
    auth_claims_free(&c);
    size_t n = strlen(tok);
    tok[n - 2] = tok[n - 2] == 'A' ? 'B' : 'A'; /* break the signature */
    cr_assert_eq(authcache_verify(ac, &k, tok, n, now, &c, NULL), -1);
    /* A prefix of a cached token is another token too. */
    tok[n - 2] = 'x';
    cr_assert_eq(authcache_verify(ac, &k, tok, n - 1, now, &c, NULL), -1);
    authcache_free(ac);
}

Test(authcache, many_tokens_stay_correct_when_slots_collide)
{
    authcache *ac = authcache_new();
    auth_keys k = keys();
    static char toks[3 * AUTHCACHE_SLOTS][512];
    for (int i = 0; i < 3 * AUTHCACHE_SLOTS; i++) {
        mint(now + 1000 + i, "authenticated", toks[i], sizeof(toks[i]));
        auth_claims c;
        cr_assert_eq(authcache_verify(ac, &k, toks[i], strlen(toks[i]), now, &c, NULL), 0);
        cr_assert_eq(c.exp, now + 1000 + i);
        auth_claims_free(&c);
    }
    for (int i = 0; i < 3 * AUTHCACHE_SLOTS; i += 7) {
        auth_claims c;
        cr_assert_eq(authcache_verify(ac, &k, toks[i], strlen(toks[i]), now, &c, NULL), 0);
        cr_assert_eq(c.exp, now + 1000 + i, "a hit must return its own token's claims");
        auth_claims_free(&c);
    }
    authcache_free(ac);
}

/* A thousand users' tokens all stay cached (a direct-mapped cache of 4096
 * slots kept about a fifth of them evicting each other). */
Test(authcache, a_thousand_users_stay_cached)
{
    authcache *ac = authcache_new();
    auth_keys k = keys();
    static char toks[1000][512];
    for (int i = 0; i < 1000; i++) {
        mint(now + 5000 + i, "authenticated", toks[i], sizeof(toks[i]));
        auth_claims c;
        cr_assert_eq(authcache_verify(ac, &k, toks[i], strlen(toks[i]), now, &c, NULL), 0);
        auth_claims_free(&c);
    }
    unsigned long long hits, misses;
    authcache_counts(ac, &hits, &misses);
    cr_assert_eq(hits, 0);
    cr_assert_eq(misses, 1000);
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 1000; i++) {
            auth_claims c;
            cr_assert_eq(authcache_verify(ac, &k, toks[i], strlen(toks[i]), now, &c, NULL), 0);
            cr_assert_eq(c.exp, now + 5000 + i);
            auth_claims_free(&c);
        }
    authcache_counts(ac, &hits, &misses);
    cr_assert_eq(hits + misses, 4000);
    cr_assert_geq(hits, 2990, "hits %llu of 3000", hits);
    authcache_free(ac);
}

/* The cache's set of a token (FNV-1a of its bytes, as authcache.c). */
static size_t set_of(const char *t)
{
    unsigned long long h = 1469598103934665603ull;
    for (; *t; t++) {
        h ^= (unsigned char)*t;
        h *= 1099511628211ull;
    }
    return (size_t)(h % AUTHCACHE_SETS);
}

/* A full set drops its least recently used token, not the newest or a
 * recently used one. */
Test(authcache, full_set_drops_the_least_recently_used)
{
    static char toks[AUTHCACHE_WAYS + 1][512];
    char t[512];
    int found = 0;
    for (long long i = 0; found < AUTHCACHE_WAYS + 1 && i < 200 * AUTHCACHE_SETS; i++) {
        mint(now + 100000 + i, "authenticated", t, sizeof(t));
        if (found == 0 || set_of(t) == set_of(toks[0]))
            strcpy(toks[found++], t);
    }
    cr_assert_eq(found, AUTHCACHE_WAYS + 1, "tokens sharing one set");

    authcache *ac = authcache_new();
    auth_keys k = keys();
    auth_claims c;
    for (int i = 0; i < AUTHCACHE_WAYS; i++) { /* fill the set */
        cr_assert_eq(authcache_verify(ac, &k, toks[i], strlen(toks[i]), now, &c, NULL), 0);
        auth_claims_free(&c);
    }
    cr_assert_eq(authcache_verify(ac, &k, toks[0], strlen(toks[0]), now, &c, NULL), 0);
    auth_claims_free(&c); /* token 0 used again: token 1 is now the oldest */
    cr_assert_eq(
        authcache_verify(ac, &k, toks[AUTHCACHE_WAYS], strlen(toks[AUTHCACHE_WAYS]), now, &c, NULL),
        0);
    auth_claims_free(&c);

    unsigned long long hits0, misses0, hits, misses;
    authcache_counts(ac, &hits0, &misses0);
    for (int i = 0; i <= AUTHCACHE_WAYS; i++) { /* every token but 1 stayed */
        if (i == 1)
            continue;
        cr_assert_eq(authcache_verify(ac, &k, toks[i], strlen(toks[i]), now, &c, NULL), 0);
        auth_claims_free(&c);
    }
    authcache_counts(ac, &hits, &misses);
    cr_assert_eq(misses, misses0, "no miss among the kept tokens");
    cr_assert_eq(hits - hits0, AUTHCACHE_WAYS);
    cr_assert_eq(authcache_verify(ac, &k, toks[1], strlen(toks[1]), now, &c, NULL), 0);
    auth_claims_free(&c);
    authcache_counts(ac, &hits, &misses);
    cr_assert_eq(misses - misses0, 1, "token 1 was dropped");
    authcache_free(ac);
}
