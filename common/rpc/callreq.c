/*
 * callreq.c - a call's request, between accept and its handler: the bearer
 * token, the caps on streaming calls, the read gate that shares the slots
 * for receiving request messages (readgate.h), the wire guard that checks a
 * message before protobuf-c decodes it (pbguard.h), and decoding.
 *
 * Methods are registered without a pre-read payload, so the token and the
 * caps are checked before any of the body is asked for: a caller without a
 * token costs the transport's 64 KiB stream window at most.
 */
#include "call_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/support/alloc.h>

#include "authcache.h"
#include "metrics.h"

/* A request message up to this size gives its read slot back as soon as it
 * is received; a larger one keeps it until its call is over. */
#define READ_SMALL_BYTES 65536

static void release(rpc_call *c);
static int authenticate(rpc_call *c);
static int stream_over_cap(rpc_call *c);
static const char *read_key(rpc_call *c);
static void request_read(rpc_call *c);
static void request_cb(rpc_tag *t, int ok);
static int decode(rpc_call *c, grpc_byte_buffer *payload);

void callreq_begin(rpc_call *c)
{
    rpc_server *s = c->srv;
    const rpc_reg *reg = c->reg;
    if (authenticate(c) != 0 || (reg->kind != RPC_UNARY && stream_over_cap(c) != 0))
        return;
    if (reg->kind == RPC_BIDI) {
        reg->handler(c, NULL);
        return;
    }
    call_ref(c); /* the request read, queued or in flight */
    c->request_tag.fn = request_cb;
    c->release = release;
    if (readgate_enter(&s->reads, &c->gate, read_key(c), uv_now(&s->loop)))
        request_read(c);
}

/* The call's slot (or its place in the queue) goes to the next caller:
 * c->release, run by call.c when the call is freed. */
static void release(rpc_call *c)
{
    rpc_server *s = c->srv;
    if (c->gate.state == READGATE_IDLE)
        return;
    readgate_leave(&s->reads, &c->gate);
    readgate_entry *e;
    while ((e = readgate_next(&s->reads, uv_now(&s->loop)))) {
        rpc_call *n = (rpc_call *)((char *)e - offsetof(rpc_call, gate));
        if (n->finished) {
            /* Ended while it waited (its deadline): nothing to read. */
            readgate_leave(&s->reads, &n->gate);
            call_unref(n);
            continue;
        }
        request_read(n);
    }
}

void callreq_sweep_reads(rpc_server *s)
{
    uint64_t now = uv_now(&s->loop);
    readgate_entry *e = NULL;
    while ((e = readgate_overdue(&s->reads, e, now, (uint64_t)s->cfg.read_timeout_ms))) {
        rpc_call *c = (rpc_call *)((char *)e - offsetof(rpc_call, gate));
        if (!c->finished && c->request_pending)
            call_end(c, GRPC_STATUS_RESOURCE_EXHAUSTED,
                     "the request message did not arrive in time (READ_TIMEOUT_MS)");
    }
}

/* ---- internals ------------------------------------------------------- */

static int authenticate(rpc_call *c)
{
    const rpc_reg *reg = c->reg;
    if (reg->auth == RPC_AUTH_NONE)
        return 0;
    const char *hdr = NULL;
    size_t hlen = 0;
    for (size_t i = 0; i < c->md.count; i++) {
        grpc_slice k = c->md.metadata[i].key;
        if (GRPC_SLICE_LENGTH(k) == 13 &&
            memcmp(GRPC_SLICE_START_PTR(k), "authorization", 13) == 0) {
            hdr = (const char *)GRPC_SLICE_START_PTR(c->md.metadata[i].value);
            hlen = GRPC_SLICE_LENGTH(c->md.metadata[i].value);
        }
    }
    const char *tok, *why = "invalid token";
    size_t tlen;
    if (!hdr) {
        call_end(c, GRPC_STATUS_UNAUTHENTICATED, "missing authorization: Bearer token");
        return -1;
    }
    if (auth_bearer(hdr, hlen, &tok, &tlen) != 0) {
        call_end(c, GRPC_STATUS_UNAUTHENTICATED, "authorization must be a Bearer token");
        return -1;
    }
    if (authcache_verify(c->srv->tokens, &c->srv->keys, tok, tlen, (long long)time(NULL),
                         &c->claims, &why) != 0) {
        call_end(c, GRPC_STATUS_UNAUTHENTICATED, why);
        return -1;
    }
    c->authed = 1;
    if (reg->auth == RPC_AUTH_INTERNAL && c->claims.role != AUTH_ROLE_SERVICE) {
        call_end(c, GRPC_STATUS_PERMISSION_DENIED, "this method is for internal callers only");
        return -1;
    }
    return 0;
}

/* Streaming calls hold memory for as long as the client likes: their number
 * is capped in all, for calls without a token, and per token subject. The
 * call itself is already counted. */
static int stream_over_cap(rpc_call *c)
{
    rpc_server *s = c->srv;
    const char *why = NULL;
    if (s->nstreams > s->cfg.streams_max) {
        why = "too many open streams on this server, try again later";
    } else if (c->reg->auth == RPC_AUTH_NONE) {
        if (s->nstreams_anon > s->cfg.unauthenticated_streams_max)
            why = "too many open streams without a token, try again later";
    } else {
        int mine = 0;
        for (rpc_call *o = s->streams; o && !why; o = o->stream_next)
            if (o != c && o->authed && !o->finished && strcmp(o->claims.sub, c->claims.sub) == 0 &&
                ++mine >= s->cfg.streams_per_user)
                why = "too many open streams for this user (STREAMS_PER_USER)";
    }
    if (!why)
        return 0;
    if (s->metrics)
        metrics_limit_hit(s->metrics, METRICS_LIMIT_STREAMS, 1);
    call_end(c, GRPC_STATUS_RESOURCE_EXHAUSTED, why);
    return -1;
}

/* The gate (readgate.h) shares the slots for receiving request messages
 * among callers: by token subject, or by peer address without a token. */
static const char *read_key(rpc_call *c)
{
    if (c->authed)
        return c->claims.sub;
    char *peer = grpc_call_get_peer(c->call);
    char *key = peer ? rpc_alloc(c, strlen(peer) + 1) : NULL;
    if (key) {
        strcpy(key, peer);
        char *port = strrchr(key, ':'); /* one caller per address, whatever the port */
        if (port && port != key)
            *port = 0;
    }
    gpr_free(peer);
    return key ? key : "?";
}

static void request_read(rpc_call *c)
{
    c->request_pending = 1;
    grpc_op op = {.op = GRPC_OP_RECV_MESSAGE};
    op.data.recv_message.recv_message = &c->recv_bb;
    if (call_batch(c, c->call, &op, 1, &c->request_tag) != GRPC_CALL_OK)
        request_cb(&c->request_tag, 0);
}

static void request_cb(rpc_tag *t, int ok)
{
    rpc_call *c = (rpc_call *)((char *)t - offsetof(rpc_call, request_tag));
    grpc_byte_buffer *bb = c->recv_bb;
    c->recv_bb = NULL;
    c->request_pending = 0;
    /* A large request keeps its slot until the call is over, so that what
     * the gate bounds is also the requests held while handlers run. */
    if (!bb || grpc_byte_buffer_length(bb) <= READ_SMALL_BYTES)
        release(c);
    if (c->finished) {
        if (bb)
            grpc_byte_buffer_destroy(bb);
    } else if (!ok) {
        call_end(c, GRPC_STATUS_CANCELLED, "client went away");
        if (bb)
            grpc_byte_buffer_destroy(bb);
    } else if (decode(c, bb) == 0) {
        c->reg->handler(c, c->req);
    }
    call_unref(c);
}

/* Takes ownership of payload. */
static int decode(rpc_call *c, grpc_byte_buffer *payload)
{
    if (!payload) {
        call_end(c, GRPC_STATUS_INVALID_ARGUMENT, "missing request message");
        return -1;
    }
    grpc_byte_buffer_reader r;
    if (!grpc_byte_buffer_reader_init(&r, payload)) {
        grpc_byte_buffer_destroy(payload);
        call_end(c, GRPC_STATUS_INTERNAL, "cannot read the request");
        return -1;
    }
    grpc_slice s = grpc_byte_buffer_reader_readall(&r);
    grpc_byte_buffer_reader_destroy(&r);
    grpc_byte_buffer_destroy(payload);
    if (call_guard(c, GRPC_SLICE_START_PTR(s), GRPC_SLICE_LENGTH(s)) != 0) {
        grpc_slice_unref(s);
        return -1;
    }
    c->req = protobuf_c_message_unpack(c->reg->input, NULL, GRPC_SLICE_LENGTH(s),
                                       GRPC_SLICE_START_PTR(s));
    grpc_slice_unref(s);
    if (!c->req) {
        call_end(c, GRPC_STATUS_INVALID_ARGUMENT, "malformed request message");
        return -1;
    }
    metrics_msg_received(c->srv->metrics, c->reg->idx);
    return 0;
}
