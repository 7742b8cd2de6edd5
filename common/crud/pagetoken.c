/* Keyset page tokens; see pagetoken.h. */
#include "pagetoken.h"

#include "b64.h"
#include "sha256.h"
#include "utcdate.h"
#include "valid.h"

#include <openssl/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PAGETOKEN_VERSION 2  /* 2: scopes by pagetoken_scope */
#define PAGETOKEN_PAYLOAD 24 /* created_us + uuid */
#define PAGETOKEN_MAC     16 /* 128 bits: ample against forgery, keeps tokens short */
#define PAGETOKEN_RAW     (1 + PAGETOKEN_PAYLOAD + PAGETOKEN_MAC)

static int pagetoken_mac(const unsigned char *key, size_t key_len, const char *scope,
                         const unsigned char *raw, unsigned char mac[PAGETOKEN_MAC]);
static int pagetoken_hexval(char c);
static sha256_piece frame(unsigned char hdr[9], const char *v, size_t *len);

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
    if (b64_encode_url(raw, sizeof(raw), out, outsz) != PAGETOKEN_LEN)
        return -1;
    return 0;
}

int pagetoken_decode(const unsigned char *key, size_t key_len, const char *scope, const char *token,
                     size_t len, long long *created_us, char uuid_out[37])
{
    unsigned char raw[PAGETOKEN_RAW], mac[PAGETOKEN_MAC];

    if (key == NULL || key_len == 0 || scope == NULL || token == NULL || len != PAGETOKEN_LEN)
        return -1;
    if (b64_decode_url(token, len, raw, sizeof(raw)) != PAGETOKEN_RAW)
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
    if (uuid_out != NULL)
        valid_uuid_text(raw + 9, uuid_out);
    return 0;
}

int pagetoken_scope(const char *list, const char *caller, const char *const *filters, size_t n,
                    unsigned uuids, char out[PAGETOKEN_SCOPE_SIZE])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char hdr[2 + PAGETOKEN_MAX_FILTERS][9], digest[SHA256_LEN];
    char lower[PAGETOKEN_MAX_FILTERS][37];
    sha256_piece pieces[2 * (2 + PAGETOKEN_MAX_FILTERS)];
    size_t np = 0, len;
    out[0] = '\0';
    if (!list || n > PAGETOKEN_MAX_FILTERS)
        return -1;
    pieces[np] = frame(hdr[0], list, &len);
    pieces[np + 1] = (sha256_piece){list, len};
    np += 2;
    pieces[np] = frame(hdr[1], caller, &len);
    pieces[np + 1] = (sha256_piece){caller, len};
    np += 2;
    for (size_t i = 0; i < n; i++) {
        const char *v = filters[i];
        /* The database compares a UUID as a uuid: either case is one list. */
        if (v && (uuids >> i & 1u) && valid_uuid(v)) {
            valid_uuid_lower(v, lower[i]);
            v = lower[i];
        }
        pieces[np] = frame(hdr[2 + i], v, &len);
        pieces[np + 1] = (sha256_piece){v, len};
        np += 2;
    }
    if (sha256_digest(pieces, np, digest) != 0)
        return -1;
    for (unsigned i = 0; i < SHA256_LEN; i++) {
        out[2 * i] = digits[digest[i] >> 4];
        out[2 * i + 1] = digits[digest[i] & 15];
    }
    out[2 * SHA256_LEN] = '\0';
    return 0;
}

char *pagetoken_ts_text(long long created_us, char *out, size_t size)
{
    utc_date d;
    utcdate_of(created_us, &d); /* astronomical year: 0 is 1 BC */
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
    const sha256_piece pieces[] = {{raw, 1}, {scope, strlen(scope)}, {raw + 1, PAGETOKEN_PAYLOAD}};
    unsigned char md[SHA256_LEN];
    int rc = sha256_hmac(key, key_len, pieces, 3, md);
    if (rc == 0)
        memcpy(mac, md, PAGETOKEN_MAC);
    OPENSSL_cleanse(md, sizeof(md));
    return rc;
}

static int pagetoken_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return c - 'A' + 10;
}

/* A part of a scope: set flag and 8-byte little-endian length in hdr, the
 * piece for hdr returned, the value's length in *len (0 when unset). */
static sha256_piece frame(unsigned char hdr[9], const char *v, size_t *len)
{
    size_t n = v ? strlen(v) : 0;
    hdr[0] = v != NULL;
    for (int b = 0; b < 8; b++)
        hdr[1 + b] = (unsigned char)((unsigned long long)n >> (8 * b));
    *len = n;
    return (sha256_piece){hdr, 9};
}
