/* Unit tests for jwt (HS256 verification, bearer parsing) and b64. */
#include "b64.h"
#include "auth.h"

#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#define NOW 1700000000LL
#define SUB "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"

static const char secret[] = "0123456789abcdef0123456789abcdef-current";
static const char old_secret[] = "fedcba9876543210fedcba9876543210-previous";

static char *b64(const char *s, char *out, size_t outsz)
{
    cr_assert(b64_encode_url((const unsigned char *)s, strlen(s), out, outsz) > 0);
    return out;
}

/* Builds header.payload.signature signed with key (NULL: no signature part). */
static void mint(const char *key, const char *header, const char *payload, char *out, size_t outsz)
{
    char h[4096], p[8192], s[128];
    unsigned char md[32];
    unsigned int mdlen = 0;
    int n = snprintf(out, outsz, "%s.%s", b64(header, h, sizeof(h)), b64(payload, p, sizeof(p)));
    cr_assert(n > 0 && (size_t)n < outsz);
    if (key == NULL)
        return;
    cr_assert_not_null(HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)out,
                            (size_t)n, md, &mdlen));
    cr_assert(b64_encode_url(md, mdlen, s, sizeof(s)) == 43);
    cr_assert((size_t)n + 1 + 43 < outsz);
    strcat(out, ".");
    strcat(out, s);
}

static void payload(char *out, size_t outsz, const char *sub, const char *role, long long exp,
                    const char *extra)
{
    snprintf(out, outsz, "{\"sub\":\"%s\",\"role\":\"%s\",\"exp\":%lld%s}", sub, role, exp,
             extra ? extra : "");
}

static const char *HS256 = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

static int verify_with(const auth_keys *k, const char *tok, long long now, auth_claims *c,
                       const char **why)
{
    return auth_verify(k, tok, strlen(tok), now, c, why);
}

static int verify(const char *tok, long long now, const char **why)
{
    auth_keys k = {(const unsigned char *)secret, strlen(secret), NULL, 0};
    auth_claims c;
    int rc = verify_with(&k, tok, now, &c, why);
    auth_claims_free(&c);
    return rc;
}

Test(jwt, valid_token)
{
    char pl[512], tok[2048];
    payload(pl, sizeof(pl), SUB, "authenticated", NOW + 3600,
            ",\"iat\":1700000000,\"nbf\":1700000000");
    mint(secret, HS256, pl, tok, sizeof(tok));
    auth_keys k = {(const unsigned char *)secret, strlen(secret), NULL, 0};
    auth_claims c;
    const char *why = NULL;
    cr_assert_eq(verify_with(&k, tok, NOW, &c, &why), 0, "%s", why);
    cr_assert_str_eq(c.sub, SUB);
    cr_assert_eq(c.role, AUTH_ROLE_AUTHENTICATED);
    cr_assert_eq(c.exp, NOW + 3600);
    cr_assert_str_eq(c.json, pl);
    auth_claims_free(&c);
    cr_assert_null(c.json);
    auth_claims_free(&c); /* repeatable */
}

Test(jwt, service_role_and_uppercase_sub)
{
    char pl[512], tok[2048];
    payload(pl, sizeof(pl), "3F2A1B4C-5D6E-4F70-8A9B-0C1D2E3F4A5B", "service_role", NOW + 60, NULL);
    mint(secret, "{\"alg\":\"HS256\"}", pl, tok, sizeof(tok));
    auth_keys k = {(const unsigned char *)secret, strlen(secret), NULL, 0};
    auth_claims c;
    const char *why = NULL;
    cr_assert_eq(verify_with(&k, tok, NOW, &c, &why), 0, "%s", why);
    cr_assert_str_eq(c.sub, SUB);
    cr_assert_eq(c.role, AUTH_ROLE_SERVICE);
    auth_claims_free(&c);
}

Test(jwt, supabase_shaped_token)
{
    char tok[2048];
    mint(secret, "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"abc\"}",
         "{\"aud\":\"authenticated\",\"exp\":1700003600,\"iat\":1699999990,\"iss\":"
         "\"https://x.supabase.co/auth/v1\",\"sub\":\"" SUB "\",\"email\":\"a@b.c\","
         "\"phone\":\"\",\"app_metadata\":{\"provider\":\"email\"},\"user_metadata\":{},"
         "\"role\":\"authenticated\",\"aal\":\"aal1\",\"amr\":[{\"method\":\"password\","
         "\"timestamp\":1699999990}],\"session_id\":\"x\",\"is_anonymous\":false}",
         tok, sizeof(tok));
    const char *why = NULL;
    cr_assert_eq(verify(tok, NOW, &why), 0, "%s", why);
}

Test(jwt, expired_and_leeway)
{
    char pl[512], tok[2048];
    const char *why = NULL;
    payload(pl, sizeof(pl), SUB, "authenticated", NOW - 31, NULL);
    mint(secret, HS256, pl, tok, sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), -1);
    cr_assert_str_eq(why, "token expired");

    payload(pl, sizeof(pl), SUB, "authenticated", NOW - 30, NULL);
    mint(secret, HS256, pl, tok, sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), 0, "%s", why);

    payload(pl, sizeof(pl), SUB, "authenticated", NOW - 10, NULL);
    mint(secret, HS256, pl, tok, sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), 0, "%s", why);
}

Test(jwt, fractional_and_huge_exp)
{
    char tok[2048];
    const char *why = NULL;
    mint(secret, HS256, "{\"sub\":\"" SUB "\",\"role\":\"authenticated\",\"exp\":1700000000.5}",
         tok, sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), 0, "%s", why);
    mint(secret, HS256,
         "{\"sub\":\"" SUB "\",\"role\":\"authenticated\",\"exp\":9223372036854775807}", tok,
         sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), 0, "%s", why); /* no overflow in exp + leeway */
    mint(secret, HS256, "{\"sub\":\"" SUB "\",\"role\":\"authenticated\",\"exp\":1e300}", tok,
         sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), 0, "%s", why);
    mint(secret, HS256, "{\"sub\":\"" SUB "\",\"role\":\"authenticated\",\"exp\":-1e300}", tok,
         sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), -1);
}

Test(jwt, nbf_and_iat)
{
    char pl[512], tok[2048];
    const char *why = NULL;
    payload(pl, sizeof(pl), SUB, "authenticated", NOW + 3600, ",\"nbf\":1700000031");
    mint(secret, HS256, pl, tok, sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), -1);
    cr_assert_str_eq(why, "token not yet valid");

    payload(pl, sizeof(pl), SUB, "authenticated", NOW + 3600, ",\"nbf\":1700000030");
    mint(secret, HS256, pl, tok, sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), 0, "%s", why);

    payload(pl, sizeof(pl), SUB, "authenticated", NOW + 3600, ",\"iat\":1700000031");
    mint(secret, HS256, pl, tok, sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), -1);
    cr_assert_str_eq(why, "token issued in the future");

    payload(pl, sizeof(pl), SUB, "authenticated", NOW + 3600, ",\"iat\":1700000030");
    mint(secret, HS256, pl, tok, sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), 0, "%s", why);

    payload(pl, sizeof(pl), SUB, "authenticated", NOW + 3600, ",\"iat\":\"soon\"");
    mint(secret, HS256, pl, tok, sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), -1);
    payload(pl, sizeof(pl), SUB, "authenticated", NOW + 3600, ",\"nbf\":null");
    mint(secret, HS256, pl, tok, sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), -1);
}

Test(jwt, wrong_secret)
{
    char pl[512], tok[2048];
    const char *why = NULL;
    payload(pl, sizeof(pl), SUB, "authenticated", NOW + 3600, NULL);
    mint("another-secret-another-secret-another", HS256, pl, tok, sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), -1);
    cr_assert_str_eq(why, "invalid signature");
}

Test(jwt, tampered_payload_and_signature)
{
    char pl[512], tok[2048];
    const char *why = NULL;
    payload(pl, sizeof(pl), SUB, "authenticated", NOW + 3600, NULL);
    mint(secret, HS256, pl, tok, sizeof(tok));
    size_t n = strlen(tok);
    for (size_t i = 0; i < n; i++) {
        if (tok[i] == '.')
            continue;
        char saved = tok[i];
        tok[i] = saved == 'A' ? 'B' : 'A';
        cr_assert_eq(verify(tok, NOW, &why), -1, "byte %zu accepted", i);
        tok[i] = saved;
    }
    cr_assert_eq(verify(tok, NOW, &why), 0);
    tok[n - 1] = '\0'; /* signature one character short */
    cr_assert_eq(verify(tok, NOW, &why), -1);
}

Test(jwt, algorithms_rejected)
{
    static const char *headers[] = {
        "{\"alg\":\"none\",\"typ\":\"JWT\"}",
        "{\"alg\":\"HS512\",\"typ\":\"JWT\"}",
        "{\"alg\":\"RS256\",\"typ\":\"JWT\"}",
        "{\"typ\":\"JWT\"}",
        "{\"alg\":\"hs256\"}",
        "{\"alg\":null}",
        "{\"alg\":[\"HS256\"]}",
        "{\"alg\":\"HS256\",\"typ\":\"JWE\"}",
        "{\"alg\":\"HS256\",\"typ\":1}",
        "{\"alg\":\"HS256\",\"crit\":[\"b64\"]}",
        "{\"alg\":\"HS256\",\"alg\":\"HS256\"}",
        "[\"HS256\"]",
        "not json",
        "{\"alg\":\"HS256\"} trailing",
    };
    char pl[512], tok[2048];
    const char *why = NULL;
    payload(pl, sizeof(pl), SUB, "authenticated", NOW + 3600, NULL);
    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        mint(secret, headers[i], pl, tok, sizeof(tok));
        cr_assert_eq(verify(tok, NOW, &why), -1, "header %s accepted", headers[i]);
    }
    /* alg none with an empty signature, the classic attack */
    mint(NULL, "{\"alg\":\"none\"}", pl, tok, sizeof(tok));
    strcat(tok, ".");
    cr_assert_eq(verify(tok, NOW, &why), -1);
    mint(secret, "{\"alg\":\"RS256\"}", pl, tok, sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), -1);
    cr_assert_str_eq(why, "unsupported token algorithm");
}

Test(jwt, malformed_structure)
{
    char pl[512], tok[2048], bad[2200];
    const char *why = NULL;
    payload(pl, sizeof(pl), SUB, "authenticated", NOW + 3600, NULL);
    mint(secret, HS256, pl, tok, sizeof(tok));

    cr_assert_eq(verify("", NOW, &why), -1);
    cr_assert_eq(verify("abc", NOW, &why), -1);
    cr_assert_eq(verify("a.b", NOW, &why), -1);
    cr_assert_eq(verify("..", NOW, &why), -1);
    *strrchr(tok, '.') = '\0'; /* two parts */
    cr_assert_eq(verify(tok, NOW, &why), -1);
    cr_assert_str_eq(why, "malformed token");

    mint(secret, HS256, pl, tok, sizeof(tok));
    snprintf(bad, sizeof(bad), "%s.x", tok); /* four parts */
    cr_assert_eq(verify(bad, NOW, &why), -1);
    snprintf(bad, sizeof(bad), "%s=", tok); /* padding */
    cr_assert_eq(verify(bad, NOW, &why), -1);
    snprintf(bad, sizeof(bad), "*%s", tok); /* bad base64 char in header */
    cr_assert_eq(verify(bad, NOW, &why), -1);
    snprintf(bad, sizeof(bad), " %s", tok);
    cr_assert_eq(verify(bad, NOW, &why), -1);

    /* standard alphabet in the payload: re-sign so only base64 is wrong */
    char h[256], p[1024], s[64], signed_part[2048];
    unsigned char md[32];
    unsigned int mdlen;
    b64_encode_url((const unsigned char *)HS256, strlen(HS256), h, sizeof(h));
    b64_encode_url((const unsigned char *)pl, strlen(pl), p, sizeof(p));
    p[5] = '+';
    snprintf(signed_part, sizeof(signed_part), "%s.%s", h, p);
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)signed_part,
         strlen(signed_part), md, &mdlen);
    b64_encode_url(md, mdlen, s, sizeof(s));
    snprintf(bad, sizeof(bad), "%s.%s", signed_part, s);
    cr_assert_eq(verify(bad, NOW, &why), -1);
    cr_assert_str_eq(why, "malformed token payload");

    /* valid signature over a payload that is not JSON / not an object */
    mint(secret, HS256, "{\"sub\":", tok, sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), -1);
    mint(secret, HS256, "[1,2]", tok, sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), -1);

    /* the length the caller gives is honoured: no reading past it */
    mint(secret, HS256, pl, tok, sizeof(tok));
    auth_keys k = {(const unsigned char *)secret, strlen(secret), NULL, 0};
    auth_claims c;
    cr_assert_eq(auth_verify(&k, tok, strlen(tok) - 1, NOW, &c, &why), -1);
    cr_assert_null(c.json);
}

Test(jwt, oversize_token)
{
    static char big[6001], pl[8600], tok[16000];
    memset(big, 'x', 6000);
    big[6000] = '\0';
    snprintf(pl, sizeof(pl),
             "{\"sub\":\"" SUB "\",\"role\":\"authenticated\",\"exp\":%lld,"
             "\"pad\":\"%s\"}",
             NOW + 60, big);
    mint(secret, HS256, pl, tok, sizeof(tok));
    const char *why = NULL;
    cr_assert_gt(strlen(tok), AUTH_MAX_TOKEN_LEN);
    cr_assert_eq(verify(tok, NOW, &why), -1);
    cr_assert_str_eq(why, "token too large");

    /* just under the limit still works */
    big[5800] = '\0';
    snprintf(pl, sizeof(pl),
             "{\"sub\":\"" SUB "\",\"role\":\"authenticated\",\"exp\":%lld,"
             "\"pad\":\"%s\"}",
             NOW + 60, big);
    mint(secret, HS256, pl, tok, sizeof(tok));
    cr_assert_leq(strlen(tok), AUTH_MAX_TOKEN_LEN);
    cr_assert_eq(verify(tok, NOW, &why), 0, "%s", why);
}

Test(jwt, claims_rejected)
{
    static const char *payloads[] = {
        "{\"role\":\"authenticated\",\"exp\":1700003600}", /* no sub */
        "{\"sub\":\"not-a-uuid\",\"role\":\"authenticated\",\"exp\":1700003600}",
        "{\"sub\":\"3f2a1b4c5d6e4f708a9b0c1d2e3f4a5b\",\"role\":\"authenticated\",\"exp\":"
        "1700003600}",
        "{\"sub\":\"{3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b}\",\"role\":\"authenticated\",\"exp\":"
        "1700003600}",
        "{\"sub\":42,\"role\":\"authenticated\",\"exp\":1700003600}",
        "{\"sub\":\"" SUB "\",\"role\":\"authenticated\"}", /* no exp */
        "{\"sub\":\"" SUB "\",\"role\":\"authenticated\",\"exp\":\"1700003600\"}",
        "{\"sub\":\"" SUB "\",\"role\":\"authenticated\",\"exp\":null}",
        "{\"sub\":\"" SUB "\",\"role\":\"anon\",\"exp\":1700003600}",
        "{\"sub\":\"" SUB "\",\"role\":\"Authenticated\",\"exp\":1700003600}",
        "{\"sub\":\"" SUB "\",\"role\":\"supabase_admin\",\"exp\":1700003600}",
        "{\"sub\":\"" SUB "\",\"exp\":1700003600}", /* no role */
        "{\"sub\":\"" SUB "\",\"role\":null,\"exp\":1700003600}",
        "{\"sub\":\"" SUB "\",\"sub\":\"" SUB "\",\"role\":\"authenticated\",\"exp\":1700003600}",
    };
    char tok[2048];
    const char *why = NULL;
    for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
        mint(secret, HS256, payloads[i], tok, sizeof(tok));
        cr_assert_eq(verify(tok, NOW, &why), -1, "payload %s accepted", payloads[i]);
    }
    mint(secret, HS256, payloads[0], tok, sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), -1);
    cr_assert_str_eq(why, "token subject is not a user id");
    mint(secret, HS256, payloads[5], tok, sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), -1);
    cr_assert_str_eq(why, "token has no valid exp claim");
    mint(secret, HS256, payloads[8], tok, sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), -1);
    cr_assert_str_eq(why, "token role not allowed");
}

Test(jwt, rotation)
{
    char pl[512], tok[2048];
    const char *why = NULL;
    auth_claims c;
    payload(pl, sizeof(pl), SUB, "authenticated", NOW + 3600, NULL);
    mint(old_secret, HS256, pl, tok, sizeof(tok));

    auth_keys without = {(const unsigned char *)secret, strlen(secret), NULL, 0};
    cr_assert_eq(verify_with(&without, tok, NOW, &c, &why), -1);
    cr_assert_str_eq(why, "invalid signature");

    auth_keys with = {(const unsigned char *)secret, strlen(secret),
                      (const unsigned char *)old_secret, strlen(old_secret)};
    cr_assert_eq(verify_with(&with, tok, NOW, &c, &why), 0, "%s", why);
    auth_claims_free(&c);

    /* tokens signed with the current key still pass while prev is set */
    mint(secret, HS256, pl, tok, sizeof(tok));
    cr_assert_eq(verify_with(&with, tok, NOW, &c, &why), 0, "%s", why);
    auth_claims_free(&c);
}

Test(jwt, missing_key_and_null_why)
{
    char pl[512], tok[2048];
    auth_claims c;
    payload(pl, sizeof(pl), SUB, "authenticated", NOW + 3600, NULL);
    mint(secret, HS256, pl, tok, sizeof(tok));
    auth_keys none = {NULL, 0, NULL, 0};
    cr_assert_eq(verify_with(&none, tok, NOW, &c, NULL), -1);
    auth_keys empty = {(const unsigned char *)"", 0, NULL, 0};
    cr_assert_eq(verify_with(&empty, tok, NOW, &c, NULL), -1);
    cr_assert_eq(auth_verify(NULL, tok, strlen(tok), NOW, &c, NULL), -1);
}

Test(bearer, parsing)
{
    const char *t;
    size_t n;
    cr_assert_eq(auth_bearer("Bearer abc.def.ghi", 18, &t, &n), 0);
    cr_assert_eq(n, 11);
    cr_assert_eq(strncmp(t, "abc.def.ghi", n), 0);
    cr_assert_eq(auth_bearer("bearer x", 8, &t, &n), 0);
    cr_assert_eq(n, 1);
    cr_assert_eq(auth_bearer("BEARER   tok  ", 14, &t, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_eq(strncmp(t, "tok", 3), 0);
    cr_assert_eq(auth_bearer("\tBearer\ttok", 11, &t, &n), 0);
    cr_assert_eq(n, 3);
    /* length is honoured, not the NUL */
    cr_assert_eq(auth_bearer("Bearer tokXYZ", 10, &t, &n), 0);
    cr_assert_eq(n, 3);

    static const char *bad[] = {"",          "Bearer",      "Bearer ",   "Bearer    ",
                                "Basic abc", "Bearerabc",   "Token abc", "Bearer a b",
                                "Bear abc",  "Bearer a\x01"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(auth_bearer(bad[i], strlen(bad[i]), &t, &n), -1, "accepted '%s'", bad[i]);
    cr_assert_eq(auth_bearer(NULL, 0, &t, &n), -1);
}

/* RFC 4648 §10 vectors, in the url alphabet without padding. */
Test(b64, rfc4648_vectors)
{
    static const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *enc[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    static const char *std[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    char out[32];
    unsigned char dec[32];
    for (size_t i = 0; i < 7; i++) {
        size_t n = strlen(plain[i]);
        cr_assert_eq(b64_encode_url((const unsigned char *)plain[i], n, out, sizeof(out)),
                     strlen(enc[i]));
        cr_assert_str_eq(out, enc[i]);
        cr_assert_eq(B64URL_ENCODED_LEN(n), strlen(enc[i]));
        cr_assert_eq(b64_decode_url(enc[i], strlen(enc[i]), dec, sizeof(dec)), (ssize_t)n);
        cr_assert_eq(memcmp(dec, plain[i], n), 0);
        cr_assert_eq(b64_decode(std[i], strlen(std[i]), dec, sizeof(dec)), (ssize_t)n);
        cr_assert_eq(memcmp(dec, plain[i], n), 0);
        cr_assert_eq(b64_decode(enc[i], strlen(enc[i]), dec, sizeof(dec)), (ssize_t)n);
    }
}

Test(b64, alphabets_and_strictness)
{
    static const unsigned char bytes[] = {0xfb, 0xff, 0xbf, 0xfe};
    char out[16];
    unsigned char dec[16];
    cr_assert_eq(b64_encode_url(bytes, 4, out, sizeof(out)), 6);
    cr_assert_str_eq(out, "-_-__g");
    cr_assert_eq(b64_decode_url("-_-__g", 6, dec, sizeof(dec)), 4);
    cr_assert_eq(memcmp(dec, bytes, 4), 0);
    cr_assert_eq(b64_decode("+/+//g==", 8, dec, sizeof(dec)), 4);
    cr_assert_eq(memcmp(dec, bytes, 4), 0);

    cr_assert_eq(b64_decode_url("+/+//g", 6, dec, sizeof(dec)), -1);
    cr_assert_eq(b64_decode("-_-__g", 6, dec, sizeof(dec)), -1);
    cr_assert_eq(b64_decode_url("Zg==", 4, dec, sizeof(dec)), -1);
    cr_assert_eq(b64_decode_url("Z", 1, dec, sizeof(dec)), -1);
    cr_assert_eq(b64_decode_url("Zm9vY", 5, dec, sizeof(dec)), -1);
    cr_assert_eq(b64_decode_url("Zh", 2, dec, sizeof(dec)), -1); /* non-zero spare bits */
    cr_assert_eq(b64_decode_url("Zm9", 3, dec, sizeof(dec)), -1);
    cr_assert_eq(b64_decode_url("Zm 9v", 5, dec, sizeof(dec)), -1);
    cr_assert_eq(b64_decode_url("Zm\0v", 4, dec, sizeof(dec)), -1);
    cr_assert_eq(b64_decode("Zg=", 3, dec, sizeof(dec)), -1);
    cr_assert_eq(b64_decode("Zg===", 5, dec, sizeof(dec)), -1);
    cr_assert_eq(b64_decode("Zm8==", 5, dec, sizeof(dec)), -1);
    cr_assert_eq(b64_decode("Zm9v=", 5, dec, sizeof(dec)), -1);
    cr_assert_eq(b64_decode("Zm9v====", 8, dec, sizeof(dec)), -1);
    cr_assert_eq(b64_decode("Z===", 4, dec, sizeof(dec)), -1);
    cr_assert_eq(b64_decode("Zg==Zg==", 8, dec, sizeof(dec)), -1);
    cr_assert_eq(b64_decode("====", 4, dec, sizeof(dec)), -1);
}

Test(b64, buffer_limits)
{
    char out[8];
    unsigned char dec[3];
    cr_assert_eq(b64_encode_url((const unsigned char *)"foobar", 6, out, 8), 0);
    cr_assert_eq(b64_encode_url((const unsigned char *)"foobar", 6, out, 9 - 1), 0);
    char ok[9];
    cr_assert_eq(b64_encode_url((const unsigned char *)"foobar", 6, ok, 9), 8);
    cr_assert_eq(b64_encode_url((const unsigned char *)"", 0, ok, 1), 0);
    cr_assert_str_eq(ok, "");
    cr_assert_eq(b64_decode_url("Zm9vYg", 6, dec, 3), -1);
    cr_assert_eq(b64_decode_url("Zm9v", 4, dec, 3), 3);
    cr_assert_eq(b64_decode_url("", 0, dec, 0), 0);
}

Test(b64, random_round_trip)
{
    unsigned char in[300] = {0}, dec[300];
    char enc[420];
    unsigned int seed = 12345;
    for (size_t n = 0; n < sizeof(in); n++) {
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            in[i] = (unsigned char)(seed >> 16);
        }
        size_t e = b64_encode_url(in, n, enc, sizeof(enc));
        cr_assert_eq(e, B64URL_ENCODED_LEN(n));
        cr_assert_eq(b64_decode_url(enc, e, dec, sizeof(dec)), (ssize_t)n);
        cr_assert_eq(memcmp(in, dec, n), 0);
    }
}

/* The ids a call takes from its metadata come from the token: a NUL in
 * them, escaped in the JSON (the only way one gets there), is refused with
 * the token, before anything reads the claims. */
Test(jwt, nul_in_claims_is_refused)
{
    static const struct {
        const char *sub, *role, *extra;
    } cases[] = {
        {"00000000-0000-4000-8000-00000000000a\\u0000", "authenticated", NULL},
        {"00000000-0000-4000-8000-00000000000a", "authenticated\\u0000x", NULL},
        {"00000000-0000-4000-8000-00000000000a", "service_role\\u0000", NULL},
        {"00000000-0000-4000-8000-00000000000a", "authenticated", ",\"email\":\"a\\u0000b\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char pl[512], tok[2048];
        payload(pl, sizeof(pl), cases[i].sub, cases[i].role, NOW + 3600, cases[i].extra);
        mint(secret, HS256, pl, tok, sizeof(tok));
        const char *why = NULL;
        cr_assert_neq(verify(tok, NOW, &why), 0, "accepted: %s", pl);
        cr_assert_not_null(why);
    }
}

/* A token of this header and payload, signed with the current key, is
 * refused for reason. */
static void refused(const char *header, const char *claims, const char *reason)
{
    char tok[2048];
    const char *why = NULL;
    mint(secret, header, claims, tok, sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), -1, "accepted %s", claims);
    cr_assert_str_eq(why, reason, "%s", claims);
}

/* A repeated member is refused wherever it is: two "role" claims would
 * otherwise be read by whichever rule the reader happens to follow. */
Test(jwt, repeated_members_are_refused)
{
    char pl[512], tok[2048];
    const char *why = NULL;
    payload(pl, sizeof(pl), SUB, "authenticated", NOW + 3600, ",\"role\":\"service_role\"");
    refused(HS256, pl, "malformed token payload");
    payload(pl, sizeof(pl), SUB, "authenticated", NOW + 3600,
            ",\"app_metadata\":{\"provider\":\"a\",\"provider\":\"b\"}");
    refused(HS256, pl, "malformed token payload");
    payload(pl, sizeof(pl), SUB, "authenticated", NOW + 3600, NULL);
    refused("{\"alg\":\"none\",\"alg\":\"HS256\",\"typ\":\"JWT\"}", pl, "malformed token header");

    /* The same claims, each once, nested objects included, pass. */
    payload(pl, sizeof(pl), SUB, "authenticated", NOW + 3600,
            ",\"app_metadata\":{\"provider\":\"a\",\"providers\":[\"a\",\"b\"]}");
    mint(secret, HS256, pl, tok, sizeof(tok));
    cr_assert_eq(verify(tok, NOW, &why), 0, "%s", why);
}

/* Claims of the wrong JSON type: a string exp, a numeric role, a typ that is
 * not a string, a header or payload that is not an object. */
Test(jwt, claims_of_the_wrong_type)
{
    refused(HS256, "{\"sub\":\"" SUB "\",\"role\":\"authenticated\",\"exp\":\"1800000000\"}",
            "token has no valid exp claim");
    refused(HS256, "{\"sub\":\"" SUB "\",\"role\":1,\"exp\":1800000000}",
            "token has no role claim");
    refused("{\"alg\":\"HS256\",\"typ\":7}",
            "{\"sub\":\"" SUB "\",\"role\":\"authenticated\",\"exp\":1800000000}",
            "unsupported token type");
    refused("[\"HS256\"]", "{}", "malformed token header");
    refused(HS256, "[1800000000]", "malformed token payload");
    refused(HS256, "{\"sub\":\"" SUB "\",\"role\":\"authenticated\",\"exp\":1800000000} x",
            "malformed token payload");
}
