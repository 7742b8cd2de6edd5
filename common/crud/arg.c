/*
 * arg.c - request field checks (see arg.h).
 */
#include "arg.h"

#include <string.h>

#include "utf8.h"
#include "valid.h"

int arg_uuid(rpc_call *c, const char *field, const char *v, int required)
{
    if ((!v || !v[0]) && !required)
        return 0;
    if (v && valid_uuid(v))
        return 0;
    rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s must be a UUID", field);
    return -1;
}

int arg_text(rpc_call *c, const char *field, const char *v, size_t min, size_t max)
{
    long n = utf8_chars(v ? v : "", v ? strlen(v) : 0);
    if (n < 0) {
        rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s is not valid UTF-8", field);
        return -1;
    }
    if ((size_t)n < min || (size_t)n > max) {
        if (min > 0 && n == 0)
            rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s is required", field);
        else
            rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s must be %zu to %zu characters", field,
                      min, max);
        return -1;
    }
    return 0;
}

int arg_url(rpc_call *c, const char *field, const char *v, int https_only, size_t max, int required)
{
    if ((!v || !v[0]) && !required)
        return 0;
    if (v && valid_http_url(v, https_only, max))
        return 0;
    rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s must be an %s URL of at most %zu characters",
              field, https_only ? "https" : "http(s)", max);
    return -1;
}

int arg_positive(rpc_call *c, const char *field, long long v)
{
    if (v > 0)
        return 0;
    rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s must be greater than 0", field);
    return -1;
}

int arg_range(rpc_call *c, const char *field, double v, long long min, long long max)
{
    if (v >= (double)min && v <= (double)max)
        return 0;
    rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s must be between %lld and %lld", field, min, max);
    return -1;
}

int arg_request_id(rpc_call *c, const char *v, int required)
{
    size_t n = v ? strlen(v) : 0;
    if (n == 0 && !required)
        return 0;
    int ok = n > 0 && n <= ARG_REQUEST_ID_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = v[i] > 0x20 && v[i] < 0x7f;
    if (ok)
        return 0;
    rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT,
              "request_id must be 1 to %d printable ASCII characters", ARG_REQUEST_ID_MAX);
    return -1;
}

int arg_mask(rpc_call *c, const Google__Protobuf__FieldMask *mask, const char *const *allowed,
             size_t nallowed, const char *const *immutable, size_t nimmutable, unsigned *bits)
{
    *bits = 0;
    if (!mask)
        return 0;
    for (size_t i = 0; i < mask->n_paths; i++) {
        const char *p = mask->paths[i];
        size_t k;
        for (k = 0; k < nallowed; k++)
            if (strcmp(p, allowed[k]) == 0)
                break;
        if (k < nallowed) {
            *bits |= 1u << k;
            continue;
        }
        for (k = 0; k < nimmutable; k++)
            if (strcmp(p, immutable[k]) == 0)
                break;
        if (k < nimmutable)
            rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "update_mask: %.64s cannot be changed", p);
        else
            rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "update_mask: unknown field %.64s", p);
        return -1;
    }
    return 0;
}
