/* JSON string escaping; see jsonesc.h. */
#include "jsonesc.h"

#include "utf8.h"

#include <string.h>

static const char jsonesc_replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

static ssize_t jsonesc_run(char *out, const char *s, size_t n, jsonesc_mode mode);
static size_t jsonesc_safe_run(const unsigned char *p, size_t n);
static size_t jsonesc_control(unsigned char c, char out[6]);

ssize_t jsonesc_len(const char *s, size_t n, jsonesc_mode mode)
{
    return jsonesc_run(NULL, s, n, mode);
}

ssize_t jsonesc_write(char *out, const char *s, size_t n, jsonesc_mode mode)
{
    return jsonesc_run(out, s, n, mode);
}

/* One walk for both: with out NULL it only counts. */
static ssize_t jsonesc_run(char *out, const char *s, size_t n, jsonesc_mode mode)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, len = 0;

    while (i < n) {
        const char *from = s + i;
        char esc[6];
        size_t run = jsonesc_safe_run(p + i, n - i);

        if (run > 0) {
            i += run;
        } else if (p[i] < 0x80) {
            run = jsonesc_control(p[i++], esc);
            from = esc;
        } else if ((run = utf8_seq(p + i, n - i)) > 0) {
            i += run;
        } else if (mode == JSONESC_STRICT) {
            return -1;
        } else {
            run = sizeof jsonesc_replacement - 1;
            from = jsonesc_replacement;
            i++;
        }
        if (out != NULL)
            memcpy(out + len, from, run);
        len += run;
    }
    return (ssize_t)len;
}

/* The longest prefix of printable ASCII needing no escape: copied in one go. */
static size_t jsonesc_safe_run(const unsigned char *p, size_t n)
{
    size_t i = 0;

    while (i < n && p[i] >= 0x20 && p[i] < 0x7F && p[i] != '"' && p[i] != '\\')
        i++;
    return i;
}

/* The escape of ASCII byte c, which needs one ('"', '\', C0 or DEL). */
static size_t jsonesc_control(unsigned char c, char out[6])
{
    static const char hex[] = "0123456789abcdef";
    char short_form = 0;

    switch (c) {
    case '"':
    case '\\':
        short_form = (char)c;
        break;
    case '\b':
        short_form = 'b';
        break;
    case '\f':
        short_form = 'f';
        break;
    case '\n':
        short_form = 'n';
        break;
    case '\r':
        short_form = 'r';
        break;
    case '\t':
        short_form = 't';
        break;
    default:
        break;
    }
    out[0] = '\\';
    if (short_form != 0) {
        out[1] = short_form;
        return 2;
    }
    out[1] = 'u';
    out[2] = '0';
    out[3] = '0';
    out[4] = hex[c >> 4];
    out[5] = hex[c & 15];
    return 6;
}
