/* Unit tests for validate: ids, text limits, URLs, usernames, colours, enums. */
#include "valid.h"

#include <criterion/criterion.h>
#include <string.h>

Test(validate, uuid)
{
    cr_assert(valid_uuid("3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"));
    cr_assert(valid_uuid("3F2A1B4C-5D6E-4F70-8A9B-0C1D2E3F4A5B"));
    cr_assert(valid_uuid("00000000-0000-0000-0000-000000000000"));
    static const char *bad[] = {
        "",
        "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5",
        "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b0",
        "3f2a1b4c5d6e4f708a9b0c1d2e3f4a5b",
        "{3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b}",
        "3f2a1b4c-5d6e-4f70-8a9b_0c1d2e3f4a5b",
        "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5g",
        "3f2a1b4c5-d6e-4f70-8a9b-0c1d2e3f4a5b",
        " 3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5",
        "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5 ",
        "------------------------------------",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_not(valid_uuid(bad[i]), "accepted '%s'", bad[i]);
    cr_assert_not(valid_uuid(NULL));
    /* embedded NUL stops the scan inside the buffer */
    cr_assert_not(valid_uuid("3f2a1b4c-5d6e\0004f70-8a9b-0c1d2e3f4a5b"));
}

Test(validate, uuid_lower)
{
    char out[37];
    valid_uuid_lower("3F2A1B4C-5D6E-4F70-8A9B-0C1D2E3F4A5B", out);
    cr_assert_str_eq(out, "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b");
    valid_uuid_lower("3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b", out);
    cr_assert_str_eq(out, "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b");
    valid_uuid_lower("nope", out);
    cr_assert_str_eq(out, "");
    valid_uuid_lower(NULL, out);
    cr_assert_str_eq(out, "");
}

Test(validate, text)
{
    cr_assert(valid_text("a", 1, 10));
    cr_assert(valid_text("", 0, 10));
    cr_assert_not(valid_text("", 1, 10));
    cr_assert(valid_text("0123456789", 1, 10));
    cr_assert_not(valid_text("0123456789a", 1, 10));
    /* ten characters, twenty bytes: limits count characters */
    cr_assert(valid_text("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
                         "\xa9\xc3\xa9",
                         1, 10));
    cr_assert(valid_text("line one\nline two\t", 1, 100));
    cr_assert_not(valid_text("bad \xff byte", 0, 100));
    cr_assert_not(valid_text(NULL, 0, 10));
}

Test(validate, http_url)
{
    static const char *ok[] = {
        "https://example.com",
        "https://example.com/",
        "HTTPS://EXAMPLE.COM/a/b?c=d#e",
        "https://cdn.example.com:8443/videos/abc.mp4?sig=x%2Fy&e=1",
        "https://[2001:db8::1]/x",
        "https://[::1]:443/",
        "https://127.0.0.1/x",
        "https://a/",
        "https://storage.googleapis.com/bucket/o.png?X-Goog-Signature=ab12",
        "https://xn--bcher-kva.example/",
        "https://ex%41mple.com/",
        "https://example.com?q",
        "https://example.com#frag",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        cr_assert(valid_http_url(ok[i], true, 2048), "refused '%s'", ok[i]);
    cr_assert(valid_http_url("http://example.com/x", false, 2048));
    cr_assert(valid_http_url("HtTp://example.com/x", false, 2048));

    static const char *bad[] = {
        "",
        "example.com",
        "//example.com/x",
        "ftp://example.com/x",
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "https://",
        "https:///path",
        "https://?q",
        "https://:443/",
        "https://exa mple.com/",
        "https://example.com/a b",
        " https://example.com/",
        "https://example.com/\n",
        "https://example.com/\x7f",
        "https://ex\tample.com/",
        "https://example.com:0/",
        "https://example.com:65536/",
        "https://example.com:/",
        "https://example.com:80a/",
        "https://example.com:123456/",
        "https://user:pw@example.com/",
        "https://trusted.example@evil.example/",
        "https://[2001:db8::1/x",
        "https://[]/x",
        "https://[zz::1]/x",
        "https://[::1]x/",
        "https://exa\\mple.com/",
        "https://ex%4mple.com/",
        "https://ex%ample.com/",
        "https://b\xc3\xbc\x63her.example/",
        "https:example.com",
        "https:/example.com",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_not(valid_http_url(bad[i], false, 2048), "accepted '%s'", bad[i]);
    cr_assert_not(valid_http_url("http://example.com/x", true, 2048));
    cr_assert_not(valid_http_url(NULL, false, 2048));
    cr_assert(valid_http_url("https://a.io", true, 12));
    cr_assert_not(valid_http_url("https://a.io/", true, 12));
}

Test(validate, username)
{
    static const char *ok[] = {"abc", "A_b.c-9", "user.name", "___",
                               "12345678901234567890123456789012"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        cr_assert(valid_username(ok[i]), "refused '%s'", ok[i]);
    static const char *bad[] = {"",       "ab",     "123456789012345678901234567890123",
                                "a b",    "abc!",   "ab\xc3\xa9",
                                "user@x", "name\n", "tab\tbed"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_not(valid_username(bad[i]), "accepted '%s'", bad[i]);
    cr_assert_not(valid_username(NULL));
}

Test(validate, hex_color)
{
    static const char *ok[] = {"#fff", "#FFF", "#a1B2c3", "#000000", "#09f"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        cr_assert(valid_hex_color(ok[i]), "refused '%s'", ok[i]);
    static const char *bad[] = {"",         "#",    "fff",     "#ff",   "#ffff", "#fffff",
                                "#fffffff", "#ggg", "#12345g", " #fff", "#fff ", "##fff"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_not(valid_hex_color(bad[i]), "accepted '%s'", bad[i]);
    cr_assert_not(valid_hex_color(NULL));
}

Test(validate, enum_mapper)
{
    static const valid_enum status[] = {
        {1, "generating"},
        {2, "success"},
        {3, "error"},
    };
    int v = -7;
    cr_assert_str_eq(valid_enum_text(status, 3, 2), "success");
    cr_assert_null(valid_enum_text(status, 3, 0));
    cr_assert_null(valid_enum_text(status, 3, 4));
    cr_assert_null(valid_enum_text(status, 2, 3)); /* n bounds the table */
    cr_assert_null(valid_enum_text(NULL, 0, 1));
    cr_assert_eq(valid_enum_value(status, 3, "error", &v), 0);
    cr_assert_eq(v, 3);
    v = -7;
    cr_assert_eq(valid_enum_value(status, 3, "Error", &v), -1);
    cr_assert_eq(valid_enum_value(status, 3, "", &v), -1);
    cr_assert_eq(valid_enum_value(status, 3, "errors", &v), -1);
    cr_assert_eq(valid_enum_value(status, 3, NULL, &v), -1);
    cr_assert_eq(v, -7);
}

Test(validate, uuid_text_is_the_lowercase_form)
{
    const unsigned char b[16] = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x4a, 0xbc,
                                 0x80, 0x7f, 0xff, 0x10, 0x20, 0x30, 0x40, 0x5F};
    char text[37], lower[37];
    memset(text, 'x', sizeof(text));
    valid_uuid_text(b, text);
    cr_assert_str_eq(text, "deadbeef-0001-4abc-807f-ff102030405f");
    cr_assert(valid_uuid(text));
    valid_uuid_lower("DEADBEEF-0001-4ABC-807F-FF102030405F", lower);
    cr_assert_str_eq(text, lower);
}
