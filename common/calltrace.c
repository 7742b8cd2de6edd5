/* Trace and request ids for the log; see calltrace.h. */
#include "calltrace.h"

#include <string.h>

static int hex_run(const char *p, size_t n);

int calltrace_parse(const char *value, size_t len, char *out)
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
    memcpy(out, value + 3, CALLTRACE_ID_LEN);
    out[CALLTRACE_ID_LEN] = '\0';
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
