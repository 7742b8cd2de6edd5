/*
 * fuzz_b64 - the base64 decoders under every token a caller sends (the
 * three parts of a JWT, page tokens): b64_decode_url, and b64_decode (the
 * standard alphabet, with or without padding).
 *
 * Feeds: the whole input as the encoded text, decoded into a buffer of
 * exactly the size the text can need (and one byte less); the input also
 * as bytes to encode.
 * Asserts:
 *  - each decoder accepts exactly what a reference strict decoder accepts
 *    (alphabet, lengths, zero unused bits, '=' only as exact padding) and
 *    writes the same bytes; too small a buffer is -1;
 *  - what decodes encodes back to the input (unpadded): one accepted
 *    spelling per byte string, the property that keeps a tampered token
 *    from decoding to the same bytes;
 *  - b64_encode_url writes B64URL_ENCODED_LEN characters that decode to the
 *    input, and refuses a buffer one byte short with an empty string.
 */
#include "fuzz.h"

#include <stdbool.h>
#include <sys/types.h>

#include "b64.h"

static const char url_abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char std_abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int value_of(const char *abc, unsigned char c)
{
    if (c == '\0')
        return -1;
    const char *p = strchr(abc, c);
    return p ? (int)(p - abc) : -1;
}

/* Bit by bit: n characters of abc into out; -1 when not a strict encoding. */
static ssize_t ref_decode(const char *abc, const char *in, size_t n, unsigned char *out)
{
    if (n % 4 == 1)
        return -1;
    unsigned acc = 0, bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int v = value_of(abc, (unsigned char)in[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6 | (unsigned)v) & 0xfff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    if (acc & ((1u << bits) - 1))
        return -1; /* unused bits must be zero */
    return (ssize_t)o;
}

static size_t need_of(size_t n)
{
    return n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
}

static void encode_std(const unsigned char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        size_t chars = n - i >= 3 ? 4 : n - i + 1;
        for (size_t k = 0; k < chars; k++)
            out[o++] = std_abc[v >> (18 - 6 * k) & 63];
    }
    out[o] = '\0';
}

static void check_url(const char *in, size_t n)
{
    size_t need = need_of(n);
    unsigned char *want = malloc(need + 1), *got = malloc(need ? need : 1);
    FUZZ_CHECK(want != NULL && got != NULL);
    ssize_t w = ref_decode(url_abc, in, n, want);
    ssize_t g = b64_decode_url(in, n, got, need);
    FUZZ_CHECK(g == w);
    if (g >= 0) {
        FUZZ_CHECK((size_t)g == need && memcmp(got, want, need) == 0);
        char *again = malloc(n + 1);
        FUZZ_CHECK(again != NULL);
        FUZZ_CHECK(b64_encode_url(got, need, again, n + 1) == n);
        FUZZ_CHECK(memcmp(again, in, n) == 0);
        free(again);
        if (need > 0) {
            unsigned char *small = malloc(need - 1 ? need - 1 : 1);
            FUZZ_CHECK(small != NULL);
            FUZZ_CHECK(b64_decode_url(in, n, small, need - 1) == -1);
            free(small);
        }
    }
    free(want);
    free(got);
}

static void check_std(const char *in, size_t n)
{
    /* the reference: strip exactly the padding a length needs, no more */
    size_t pad = 0;
    while (pad < n && in[n - 1 - pad] == '=')
        pad++;
    size_t body = n - pad;
    bool pad_ok = pad == 0 || ((pad == 1 || pad == 2) && n % 4 == 0 && (4 - body % 4) % 4 == pad);
    size_t need = need_of(body);
    unsigned char *want = malloc(need + 1), *got = malloc(need ? need : 1);
    FUZZ_CHECK(want != NULL && got != NULL);
    ssize_t w = pad_ok ? ref_decode(std_abc, in, body, want) : -1;
    ssize_t g = b64_decode(in, n, got, need);
    FUZZ_CHECK(g == w);
    if (g >= 0) {
        FUZZ_CHECK((size_t)g == need && memcmp(got, want, need) == 0);
        char *again = malloc(body + 1);
        FUZZ_CHECK(again != NULL);
        encode_std(got, need, again);
        FUZZ_CHECK(strlen(again) == body && memcmp(again, in, body) == 0);
        free(again);
    }
    free(want);
    free(got);
}

static void check_encode(const unsigned char *in, size_t n)
{
    size_t len = B64URL_ENCODED_LEN(n);
    char *out = malloc(len + 1);
    FUZZ_CHECK(out != NULL);
    FUZZ_CHECK(b64_encode_url(in, n, out, len + 1) == len);
    FUZZ_CHECK(strlen(out) == len && strspn(out, url_abc) == len);
    unsigned char *back = malloc(n ? n : 1);
    FUZZ_CHECK(back != NULL);
    FUZZ_CHECK(b64_decode_url(out, len, back, n) == (ssize_t)n);
    FUZZ_CHECK(n == 0 || memcmp(back, in, n) == 0);
    out[0] = 'x';
    FUZZ_CHECK(b64_encode_url(in, n, out, len) == 0);
    FUZZ_CHECK(len == 0 || out[0] == '\0');
    free(back);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    check_url(in, size);
    check_std(in, size);
    check_encode(data, size);
    return 0;
}
