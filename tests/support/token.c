/* token - JWTs for the integration tests. */
#include "token.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char tt_hs256_header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

static size_t tt_b64url(const unsigned char *in, size_t n, char *out);
static char *tt_json_string(const char *s);

char *tt_mint(const char *secret, const char *sub, const char *role, long long exp_offset_s)
{
    if (secret == NULL)
        return NULL;
    char *jsub = sub ? tt_json_string(sub) : NULL;
    char *jrole = role ? tt_json_string(role) : NULL;
    char *tok = NULL, *payload = NULL;
    if ((sub && !jsub) || (role && !jrole))
        goto out;

    long long now = (long long)time(NULL);
    /* Claim names, separators and two numbers of up to 20 characters. */
    size_t cap = (jsub ? strlen(jsub) : 0) + (jrole ? strlen(jrole) : 0) + 96;
    payload = malloc(cap);
    if (payload == NULL)
        goto out;
    snprintf(payload, cap, "{%s%s%s%s%s%s\"exp\":%lld,\"iat\":%lld}", jsub ? "\"sub\":" : "",
             jsub ? jsub : "", jsub ? "," : "", jrole ? "\"role\":" : "", jrole ? jrole : "",
             jrole ? "," : "", now + exp_offset_s, now);
    tok = tt_mint_claims(secret, NULL, payload);
out:
    free(payload);
    free(jsub);
    free(jrole);
    return tok;
}

char *tt_mint_claims(const char *secret, const char *header_json, const char *payload_json)
{
    if (payload_json == NULL)
        return NULL;
    if (header_json == NULL)
        header_json = tt_hs256_header;
    size_t hl = strlen(header_json), pl = strlen(payload_json);
    /* Each part grows by 4/3 at most; the signature is 43 characters. */
    size_t cap = (hl / 3 + 1) * 4 + (pl / 3 + 1) * 4 + 2 + 44 + 1;
    char *tok = malloc(cap);
    if (tok == NULL)
        return NULL;
    size_t n = tt_b64url((const unsigned char *)header_json, hl, tok);
    tok[n++] = '.';
    n += tt_b64url((const unsigned char *)payload_json, pl, tok + n);
    if (secret != NULL) {
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int maclen = 0;
        if (HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)tok, n, mac,
                 &maclen) == NULL) {
            free(tok);
            return NULL;
        }
        tok[n++] = '.';
        n += tt_b64url(mac, maclen, tok + n);
    } else {
        tok[n++] = '.';
    }
    tok[n] = '\0';
    return tok;
}

/* Writes base64url without padding (no NUL); returns the characters written. */
static size_t tt_b64url(const unsigned char *in, size_t n, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
        out[o++] = abc[v >> 6 & 63];
        out[o++] = abc[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)in[i] << 16;
        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
    } else if (n - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
        out[o++] = abc[v >> 6 & 63];
    }
    return o;
}

/* s as a quoted JSON string, malloc'd. */
static char *tt_json_string(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n * 6 + 3);
    if (out == NULL)
        return NULL;
    char *p = out;
    *p++ = '"';
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            *p++ = '\\';
            *p++ = (char)ch;
        } else if (ch < 0x20) {
            p += sprintf(p, "\\u%04x", ch);
        } else {
            *p++ = (char)ch;
        }
    }
    *p++ = '"';
    *p = '\0';
    return out;
}
