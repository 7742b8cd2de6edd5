/*
 * sha256.c - SHA-256 fetched once, HMAC-SHA256 with keyed states cached per
 * key (see sha256.h).
 */
#include "sha256.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <string.h>

/* The last SHA256_HMAC_SLOTS keys' states; keys longer than `key` are keyed per
 * use. slots_lock guards the array and tick. */
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot {
    EVP_MAC_CTX *ctx;
    unsigned char key[128];
    size_t len;
    unsigned long used;
} slots[SHA256_HMAC_SLOTS];
static unsigned long tick;

/* Fetched once (process lifetime): EVP_sha256() fetches by name on every
 * digest it starts. */
static EVP_MD *md;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static EVP_MAC_CTX *keyed(const unsigned char *key, size_t key_len);
static void md_fetch(void);

int sha256_hmac(const unsigned char *key, size_t key_len, const sha256_piece *pieces, size_t n,
                unsigned char out[SHA256_LEN])
{
    if (key == NULL || key_len == 0)
        return -1;
    EVP_MAC_CTX *ctx = keyed(key, key_len);
    int ok = ctx != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = pieces[i].len == 0 || EVP_MAC_update(ctx, pieces[i].data, pieces[i].len) == 1;
    size_t outl = 0;
    ok = ok && EVP_MAC_final(ctx, out, &outl, SHA256_LEN) == 1 && outl == SHA256_LEN;
    EVP_MAC_CTX_free(ctx);
    return ok ? 0 : -1;
}

int sha256_digest(const sha256_piece *pieces, size_t n, unsigned char out[SHA256_LEN])
{
    pthread_once(&md_once, md_fetch);
    EVP_MD_CTX *ctx = md ? EVP_MD_CTX_new() : NULL;
    int ok = ctx && EVP_DigestInit_ex(ctx, md, NULL);
    for (size_t i = 0; ok && i < n; i++)
        ok = pieces[i].len == 0 || EVP_DigestUpdate(ctx, pieces[i].data, pieces[i].len);
    unsigned len = 0;
    ok = ok && EVP_DigestFinal_ex(ctx, out, &len) && len == SHA256_LEN;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : -1;
}

/* ---- internals ------------------------------------------------------- */

/* A fresh context keyed with key (the caller frees it): a copy of the cached
 * state when key is one of the last SHA256_HMAC_SLOTS used; NULL on failure. */
static EVP_MAC_CTX *keyed(const unsigned char *key, size_t key_len)
{
    pthread_mutex_lock(&slots_lock);
    struct slot *k = NULL, *oldest = &slots[0];
    for (int i = 0; i < SHA256_HMAC_SLOTS && !k; i++) {
        if (slots[i].ctx && slots[i].len == key_len &&
            CRYPTO_memcmp(key, slots[i].key, key_len) == 0)
            k = &slots[i];
        else if (slots[i].used < oldest->used)
            oldest = &slots[i];
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
            pthread_mutex_unlock(&slots_lock);
            return fresh; /* NULL, or a key too long to remember: used once */
        }
        k = oldest;
        EVP_MAC_CTX_free(k->ctx);
        k->ctx = fresh;
        memcpy(k->key, key, key_len);
        k->len = key_len;
    }
    k->used = ++tick;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(k->ctx);
    pthread_mutex_unlock(&slots_lock);
    return ctx;
}

static void md_fetch(void)
{
    md = EVP_MD_fetch(NULL, "SHA256", NULL);
}
