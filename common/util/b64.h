/*
 * b64 - base64 codecs for tokens.
 *
 * base64url without padding (RFC 4648 §5, as JWT uses it) in both directions,
 * and a decoder for the standard alphabet that accepts input with or without
 * '=' padding. The decoders are strict: characters outside the alphabet,
 * impossible lengths and non-zero unused trailing bits are errors, so every
 * byte string has exactly one accepted encoding (a tampered token cannot
 * decode to the same bytes). The caller owns every buffer.
 */
#ifndef CAMEOS_B64_H
#define CAMEOS_B64_H

#include <stddef.h>
#include <sys/types.h>

/* Characters b64_encode_url writes for n input bytes, without the NUL. */
#define B64URL_ENCODED_LEN(n) (((n) / 3) * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))
/* Upper bound of the bytes any decoder here produces from n characters. */
#define B64_DECODED_MAX(n) (((n) / 4) * 3 + 2)

/* Encodes n bytes into out as NUL-terminated base64url without padding.
 * Returns the length written (without the NUL), or 0 when outsz is too small
 * (then out[0] is set to NUL if outsz > 0). */
size_t b64_encode_url(const unsigned char *in, size_t n, char *out, size_t outsz);

/* Decodes n base64url characters (no padding, no '+', '/', '=' or spaces).
 * Returns the number of bytes written, or -1 on invalid input or when outsz
 * is too small. */
ssize_t b64_decode_url(const char *in, size_t n, unsigned char *out, size_t outsz)
    __attribute__((warn_unused_result));

/* Decodes n characters of standard base64 ('+', '/'), with correct '='
 * padding or none at all. Returns the byte count or -1 as above. */
ssize_t b64_decode(const char *in, size_t n, unsigned char *out, size_t outsz)
    __attribute__((warn_unused_result));

#endif
