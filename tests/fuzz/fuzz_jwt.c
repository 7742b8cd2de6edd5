/*
 * fuzz_jwt - the authorization metadata of every call: auth_bearer on the
 * header value, auth_verify on the token, and authcache_verify through one
 * cache that lives as long as the process (as the server's does), so that
 * hits, refreshes and expiries of cached tokens are exercised.
 *
 * Feeds: byte 0 (mode) & 3: 0 the rest is the token (and the header value
 * for auth_bearer); 1, 2, 3 the rest is "<header JSON>\n<payload JSON>"
 * (no newline: the payload, under {"alg":"HS256","typ":"JWT"}), minted
 * into a token signed with the current key, the previous key, or a key the
 * verifier does not have. Byte 1 chooses how much later (byte1^2 s) the
 * token is presented a second time.
 * Asserts:
 *  - auth_verify: 0 with a lower-case UUID sub, a known role, an exp not
 *    past (with the leeway) and the payload text itself as json; or -1
 *    with zeroed claims and a reason; a token signed with another key
 *    never verifies;
 *  - authcache_verify gives what auth_verify gives, at the time of the
 *    first presentation and later (a cached token expires when a verified
 *    one would), and counts one hit or miss per call (none when it drops
 *    a cached token that expired);
 *  - auth_bearer finds a token only after a "Bearer" scheme, inside the
 *    header, non-empty and free of spaces and controls, and gives back the
 *    exact token of "Bearer <token>".
 * The cache only ever sees tokens that verified at the fixed NOW and times
 * at or after NOW, as in the server, where time only moves forward.
 */
#include "fuzz.h"

#include <limits.h>
#include <stdbool.h>
#include <strings.h>

#include "authcache.h"
#include "b64.h"
#include "auth.h"
#include "sha256.h"
#include "valid.h"

#define NOW 1700000000LL

static const char secret[] = "0123456789abcdef0123456789abcdef-current";
static const char old_secret[] = "fedcba9876543210fedcba9876543210-previous";
static const char other_secret[] = "not-the-key-of-this-service-0123456789abcdef";

static const auth_keys keys = {(const unsigned char *)secret, sizeof(secret) - 1,
                               (const unsigned char *)old_secret, sizeof(old_secret) - 1};

static authcache *cache;

static bool zeroed(const auth_claims *c)
{
    static const auth_claims zero;
    return memcmp(c, &zero, sizeof(zero)) == 0;
}

static long long sat_add(long long a, long long b)
{
    long long r;
    return __builtin_add_overflow(a, b, &r) ? (b > 0 ? LLONG_MAX : LLONG_MIN) : r;
}

static void check_result(int rc, const auth_claims *c, const char *why, long long now)
{
    FUZZ_CHECK(rc == 0 || rc == -1);
    if (rc != 0) {
        FUZZ_CHECK(zeroed(c));
        FUZZ_CHECK(why != NULL && why[0] != '\0');
        return;
    }
    FUZZ_CHECK(valid_uuid(c->sub));
    for (const char *p = c->sub; *p; p++)
        FUZZ_CHECK(!(*p >= 'A' && *p <= 'F'));
    FUZZ_CHECK(c->role == AUTH_ROLE_AUTHENTICATED || c->role == AUTH_ROLE_SERVICE);
    FUZZ_CHECK(now <= sat_add(c->exp, AUTH_LEEWAY_S));
    FUZZ_CHECK(c->json != NULL);
}

static void same_claims(const auth_claims *a, const auth_claims *b)
{
    FUZZ_CHECK(strcmp(a->sub, b->sub) == 0);
    FUZZ_CHECK(a->role == b->role && a->exp == b->exp);
    FUZZ_CHECK(strcmp(a->json, b->json) == 0);
}

/* One presentation through the cache, compared with auth_verify. */
static int through_cache(const char *tok, size_t len, long long now, int want,
                         const auth_claims *direct)
{
    unsigned long long h0, m0, h1, m1;
    authcache_counts(cache, &h0, &m0);
    auth_claims c;
    const char *why = NULL;
    int rc = authcache_verify(cache, &keys, tok, len, now, &c, &why);
    check_result(rc, &c, why, now);
    FUZZ_CHECK(rc == want);
    if (rc == 0)
        same_claims(&c, direct);
    authcache_counts(cache, &h1, &m1);
    /* A cached token found expired is dropped and counted as neither. */
    FUZZ_CHECK(h1 + m1 == h0 + m0 + 1 || (rc == -1 && h1 + m1 == h0 + m0));
    auth_claims_free(&c);
    FUZZ_CHECK(zeroed(&c));
    return rc;
}

static void verify(const char *tok, size_t len, long long later, const char *payload,
                   bool must_fail)
{
    auth_claims c;
    const char *why = NULL;
    int rc = auth_verify(&keys, tok, len, NOW, &c, &why);
    check_result(rc, &c, why, NOW);
    if (must_fail)
        FUZZ_CHECK(rc == -1);
    if (rc == 0 && payload != NULL)
        FUZZ_CHECK(strcmp(c.json, payload) == 0);

    /* No reason pointer: the same answer. */
    auth_claims c2;
    FUZZ_CHECK(auth_verify(&keys, tok, len, NOW, &c2, NULL) == rc);
    auth_claims_free(&c2);

    if (through_cache(tok, len, NOW, rc, &c) == 0) {
        auth_claims l;
        const char *lwhy = NULL;
        int lrc = auth_verify(&keys, tok, len, later, &l, &lwhy);
        check_result(lrc, &l, lwhy, later);
        through_cache(tok, len, later, lrc, &l);
        auth_claims_free(&l);
    }
    auth_claims_free(&c);
}

static void bearer(const char *hv, size_t len, const char *want, size_t want_len)
{
    const char *tok = NULL;
    size_t n = 0;
    if (auth_bearer(hv, len, &tok, &n) != 0) {
        FUZZ_CHECK(want == NULL);
        return;
    }
    FUZZ_CHECK(tok > hv && tok + n <= hv + len && n > 0);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK((unsigned char)tok[i] > 0x20 && (unsigned char)tok[i] < 0x7f);
    const char *p = hv;
    while (*p == ' ' || *p == '\t')
        p++;
    FUZZ_CHECK(strncasecmp(p, "bearer", 6) == 0 && (p[6] == ' ' || p[6] == '\t'));
    if (want != NULL)
        FUZZ_CHECK(n == want_len && memcmp(tok, want, n) == 0);
}

/* b64url(header).b64url(payload).b64url(HMAC-SHA256(key, those two)). */
static char *mint(const char *header, size_t hl, const char *payload, size_t pl, const char *key,
                  size_t *len)
{
    size_t cap = B64URL_ENCODED_LEN(hl) + B64URL_ENCODED_LEN(pl) + 64;
    char *tok = malloc(cap);
    FUZZ_CHECK(tok != NULL);
    size_t n = b64_encode_url((const unsigned char *)header, hl, tok, cap);
    FUZZ_CHECK(n == B64URL_ENCODED_LEN(hl));
    tok[n++] = '.';
    size_t k = b64_encode_url((const unsigned char *)payload, pl, tok + n, cap - n);
    FUZZ_CHECK(k == B64URL_ENCODED_LEN(pl));
    n += k;
    unsigned char mac[SHA256_LEN];
    const sha256_piece piece = {tok, n};
    FUZZ_CHECK(sha256_hmac((const unsigned char *)key, strlen(key), &piece, 1, mac) == 0);
    tok[n++] = '.';
    k = b64_encode_url(mac, sizeof(mac), tok + n, cap - n);
    FUZZ_CHECK(k == 43);
    *len = n + k;
    return tok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (cache == NULL) {
        cache = authcache_new();
        FUZZ_CHECK(cache != NULL);
    }
    if (size < 2)
        return 0;
    unsigned mode = data[0] & 3;
    long long later = NOW + (long long)data[1] * data[1];
    char *rest = fuzz_strndup(data + 2, size - 2);
    size_t len = size - 2;

    if (mode == 0) {
        verify(rest, len, later, NULL, false);
        bearer(rest, len, NULL, 0);
        const char *tok;
        size_t n;
        if (auth_bearer(rest, len, &tok, &n) == 0)
            verify(tok, n, later, NULL, false);
        free(rest);
        return 0;
    }

    static const char def_header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    const char *header = def_header, *payload = rest;
    size_t hl = sizeof(def_header) - 1, pl = len;
    char *nl = memchr(rest, '\n', len);
    if (nl != NULL) {
        header = rest;
        hl = (size_t)(nl - rest);
        payload = nl + 1;
        pl = len - hl - 1;
    }
    const char *key = mode == 1 ? secret : mode == 2 ? old_secret : other_secret;
    size_t tl;
    char *tok = mint(header, hl, payload, pl, key, &tl);
    /* the payload as auth_verify hands it back: up to a NUL it refuses */
    char *want = fuzz_strndup((const uint8_t *)payload, pl);
    verify(tok, tl, later, want, mode == 3);

    char *hv = malloc(tl + 16);
    FUZZ_CHECK(hv != NULL);
    int hn = snprintf(hv, tl + 16, " bEaReR\t %.*s ", (int)tl, tok);
    FUZZ_CHECK(hn > 0 && (size_t)hn < tl + 16);
    bearer(hv, (size_t)hn, tok, tl);

    free(hv);
    free(want);
    free(tok);
    free(rest);
    return 0;
}
