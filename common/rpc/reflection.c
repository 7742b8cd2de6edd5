/*
 * reflection.c - the server reflection stream (v1 and v1alpha share it):
 * each request read from the stream is answered from the index refl.c
 * built over the embedded descriptor set, once it passed the request shape
 * checks (pbguard); the stream ends OK when the client half-closes.
 */
#include "rpc_int.h"

#include <stdlib.h>

#include "grpc/reflection/v1/reflection.pb-c.h"

static void on_request(rpc_call *c, const uint8_t *buf, size_t len, int eof);

void reflection_info(rpc_call *c, const ProtobufCMessage *req)
{
    (void)req; /* bidi: requests come through rpc_recv */
    rpc_recv(c, on_request);
}

static void on_request(rpc_call *c, const uint8_t *buf, size_t len, int eof)
{
    if (eof) {
        rpc_finish(c, GRPC_STATUS_OK, NULL);
        return;
    }
    /* buf has passed the shape checks of every request message in
     * rpc_recv (a field numbered 0 among them: protobuf-c 1.4 reads it
     * written in two bytes and writes it back in one, which no client can
     * parse), so refl_answer may decode it. */
    uint8_t *out = NULL;
    size_t out_len = 0;
    int rc = refl_answer(rpc_call_server(c)->refl, buf, len, &out, &out_len);
    if (rc == -1) {
        rpc_fail(c, GRPC_STATUS_INVALID_ARGUMENT, "malformed reflection request");
        return;
    }
    if (rc < 0) {
        rpc_fail(c, GRPC_STATUS_INTERNAL, "out of memory");
        return;
    }
    /* The answer is already serialized: queue the bytes as they are. */
    call_send_raw(c, out, out_len);
    free(out);
    rpc_recv(c, on_request);
}
