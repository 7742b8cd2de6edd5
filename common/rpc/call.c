/*
 * call.c - one RPC's life on the loop: accept, run the handler, send,
 * finish, log, free. What happens between accepting a call and running its
 * handler (the token, the caps, receiving and checking the request) is
 * callreq.c's.
 *
 * A call is reference counted: the handler phase, the RECV_CLOSE_ON_SERVER
 * batch (posted at accept, it tells when the client is gone), each batch in
 * flight and each database transaction in flight hold one reference. At zero
 * the deadline timer is closed and the memory goes with its close callback.
 */
#include "call_int.h"

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "arena.h"
#include "log.h"
#include "metrics.h"
#include "pbguard.h"
#include "calltrace.h"
#include "errdetail.h"
#include "pgerr.h"

static void close_cb(rpc_tag *t, int ok);
static void send_cb(rpc_tag *t, int ok);
static void recv_cb(rpc_tag *t, int ok);
static void deadline_cb(uv_timer_t *t);
static void timer_closed(uv_handle_t *h);
static void pump(rpc_call *c);

static void log_call(rpc_call *c);
static void begin_trace(rpc_call *c);
static int status_details(rpc_call *c);

/* ---- accept ---------------------------------------------------------- */

rpc_call *call_start(rpc_server *s, const rpc_reg *reg, grpc_call *call, gpr_timespec deadline,
                     grpc_metadata_array *md, const char *unknown_path)
{
    rpc_call *c = calloc(1, sizeof(*c));
    if (!c) {
        /* Without memory for the call there is nobody to answer: let core
         * cancel it, the client sees CANCELLED. */
        grpc_call_cancel_with_status(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory", NULL);
        grpc_call_unref(call);
        grpc_metadata_array_destroy(md);
        return NULL;
    }
    c->srv = s;
    c->reg = reg;
    c->call = call;
    c->md = *md;
    c->start_ns = uv_hrtime();
    begin_trace(c);
    c->refs = 1; /* the handler phase, dropped when the status is out */
    c->close_tag.fn = close_cb;
    c->send_tag.fn = send_cb;
    c->recv_tag.fn = recv_cb;
    s->calls_live++;
    if (reg && s->metrics)
        metrics_started(s->metrics, reg->idx);
    uv_timer_init(&s->loop, &c->timer);
    c->timer.data = c;
    if (unknown_path)
        c->unknown_path = strdup(unknown_path);
    if (reg && reg->kind != RPC_UNARY) {
        c->stream_next = s->streams;
        if (s->streams)
            s->streams->stream_prev = &c->stream_next;
        c->stream_prev = &s->streams;
        s->streams = c;
        s->nstreams++;
        if (reg->auth == RPC_AUTH_NONE)
            s->nstreams_anon++;
    }

    /* Streams watch for the client going away from the start. A unary call
     * asks with its final batch instead: one completion (and one thread
     * hand-off) less per call, profiling showed hand-offs dominate; its
     * deadline still ends it on time (statement_timeout in the database). */
    if (!reg || reg->kind != RPC_UNARY) {
        grpc_op op = {.op = GRPC_OP_RECV_CLOSE_ON_SERVER};
        op.data.recv_close_on_server.cancelled = &c->client_cancelled;
        c->close_started = 1;
        call_ref(c);
        if (call_batch(c, call, &op, 1, &c->close_tag) != GRPC_CALL_OK) {
            c->close_done = 1;
            call_unref(c);
        }
    }

    gpr_timespec now = gpr_now(GPR_CLOCK_MONOTONIC);
    gpr_timespec dl = gpr_convert_clock_type(deadline, GPR_CLOCK_MONOTONIC);
    if (gpr_time_cmp(dl, gpr_inf_future(GPR_CLOCK_MONOTONIC)) != 0) {
        int64_t ms = gpr_time_to_millis(gpr_time_sub(dl, now));
        uv_timer_start(&c->timer, deadline_cb, ms > 0 ? (uint64_t)ms : 0, 0);
        c->deadline_ns = c->start_ns + (ms > 0 ? (uint64_t)ms : 0) * 1000000u;
        if (ms <= 0) {
            c->deadline_hit = 1;
            call_end(c, GRPC_STATUS_DEADLINE_EXCEEDED, "deadline exceeded");
            return NULL;
        }
    }

    if (!reg || !reg->handler) {
        call_end(c, GRPC_STATUS_UNIMPLEMENTED,
                 reg ? "method not implemented yet" : "unknown method");
        return NULL;
    }
    if (s->draining && reg->auth != RPC_AUTH_NONE) {
        call_end(c, GRPC_STATUS_UNAVAILABLE, "server is shutting down");
        return NULL;
    }
    return c;
}

/* ---- the primitives of rpc.c: messages out and in ---------------------- */

void call_send_raw(rpc_call *c, const uint8_t *buf, size_t len)
{
    if (c->finished || c->client_cancelled)
        return;
    grpc_slice s = grpc_slice_from_copied_buffer((const char *)buf, len);
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
    grpc_slice_unref(s);
    call_enqueue(c, bb);
}

grpc_byte_buffer *call_pack(const ProtobufCMessage *m, size_t bound)
{
#ifdef CAMEOS_SANITIZED
    if (bound && protobuf_c_message_get_packed_size(m) > bound) {
        log_msg(CONFIG_LOG_ERROR, "%s: packed size %zu over its bound %zu", m->descriptor->name,
                protobuf_c_message_get_packed_size(m), bound);
        abort();
    }
#endif
    size_t n = bound ? bound : protobuf_c_message_get_packed_size(m);
    grpc_slice s = grpc_slice_malloc(n);
    size_t used = protobuf_c_message_pack(m, GRPC_SLICE_START_PTR(s));
    GRPC_SLICE_SET_LENGTH(s, used);
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
    grpc_slice_unref(s);
    return bb;
}

/* Takes ownership of bb: queues it and starts sending. */
void call_enqueue(rpc_call *c, grpc_byte_buffer *bb)
{
    if (call_queue_msg(c, bb) == 0)
        pump(c);
}

/* Takes ownership of bb: queues it behind the messages not sent yet. 0, or
 * -1 after ending the call RESOURCE_EXHAUSTED (bb NULL: packing failed). */
int call_queue_msg(rpc_call *c, grpc_byte_buffer *bb)
{
    if (c->outq_n >= RPC_STREAM_QUEUE_MAX) {
        /* The client stopped reading: what it has not taken stays bounded. */
        if (bb)
            grpc_byte_buffer_destroy(bb);
        call_drop_queue(c);
        call_end(c, GRPC_STATUS_RESOURCE_EXHAUSTED, "the client is not reading the stream");
        return -1;
    }
    outmsg *m = malloc(sizeof(*m));
    if (!m || !bb) {
        if (bb)
            grpc_byte_buffer_destroy(bb);
        free(m);
        call_end(c, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        return -1;
    }
    m->bb = bb;
    m->next = NULL;
    if (c->outq_tail)
        c->outq_tail->next = m;
    else
        c->outq = m;
    c->outq_tail = m;
    c->outq_n++;
    if (c->reg)
        metrics_msg_sent(c->srv->metrics, c->reg->idx);
    return 0;
}

void call_drop_queue(rpc_call *c)
{
    while (c->outq) {
        outmsg *m = c->outq;
        c->outq = m->next;
        grpc_byte_buffer_destroy(m->bb);
        free(m);
    }
    c->outq_tail = NULL;
    c->outq_n = 0;
}

void call_recv_post(rpc_call *c, rpc_recv_fn cb)
{
    c->recv_cb = cb;
    grpc_op op = {.op = GRPC_OP_RECV_MESSAGE};
    op.data.recv_message.recv_message = &c->recv_bb;
    call_ref(c);
    if (call_batch(c, c->call, &op, 1, &c->recv_tag) != GRPC_CALL_OK) {
        c->recv_cb = NULL;
        call_unref(c);
        call_end(c, GRPC_STATUS_INTERNAL, "cannot read the request stream");
    }
}

rpc_call **call_watch_next(rpc_call *c)
{
    return &c->watch_next;
}

void call_end_streams(rpc_server *s)
{
    for (rpc_call *c = s->streams; c; c = c->stream_next)
        call_end(c, GRPC_STATUS_UNAVAILABLE, "server is shutting down");
}

/* ---- internals ------------------------------------------------------- */

void call_ref(rpc_call *c)
{
    c->refs++;
}

void call_unref(rpc_call *c)
{
    assert(c->refs > 0);
    if (--c->refs > 0)
        return;
    if (c->cleanup)
        c->cleanup(c, c->data);
    if (c->stream_prev) {
        *c->stream_prev = c->stream_next;
        if (c->stream_next)
            c->stream_next->stream_prev = c->stream_prev;
        c->stream_prev = NULL;
        c->srv->nstreams--;
        if (c->reg->auth == RPC_AUTH_NONE)
            c->srv->nstreams_anon--;
    }
    uv_close((uv_handle_t *)&c->timer, timer_closed);
}

static void timer_closed(uv_handle_t *h)
{
    rpc_call *c = h->data;
    if (c->release)
        c->release(c); /* a large request's read slot */
    c->srv->calls_live--;
    if (c->req)
        protobuf_c_message_free_unpacked(c->req, NULL);
    auth_claims_free(&c->claims);
    grpc_metadata_array_destroy(&c->md);
    grpc_call_unref(c->call);
    free(c->status_msg);
    free(c->unknown_path);
    for (deferred *d = c->defers; d; d = d->next)
        d->fn(d->p);
    arena_free(&c->mem);
    free(c);
}

/* Decides the status; it goes out once queued messages are sent. */
void call_end(rpc_call *c, grpc_status_code code, const char *msg)
{
    if (c->finished)
        return;
    c->finished = 1;
    if (c->gate.state == READGATE_WAITING) {
        /* Ended while it waited for a read slot (its deadline): it leaves
         * the queue, and the queue's reference goes with it. The handler
         * phase's reference keeps the call until its status is out. */
        readgate_leave(&c->srv->reads, &c->gate);
        call_unref(c);
    }
    c->status = code;
    c->status_msg = msg ? strdup(msg) : NULL;
    uv_timer_stop(&c->timer);
    if (c->q)
        pgpool_cancel(c->q);
    c->finish_pending = 1;
    log_call(c);
    pump(c);
}

/* Starts the next send batch if none is in flight: the next queued message,
 * or the final status (with initial metadata if it never went out). */
static void pump(rpc_call *c)
{
    if (c->sending)
        return;
    grpc_op ops[4];
    size_t n = 0;
    memset(ops, 0, sizeof(ops));
    if (!c->initial_md_sent) {
        ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
        c->initial_md_sent = 1;
    }
    if (c->outq) {
        outmsg *m = c->outq;
        c->outq = m->next;
        if (!c->outq)
            c->outq_tail = NULL;
        c->outq_n--;
        c->send_bb = m->bb;
        free(m);
        ops[n].op = GRPC_OP_SEND_MESSAGE;
        ops[n++].data.send_message.send_message = c->send_bb;
    }
    int final = 0;
    if (!c->outq && c->finish_pending) {
        final = 1;
        c->finish_pending = 0;
        ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
        ops[n].data.send_status_from_server.status = c->status;
        if (c->status_msg) {
            c->status_slice = grpc_slice_from_copied_string(c->status_msg);
            ops[n].data.send_status_from_server.status_details = &c->status_slice;
        }
        if (c->status != GRPC_STATUS_OK && status_details(c) == 0) {
            ops[n].data.send_status_from_server.trailing_metadata_count = c->n_status_details;
            ops[n].data.send_status_from_server.trailing_metadata = c->status_details;
        }
        n++;
        if (!c->close_started) {
            c->close_started = 1;
            ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
            ops[n++].data.recv_close_on_server.cancelled = &c->client_cancelled;
        }
    }
    if (n == 0 || (n == 1 && ops[0].op == GRPC_OP_SEND_INITIAL_METADATA && !final && !c->send_bb)) {
        if (n == 1)
            c->initial_md_sent = 0; /* nothing to carry it yet */
        return;
    }
    c->sending = final ? 2 : 1;
    call_ref(c);
    if (call_batch(c, c->call, ops, n, &c->send_tag) != GRPC_CALL_OK) {
        log_call_msg(CONFIG_LOG_ERROR, c->trace.trace_id, c->trace.span_id,
                     "start_batch failed on a send");
        send_cb(&c->send_tag, 0);
    }
}

/* Every batch goes through here so that one finishing inside the call
 * skips the queue's lock (see cqloop_cache_begin). */
grpc_call_error call_batch(rpc_call *c, grpc_call *call, const grpc_op *ops, size_t n, rpc_tag *tag)
{
    cqloop_cache_begin(&c->srv->cqloop);
    grpc_call_error e = grpc_call_start_batch(call, ops, n, tag, NULL);
    cqloop_cache_end(&c->srv->cqloop);
    return e;
}

int call_guard(rpc_call *c, const uint8_t *buf, size_t len)
{
    static const pbguard_limits lim = {PBGUARD_MAX_DEPTH, PBGUARD_MAX_NODES};
    char field[128], msg[256];
    pbguard_verdict v = pbguard_check(c->reg->input, buf, len, &lim, field, sizeof(field));
    if (v == PBGUARD_OK)
        return 0;
    pbguard_message(v, field, &lim, msg, sizeof(msg));
    if (c->srv->metrics)
        metrics_limit_hit(c->srv->metrics, METRICS_LIMIT_REQUEST_SHAPE, 1);
    call_end(c, GRPC_STATUS_INVALID_ARGUMENT, msg);
    return -1;
}

static void send_cb(rpc_tag *t, int ok)
{
    rpc_call *c = (rpc_call *)((char *)t - offsetof(rpc_call, send_tag));
    int was_final = c->sending == 2;
    c->sending = 0;
    if (c->send_bb) {
        grpc_byte_buffer_destroy(c->send_bb);
        c->send_bb = NULL;
    }
    if (was_final) {
        c->close_done = 1;
        if (c->status_msg)
            grpc_slice_unref(c->status_slice);
        for (size_t k = 0; k < c->n_status_details; k++) {
            grpc_slice_unref(c->status_details[k].key);
            grpc_slice_unref(c->status_details[k].value);
        }
        call_unref(c); /* this batch */
        call_unref(c); /* the handler phase */
        return;
    }
    if (!ok && !c->finished) {
        /* The stream broke (client gone): end it. */
        call_end(c, GRPC_STATUS_CANCELLED, "client went away");
    }
    pump(c);
    if (c->recv_after_send && !c->sending && !c->outq) {
        rpc_recv_fn cb = c->recv_after_send;
        c->recv_after_send = NULL;
        if (!c->finished)
            call_recv_post(c, cb);
    }
    call_unref(c);
}

static void recv_cb(rpc_tag *t, int ok)
{
    rpc_call *c = (rpc_call *)((char *)t - offsetof(rpc_call, recv_tag));
    rpc_recv_fn cb = c->recv_cb;
    c->recv_cb = NULL;
    grpc_byte_buffer *bb = c->recv_bb;
    c->recv_bb = NULL;
    if (!c->finished) {
        if (!ok) {
            call_end(c, GRPC_STATUS_CANCELLED, "client went away");
        } else if (!bb) {
            cb(c, NULL, 0, 1);
        } else {
            grpc_byte_buffer_reader r;
            if (grpc_byte_buffer_reader_init(&r, bb)) {
                grpc_slice s = grpc_byte_buffer_reader_readall(&r);
                grpc_byte_buffer_reader_destroy(&r);
                if (call_guard(c, GRPC_SLICE_START_PTR(s), GRPC_SLICE_LENGTH(s)) == 0)
                    cb(c, GRPC_SLICE_START_PTR(s), GRPC_SLICE_LENGTH(s), 0);
                grpc_slice_unref(s);
            } else {
                call_end(c, GRPC_STATUS_INTERNAL, "cannot read the request");
            }
        }
    }
    if (bb)
        grpc_byte_buffer_destroy(bb);
    call_unref(c);
}

static void close_cb(rpc_tag *t, int ok)
{
    (void)ok;
    rpc_call *c = (rpc_call *)((char *)t - offsetof(rpc_call, close_tag));
    c->close_done = 1;
    if (c->client_cancelled && !c->finished)
        call_end(c, GRPC_STATUS_CANCELLED, "client cancelled the call");
    call_unref(c);
}

static void deadline_cb(uv_timer_t *t)
{
    rpc_call *c = t->data;
    if (c->finished)
        return;
    c->deadline_hit = 1;
    call_drop_queue(c); /* as rpc_fail: what a stream had queued goes */
    call_end(c, GRPC_STATUS_DEADLINE_EXCEEDED, "deadline exceeded");
}

static void log_call(rpc_call *c)
{
    uint64_t ns = uv_hrtime() - c->start_ns;
    double secs = (double)ns / 1e9;
    if (c->reg && c->srv->metrics)
        metrics_handled(c->srv->metrics, c->reg->idx, c->status, secs);
    /* Probes and reflection would drown the log: only failures of those. */
    if (c->reg && c->reg->auth == RPC_AUTH_NONE && c->status == GRPC_STATUS_OK)
        return;
    log_rpc_line l = {
        .method = c->reg ? c->reg->path : (c->unknown_path ? c->unknown_path : "?"),
        .code = pgerr_code_name(c->status),
        .duration_us = (long long)(ns / 1000),
        .user = c->authed ? c->claims.sub : NULL,
        .sqlstate = c->log_sqlstate,
        .message = c->status == GRPC_STATUS_OK ? NULL : c->status_msg,
        .fault = c->status == GRPC_STATUS_INTERNAL || c->status == GRPC_STATUS_UNKNOWN ||
                 c->status == GRPC_STATUS_DATA_LOSS,
    };
    if (l.fault)
        l.detail = c->log_detail;
    l.trace_id = c->trace.trace_id;
    l.span_id = c->trace.span_id;
    l.parent_id = c->trace.parent_id[0] ? c->trace.parent_id : NULL;
    l.x_request_id = c->trace.xrid[0] ? c->trace.xrid : NULL;
    char rid[CALLTRACE_REQ_ID_MAX + 1];
    const char *req_id = calltrace_request_id(c->req);
    if (req_id) {
        snprintf(rid, sizeof(rid), "%s", req_id); /* longer ones were refused anyway */
        l.request_id = rid;
    }
    char *peer = grpc_call_get_peer(c->call);
    l.peer = peer;
    log_rpc(&l);
    gpr_free(peer);
}

/* The call's trace context, from its traceparent and x-request-id headers
 * (calltrace.h): a fresh trace when none came. */
static void begin_trace(rpc_call *c)
{
    const char *tp = NULL, *xr = NULL;
    size_t tp_len = 0, xr_len = 0;
    /* Pointers into the array's slices, not copies: a short value is
     * inlined in the slice itself, and a copy's bytes die with the copy. */
    for (size_t i = 0; i < c->md.count; i++) {
        const grpc_slice *k = &c->md.metadata[i].key, *v = &c->md.metadata[i].value;
        size_t klen = GRPC_SLICE_LENGTH(*k);
        if (klen == 11 && memcmp(GRPC_SLICE_START_PTR(*k), "traceparent", 11) == 0) {
            tp = (const char *)GRPC_SLICE_START_PTR(*v);
            tp_len = GRPC_SLICE_LENGTH(*v);
        } else if (klen == 12 && memcmp(GRPC_SLICE_START_PTR(*k), "x-request-id", 12) == 0) {
            xr = (const char *)GRPC_SLICE_START_PTR(*v);
            xr_len = GRPC_SLICE_LENGTH(*v);
        }
    }
    calltrace_begin(&c->trace, tp, tp_len, xr, xr_len, &c->srv->trace_rng);
}

/* The failure's trailers, in c->status_details until the status is sent:
 * its google.rpc.Status (errdetail.h) as grpc-status-details-bin and, when
 * a retry can help, grpc-retry-pushback-ms with the same delay as its
 * RetryInfo (gRPC clients with a retry policy wait that long before the
 * next attempt). 0, or -1 when nothing could be built (the status then
 * goes out without them). */
static int status_details(rpc_call *c)
{
    size_t len = 0;
    int retry_ms = -1;
    uint8_t *buf = errdetail_pack(c->status, c->status_msg, c->srv->domain,
                                  c->reg ? c->reg->input : NULL, &len, &retry_ms);
    if (!buf)
        return -1;
    c->status_details[0].key = grpc_slice_from_static_string("grpc-status-details-bin");
    c->status_details[0].value = grpc_slice_from_copied_buffer((const char *)buf, len);
    free(buf);
    c->n_status_details = 1;
    if (retry_ms >= 0) {
        char ms[16];
        snprintf(ms, sizeof(ms), "%d", retry_ms);
        c->status_details[1].key = grpc_slice_from_static_string("grpc-retry-pushback-ms");
        c->status_details[1].value = grpc_slice_from_copied_string(ms);
        c->n_status_details = 2;
    }
    return 0;
}
