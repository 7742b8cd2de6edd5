/*
 * fuzz_pagetoken - the page_token field of every List request, through
 * pagetoken_decode as list.c calls it (the service's key, the list's
 * scope), and tokens minted from input-derived values.
 *
 * Feeds: the whole input as a token to decode; and, from its first 25
 * bytes, created_us (8 bytes), a uuid (16 bytes, written in mixed case by
 * byte 24's bits) and, from the bytes after, a scope string, encoded.
 * Asserts:
 *  - decode of the input: -1 leaves the outputs untouched; 0 gives a
 *    lower-case uuid, and then the input is exactly the token encode makes
 *    of those values (one accepted spelling per token);
 *  - encode succeeds on a valid uuid, writes PAGETOKEN_LEN base64url
 *    characters, and decode gives back created_us and the uuid lowered;
 *  - the token is refused under another scope, another key, cut one short,
 *    and with any one character changed (chosen by the input);
 *  - pagetoken_ts_text writes the same text as a gmtime_r reference.
 */
#include "fuzz.h"

#include <ctype.h>
#include <stdbool.h>

#include "pagetoken.h"
#include "valid.h"

static const unsigned char key[32] = "fuzz-page-key-0123456789abcdef!";
static const unsigned char other_key[32] = "fuzz-page-key-0123456789abcdeF!";
static const char scope[] =
    "ListGenerations|status=1|model=0|user=3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void check_ts(long long us)
{
    char got[PAGETOKEN_TS_SIZE], want[128];
    memset(got, 0, sizeof(got));
    FUZZ_CHECK(pagetoken_ts_text(us, got, sizeof(got)) == got);
    FUZZ_CHECK(memchr(got, '\0', sizeof(got)) != NULL);
    if (fuzz_ts_text(us, want, sizeof(want)) == 0)
        FUZZ_CHECK(strcmp(got, want) == 0);
}

static void decode_input(const uint8_t *data, size_t size)
{
    long long us = 0x5a5a5a5a;
    char uuid[37];
    memset(uuid, '#', sizeof(uuid));
    int rc = pagetoken_decode(key, sizeof(key), scope, (const char *)data, size, &us, uuid);
    FUZZ_CHECK(rc == 0 || rc == -1);
    if (rc != 0) {
        FUZZ_CHECK(us == 0x5a5a5a5a);
        for (size_t i = 0; i < sizeof(uuid); i++)
            FUZZ_CHECK(uuid[i] == '#');
        return;
    }
    FUZZ_CHECK(valid_uuid(uuid));
    for (size_t i = 0; i < 36; i++)
        FUZZ_CHECK(!isupper((unsigned char)uuid[i]));
    char again[PAGETOKEN_SIZE];
    FUZZ_CHECK(pagetoken_encode(key, sizeof(key), scope, us, uuid, again, sizeof(again)) == 0);
    FUZZ_CHECK(size == PAGETOKEN_LEN && memcmp(again, data, size) == 0);
    check_ts(us);
}

static void round_trip(const uint8_t *data, size_t size)
{
    if (size < 25)
        return;
    unsigned long long u = 0;
    for (int i = 0; i < 8; i++)
        u = u << 8 | data[i];
    long long created = (long long)u;
    char uuid[37], lower[37];
    valid_uuid_text(data + 8, lower);
    memcpy(uuid, lower, sizeof(uuid));
    for (size_t i = 0; i < 36; i++)
        if ((data[24] >> (i % 8)) & 1)
            uuid[i] = (char)toupper((unsigned char)uuid[i]);
    char *sc = fuzz_strndup(data + 25, size - 25); /* up to its first NUL */

    char tok[PAGETOKEN_SIZE];
    FUZZ_CHECK(pagetoken_encode(key, sizeof(key), sc, created, uuid, tok, sizeof(tok) - 1) == -1);
    FUZZ_CHECK(pagetoken_encode(key, sizeof(key), sc, created, uuid, tok, sizeof(tok)) == 0);
    FUZZ_CHECK(strlen(tok) == PAGETOKEN_LEN);
    FUZZ_CHECK(strspn(tok, b64url) == PAGETOKEN_LEN);

    long long us = 0;
    char out[37];
    FUZZ_CHECK(pagetoken_decode(key, sizeof(key), sc, tok, PAGETOKEN_LEN, &us, out) == 0);
    FUZZ_CHECK(us == created);
    FUZZ_CHECK(strcmp(out, lower) == 0);

    /* Bound to its key, its scope and every one of its characters. */
    FUZZ_CHECK(pagetoken_decode(other_key, sizeof(other_key), sc, tok, PAGETOKEN_LEN, &us, out) ==
               -1);
    size_t sl = strlen(sc);
    char *longer = malloc(sl + 2);
    FUZZ_CHECK(longer != NULL);
    memcpy(longer, sc, sl);
    longer[sl] = data[0] ? (char)data[0] : 'x';
    longer[sl + 1] = '\0';
    FUZZ_CHECK(pagetoken_decode(key, sizeof(key), longer, tok, PAGETOKEN_LEN, &us, out) == -1);
    if (sl > 0)
        FUZZ_CHECK(pagetoken_decode(key, sizeof(key), longer + 1, tok, PAGETOKEN_LEN, &us, out) ==
                       -1 ||
                   strcmp(longer + 1, sc) == 0);
    FUZZ_CHECK(pagetoken_decode(key, sizeof(key), sc, tok, PAGETOKEN_LEN - 1, &us, out) == -1);
    size_t at = data[1] % PAGETOKEN_LEN;
    char was = tok[at];
    tok[at] = b64url[(strchr(b64url, was) - b64url + 1 + data[2] % 63) % 64];
    FUZZ_CHECK(tok[at] != was);
    FUZZ_CHECK(pagetoken_decode(key, sizeof(key), sc, tok, PAGETOKEN_LEN, &us, out) == -1);

    check_ts(created);
    free(longer);
    free(sc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    decode_input(data, size);
    round_trip(data, size);
    return 0;
}
