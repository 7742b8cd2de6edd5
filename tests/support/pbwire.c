/* pbwire.c - hand-built protobuf wire bytes for tests (see pbwire.h). */
#include "pbwire.h"

#include <stdlib.h>
#include <string.h>

static size_t varint(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        out[n++] = b | (v ? 0x80 : 0);
    } while (v);
    return n;
}

void pbwire_wrap(pbwire *w, uint32_t id, const void *prefix, size_t plen)
{
    uint8_t head[20];
    size_t h = varint(head, (uint64_t)id << 3 | 2);
    h += varint(head + h, w->len);
    uint8_t *n = malloc(plen + h + w->len + 1);
    if (!n)
        abort();
    if (plen)
        memcpy(n, prefix, plen);
    memcpy(n + plen, head, h);
    if (w->len)
        memcpy(n + plen + h, w->p, w->len);
    free(w->p);
    w->p = n;
    w->len += plen + h;
}

void pbwire_add(pbwire *w, const void *bytes, size_t n)
{
    uint8_t *g = realloc(w->p, w->len + n + 1);
    if (!g)
        abort();
    memcpy(g + w->len, bytes, n);
    w->p = g;
    w->len += n;
}

pbwire pbwire_nested_struct(unsigned levels)
{
    static const uint8_t key_a[] = {0x0a, 0x01, 'a'}; /* entry.key = "a" */
    pbwire w = {NULL, 0};
    for (unsigned i = 1; i < levels; i++) {
        pbwire_wrap(&w, 5, NULL, 0);              /* Value.struct_value */
        pbwire_wrap(&w, 2, key_a, sizeof(key_a)); /* entry.value, after its key */
        pbwire_wrap(&w, 1, NULL, 0);              /* Struct.fields */
    }
    return w;
}

pbwire pbwire_nested_list(unsigned levels)
{
    pbwire w = {NULL, 0};
    for (unsigned i = 1; i < levels; i++) {
        pbwire_wrap(&w, 6, NULL, 0); /* Value.list_value */
        pbwire_wrap(&w, 1, NULL, 0); /* ListValue.values */
    }
    return w;
}
