/* HS256 JWT verification; see jwt.h. */
#include "jwt.h"

#include "b64.h"
#include "sha256.h"
#include "validate.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <openssl/crypto.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define AUTH_SIG_LEN SHA256_LEN

static int auth_fail(auth_claims *out, const char **why, const char *reason);
static int auth_check_header(const unsigned char *hdr, size_t n, const char **reason);
static int auth_check_sig(const auth_keys *keys, const char *signed_part, size_t n,
                          const unsigned char *sig);
static int auth_hmac_eq(const unsigned char *key, size_t key_len, const char *data, size_t n,
                        const unsigned char *sig);
static int auth_time_claim(json_t *v, long long *out);
static long long auth_sat_add(long long a, long long b);

int auth_verify(const auth_keys *keys, const char *token, size_t token_len, long long now,
                auth_claims *out, const char **why)
{
    /* Room for either decoded part: base64 only shrinks, and the token is
     * bounded, so stack buffers suffice and nothing is allocated before the
     * signature has been checked. */
    unsigned char hdr[B64_DECODED_MAX(AUTH_MAX_TOKEN_LEN)],
        body[B64_DECODED_MAX(AUTH_MAX_TOKEN_LEN) + 1], sig[AUTH_SIG_LEN + 3];
    const char *reason;

    if (out == NULL) {
        if (why != NULL)
            *why = "no place for the claims";
        return -1;
    }
    memset(out, 0, sizeof(*out));
    if (keys == NULL || keys->key == NULL || keys->key_len == 0)
        return auth_fail(out, why, "no verification key configured");
    if (token == NULL || token_len == 0)
        return auth_fail(out, why, "missing token");
    if (token_len > AUTH_MAX_TOKEN_LEN)
        return auth_fail(out, why, "token too large");

    const char *dot1 = memchr(token, '.', token_len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', token_len - (size_t)(dot1 + 1 - token)) : NULL;
    if (dot2 == NULL || memchr(dot2 + 1, '.', token_len - (size_t)(dot2 + 1 - token)) != NULL)
        return auth_fail(out, why, "malformed token");
    size_t hlen = (size_t)(dot1 - token), plen = (size_t)(dot2 - dot1 - 1),
           slen = token_len - (size_t)(dot2 + 1 - token);
    if (hlen == 0 || plen == 0 || slen == 0)
        return auth_fail(out, why, "malformed token");

    ssize_t hn = b64url_decode(token, hlen, hdr, sizeof(hdr));
    if (hn <= 0)
        return auth_fail(out, why, "malformed token header");
    if (auth_check_header(hdr, (size_t)hn, &reason) != 0)
        return auth_fail(out, why, reason);

    if (b64url_decode(dot2 + 1, slen, sig, sizeof(sig)) != AUTH_SIG_LEN)
        return auth_fail(out, why, "invalid signature");
    if (auth_check_sig(keys, token, (size_t)(dot2 - token), sig) != 0)
        return auth_fail(out, why, "invalid signature");

    ssize_t pn = b64url_decode(dot1 + 1, plen, body, sizeof(body) - 1);
    if (pn <= 0 || memchr(body, '\0', (size_t)pn) != NULL)
        return auth_fail(out, why, "malformed token payload");
    body[pn] = '\0';

    json_error_t jerr;
    json_t *claims = json_loadb((const char *)body, (size_t)pn, JSON_REJECT_DUPLICATES, &jerr);
    if (claims == NULL || !json_is_object(claims)) {
        json_decref(claims);
        return auth_fail(out, why, "malformed token payload");
    }

    long long exp, t;
    json_t *v = json_object_get(claims, "exp");
    if (v == NULL || auth_time_claim(v, &exp) != 0) {
        reason = "token has no valid exp claim";
        goto fail;
    }
    if (now > auth_sat_add(exp, AUTH_LEEWAY_S)) {
        reason = "token expired";
        goto fail;
    }
    v = json_object_get(claims, "nbf");
    if (v != NULL && auth_time_claim(v, &t) != 0) {
        reason = "token has an invalid nbf claim";
        goto fail;
    }
    if (v != NULL && auth_sat_add(now, AUTH_LEEWAY_S) < t) {
        reason = "token not yet valid";
        goto fail;
    }
    v = json_object_get(claims, "iat");
    if (v != NULL && auth_time_claim(v, &t) != 0) {
        reason = "token has an invalid iat claim";
        goto fail;
    }
    if (v != NULL && t > auth_sat_add(now, AUTH_LEEWAY_S)) {
        reason = "token issued in the future";
        goto fail;
    }

    v = json_object_get(claims, "sub");
    if (!json_is_string(v) || !valid_uuid(json_string_value(v))) {
        reason = "token subject is not a user id";
        goto fail;
    }
    valid_uuid_lower(json_string_value(v), out->sub);

    v = json_object_get(claims, "role");
    if (!json_is_string(v)) {
        reason = "token has no role claim";
        goto fail;
    }
    if (strcmp(json_string_value(v), "authenticated") == 0) {
        out->role = AUTH_ROLE_AUTHENTICATED;
    } else if (strcmp(json_string_value(v), "service_role") == 0) {
        out->role = AUTH_ROLE_SERVICE;
    } else {
        reason = "token role not allowed";
        goto fail;
    }
    json_decref(claims);

    out->exp = exp;
    out->json = malloc((size_t)pn + 1);
    if (out->json == NULL)
        return auth_fail(out, why, "out of memory");
    memcpy(out->json, body, (size_t)pn + 1);
    return 0;

fail:
    json_decref(claims);
    return auth_fail(out, why, reason);
}

void auth_claims_free(auth_claims *c)
{
    if (c == NULL)
        return;
    free(c->json);
    memset(c, 0, sizeof(*c));
}

int auth_bearer(const char *header_value, size_t len, const char **token, size_t *token_len)
{
    if (header_value == NULL || token == NULL || token_len == NULL)
        return -1;
    const char *p = header_value, *end = header_value + len;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (end - p < 7 || strncasecmp(p, "bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
        return -1;
    p += 7;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p == end)
        return -1;
    for (const char *q = p; q < end; q++) {
        unsigned char c = (unsigned char)*q;
        if (c <= 0x20 || c >= 0x7f)
            return -1;
    }
    *token = p;
    *token_len = (size_t)(end - p);
    return 0;
}

static int auth_fail(auth_claims *out, const char **why, const char *reason)
{
    free(out->json);
    memset(out, 0, sizeof(*out));
    if (why != NULL)
        *why = reason;
    return -1;
}

/* Only HS256 is ever accepted: the algorithm comes from the attacker, so it
 * selects nothing, it is merely checked. */
static int auth_check_header(const unsigned char *hdr, size_t n, const char **reason)
{
    json_error_t jerr;
    json_t *h = json_loadb((const char *)hdr, n, JSON_REJECT_DUPLICATES, &jerr);
    int rc = -1;

    *reason = "malformed token header";
    if (h == NULL || !json_is_object(h))
        goto out;
    json_t *alg = json_object_get(h, "alg");
    if (!json_is_string(alg) || strcmp(json_string_value(alg), "HS256") != 0 ||
        json_string_length(alg) != 5) {
        *reason = "unsupported token algorithm";
        goto out;
    }
    json_t *typ = json_object_get(h, "typ");
    if (typ != NULL && (!json_is_string(typ) || strcmp(json_string_value(typ), "JWT") != 0 ||
                        json_string_length(typ) != 3)) {
        *reason = "unsupported token type";
        goto out;
    }
    /* RFC 7515 §4.1.11: extensions we do not understand must be refused. */
    if (json_object_get(h, "crit") != NULL) {
        *reason = "unsupported critical token header";
        goto out;
    }
    rc = 0;
out:
    json_decref(h);
    return rc;
}

static int auth_check_sig(const auth_keys *keys, const char *signed_part, size_t n,
                          const unsigned char *sig)
{
    if (auth_hmac_eq(keys->key, keys->key_len, signed_part, n, sig))
        return 0;
    if (keys->prev != NULL && keys->prev_len > 0 &&
        auth_hmac_eq(keys->prev, keys->prev_len, signed_part, n, sig))
        return 0;
    return -1;
}

static int auth_hmac_eq(const unsigned char *key, size_t key_len, const char *data, size_t n,
                        const unsigned char *sig)
{
    unsigned char md[SHA256_LEN];
    const sha256_piece piece = {data, n};
    if (sha256_hmac(key, key_len, &piece, 1, md) != 0)
        return 0;
    int eq = CRYPTO_memcmp(md, sig, AUTH_SIG_LEN) == 0;
    OPENSSL_cleanse(md, sizeof(md));
    return eq;
}

/* NumericDate (RFC 7519 §2): integer or fractional seconds. Fractions are
 * truncated (the leeway dwarfs them) and huge values saturate instead of
 * overflowing. */
static int auth_time_claim(json_t *v, long long *out)
{
    if (json_is_integer(v)) {
        *out = (long long)json_integer_value(v);
        return 0;
    }
    if (!json_is_real(v))
        return -1;
    double d = json_real_value(v);
    if (!isfinite(d))
        return -1;
    if (d >= 9.2e18)
        *out = LLONG_MAX;
    else if (d <= -9.2e18)
        *out = LLONG_MIN;
    else
        *out = (long long)d;
    return 0;
}

static long long auth_sat_add(long long a, long long b)
{
    long long r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? LLONG_MAX : LLONG_MIN;
    return r;
}
