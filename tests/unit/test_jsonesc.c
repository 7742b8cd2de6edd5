/* Unit tests for jsonesc: exact escapes, both treatments of bad UTF-8, and
 * every escaped string read back by jansson (a parser sharing no code with
 * the project) as the bytes that went in. */
#include "jsonesc.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* The escape of n bytes at s under mode, NUL-terminated in a static buffer;
 * checks that jsonesc_len and jsonesc_write agree. NULL when refused. */
static const char *esc(const char *s, size_t n, jsonesc_mode mode)
{
    static char out[1024];
    ssize_t len = jsonesc_len(s, n, mode);
    if (len < 0)
        return NULL;
    cr_assert_lt((size_t)len, sizeof out);
    memset(out, '#', sizeof out);
    cr_assert_eq(jsonesc_write(out, s, n, mode), len);
    cr_assert_eq(out[len], '#', "wrote past the length it announced");
    out[len] = '\0';
    return out;
}

Test(jsonesc, plain_text_is_copied)
{
    cr_assert_str_eq(esc("", 0, JSONESC_STRICT), "");
    cr_assert_str_eq(esc("hello, world", 12, JSONESC_STRICT), "hello, world");
    cr_assert_str_eq(esc("caf\xc3\xa9 \xf0\x9f\x8e\xac", 10, JSONESC_STRICT),
                     "caf\xc3\xa9 \xf0\x9f\x8e\xac");
    cr_assert_str_eq(esc("/<>'", 4, JSONESC_STRICT), "/<>'");
}

Test(jsonesc, quotes_backslashes_and_controls)
{
    cr_assert_str_eq(esc("a\"b\\c", 5, JSONESC_STRICT), "a\\\"b\\\\c");
    cr_assert_str_eq(esc("\b\f\n\r\t", 5, JSONESC_STRICT), "\\b\\f\\n\\r\\t");
    cr_assert_str_eq(esc("x\0y", 3, JSONESC_STRICT), "x\\u0000y");
    cr_assert_str_eq(esc("\x01\x1f\x7f", 3, JSONESC_STRICT), "\\u0001\\u001f\\u007f");
}

Test(jsonesc, every_ascii_byte)
{
    for (unsigned c = 0; c < 0x80; c++) {
        char in = (char)c;
        const char *out = esc(&in, 1, JSONESC_STRICT);
        cr_assert_not_null(out, "byte %02x refused", c);
        int needs = c < 0x20 || c == 0x7f || c == '"' || c == '\\';
        if (!needs)
            cr_assert(out[0] == in && out[1] == '\0', "byte %02x changed: %s", c, out);
        else
            cr_assert(out[0] == '\\' && (strlen(out) == 2 || strlen(out) == 6), "byte %02x: %s", c,
                      out);
    }
}

Test(jsonesc, bad_utf8_strict_refuses_replace_substitutes)
{
    static const struct {
        const char *in, *replaced;
    } cases[] = {
        {"\x80", "\xef\xbf\xbd"},
        {"a\xffz", "a\xef\xbf\xbdz"},
        {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},                 /* overlong '/' */
        {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* surrogate */
        {"\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd"},                 /* cut short */
        {"\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t n = strlen(cases[i].in);
        cr_assert_null(esc(cases[i].in, n, JSONESC_STRICT), "case %zu accepted", i);
        cr_assert_str_eq(esc(cases[i].in, n, JSONESC_REPLACE), cases[i].replaced, "case %zu", i);
    }
    /* The length bounds what is read: the cut sequence is outside it. */
    cr_assert_str_eq(esc("ab\xe2\x82\xac", 2, JSONESC_STRICT), "ab");
    cr_assert_null(esc("ab\xe2\x82\xac", 4, JSONESC_STRICT));
}

Test(jsonesc, jansson_reads_back_what_went_in)
{
    /* Random strings from an alphabet heavy in what needs care. */
    static const char *const atoms[] = {
        "a",    "\"", "\\",       "\n",           "\x01",
        "\x7f", "/",  "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x8e\xac",
        " ",    "\t", "\x1f",     "\xef\xbf\xbd"};
    unsigned seed = 12345;
    for (int round = 0; round < 2000; round++) {
        char in[256], doc[1100];
        size_t n = 0;
        int atoms_n = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 40;
        for (int k = 0; k < atoms_n; k++) {
            const char *a = atoms[((seed = seed * 1103515245u + 12345u) >> 16) %
                                  (sizeof atoms / sizeof *atoms)];
            memcpy(in + n, a, strlen(a));
            n += strlen(a);
        }
        const char *out = esc(in, n, JSONESC_STRICT);
        cr_assert_not_null(out);
        snprintf(doc, sizeof doc, "\"%s\"", out);
        json_error_t err;
        json_t *j = json_loads(doc, JSON_DECODE_ANY, &err);
        cr_assert_not_null(j, "jansson refused %s: %s", doc, err.text);
        cr_assert_eq(json_string_length(j), n);
        cr_assert_eq(memcmp(json_string_value(j), in, n), 0, "round %d changed the text", round);
        json_decref(j);
    }
}
