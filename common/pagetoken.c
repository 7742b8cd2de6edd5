/* Keyset page tokens; see pagetoken.h. */
#include "pagetoken.h"

#include "b64.h"
#include "utcdate.h"
#include "validate.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PAGETOKEN_VERSION 1
#define PAGETOKEN_PAYLOAD 24 /* created_us + uuid */
#define PAGETOKEN_MAC     16 /* 128 bits: ample against forgery, keeps tokens short */
#define PAGETOKEN_RAW     (1 + PAGETOKEN_PAYLOAD + PAGETOKEN_MAC)

static int pagetoken_mac(const unsigned char *key, size_t key_len, const char *scope,
                         const unsigned char *raw, unsigned char mac[PAGETOKEN_MAC]);
static int pagetoken_hexval(char c);
static EVP_MAC_CTX *pagetoken_keyed(const unsigned char *key, size_t key_len);

/* HMAC states keyed and ready to copy, for the last two keys used: setting
 * a key fetches SHA-256 by name and hashes both pads, which was most of the
 * cost of a token. A service signs with its current key and, while a key
 * rotates, also checks tokens with the previous one: two slots keep both.
 * Process-lifetime, like OpenSSL's own tables; keyed_lock guards them. */
#define KEYED_SLOTS 2
static pthread_mutex_t keyed_lock = PTHREAD_MUTEX_INITIALIZER;
static struct keyed_slot {
    EVP_MAC_CTX *ctx;
    unsigned char key[128];
    size_t len;
    unsigned long used;
} keyed[KEYED_SLOTS];
static unsigned long keyed_tick;

int pagetoken_encode(const unsigned char *key, size_t key_len, const char *scope,
                     long long created_us, const char *uuid, char *out, size_t outsz)
{
    unsigned char raw[PAGETOKEN_RAW];

    if (key == NULL || key_len == 0 || scope == NULL || out == NULL || outsz < PAGETOKEN_SIZE ||
        !valid_uuid(uuid))
        return -1;

    raw[0] = PAGETOKEN_VERSION;
    uint64_t v = (uint64_t)created_us;
    for (int i = 0; i < 8; i++)
        raw[1 + i] = (unsigned char)(v >> (56 - 8 * i));
    unsigned char *u = raw + 9;
    for (size_t i = 0, k = 0; i < 36; i++) {
        if (uuid[i] == '-')
            continue;
        u[k / 2] = (unsigned char)(k % 2 ? u[k / 2] | pagetoken_hexval(uuid[i])
                                         : pagetoken_hexval(uuid[i]) << 4);
        k++;
    }
    if (pagetoken_mac(key, key_len, scope, raw, raw + 1 + PAGETOKEN_PAYLOAD) != 0)
        return -1;
    if (b64url_encode(raw, sizeof(raw), out, outsz) != PAGETOKEN_LEN)
        return -1;
    return 0;
}

int pagetoken_decode(const unsigned char *key, size_t key_len, const char *scope, const char *token,
                     size_t len, long long *created_us, char uuid_out[37])
{
    unsigned char raw[PAGETOKEN_RAW], mac[PAGETOKEN_MAC];
    static const char hex[] = "0123456789abcdef";

    if (key == NULL || key_len == 0 || scope == NULL || token == NULL || len != PAGETOKEN_LEN)
        return -1;
    if (b64url_decode(token, len, raw, sizeof(raw)) != PAGETOKEN_RAW)
        return -1;
    if (raw[0] != PAGETOKEN_VERSION)
        return -1;
    if (pagetoken_mac(key, key_len, scope, raw, mac) != 0 ||
        CRYPTO_memcmp(mac, raw + 1 + PAGETOKEN_PAYLOAD, PAGETOKEN_MAC) != 0)
        return -1;

    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | raw[1 + i];
    if (created_us != NULL)
        *created_us = (long long)v;
    if (uuid_out != NULL) {
        const unsigned char *u = raw + 9;
        size_t o = 0;
        for (size_t i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10)
                uuid_out[o++] = '-';
            uuid_out[o++] = hex[u[i] >> 4];
            uuid_out[o++] = hex[u[i] & 15];
        }
        uuid_out[o] = '\0';
    }
    return 0;
}

char *pagetoken_ts_text(long long created_us, char *out, size_t size)
{
    utc_date d;
    utc_date_of(created_us, &d); /* astronomical year: 0 is 1 BC */
    snprintf(out, size, "%04lld-%02d-%02d %02d:%02d:%02d.%06d+00%s",
             d.year > 0 ? d.year : 1 - d.year, d.month, d.day, d.hour, d.min, d.sec, d.us,
             d.year > 0 ? "" : " BC");
    return out;
}

static int pagetoken_mac(const unsigned char *key, size_t key_len, const char *scope,
                         const unsigned char *raw, unsigned char mac[PAGETOKEN_MAC])
{
    /* The payload has a fixed length at the end, so version|scope|payload
     * cannot be split two ways: no separator needed. */
    unsigned char md[EVP_MAX_MD_SIZE];
    int rc = -1;
    size_t outl = 0;
    EVP_MAC_CTX *ctx = pagetoken_keyed(key, key_len);

    if (ctx != NULL && EVP_MAC_update(ctx, raw, 1) == 1 &&
        EVP_MAC_update(ctx, (const unsigned char *)scope, strlen(scope)) == 1 &&
        EVP_MAC_update(ctx, raw + 1, PAGETOKEN_PAYLOAD) == 1 &&
        EVP_MAC_final(ctx, md, &outl, sizeof(md)) == 1 && outl >= PAGETOKEN_MAC) {
        memcpy(mac, md, PAGETOKEN_MAC);
        rc = 0;
    }
    EVP_MAC_CTX_free(ctx);
    OPENSSL_cleanse(md, sizeof(md));
    return rc;
}

/* A fresh HMAC-SHA256 context keyed with key (the caller frees it), copied
 * from the cached state when key is the last one used; NULL on failure. */
static EVP_MAC_CTX *pagetoken_keyed(const unsigned char *key, size_t key_len)
{
    pthread_mutex_lock(&keyed_lock);
    struct keyed_slot *k = NULL, *oldest = &keyed[0];
    for (int i = 0; i < KEYED_SLOTS && !k; i++) {
        if (keyed[i].ctx && keyed[i].len == key_len &&
            CRYPTO_memcmp(key, keyed[i].key, key_len) == 0)
            k = &keyed[i];
        else if (keyed[i].used < oldest->used)
            oldest = &keyed[i];
    }
    if (!k) {
        EVP_MAC *alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
        EVP_MAC_CTX *fresh = alg ? EVP_MAC_CTX_new(alg) : NULL;
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
            OSSL_PARAM_construct_end(),
        };
        EVP_MAC_free(alg); /* the context holds its own reference */
        if (fresh == NULL || EVP_MAC_init(fresh, key, key_len, params) != 1) {
            EVP_MAC_CTX_free(fresh);
            fresh = NULL;
        }
        if (fresh == NULL || key_len > sizeof(oldest->key)) {
            pthread_mutex_unlock(&keyed_lock);
            return fresh; /* NULL, or a key too long to remember: used once */
        }
        k = oldest;
        EVP_MAC_CTX_free(k->ctx);
        k->ctx = fresh;
        memcpy(k->key, key, key_len);
        k->len = key_len;
    }
    k->used = ++keyed_tick;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(k->ctx);
    pthread_mutex_unlock(&keyed_lock);
    return ctx;
}

static int pagetoken_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return c - 'A' + 10;
}
