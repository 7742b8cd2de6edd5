/* Field validation helpers; see valid.h. */
#include "valid.h"

#include "utf8.h"

#include <string.h>
#include <strings.h>

static bool valid_is_hex(unsigned char c);
static bool valid_host(const char *s, size_t n);
static bool valid_port(const char *s, size_t n);

bool valid_uuid(const char *s)
{
    if (s == NULL)
        return false;
    for (size_t i = 0; i < 36; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!valid_is_hex(c)) {
            return false; /* also stops at an early NUL */
        }
    }
    return s[36] == '\0';
}

void valid_uuid_lower(const char *in, char out[37])
{
    if (!valid_uuid(in)) {
        out[0] = '\0';
        return;
    }
    for (size_t i = 0; i < 36; i++) {
        char c = in[i];
        out[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
    }
    out[36] = '\0';
}

void valid_uuid_text(const unsigned char bytes[16], char out[37])
{
    static const char hex[] = "0123456789abcdef";
    /* Where each byte's two digits go: the groups are 8-4-4-4-12. */
    static const unsigned char at[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};
    for (int i = 0; i < 16; i++) {
        out[at[i]] = hex[bytes[i] >> 4];
        out[at[i] + 1] = hex[bytes[i] & 15];
    }
    out[8] = out[13] = out[18] = out[23] = '-';
    out[36] = '\0';
}

bool valid_text(const char *s, size_t min_chars, size_t max_chars)
{
    if (s == NULL)
        return false;
    long n = utf8_chars(s, strlen(s));
    return n >= 0 && (size_t)n >= min_chars && (size_t)n <= max_chars;
}

bool valid_http_url(const char *s, bool https_only, size_t max_len)
{
    if (s == NULL)
        return false;
    size_t len = strlen(s);
    if (len > max_len)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f)
            return false;
    }
    size_t skip;
    if (strncasecmp(s, "https://", 8) == 0)
        skip = 8;
    else if (!https_only && strncasecmp(s, "http://", 7) == 0)
        skip = 7;
    else
        return false;

    const char *auth = s + skip;
    size_t alen = strcspn(auth, "/?#");
    /* Userinfo is legal in URLs but only serves to disguise the real host
     * ("https://trusted.example@evil.example/"); nobody needs it here. */
    if (memchr(auth, '@', alen) != NULL)
        return false;

    size_t hlen;
    if (alen > 0 && auth[0] == '[') {
        const char *close = memchr(auth, ']', alen);
        if (close == NULL)
            return false;
        hlen = (size_t)(close - auth) + 1;
    } else {
        const char *colon = memchr(auth, ':', alen);
        hlen = colon ? (size_t)(colon - auth) : alen;
    }
    if (!valid_host(auth, hlen))
        return false;
    if (hlen < alen) {
        if (auth[hlen] != ':' || !valid_port(auth + hlen + 1, alen - hlen - 1))
            return false;
    }
    return true;
}

bool valid_username(const char *s)
{
    if (s == NULL)
        return false;
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        unsigned char c = (unsigned char)s[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == '-';
        if (!ok || n >= 32)
            return false;
    }
    return n >= 3;
}

bool valid_hex_color(const char *s)
{
    if (s == NULL || s[0] != '#')
        return false;
    size_t n = 0;
    while (n < 7 && valid_is_hex((unsigned char)s[1 + n]))
        n++;
    return (n == 3 || n == 6) && s[1 + n] == '\0';
}

const char *valid_enum_text(const valid_enum *tab, size_t n, int value)
{
    for (size_t i = 0; tab != NULL && i < n; i++) {
        if (tab[i].value == value)
            return tab[i].text;
    }
    return NULL;
}

int valid_enum_value(const valid_enum *tab, size_t n, const char *text, int *out)
{
    if (text == NULL)
        return -1;
    for (size_t i = 0; tab != NULL && i < n; i++) {
        if (tab[i].text != NULL && strcmp(tab[i].text, text) == 0) {
            if (out != NULL)
                *out = tab[i].value;
            return 0;
        }
    }
    return -1;
}

static bool valid_is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A reg-name (letters, digits, "-._~", percent escapes and sub-delims) or a
 * bracketed IPv6 literal. Backslashes and other characters that parsers
 * disagree about are refused. */
static bool valid_host(const char *s, size_t n)
{
    if (n == 0)
        return false;
    if (s[0] == '[') {
        if (n < 4 || s[n - 1] != ']')
            return false;
        bool colon = false;
        for (size_t i = 1; i + 1 < n; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == ':')
                colon = true;
            else if (!valid_is_hex(c) && c != '.')
                return false;
        }
        return colon;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            continue;
        if (c == '%') {
            if (i + 2 >= n || !valid_is_hex((unsigned char)s[i + 1]) ||
                !valid_is_hex((unsigned char)s[i + 2]))
                return false;
            i += 2;
            continue;
        }
        if (strchr("-._~!$&'()*+,;=", c) == NULL)
            return false;
    }
    return true;
}

static bool valid_port(const char *s, size_t n)
{
    if (n == 0 || n > 5)
        return false;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    return v >= 1 && v <= 65535;
}
