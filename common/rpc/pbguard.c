/*
 * pbguard.c - the pre-unpack walk of a request's wire bytes (see pbguard.h).
 *
 * The walk recurses once per sub-message, like protobuf-c, but gives up past
 * the depth limit, so its own stack stays within a few kilobytes. It keeps
 * the field descriptors of the open sub-messages to name the culprit.
 */
#include "pbguard.h"

#include <stdio.h>
#include <string.h>

#include "google/protobuf/struct.pb-c.h"

/* Uncounted levels (Value, map entries) sit at most two between counted
 * ones; the hard stop bounds the recursion even for odd descriptors. */
#define RAW_DEPTH_CAP(max) (4u * (max) + 8u)
#define PATH_CAP           (4u * 256u + 8u)

typedef struct walk {
    const pbguard_limits *lim;
    size_t nodes;
    unsigned raw_cap;
    unsigned npath;
    const ProtobufCFieldDescriptor *path[PATH_CAP];
    pbguard_verdict verdict;
} walk;

static pbguard_verdict walk_message(walk *w, const ProtobufCMessageDescriptor *d, const uint8_t *p,
                                    size_t len, unsigned depth);
static int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *out);
static int counts_as_level(const ProtobufCMessageDescriptor *d);
static size_t packed_count(ProtobufCType t, const uint8_t *p, size_t len);
static void write_path(const walk *w, unsigned upto, char *field, size_t fieldsz);

pbguard_verdict pbguard_check(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
                              const pbguard_limits *lim, char *field, size_t fieldsz)
{
    /* Field by field: path (8 KiB) is written before it is read, and zeroing
     * it cost every call a tenth of its instructions. */
    walk w;
    w.lim = lim;
    w.nodes = 0;
    w.npath = 0;
    w.verdict = PBGUARD_OK;
    w.raw_cap = RAW_DEPTH_CAP(lim->max_depth);
    if (w.raw_cap > PATH_CAP)
        w.raw_cap = PATH_CAP;
    if (fieldsz)
        field[0] = 0;
    pbguard_verdict v = walk_message(&w, d, buf ? buf : (const uint8_t *)"", len, 0);
    if (v == PBGUARD_OK || !fieldsz)
        return v;
    /* Depth: the top-level field says where; the full path would be long. */
    write_path(&w, v == PBGUARD_TOO_DEEP && w.npath > 0 ? 1 : w.npath, field, fieldsz);
    return v;
}

void pbguard_message(pbguard_verdict v, const char *field, const pbguard_limits *lim, char *out,
                     size_t outsz)
{
    const char *f = field && field[0] ? field : "request";
    switch (v) {
    case PBGUARD_OK:
        snprintf(out, outsz, "ok");
        break;
    case PBGUARD_TOO_DEEP:
        snprintf(out, outsz, "%s: messages nested deeper than %u levels", f, lim->max_depth);
        break;
    case PBGUARD_TOO_MANY:
        snprintf(out, outsz, "%s: request holds more than %zu values", f, lim->max_nodes);
        break;
    case PBGUARD_NUL:
        snprintf(out, outsz, "%s: text must not contain NUL characters", f);
        break;
    case PBGUARD_MALFORMED:
        snprintf(out, outsz, "malformed request message");
        break;
    }
}

/* ---- internals ------------------------------------------------------- */

/* depth: counted levels of the message being walked (the request is 0). */
static pbguard_verdict walk_message(walk *w, const ProtobufCMessageDescriptor *d, const uint8_t *p,
                                    size_t len, unsigned depth)
{
    const uint8_t *end = p + len;
    while (p < end) {
        uint64_t key;
        if (read_varint(&p, end, &key) != 0)
            return PBGUARD_MALFORMED;
        uint32_t id = (uint32_t)(key >> 3);
        unsigned wt = (unsigned)(key & 7);
        if (key >> 3 > 0x1fffffff || id == 0)
            return PBGUARD_MALFORMED;
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(d, id);
        /* Unknown fields are kept by protobuf-c, one allocation each. */
        if (!f || f->label == PROTOBUF_C_LABEL_REPEATED || f->type == PROTOBUF_C_TYPE_STRING ||
            f->type == PROTOBUF_C_TYPE_BYTES || f->type == PROTOBUF_C_TYPE_MESSAGE) {
            if (++w->nodes > w->lim->max_nodes) {
                if (f)
                    w->path[w->npath++] = f;
                return PBGUARD_TOO_MANY;
            }
        }
        uint64_t n;
        switch (wt) {
        case 0: /* varint */
            if (read_varint(&p, end, &n) != 0)
                return PBGUARD_MALFORMED;
            break;
        case 1: /* fixed64 */
            if ((size_t)(end - p) < 8)
                return PBGUARD_MALFORMED;
            p += 8;
            break;
        case 5: /* fixed32 */
            if ((size_t)(end - p) < 4)
                return PBGUARD_MALFORMED;
            p += 4;
            break;
        case 2: { /* length-delimited */
            if (read_varint(&p, end, &n) != 0 || n > (uint64_t)(end - p))
                return PBGUARD_MALFORMED;
            const uint8_t *body = p;
            p += n;
            if (!f)
                break;
            if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
                const ProtobufCMessageDescriptor *sub = f->descriptor;
                unsigned sub_depth = depth + (unsigned)counts_as_level(sub);
                if (sub_depth > w->lim->max_depth || w->npath + 1 >= w->raw_cap) {
                    w->path[w->npath++] = f;
                    return PBGUARD_TOO_DEEP;
                }
                w->path[w->npath++] = f;
                pbguard_verdict v = walk_message(w, sub, body, (size_t)n, sub_depth);
                if (v != PBGUARD_OK)
                    return v;
                w->npath--;
            } else if (f->type == PROTOBUF_C_TYPE_STRING) {
                if (memchr(body, 0, (size_t)n)) {
                    w->path[w->npath++] = f;
                    return PBGUARD_NUL;
                }
            } else if (f->type != PROTOBUF_C_TYPE_BYTES && f->label == PROTOBUF_C_LABEL_REPEATED) {
                /* A packed run of scalars: protobuf-c allocates each element. */
                w->nodes += packed_count(f->type, body, (size_t)n);
                if (w->nodes > w->lim->max_nodes) {
                    w->path[w->npath++] = f;
                    return PBGUARD_TOO_MANY;
                }
            }
            break;
        }
        default: /* groups (3, 4) are not proto3, protobuf-c refuses them too */
            return PBGUARD_MALFORMED;
        }
    }
    return PBGUARD_OK;
}

/* Base 128, at most 10 bytes. */
static int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    const uint8_t *q = *p;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        if (q == end)
            return -1;
        uint8_t b = *q++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *p = q;
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* A Value only wraps its content and a map entry only pairs a key with a
 * value: neither is a level of the data the caller sees. */
static int counts_as_level(const ProtobufCMessageDescriptor *d)
{
    if (d == &google__protobuf__value__descriptor)
        return 0;
    size_t nlen = strlen(d->name);
    if (d->n_fields == 2 && nlen > 5 && strcmp(d->name + nlen - 5, "Entry") == 0 &&
        d->fields[0].id == 1 && strcmp(d->fields[0].name, "key") == 0 && d->fields[1].id == 2 &&
        strcmp(d->fields[1].name, "value") == 0)
        return 0;
    return 1;
}

/* Elements in a packed run of len bytes. */
static size_t packed_count(ProtobufCType t, const uint8_t *p, size_t len)
{
    switch (t) {
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
        return len / 4;
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return len / 8;
    default: {
        size_t n = 0; /* varints: one element ends at each byte below 0x80 */
        for (size_t i = 0; i < len; i++)
            n += p[i] < 0x80;
        return n;
    }
    }
}

static void write_path(const walk *w, unsigned upto, char *field, size_t fieldsz)
{
    size_t used = 0;
    field[0] = 0;
    for (unsigned i = 0; i < upto && used + 1 < fieldsz; i++) {
        int k = snprintf(field + used, fieldsz - used, "%s%s", i ? "." : "", w->path[i]->name);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}
