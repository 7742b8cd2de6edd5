/*
 * client - a blocking gRPC client for the integration tests.
 *
 * Talks to a running service over a real insecure (h2c) channel with the
 * gRPC core C API; messages are protobuf-c. Every call is synchronous, with
 * its own completion queue, so any number of threads may share one tc_chan.
 * A call always ends, at the latest shortly after its deadline.
 *
 * Ownership: the caller owns the tc_chan (tc_close) and every tc_result
 * (tc_result_free, which frees message and resp). Request messages, tokens
 * and metadata stay the caller's and are not kept after the call returns.
 */
#ifndef CAMEOS_TESTS_CLIENT_H
#define CAMEOS_TESTS_CLIENT_H

#include <grpc/status.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/* Deadline used when a call passes deadline_ms <= 0. */
#define TC_DEFAULT_DEADLINE_MS 10000

typedef struct tc_chan tc_chan;

/* Longest ErrorInfo reason / BadRequest field path a tc_result keeps. */
#define TC_DETAIL_MAX 128

typedef struct tc_result {
    grpc_status_code code;
    char *message;          /* status message; malloc'd, "" when none */
    ProtobufCMessage *resp; /* decoded response, or NULL (see tc_unary) */
    size_t resp_bytes;      /* size of the response message on the wire */
    /* From the grpc-status-details-bin trailer (google.rpc.Status) of a
     * failure, "" / -1 when absent: ErrorInfo's reason and domain, the first
     * BadRequest field violation's path, RetryInfo's delay. */
    char reason[TC_DETAIL_MAX];
    char domain[TC_DETAIL_MAX];
    char field[TC_DETAIL_MAX];
    int retry_ms;
} tc_result;

/* Opens an insecure channel to addr ("host:port" or any gRPC target URI).
 * Each channel has its own connection (no subchannel sharing), connected
 * lazily on the first call. Returns NULL on failure. */
tc_chan *tc_connect(const char *addr) __attribute__((warn_unused_result));

/* With TC_REQUIRE_DETAILS=1 in the environment (the integration tests'
 * ctest runs set it), every failure the services themselves decide
 * (INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED,
 * FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE, UNAUTHENTICATED, INTERNAL)
 * must carry google.rpc.Status details that agree with the status (same
 * code and message, an ErrorInfo with a reason and a *.cameos.dev domain),
 * and details of any other failure must agree too; otherwise the client
 * prints why and aborts, so any test that meets such a failure fails. */

/* Destroys the channel; NULL is allowed. No call may still be running on it. */
void tc_close(tc_chan *ch);

/* Waits until the channel is connected, at most timeout_ms. Returns 0 when
 * it is READY, -1 otherwise. For fixtures that wait for a service to start:
 * calls themselves fail fast with UNAVAILABLE while nothing listens. */
int tc_wait_ready(tc_chan *ch, int timeout_ms) __attribute__((warn_unused_result));

/* Unary call to method_path ("/pkg.Service/Method"), blocking.
 * token: sent as "authorization: Bearer <token>", none when NULL.
 * extra_md: NULL or a NULL-terminated list of key, value, key, value...
 * (keys lowercase; "-bin" keys take raw values).
 * resp_desc: how to decode the response; NULL leaves resp NULL.
 * deadline_ms <= 0 means TC_DEFAULT_DEADLINE_MS.
 * On OK with a response that does not decode as resp_desc, out->code is
 * turned into INTERNAL with a message starting "tc:".
 * Returns 0 when the call completed, whatever its status (see out->code),
 * -1 on a local failure (bad arguments, invalid metadata, out of memory);
 * out is always initialised and must be freed with tc_result_free. */
int tc_unary(tc_chan *ch, const char *method_path, const ProtobufCMessage *req,
             const ProtobufCMessageDescriptor *resp_desc, const char *token,
             const char *const *extra_md, int deadline_ms, tc_result *out)
    __attribute__((warn_unused_result));

/* Like tc_unary, but sends the len bytes at req as the request message as is
 * (req may be NULL when len is 0): for malformed-message tests. */
int tc_unary_raw(tc_chan *ch, const char *method_path, const uint8_t *req, size_t len,
                 const ProtobufCMessageDescriptor *resp_desc, const char *token, int deadline_ms,
                 tc_result *out) __attribute__((warn_unused_result));

/* Server-streaming call: on_msg(m, arg) runs for each response message, in
 * order, on the calling thread; m is freed when it returns. on_msg must not
 * use Criterion asserts (their longjmp would leak the call): record what it
 * saw and return non-zero to stop, then assert after tc_stream. A non-zero
 * return cancels the call (the final code is then CANCELLED). A message that
 * does not decode cancels the call with INTERNAL ("tc: ..."). out gets the
 * final status; out->resp stays NULL and out->resp_bytes sums the messages.
 * Returns like tc_unary. */
int tc_stream(tc_chan *ch, const char *method_path, const ProtobufCMessage *req,
              const ProtobufCMessageDescriptor *resp_desc, const char *token, int deadline_ms,
              int (*on_msg)(const ProtobufCMessage *m, void *arg), void *arg, tc_result *out)
    __attribute__((warn_unused_result));

/* Frees what a tc_result holds and resets it; NULL is allowed. */
void tc_result_free(tc_result *r);

/* "OK", "NOT_FOUND", ... for assertion messages; "?" for a code outside
 * 0..16. Static storage. */
const char *tc_code_name(grpc_status_code c);

#endif
