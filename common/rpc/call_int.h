/*
 * call_int.h - the inside of an rpc_call, shared by call.c (a call's life:
 * accept, send, finish, free) and callreq.c (its request: the token, the
 * stream caps, the read gate, decoding), which builds on call.c and is not
 * called by it. Nothing else includes it.
 *
 * Ownership: see call.c. call_ref/call_unref count the references that keep
 * a call alive; call_end decides the status once (later calls do nothing).
 */
#ifndef CAMEOS_CALL_INT_H
#define CAMEOS_CALL_INT_H

#include "rpc_int.h"

#include "arena.h"
#include "calltrace.h"
#include "readgate.h"

/* A queued outgoing message of a stream. */
typedef struct outmsg {
    struct outmsg *next;
    grpc_byte_buffer *bb;
} outmsg;

struct rpc_call {
    rpc_server *srv;
    const rpc_reg *reg;
    char *unknown_path; /* for calls to methods we do not serve */
    grpc_call *call;
    grpc_metadata_array md;
    ProtobufCMessage *req;
    auth_claims claims;
    int authed;
    calltrace trace; /* from its headers at accept: logged, and sent to the database */
    int refs;
    uint64_t start_ns;
    /* deadline */
    uv_timer_t timer;
    uint64_t deadline_ns; /* uv_hrtime() at the deadline; 0: none */
    int deadline_hit;
    /* close-on-server */
    rpc_tag close_tag;
    int close_started; /* RECV_CLOSE_ON_SERVER posted (streams: at accept) */
    int client_cancelled;
    int close_done;
    /* sending */
    rpc_tag send_tag;
    int initial_md_sent;
    int sending;
    grpc_byte_buffer *send_bb;
    outmsg *outq, *outq_tail;
    size_t outq_n;
    int finish_pending;
    int finished; /* status decided; no more sends */
    grpc_status_code status;
    char *status_msg;
    grpc_slice status_slice;
    /* A failure's trailers: grpc-status-details-bin, and grpc-retry-pushback-ms
     * when a retry can help (call.c, status_details). */
    grpc_metadata status_details[2];
    size_t n_status_details;
    const char *log_sqlstate;
    const char *log_detail; /* the database's message, only while call_end logs */
    char sqlstate[6];
    /* receiving (bidi) */
    rpc_tag recv_tag;
    grpc_byte_buffer *recv_bb;
    rpc_recv_fn recv_cb;
    rpc_recv_fn recv_after_send; /* rpc_recv waiting for the queue to drain */
    /* the request message of a unary or server-streaming call */
    rpc_tag request_tag;
    readgate_entry gate;          /* its slot in srv->reads, or place in the queue */
    void (*release)(rpc_call *c); /* gives gate back; set by callreq.c, run on free */
    int request_pending;          /* its RECV_MESSAGE is in flight */
    /* database */
    pgq *q;
    rpc_db_fn db_ok;
    /* streaming handler state */
    void *data;
    void (*cleanup)(rpc_call *c, void *data);
    rpc_call *watch_next;
    arena *mem; /* rpc_alloc's */
    struct deferred *defers;
    rpc_call *stream_next, **stream_prev; /* in srv->streams while live */
};

typedef struct deferred {
    struct deferred *next;
    void (*fn)(void *p);
    void *p;
} deferred;

void call_ref(rpc_call *c);
void call_unref(rpc_call *c);
/* Decides the status; it goes out once queued messages are sent. */
void call_end(rpc_call *c, grpc_status_code code, const char *msg);
/* Every batch goes through here (see cqloop_cache_begin). */
grpc_call_error call_batch(rpc_call *c, grpc_call *call, const grpc_op *ops, size_t n, rpc_tag *tag)
    __attribute__((warn_unused_result));

/* Every request message, unary or streamed, passes here before anything
 * recursive or allocating runs on it (pbguard.h says why): 0 when it may be
 * decoded, -1 when it was refused (the call is ended INVALID_ARGUMENT naming
 * the field). */
int call_guard(rpc_call *c, const uint8_t *buf, size_t len) __attribute__((warn_unused_result));

/* The primitives rpc.c's public API is made of. call_pack: m packed into a
 * byte buffer of bound bytes (0: its packed size); NULL without memory.
 * call_queue_msg takes bb (NULL: packing failed) and queues it behind the
 * messages not sent yet: 0, or -1 after ending the call RESOURCE_EXHAUSTED;
 * call_enqueue does that and starts sending. call_drop_queue frees what is
 * queued and not sent. call_recv_post asks gRPC for the next request
 * message, for cb. */
grpc_byte_buffer *call_pack(const ProtobufCMessage *m, size_t bound);
int call_queue_msg(rpc_call *c, grpc_byte_buffer *bb) __attribute__((warn_unused_result));
void call_enqueue(rpc_call *c, grpc_byte_buffer *bb);
void call_drop_queue(rpc_call *c);
void call_recv_post(rpc_call *c, rpc_recv_fn cb);

#endif
