/*
 * calltrace - what lets a call be followed across services and into the
 * database: its W3C trace context (the caller's trace id from `traceparent`,
 * or a fresh one when none came; a fresh span id for this call; the caller's
 * span as parent), the caller's `x-request-id`, and the idempotency
 * `request_id` its request carries (money calls and Creates).
 *
 * Pure: reads what it is given, allocates nothing; results are written into
 * the caller's buffers or point into its message. Randomness comes from the
 * caller's state (calltrace_random), seeded by the caller.
 */
#ifndef CAMEOS_CALLTRACE_H
#define CAMEOS_CALLTRACE_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#define CALLTRACE_ID_LEN     32  /* hex digits of a W3C trace id */
#define CALLTRACE_SPAN_LEN   16  /* hex digits of a W3C span (parent) id */
#define CALLTRACE_REQ_ID_MAX 128 /* characters of a request_id that are logged */
#define CALLTRACE_XRID_MAX   128 /* characters of an x-request-id that are kept */

/* One call's trace context. Every string is NUL-terminated. */
typedef struct calltrace {
    char trace_id[CALLTRACE_ID_LEN + 1];    /* the caller's, or fresh: never empty */
    char span_id[CALLTRACE_SPAN_LEN + 1];   /* this call's span: fresh, never empty */
    char parent_id[CALLTRACE_SPAN_LEN + 1]; /* the caller's span; "" without traceparent */
    char xrid[CALLTRACE_XRID_MAX + 1];      /* x-request-id; "" when none or not printable */
} calltrace;

/* Fills t for a call from its headers: traceparent (may be NULL) and
 * x-request-id (may be NULL), with their lengths. A traceparent that is not
 * valid W3C is ignored, as the spec says: a new trace starts. An
 * x-request-id that is empty, longer than CALLTRACE_XRID_MAX or not
 * printable ASCII (no spaces) is dropped. rng: the caller's state for
 * calltrace_random. */
void calltrace_begin(calltrace *t, const char *traceparent, size_t tp_len, const char *xrid,
                     size_t xrid_len, uint64_t *rng);

/* The next 64 random bits of state (splitmix64): ids that must be unique,
 * not secret. Seed the state once, from getrandom(2). */
uint64_t calltrace_random(uint64_t *state);

/* Copies the trace id of a W3C traceparent value (version 00:
 * "00-<32 hex>-<16 hex>-<2 hex>", lower case; a later version may add
 * "-..." after it) into trace (CALLTRACE_ID_LEN + 1 bytes) and its parent
 * span id into parent (CALLTRACE_SPAN_LEN + 1 bytes; may be NULL). 0, or -1
 * when the value is not one (malformed, or an all-zero id). */
int calltrace_parse(const char *value, size_t len, char *trace, char *parent)
    __attribute__((warn_unused_result));

/* The request's top-level string field "request_id" when it has one and it
 * is not empty; NULL otherwise. The string belongs to the message. */
const char *calltrace_request_id(const ProtobufCMessage *req);

#endif
