/* HS256 JWT verification; see auth.h. */
#include "auth.h"

#include "arena.h"
#include "b64.h"
#include "jsonr.h"
#include "sha256.h"
#include "valid.h"

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
static int auth_read_object(const unsigned char *text, size_t n, arena **mem,
                            const Google__Protobuf__Struct **out);
static int auth_time_claim(const Google__Protobuf__Value *v, long long *out);
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

    ssize_t hn = b64_decode_url(token, hlen, hdr, sizeof(hdr));
    if (hn <= 0)
        return auth_fail(out, why, "malformed token header");
    if (auth_check_header(hdr, (size_t)hn, &reason) != 0)
        return auth_fail(out, why, reason);

    if (b64_decode_url(dot2 + 1, slen, sig, sizeof(sig)) != AUTH_SIG_LEN)
        return auth_fail(out, why, "invalid signature");
    if (auth_check_sig(keys, token, (size_t)(dot2 - token), sig) != 0)
        return auth_fail(out, why, "invalid signature");

    ssize_t pn = b64_decode_url(dot1 + 1, plen, body, sizeof(body) - 1);
    if (pn <= 0 || memchr(body, '\0', (size_t)pn) != NULL)
        return auth_fail(out, why, "malformed token payload");
    body[pn] = '\0';

    arena *mem = NULL;
    const Google__Protobuf__Struct *claims;
    if (auth_read_object(body, (size_t)pn, &mem, &claims) != 0) {
        arena_free(&mem);
        return auth_fail(out, why, "malformed token payload");
    }

    long long exp, t;
    const Google__Protobuf__Value *v = jsonr_member(claims, "exp");
    if (v == NULL || auth_time_claim(v, &exp) != 0) {
        reason = "token has no valid exp claim";
        goto fail;
    }
    if (now > auth_sat_add(exp, AUTH_LEEWAY_S)) {
        reason = "token expired";
        goto fail;
    }
    v = jsonr_member(claims, "nbf");
    if (v != NULL && auth_time_claim(v, &t) != 0) {
        reason = "token has an invalid nbf claim";
        goto fail;
    }
    if (v != NULL && auth_sat_add(now, AUTH_LEEWAY_S) < t) {
        reason = "token not yet valid";
        goto fail;
    }
    v = jsonr_member(claims, "iat");
    if (v != NULL && auth_time_claim(v, &t) != 0) {
        reason = "token has an invalid iat claim";
        goto fail;
    }
    if (v != NULL && t > auth_sat_add(now, AUTH_LEEWAY_S)) {
        reason = "token issued in the future";
        goto fail;
    }

    const char *text = jsonr_member_string(claims, "sub");
    if (text == NULL || !valid_uuid(text)) {
        reason = "token subject is not a user id";
        goto fail;
    }
    valid_uuid_lower(text, out->sub);

    text = jsonr_member_string(claims, "role");
    if (text == NULL) {
        reason = "token has no role claim";
        goto fail;
    }
    if (strcmp(text, "authenticated") == 0) {
        out->role = AUTH_ROLE_AUTHENTICATED;
    } else if (strcmp(text, "service_role") == 0) {
        out->role = AUTH_ROLE_SERVICE;
    } else {
        reason = "token role not allowed";
        goto fail;
    }
    arena_free(&mem);

    out->exp = exp;
    out->json = malloc((size_t)pn + 1);
    if (out->json == NULL)
        return auth_fail(out, why, "out of memory");
    memcpy(out->json, body, (size_t)pn + 1);
    return 0;

fail:
    arena_free(&mem);
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
    arena *mem = NULL;
    const Google__Protobuf__Struct *h;
    int rc = -1;

    *reason = "malformed token header";
    if (auth_read_object(hdr, n, &mem, &h) != 0)
        goto out;
    /* The reader refuses "\u0000", so strcmp sees whole strings. */
    const char *alg = jsonr_member_string(h, "alg");
    if (alg == NULL || strcmp(alg, "HS256") != 0) {
        *reason = "unsupported token algorithm";
        goto out;
    }
    const char *typ = jsonr_member_string(h, "typ");
    if (jsonr_member(h, "typ") != NULL && (typ == NULL || strcmp(typ, "JWT") != 0)) {
        *reason = "unsupported token type";
        goto out;
    }
    /* RFC 7515 §4.1.11: extensions we do not understand must be refused. */
    if (jsonr_member(h, "crit") != NULL) {
        *reason = "unsupported critical token header";
        goto out;
    }
    rc = 0;
out:
    arena_free(&mem);
    return rc;
}

/* n bytes of JSON that must be one object with no repeated member (a token
 * with two "role" claims is refused, not read by whichever rule) -> *out,
 * in *mem, which the caller frees whatever the result. */
static int auth_read_object(const unsigned char *text, size_t n, arena **mem,
                            const Google__Protobuf__Struct **out)
{
    const jsonr_mem alloc = {arena_alloc_ctx, mem};
    Google__Protobuf__Value *v;

    *out = NULL;
    if (jsonr_parse_unique((const char *)text, n, &alloc, &v) != 0 ||
        v->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE)
        return -1;
    *out = v->struct_value;
    return 0;
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
 * overflowing. Every JSON number reads as a double, exact for any date. */
static int auth_time_claim(const Google__Protobuf__Value *v, long long *out)
{
    if (v->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE)
        return -1;
    double d = v->number_value;
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
