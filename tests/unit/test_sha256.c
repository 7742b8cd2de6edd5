/*
 * Unit tests for sha256 (common/sha256): every HMAC equals OpenSSL's one-shot
 * HMAC over the concatenated pieces, whatever the order of keys (more keys
 * than the cache keeps, and keys too long for it), threads included.
 */
#include "sha256.h"

#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void check(const unsigned char *key, size_t key_len, const unsigned char *data, size_t len,
                  size_t cut1, size_t cut2)
{
    const sha256_piece pieces[] = {
        {data, cut1}, {data + cut1, cut2 - cut1}, {data + cut2, len - cut2}};
    unsigned char got[SHA256_LEN], want[EVP_MAX_MD_SIZE];
    unsigned want_len = 0;
    cr_assert_eq(sha256_hmac(key, key_len, pieces, 3, got), 0);
    cr_assert_not_null(HMAC(EVP_sha256(), key, (int)key_len, data, len, want, &want_len));
    cr_assert_eq(want_len, SHA256_LEN);
    cr_assert_eq(memcmp(got, want, SHA256_LEN), 0, "key of %zu bytes, %zu data bytes", key_len,
                 len);
}

Test(hmac, equals_one_shot_hmac_for_keys_in_any_order)
{
    enum { NKEYS = 2 * SHA256_HMAC_SLOTS + 1 };
    static unsigned char keys[NKEYS][200], data[1000];
    size_t lens[NKEYS];
    srand(7);
    for (int k = 0; k < NKEYS; k++) {
        lens[k] = k == NKEYS - 1 ? 200 : 1 + (size_t)rand() % 64; /* the last: too long to keep */
        for (size_t i = 0; i < lens[k]; i++)
            keys[k][i] = (unsigned char)rand();
    }
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (unsigned char)rand();
    for (int round = 0; round < 2000; round++) {
        int k = round % 3 == 0 ? rand() % NKEYS : round % 2; /* two hot keys, others now and then */
        size_t len = (size_t)rand() % sizeof(data), cut1 = len ? (size_t)rand() % len : 0;
        size_t cut2 = cut1 + (len > cut1 ? (size_t)rand() % (len - cut1) : 0);
        check(keys[k], lens[k], data, len, cut1, cut2);
    }
}

Test(hmac, refuses_an_empty_key)
{
    unsigned char out[SHA256_LEN];
    const sha256_piece p = {"x", 1};
    cr_assert_eq(sha256_hmac((const unsigned char *)"", 0, &p, 1, out), -1);
    cr_assert_eq(sha256_hmac(NULL, 5, &p, 1, out), -1);
}

/* Criterion asserts on the main thread: a worker counts its mismatches. */
static void *worker(void *arg)
{
    unsigned char key[16];
    memset(key, (int)(size_t)arg, sizeof(key));
    size_t bad = 0;
    for (int i = 0; i < 300; i++) {
        unsigned char data[64], got[SHA256_LEN], want[EVP_MAX_MD_SIZE];
        unsigned want_len = 0;
        memset(data, i, sizeof(data));
        const sha256_piece pieces[] = {{data, 10}, {data + 10, sizeof(data) - 10}};
        bad += sha256_hmac(key, sizeof(key), pieces, 2, got) != 0 ||
               !HMAC(EVP_sha256(), key, (int)sizeof(key), data, sizeof(data), want, &want_len) ||
               memcmp(got, want, SHA256_LEN) != 0;
    }
    return (void *)bad;
}

Test(hmac, threads_share_the_cache)
{
    pthread_t t[6];
    for (size_t i = 0; i < 6; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, worker, (void *)(i + 1)), 0);
    for (size_t i = 0; i < 6; i++) {
        void *bad;
        cr_assert_eq(pthread_join(t[i], &bad), 0);
        cr_assert_eq((size_t)bad, 0, "thread %zu: %zu wrong MACs", i, (size_t)bad);
    }
}

Test(sha256, digest_equals_one_shot_sha256)
{
    static unsigned char data[3000];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (unsigned char)(i * 7 + 3);
    for (size_t len = 0; len <= sizeof(data); len += 97) {
        size_t cut = len / 3;
        const sha256_piece pieces[] = {{data, cut}, {NULL, 0}, {data + cut, len - cut}};
        unsigned char got[SHA256_LEN], want[EVP_MAX_MD_SIZE];
        unsigned want_len = 0;
        cr_assert_eq(sha256_digest(pieces, 3, got), 0);
        cr_assert(EVP_Digest(data, len, want, &want_len, EVP_sha256(), NULL));
        cr_assert_eq(want_len, SHA256_LEN);
        cr_assert_eq(memcmp(got, want, SHA256_LEN), 0, "%zu bytes", len);
    }
}
