/*
 * arg.h - request field checks shared by every handler. Each check either
 * passes (returns 0) or ends the call with INVALID_ARGUMENT and a message
 * that names the field (returns -1): a handler returns at the first -1.
 */
#ifndef CAMEOS_ARG_H
#define CAMEOS_ARG_H

#include <stddef.h>

#include "google/protobuf/field_mask.pb-c.h"
#include "rpc.h"

/* Longest request_id accepted (AIP-155 suggests a UUID; we allow any key). */
#define ARG_REQUEST_ID_MAX 128

/* A UUID; with required 0 the empty string also passes. */
int arg_uuid(rpc_call *c, const char *field, const char *v, int required)
    __attribute__((warn_unused_result));
/* Text of min..max characters (UTF-8 code points); valid UTF-8 only. */
int arg_text(rpc_call *c, const char *field, const char *v, size_t min, size_t max)
    __attribute__((warn_unused_result));
/* An http(s) URL (https only when asked) of at most max bytes; empty passes
 * unless required. */
int arg_url(rpc_call *c, const char *field, const char *v, int https_only, size_t max, int required)
    __attribute__((warn_unused_result));
/* v > 0. */
int arg_positive(rpc_call *c, const char *field, long long v) __attribute__((warn_unused_result));
/* min <= v <= max; a double holds every int32 exactly, and NaN fails. */
int arg_range(rpc_call *c, const char *field, double v, long long min, long long max)
    __attribute__((warn_unused_result));
/* A request_id: 1..ARG_REQUEST_ID_MAX printable ASCII characters; empty
 * passes unless required. */
int arg_request_id(rpc_call *c, const char *v, int required) __attribute__((warn_unused_result));

/* Update masks: the paths a request may name. On success *bits has bit i set
 * for every allowed[i] the mask names; an empty (or absent) mask yields 0 and
 * the caller decides what "every field the request sets" means. Paths that
 * are output-only (listed in immutable) or unknown fail the call. */
int arg_mask(rpc_call *c, const Google__Protobuf__FieldMask *mask, const char *const *allowed,
             size_t nallowed, const char *const *immutable, size_t nimmutable, unsigned *bits)
    __attribute__((warn_unused_result));

#endif
