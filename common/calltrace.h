/*
 * calltrace - what lets a log line be followed across services: the W3C
 * trace id of a call's `traceparent` header, and the idempotency
 * `request_id` its request carries (money calls and Creates).
 *
 * Pure: reads what it is given, allocates nothing; results point into the
 * caller's buffers.
 */
#ifndef CAMEOS_CALLTRACE_H
#define CAMEOS_CALLTRACE_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

#define CALLTRACE_ID_LEN     32  /* hex digits of a W3C trace id */
#define CALLTRACE_REQ_ID_MAX 128 /* characters of a request_id that are logged */

/* Copies the trace id of a W3C traceparent value (version 00:
 * "00-<32 hex>-<16 hex>-<2 hex>", lower case; a later version may add
 * "-..." after it) into out (CALLTRACE_ID_LEN + 1 bytes). 0, or -1 when the
 * value is not one (malformed, or an all-zero id): nothing is logged. */
int calltrace_parse(const char *value, size_t len, char *out) __attribute__((warn_unused_result));

/* The request's top-level string field "request_id" when it has one and it
 * is not empty; NULL otherwise. The string belongs to the message. */
const char *calltrace_request_id(const ProtobufCMessage *req);

#endif
