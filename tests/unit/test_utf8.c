/* Unit tests for utf8: the project's one definition of valid UTF-8, checked
 * against a decoder written from RFC 3629's rules over every 1- to 3-byte
 * input and every 4-byte lead with its second byte. */
#include "utf8.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

/* The RFC's rules applied literally: decode by the lead byte's bit pattern,
 * then refuse overlong forms, surrogates and anything above U+10FFFF. */
static size_t reference_len(const unsigned char *s, size_t n)
{
    size_t len;
    uint32_t cp;
    if ((s[0] & 0xE0) == 0xC0) {
        len = 2;
        cp = s[0] & 0x1F;
    } else if ((s[0] & 0xF0) == 0xE0) {
        len = 3;
        cp = s[0] & 0x0F;
    } else if ((s[0] & 0xF8) == 0xF0) {
        len = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

Test(utf8, chars)
{
    cr_assert_eq(utf8_chars("", 0), 0);
    cr_assert_eq(utf8_chars(NULL, 0), 0);
    cr_assert_eq(utf8_chars(NULL, 1), -1);
    cr_assert_eq(utf8_chars("abc", 3), 3);
    cr_assert_eq(utf8_chars("h\xc3\xa9llo", 6), 5);     /* é */
    cr_assert_eq(utf8_chars("\xe2\x82\xac", 3), 1);     /* € */
    cr_assert_eq(utf8_chars("\xf0\x9f\x8e\xac", 4), 1); /* 🎬 */
    cr_assert_eq(utf8_chars("\xf4\x8f\xbf\xbf", 4), 1); /* U+10FFFF */
    cr_assert_eq(utf8_chars("\xed\x9f\xbf", 3), 1);     /* U+D7FF */
    cr_assert_eq(utf8_chars("\xee\x80\x80", 3), 1);     /* U+E000 */
    cr_assert_eq(utf8_chars("\xef\xbf\xbd", 3), 1);     /* U+FFFD */
    cr_assert_eq(utf8_chars("a\0b", 3), 3);             /* NUL is a code point */
    cr_assert_eq(utf8_chars("\xc2\x80", 2), 1);         /* smallest 2-byte */
    cr_assert_eq(utf8_chars("\xe0\xa0\x80", 3), 1);     /* smallest 3-byte */
    cr_assert_eq(utf8_chars("\xf0\x90\x80\x80", 4), 1); /* smallest 4-byte */

    static const char *bad[] = {
        "\x80", /* lone continuation */
        "\xbf",
        "\xc0\xaf",         /* overlong '/' */
        "\xc1\xbf",         /* overlong */
        "\xe0\x80\xaf",     /* overlong 3-byte */
        "\xe0\x9f\xbf",     /* overlong 3-byte, top */
        "\xf0\x80\x80\xaf", /* overlong 4-byte */
        "\xf0\x8f\xbf\xbf", /* overlong 4-byte, top */
        "\xed\xa0\x80",     /* U+D800 */
        "\xed\xbf\xbf",     /* U+DFFF */
        "\xf4\x90\x80\x80", /* U+110000 */
        "\xf5\x80\x80\x80",
        "\xff",
        "\xfe",
        "\xc3", /* truncated */
        "\xe2\x82",
        "\xf0\x9f\x8e",
        "\xc3\x28", /* bad continuation */
        "\xe2\x28\xa1",
        "\xf0\x9f\x8e\x28",
        "ok\xc3",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(utf8_chars(bad[i], strlen(bad[i])), -1, "case %zu accepted", i);
    /* length bounds the scan */
    cr_assert_eq(utf8_chars("\xe2\x82\xac", 2), -1);
    cr_assert_eq(utf8_chars("ab\xff", 2), 2);
}

Test(utf8, seq_agrees_with_the_rfc_on_every_short_input)
{
    unsigned char s[4] = {0};
    size_t valid2 = 0, valid3 = 0;
    for (unsigned a = 0x80; a <= 0xFF; a++) {
        s[0] = (unsigned char)a;
        cr_assert_eq(utf8_seq(s, 1), 0, "lead %02x alone", a);
        for (unsigned b = 0; b <= 0xFF; b++) {
            s[1] = (unsigned char)b;
            size_t want2 = reference_len(s, 2);
            cr_assert_eq(utf8_seq(s, 2), want2, "%02x %02x", a, b);
            valid2 += want2 == 2;
            for (unsigned c = 0; c <= 0xFF; c++) {
                s[2] = (unsigned char)c;
                size_t want3 = reference_len(s, 3);
                /* 8 million cases: a plain comparison, Criterion on failure. */
                if (utf8_seq(s, 3) != want3)
                    cr_assert_fail("%02x %02x %02x: %zu, want %zu", a, b, c, utf8_seq(s, 3), want3);
                valid3 += want3 == 3;
            }
        }
    }
    /* 1,920 two-byte code points (U+0080..U+07FF); the three-byte ones are
     * U+0800..U+FFFF less the 2,048 surrogates. */
    cr_assert_eq(valid2, 0x800 - 0x80);
    cr_assert_eq(valid3, 0x10000 - 0x800 - 0x800);
}

Test(utf8, seq_four_bytes)
{
    unsigned char s[4] = {0, 0, 0x80, 0x80};
    size_t valid = 0;
    for (unsigned a = 0xF0; a <= 0xFF; a++)
        for (unsigned b = 0; b <= 0xFF; b++) {
            s[0] = (unsigned char)a;
            s[1] = (unsigned char)b;
            size_t want = reference_len(s, 4);
            cr_assert_eq(utf8_seq(s, 4), want, "%02x %02x 80 80", a, b);
            cr_assert_eq(utf8_seq(s, 3), 0, "cut short: %02x %02x 80", a, b);
            valid += want == 4;
        }
    /* One per 4096 code points of U+10000..U+10FFFF: 256 prefixes. */
    cr_assert_eq(valid, (0x110000 - 0x10000) >> 12);
    unsigned char bad_tail[4] = {0xF0, 0x90, 0x80, 0x7F};
    cr_assert_eq(utf8_seq(bad_tail, 4), 0);
}

Test(utf8, seq_stops_at_a_nul)
{
    /* A NUL-terminated string may pass n = 4: the NUL fails first. */
    cr_assert_eq(utf8_seq((const unsigned char *)"\xc3", 4), 0);
    cr_assert_eq(utf8_seq((const unsigned char *)"\xe2\x82", 4), 0);
    cr_assert_eq(utf8_seq((const unsigned char *)"\xf0\x9f\x8e", 4), 0);
}

Test(utf8, put_writes_what_seq_reads)
{
    static const uint32_t cps[] = {0,      0x41,   0x7F,   0x80,    0x7FF,   0x800,   0xD7FF,
                                   0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x1F3AC, 0x10FFFF};
    for (size_t i = 0; i < sizeof cps / sizeof *cps; i++) {
        char out[4];
        size_t n = utf8_put(out, cps[i]);
        size_t want = cps[i] < 0x80 ? 1 : cps[i] < 0x800 ? 2 : cps[i] < 0x10000 ? 3 : 4;
        cr_assert_eq(n, want, "U+%04X", cps[i]);
        if (n > 1)
            cr_assert_eq(utf8_seq((const unsigned char *)out, n), n, "U+%04X", cps[i]);
        cr_assert_eq(utf8_chars(out, n), 1, "U+%04X", cps[i]);
    }
    char out[4];
    cr_assert_eq(utf8_put(out, 0x20AC), 3);
    cr_assert_eq(memcmp(out, "\xe2\x82\xac", 3), 0);
}
