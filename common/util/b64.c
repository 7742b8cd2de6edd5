/* base64url encode/decode and standard base64 decode; see b64.h. */
#include "b64.h"

#include <limits.h>
#include <stdint.h>

static const char b64_url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static ssize_t b64_decode_core(const char *in, size_t n, unsigned char *out, size_t outsz, int url);
static int b64_value(unsigned char c, int url);

size_t b64_encode_url(const unsigned char *in, size_t n, char *out, size_t outsz)
{
    if (out == NULL || outsz == 0)
        return 0;
    if (n > (SIZE_MAX - 4) / 4 * 3 || B64URL_ENCODED_LEN(n) >= outsz || (in == NULL && n > 0)) {
        out[0] = '\0';
        return 0;
    }
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64_url_alphabet[v >> 18 & 63];
        out[o++] = b64_url_alphabet[v >> 12 & 63];
        out[o++] = b64_url_alphabet[v >> 6 & 63];
        out[o++] = b64_url_alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = b64_url_alphabet[v >> 18 & 63];
        out[o++] = b64_url_alphabet[v >> 12 & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = b64_url_alphabet[v >> 18 & 63];
        out[o++] = b64_url_alphabet[v >> 12 & 63];
        out[o++] = b64_url_alphabet[v >> 6 & 63];
    }
    out[o] = '\0';
    return o;
}

ssize_t b64_decode_url(const char *in, size_t n, unsigned char *out, size_t outsz)
{
    return b64_decode_core(in, n, out, outsz, 1);
}

ssize_t b64_decode(const char *in, size_t n, unsigned char *out, size_t outsz)
{
    if (in == NULL)
        return n == 0 ? 0 : -1;
    /* Padding only ever completes the last quantum, so it must make the
     * length a multiple of 4 and be exactly what the unpadded length implies. */
    size_t pad = 0;
    while (pad < n && pad < 3 && in[n - 1 - pad] == '=')
        pad++;
    if (pad > 0) {
        if (n % 4 != 0 || pad > 2)
            return -1;
        n -= pad;
        if ((pad == 1 && n % 4 != 3) || (pad == 2 && n % 4 != 2))
            return -1;
    }
    return b64_decode_core(in, n, out, outsz, 0);
}

static ssize_t b64_decode_core(const char *in, size_t n, unsigned char *out, size_t outsz, int url)
{
    if (n % 4 == 1 || (in == NULL && n > 0))
        return -1;
    size_t need = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
    if (need > outsz || need > (size_t)SSIZE_MAX)
        return -1;
    if (need > 0 && out == NULL)
        return -1;

    size_t o = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        int a = b64_value((unsigned char)in[i], url), b = b64_value((unsigned char)in[i + 1], url),
            c = b64_value((unsigned char)in[i + 2], url),
            d = b64_value((unsigned char)in[i + 3], url);
        if ((a | b | c | d) < 0)
            return -1;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        out[o++] = (unsigned char)(v >> 16);
        out[o++] = (unsigned char)(v >> 8);
        out[o++] = (unsigned char)v;
    }
    size_t rest = n - i;
    if (rest >= 2) {
        int a = b64_value((unsigned char)in[i], url), b = b64_value((unsigned char)in[i + 1], url);
        int c = rest == 3 ? b64_value((unsigned char)in[i + 2], url) : 0;
        if ((a | b | c) < 0)
            return -1;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
        /* Bits below the last whole byte must be zero: otherwise several
         * texts would decode to the same bytes. */
        if ((rest == 2 && (v & 0xffff)) || (rest == 3 && (v & 0xff)))
            return -1;
        out[o++] = (unsigned char)(v >> 16);
        if (rest == 3)
            out[o++] = (unsigned char)(v >> 8);
    }
    return (ssize_t)o;
}

static int b64_value(unsigned char c, int url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}
