/*
 * errdetail - the machine-readable side of a failed call: google.rpc.Status
 * for the grpc-status-details-bin trailer, with ErrorInfo (a stable reason
 * and the service's domain), BadRequest (the request field the message
 * names, for INVALID_ARGUMENT) and RetryInfo (where trying again can help).
 *
 * Every failure of the services ends in one place (call.c's call_end) with
 * a status code and an English message; the reason is derived from the two
 * here, by one table, so that handlers and SQL keep writing messages for
 * people and callers get identifiers to program against. The reasons are
 * listed in README "Errors" and in the protos' header comments.
 *
 * Pure: no I/O. errdetail_pack returns a malloc'd buffer the caller frees;
 * every string returned by the other functions is static.
 */
#ifndef CAMEOS_ERRDETAIL_H
#define CAMEOS_ERRDETAIL_H

#include <grpc/status.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/* Longest field path a BadRequest names (longer ones are left out). */
#define ERRDETAIL_FIELD_MAX 128

/* The stable reason of a failure: UPPER_SNAKE_CASE, never NULL. For a code
 * the table does not refine, the code's own name ("INVALID_ARGUMENT"). */
const char *errdetail_reason(grpc_status_code code, const char *msg);

/* Milliseconds after which the same call may succeed (a reason of
 * errdetail_reason), or -1 when retrying it unchanged cannot help. */
int errdetail_retry_ms(const char *reason);

/* The request field msg begins with ("campaign.name must be ...",
 * "update_mask: ..."), when that path names a field of input (walked
 * through sub-messages; an index "[3]" is allowed after a repeated field):
 * its length, copied into out (NUL-terminated). 0 when msg names none. */
size_t errdetail_field(const ProtobufCMessageDescriptor *input, const char *msg,
                       char out[ERRDETAIL_FIELD_MAX]) __attribute__((warn_unused_result));

/* google.rpc.Status of a failed call (code != OK), packed: code, msg,
 * ErrorInfo{reason, domain, metadata} and, where they apply, BadRequest and
 * RetryInfo. domain is e.g. "credits.cameos.dev"; input may be NULL (no
 * field lookup). Returns a malloc'd buffer of *len bytes, or NULL when out
 * of memory; *retry_ms (when not NULL) gets the RetryInfo delay, or -1 when
 * there is none, so that the caller needs no second pass over the rules. */
uint8_t *errdetail_pack(grpc_status_code code, const char *msg, const char *domain,
                        const ProtobufCMessageDescriptor *input, size_t *len, int *retry_ms)
    __attribute__((warn_unused_result));

#endif
