/* Trace context and request ids of a call; see calltrace.h. */
#include "calltrace.h"

#include <string.h>

static int hex_run(const char *p, size_t n);
static void fresh_hex(char *out, size_t digits, uint64_t *rng);

void calltrace_begin(calltrace *t, const char *traceparent, size_t tp_len, const char *xrid,
                     size_t xrid_len, uint64_t *rng)
{
    if (!traceparent || calltrace_parse(traceparent, tp_len, t->trace_id, t->parent_id) != 0) {
        fresh_hex(t->trace_id, CALLTRACE_ID_LEN, rng);
        t->parent_id[0] = '\0';
    }
    fresh_hex(t->span_id, CALLTRACE_SPAN_LEN, rng);
    t->xrid[0] = '\0';
    if (xrid && xrid_len > 0 && xrid_len <= CALLTRACE_XRID_MAX) {
        for (size_t i = 0; i < xrid_len; i++)
            if (xrid[i] < '!' || xrid[i] > '~')
                return;
        memcpy(t->xrid, xrid, xrid_len);
        t->xrid[xrid_len] = '\0';
    }
}

uint64_t calltrace_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

int calltrace_parse(const char *value, size_t len, char *trace, char *parent)
{
    /* 2 + 1 + 32 + 1 + 16 + 1 + 2 characters. */
    if (len < 55 || (len > 55 && value[55] != '-'))
        return -1;
    if (!hex_run(value, 2) || value[2] != '-' || !hex_run(value + 3, 32) || value[35] != '-' ||
        !hex_run(value + 36, 16) || value[52] != '-' || !hex_run(value + 53, 2))
        return -1;
    if (memcmp(value, "ff", 2) == 0) /* version ff is invalid */
        return -1;
    if (strspn(value + 3, "0") >= 32 || strspn(value + 36, "0") >= 16)
        return -1; /* all-zero ids are invalid */
    if (memcmp(value, "00", 2) == 0 && len != 55)
        return -1; /* version 00 has nothing after the flags */
    memcpy(trace, value + 3, CALLTRACE_ID_LEN);
    trace[CALLTRACE_ID_LEN] = '\0';
    if (parent) {
        memcpy(parent, value + 36, CALLTRACE_SPAN_LEN);
        parent[CALLTRACE_SPAN_LEN] = '\0';
    }
    return 0;
}

const char *calltrace_request_id(const ProtobufCMessage *req)
{
    if (!req)
        return NULL;
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(req->descriptor, "request_id");
    if (!f || f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
        return NULL;
    const char *s = *(const char *const *)((const char *)req + f->offset);
    return s && s[0] ? s : NULL;
}

/* ---- internals ------------------------------------------------------- */

/* 1 when the n characters at p are all lower-case hex digits. */
static int hex_run(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return 0;
    return 1;
}

/* digits (a multiple of 16) lower-case hex digits of fresh randomness, then
 * a NUL. W3C forbids all-zero ids: a zero draw is drawn again. */
static void fresh_hex(char *out, size_t digits, uint64_t *rng)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t at = 0; at < digits; at += 16) {
        uint64_t v;
        do
            v = calltrace_random(rng);
        while (v == 0);
        for (int i = 15; i >= 0; i--, v >>= 4)
            out[at + (size_t)i] = hex[v & 15];
    }
    out[digits] = '\0';
}
