/* Unit tests for pagetoken: authenticated keyset page tokens. */
#include "pagetoken.h"

#include "b64.h"

#include <criterion/criterion.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

static const unsigned char key[] = "page-token-key-0123456789abcdef!";
static const unsigned char other_key[] = "page-token-key-0123456789abcdef?";
#define KEYLEN (sizeof(key) - 1)
#define SCOPE  "ListGenerations|status=1|model=0|user=3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"
#define ID     "0a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d"

static void make(char tok[PAGETOKEN_SIZE])
{
    cr_assert_eq(pagetoken_encode(key, KEYLEN, SCOPE, 1700000000123456LL, ID, tok, PAGETOKEN_SIZE),
                 0);
    cr_assert_eq(strlen(tok), PAGETOKEN_LEN);
}

Test(pagetoken, round_trip)
{
    static const long long times[] = {0, 1, -1, 1700000000123456LL, LLONG_MAX, LLONG_MIN};
    char tok[PAGETOKEN_SIZE], uuid[37];
    long long t;
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        cr_assert_eq(pagetoken_encode(key, KEYLEN, SCOPE, times[i], ID, tok, sizeof(tok)), 0);
        cr_assert_eq(pagetoken_decode(key, KEYLEN, SCOPE, tok, strlen(tok), &t, uuid), 0);
        cr_assert_eq(t, times[i]);
        cr_assert_str_eq(uuid, ID);
    }
    /* upper-case input comes back canonical lowercase */
    cr_assert_eq(pagetoken_encode(key, KEYLEN, SCOPE, 5, "0A1B2C3D-4E5F-4A6B-9C8D-7E6F5A4B3C2D",
                                  tok, sizeof(tok)),
                 0);
    cr_assert_eq(pagetoken_decode(key, KEYLEN, SCOPE, tok, strlen(tok), &t, uuid), 0);
    cr_assert_str_eq(uuid, ID);
    /* url-safe: nothing to escape in a query string or JSON */
    for (size_t i = 0; tok[i]; i++)
        cr_assert(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                         tok[i]) != NULL);
}

Test(pagetoken, tamper_every_character)
{
    char tok[PAGETOKEN_SIZE], uuid[37] = "untouched";
    long long t = 42;
    make(tok);
    for (size_t i = 0; i < PAGETOKEN_LEN; i++) {
        const char saved = tok[i];
        static const char repl[] = "AB-_09";
        for (size_t r = 0; r < sizeof(repl) - 1; r++) {
            if (repl[r] == saved)
                continue;
            tok[i] = repl[r];
            cr_assert_eq(pagetoken_decode(key, KEYLEN, SCOPE, tok, PAGETOKEN_LEN, &t, uuid), -1,
                         "char %zu -> %c accepted", i, repl[r]);
        }
        tok[i] = saved;
    }
    cr_assert_eq(t, 42);
    cr_assert_str_eq(uuid, "untouched");
    cr_assert_eq(pagetoken_decode(key, KEYLEN, SCOPE, tok, PAGETOKEN_LEN, &t, uuid), 0);
}

Test(pagetoken, truncated_and_extended)
{
    char tok[PAGETOKEN_SIZE + 4], uuid[37];
    long long t;
    make(tok);
    for (size_t n = 0; n < PAGETOKEN_LEN; n++)
        cr_assert_eq(pagetoken_decode(key, KEYLEN, SCOPE, tok, n, &t, uuid), -1, "len %zu", n);
    strcat(tok, "AAAA");
    cr_assert_eq(pagetoken_decode(key, KEYLEN, SCOPE, tok, strlen(tok), &t, uuid), -1);
}

Test(pagetoken, wrong_scope_and_key)
{
    char tok[PAGETOKEN_SIZE], uuid[37];
    long long t;
    make(tok);
    static const char *scopes[] = {
        "ListGenerations|status=2|model=0|user=3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b",
        "ListGenerations|status=1|model=0|user=3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5c",
        "ListStylePresets|status=1|model=0|user=3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b",
        "",
        SCOPE "|",
    };
    for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
        cr_assert_eq(pagetoken_decode(key, KEYLEN, scopes[i], tok, PAGETOKEN_LEN, &t, uuid), -1);
    cr_assert_eq(pagetoken_decode(other_key, KEYLEN, SCOPE, tok, PAGETOKEN_LEN, &t, uuid), -1);
    cr_assert_eq(pagetoken_decode(key, KEYLEN - 1, SCOPE, tok, PAGETOKEN_LEN, &t, uuid), -1);
    cr_assert_eq(pagetoken_decode(key, 0, SCOPE, tok, PAGETOKEN_LEN, &t, uuid), -1);
    cr_assert_eq(pagetoken_decode(NULL, KEYLEN, SCOPE, tok, PAGETOKEN_LEN, &t, uuid), -1);
    cr_assert_eq(pagetoken_decode(key, KEYLEN, NULL, tok, PAGETOKEN_LEN, &t, uuid), -1);
}

Test(pagetoken, garbage_and_empty)
{
    char uuid[37];
    long long t;
    static const char *bad[] = {
        "",
        "abc",
        "not a token at all, not a token at all, not a token at",
        "=======================================================",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(pagetoken_decode(key, KEYLEN, SCOPE, bad[i], strlen(bad[i]), &t, uuid), -1,
                     "'%s' accepted", bad[i]);
    cr_assert_eq(pagetoken_decode(key, KEYLEN, SCOPE, NULL, 0, &t, uuid), -1);
}

/* Re-signs raw with the documented layout: HMAC over version|scope|payload. */
static void resign(unsigned char raw[41], char tok[PAGETOKEN_SIZE])
{
    unsigned char msg[512], md[32];
    unsigned int mdlen = 0;
    size_t sl = strlen(SCOPE);
    msg[0] = raw[0];
    memcpy(msg + 1, SCOPE, sl);
    memcpy(msg + 1 + sl, raw + 1, 24);
    cr_assert_not_null(HMAC(EVP_sha256(), key, (int)KEYLEN, msg, 1 + sl + 24, md, &mdlen));
    memcpy(raw + 25, md, 16);
    cr_assert_eq(b64_encode_url(raw, 41, tok, PAGETOKEN_SIZE), PAGETOKEN_LEN);
}

Test(pagetoken, documented_layout_and_version)
{
    char tok[PAGETOKEN_SIZE], uuid[37];
    unsigned char raw[41];
    long long t;
    make(tok);
    cr_assert_eq(b64_decode_url(tok, PAGETOKEN_LEN, raw, sizeof(raw)), 41);
    cr_assert_eq(raw[0], 2);
    cr_assert_eq(raw[9], 0x0a);
    cr_assert_eq(raw[24], 0x2d);

    /* the layout is what the header says: a token built by hand decodes */
    raw[8] ^= 1;
    resign(raw, tok);
    cr_assert_eq(pagetoken_decode(key, KEYLEN, SCOPE, tok, PAGETOKEN_LEN, &t, uuid), 0);
    cr_assert_eq(t, 1700000000123456LL ^ 1);

    /* another version (1: the scopes of before 2026-12) is refused even
     * with a valid MAC */
    raw[0] = 1;
    resign(raw, tok);
    cr_assert_eq(pagetoken_decode(key, KEYLEN, SCOPE, tok, PAGETOKEN_LEN, &t, uuid), -1);
}

Test(pagetoken, encode_rejects)
{
    char tok[PAGETOKEN_SIZE];
    cr_assert_eq(pagetoken_encode(key, KEYLEN, SCOPE, 1, "not-a-uuid", tok, sizeof(tok)), -1);
    cr_assert_eq(pagetoken_encode(key, KEYLEN, SCOPE, 1, NULL, tok, sizeof(tok)), -1);
    cr_assert_eq(pagetoken_encode(key, KEYLEN, SCOPE, 1, ID, tok, PAGETOKEN_SIZE - 1), -1);
    cr_assert_eq(pagetoken_encode(key, 0, SCOPE, 1, ID, tok, sizeof(tok)), -1);
    cr_assert_eq(pagetoken_encode(key, KEYLEN, NULL, 1, ID, tok, sizeof(tok)), -1);
    cr_assert_eq(pagetoken_encode(key, KEYLEN, SCOPE, 1, ID, NULL, sizeof(tok)), -1);
}

Test(pagetoken, distinct_inputs_distinct_tokens)
{
    char a[PAGETOKEN_SIZE], b[PAGETOKEN_SIZE];
    cr_assert_eq(pagetoken_encode(key, KEYLEN, SCOPE, 1, ID, a, sizeof(a)), 0);
    cr_assert_eq(pagetoken_encode(key, KEYLEN, SCOPE, 2, ID, b, sizeof(b)), 0);
    cr_assert_str_neq(a, b);
    cr_assert_eq(pagetoken_encode(key, KEYLEN, SCOPE, 1, ID, b, sizeof(b)), 0);
    cr_assert_str_eq(a, b); /* deterministic */
}

Test(pagetoken, ts_text_is_exact_utc_input_text)
{
    static const struct {
        long long us;
        const char *text;
    } cases[] = {
        {0, "1970-01-01 00:00:00.000000+00"},
        {-1, "1969-12-31 23:59:59.999999+00"},
        {1700000000123456LL, "2023-11-14 22:13:20.123456+00"},
        {951782400000001LL, "2000-02-29 00:00:00.000001+00"},
        {-62135596800000000LL, "0001-01-01 00:00:00.000000+00"},
        {-62135596800000001LL, "0001-12-31 23:59:59.999999+00 BC"},
        {253402300800000000LL, "10000-01-01 00:00:00.000000+00"},
    };
    char out[PAGETOKEN_TS_SIZE];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_assert_str_eq(pagetoken_ts_text(cases[i].us, out, sizeof(out)), cases[i].text, "us %lld",
                         cases[i].us);
}

/* The keyed HMAC state is cached for the last key: switching keys (one of
 * them longer than the cache holds) never signs with a stale one. */
Test(pagetoken, keys_in_turn)
{
    unsigned char long_key[200];
    memset(long_key, 'k', sizeof(long_key));
    const unsigned char *keys[] = {key, other_key, long_key, key, long_key, other_key};
    const size_t lens[] = {KEYLEN, KEYLEN, sizeof(long_key), KEYLEN, sizeof(long_key), KEYLEN};
    char toks[6][PAGETOKEN_SIZE], uuid[37];
    long long t;
    for (size_t i = 0; i < 6; i++) {
        cr_assert_eq(pagetoken_encode(keys[i], lens[i], SCOPE, 42, ID, toks[i], PAGETOKEN_SIZE), 0);
        for (size_t j = 0; j < 3; j++) {
            int same = keys[j] == keys[i];
            cr_assert_eq(
                pagetoken_decode(keys[j], lens[j], SCOPE, toks[i], PAGETOKEN_LEN, &t, uuid),
                same ? 0 : -1, "token %zu under key %zu", i, j);
        }
    }
    cr_assert_str_eq(toks[0], toks[3]);
    cr_assert_str_eq(toks[1], toks[5]);
    cr_assert_str_eq(toks[2], toks[4]);
    cr_assert_str_neq(toks[0], toks[1]);
    cr_assert_str_neq(toks[0], toks[2]);
}

/* The scope as pagetoken.h describes it, computed here with OpenSSL's
 * one-shot digest: each part a set flag, an 8-byte little-endian length and
 * its bytes; list, caller, then the filters. */
static void scope_oracle(const char *const *parts, size_t n, char out[65])
{
    unsigned char buf[4096], md[32];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = parts[i] ? strlen(parts[i]) : 0;
        buf[len++] = parts[i] != NULL;
        for (int b = 0; b < 8; b++)
            buf[len++] = (unsigned char)(k >> (8 * b));
        memcpy(buf + len, parts[i] ? parts[i] : "", k);
        len += k;
    }
    unsigned int mdlen = 0;
    cr_assert(EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL));
    for (int i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", md[i]);
}

#define LIST "cameos.content.v1.ListGenerationsRequest"
#define SUB  "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"

Test(pagetoken, scope_is_the_documented_digest)
{
    const char *filters[] = {"completed", NULL, ID};
    char got[PAGETOKEN_SCOPE_SIZE], want[65];
    cr_assert_eq(pagetoken_scope(LIST, SUB, filters, 3, 0, got), 0);
    const char *parts[] = {LIST, SUB, "completed", NULL, ID};
    scope_oracle(parts, 5, want);
    cr_assert_str_eq(got, want);
    /* no caller, no filters: the rows are everyone's (ListPricingTiers) */
    cr_assert_eq(
        pagetoken_scope("cameos.credits.v1.ListPricingTiersRequest", NULL, NULL, 0, 0, got), 0);
    const char *tiers[] = {"cameos.credits.v1.ListPricingTiersRequest", NULL};
    scope_oracle(tiers, 2, want);
    cr_assert_str_eq(got, want);
}

Test(pagetoken, every_part_of_a_scope_counts)
{
    char base[PAGETOKEN_SCOPE_SIZE], other[PAGETOKEN_SCOPE_SIZE];
    const char *f[] = {"ab", "c"};
    cr_assert_eq(pagetoken_scope(LIST, SUB, f, 2, 0, base), 0);
    const struct {
        const char *what, *list, *caller;
        const char *f0, *f1;
        size_t n;
    } cases[] = {
        {"another list", "cameos.planning.v1.ListCampaignsRequest", SUB, "ab", "c", 2},
        {"no caller", LIST, NULL, "ab", "c", 2},
        {"an empty caller", LIST, "", "ab", "c", 2},
        {"another caller", LIST, "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5c", "ab", "c", 2},
        {"text moved across filters", LIST, SUB, "a", "bc", 2},
        {"filters swapped", LIST, SUB, "c", "ab", 2},
        {"a filter unset", LIST, SUB, "ab", NULL, 2},
        {"a filter empty, not unset", LIST, SUB, "ab", "", 2},
        {"one filter fewer", LIST, SUB, "ab", NULL, 1},
        {"the caller's text in a filter", LIST, NULL, SUB, "ab", 2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *g[] = {cases[i].f0, cases[i].f1};
        cr_assert_eq(pagetoken_scope(cases[i].list, cases[i].caller, g, cases[i].n, 0, other), 0);
        cr_assert_str_neq(other, base, "%s gives the same scope", cases[i].what);
    }
    /* the same inputs, the same scope */
    cr_assert_eq(pagetoken_scope(LIST, SUB, f, 2, 0, other), 0);
    cr_assert_str_eq(other, base);
}

Test(pagetoken, a_uuid_filter_is_one_scope_in_either_case)
{
    const char *lower[] = {"0a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d"};
    const char *upper[] = {"0A1B2C3D-4E5F-4A6B-9C8D-7E6F5A4B3C2D"};
    char a[PAGETOKEN_SCOPE_SIZE], b[PAGETOKEN_SCOPE_SIZE];
    cr_assert_eq(pagetoken_scope(LIST, SUB, lower, 1, 1u, a), 0);
    cr_assert_eq(pagetoken_scope(LIST, SUB, upper, 1, 1u, b), 0);
    cr_assert_str_eq(a, b);
    /* text that is not flagged a UUID keeps its case */
    cr_assert_eq(pagetoken_scope(LIST, SUB, upper, 1, 0, b), 0);
    cr_assert_str_neq(a, b);
}

Test(pagetoken, too_many_filters_make_no_scope)
{
    const char *f[PAGETOKEN_MAX_FILTERS + 1] = {0};
    char out[PAGETOKEN_SCOPE_SIZE];
    cr_assert_eq(pagetoken_scope(LIST, SUB, f, PAGETOKEN_MAX_FILTERS, 0, out), 0);
    cr_assert_eq(pagetoken_scope(LIST, SUB, f, PAGETOKEN_MAX_FILTERS + 1, 0, out), -1);
    cr_assert_eq(out[0], '\0');
    cr_assert_eq(pagetoken_scope(NULL, SUB, f, 0, 0, out), -1);
}
