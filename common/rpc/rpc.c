/*
 * rpc.c - the API of rpc.h that handlers call: the request and caller, the
 * reply or failure, streams, call-scoped memory, and a call's database
 * transactions (with the mapping of their errors to gRPC statuses). Built
 * on call.c's primitives (call_int.h), which own the call's life.
 */
#include "call_int.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "pgerr.h"

static void db_done(pgq *q, pgq_result r, void *arg);
static const rpc_constraint *find_constraint(const rpc_service *svc, const char *name);

const auth_claims *rpc_claims(const rpc_call *c)
{
    return c->authed ? &c->claims : NULL;
}

const ProtobufCMessage *rpc_request(const rpc_call *c)
{
    return c->req;
}

const unsigned char *rpc_page_key(const rpc_call *c, int previous)
{
    const rpc_server *s = c->srv;
    if (!previous)
        return s->page_key;
    return s->has_page_key_prev ? s->page_key_prev : NULL;
}

int rpc_method_index(const rpc_call *c)
{
    return c->reg ? c->reg->method : -1;
}

void rpc_reply(rpc_call *c, const ProtobufCMessage *resp)
{
    rpc_reply_within(c, resp, 0);
}

void rpc_reply_within(rpc_call *c, const ProtobufCMessage *resp, size_t bound)
{
    if (c->finished)
        return;
    /* Queued without a pump, so that call_end's pump sends the message and
     * the status in one batch: one write (data and trailers together) and
     * one completion. Pumping here sent the message alone and the status
     * only from its completion: a second sendmsg and a second loop turn
     * per call, 11% of a list call's CPU. */
    if (!c->client_cancelled && call_queue_msg(c, call_pack(resp, bound)) != 0)
        return; /* ended RESOURCE_EXHAUSTED */
    call_end(c, GRPC_STATUS_OK, NULL);
}

void rpc_fail(rpc_call *c, grpc_status_code code, const char *msg)
{
    if (c->finished)
        return;
    /* A failure drops what a stream had queued but not sent. */
    call_drop_queue(c);
    call_end(c, code, msg);
}

void rpc_failf(rpc_call *c, grpc_status_code code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rpc_fail(c, code, msg);
}

void rpc_send(rpc_call *c, const ProtobufCMessage *msg)
{
    if (c->finished || c->client_cancelled)
        return;
    call_enqueue(c, call_pack(msg, 0));
}

void rpc_finish(rpc_call *c, grpc_status_code code, const char *msg)
{
    if (!c->finished)
        call_end(c, code, msg);
}

int rpc_is_over(const rpc_call *c)
{
    return c->finished || c->client_cancelled || c->close_done;
}

int rpc_send_backlog(const rpc_call *c)
{
    return c->outq_n + (c->sending ? 1 : 0);
}

void rpc_recv(rpc_call *c, rpc_recv_fn cb)
{
    assert(!c->recv_cb && !c->recv_after_send);
    if (c->finished)
        return;
    if (c->sending || c->outq) {
        /* Read on only once the answers are out: a client that does not
         * read them cannot make the server queue more (send_cb posts it). */
        c->recv_after_send = cb;
        return;
    }
    call_recv_post(c, cb);
}

void *rpc_alloc(rpc_call *c, size_t n)
{
    return arena_alloc(&c->mem, n);
}

int rpc_defer(rpc_call *c, void (*fn)(void *p), void *p)
{
    deferred *d = rpc_alloc(c, sizeof(*d));
    if (!d) {
        fn(p);
        return -1;
    }
    d->fn = fn;
    d->p = p;
    d->next = c->defers;
    c->defers = d;
    return 0;
}

void rpc_set_data(rpc_call *c, void *data, void (*cleanup)(rpc_call *c, void *data))
{
    c->data = data;
    c->cleanup = cleanup;
}

void *rpc_data(const rpc_call *c)
{
    return c->data;
}

rpc_server *rpc_call_server(const rpc_call *c)
{
    return c->srv;
}

pgq *rpc_server_db(rpc_server *s, const char *claims_json)
{
    return s->pool ? pgq_new(s->pool, claims_json) : NULL;
}

const struct config *rpc_server_config(const rpc_server *s)
{
    return &s->cfg;
}

pgq *rpc_db(rpc_call *c)
{
    pgq *q = c->srv->pool ? pgq_new(c->srv->pool, c->authed ? c->claims.json : NULL) : NULL;
    if (!q) {
        rpc_fail(c, GRPC_STATUS_UNAVAILABLE, "database unavailable, try again later");
        return NULL;
    }
    /* The trace reaches PostgreSQL in the transaction's prelude, as its
     * application_name: "credits/<trace id>-<span id>", in pg_stat_activity
     * and in the server log's %a while the transaction runs. */
    pgq_set_trace(q, c->srv->svc_short, c->trace.trace_id, c->trace.span_id);
    return q;
}

int rpc_db_add(rpc_call *c, pgq *q, int stmt, int nparams, const char *const *values)
{
    if (pgq_add(q, stmt, nparams, values) == 0)
        return 0;
    log_call_msg(CONFIG_LOG_ERROR, c->trace.trace_id, c->trace.span_id,
                 "%s: statement %d rejected (parameter count or capacity)",
                 c->reg ? c->reg->path : "?", stmt);
    pgq_free(q);
    rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
    return -1;
}

void rpc_db_run(rpc_call *c, pgq *q, rpc_db_fn ok)
{
    assert(!c->q);
    if (c->finished) {
        pgq_free(q);
        return;
    }
    if (c->deadline_ns) {
        /* What is left of the deadline bounds the transaction in the server. */
        uint64_t now = uv_hrtime();
        if (now >= c->deadline_ns) {
            pgq_free(q);
            c->deadline_hit = 1;
            rpc_fail(c, GRPC_STATUS_DEADLINE_EXCEEDED, "deadline exceeded");
            return;
        }
        pgq_set_timeout(q, (long)((c->deadline_ns - now + 999999) / 1000000));
    }
    c->q = q;
    c->db_ok = ok;
    call_ref(c);
    pgpool_submit(q, db_done, c);
}

void rpc_db1(rpc_call *c, int stmt, int nparams, const char *const *values, rpc_db_fn ok)
{
    pgq *q = rpc_db(c);
    if (!q)
        return;
    if (rpc_db_add(c, q, stmt, nparams, values) == 0)
        rpc_db_run(c, q, ok);
}

void rpc_args_int(rpc_args *a, long long v)
{
    if (a->n < 0 || a->n >= RPC_ARGS_MAX) {
        a->n = -1; /* the statement gets no parameters and fails */
        return;
    }
    snprintf(a->text[a->n], sizeof(a->text[a->n]), "%lld", v);
    a->values[a->n] = a->text[a->n];
    a->n++;
}

void *rpc_server_data(const rpc_server *s)
{
    return s->data;
}

metrics *rpc_server_metrics(rpc_server *s)
{
    return s->metrics;
}

/* ---- internals ------------------------------------------------------- */

static void db_done(pgq *q, pgq_result r, void *arg)
{
    rpc_call *c = arg;
    assert(c->q == q);
    c->q = NULL;
    if (c->finished) {
        pgq_free(q); /* the deadline or the client ended it first */
        call_unref(c);
        return;
    }
    switch (r) {
    case PGQ_OK:
        c->db_ok(c, q);
        break;
    case PGQ_UNAVAILABLE:
        rpc_fail(c, GRPC_STATUS_UNAVAILABLE, "database unavailable, try again later");
        break;
    case PGQ_CANCELLED:
        rpc_fail(c, c->deadline_hit ? GRPC_STATUS_DEADLINE_EXCEEDED : GRPC_STATUS_CANCELLED,
                 c->deadline_hit ? "deadline exceeded" : "cancelled");
        break;
    case PGQ_DB_ERROR: {
        const char *ss = pgq_sqlstate(q);
        /* 57014 here is our statement_timeout: the deadline, as the server saw it. */
        int reason = c->deadline_ns        ? PGERR_CANCEL_DEADLINE
                     : c->client_cancelled ? PGERR_CANCEL_CLIENT
                                           : PGERR_CANCEL_UNKNOWN;
        pgerr_map m = pgerr_classify_error(ss, pgq_message(q), reason);
        if (ss)
            snprintf(c->sqlstate, sizeof(c->sqlstate), "%s", ss);
        c->log_sqlstate = c->sqlstate;
        const char *msg = m.use_db_message && pgq_message(q) ? pgq_message(q) : m.message;
        const rpc_constraint *k = find_constraint(c->srv->svc, pgq_constraint(q));
        /* The caller gets a generic message; the log gets what went wrong. */
        c->log_detail = pgq_message(q);
        if (k)
            rpc_fail(c, k->code, k->message);
        else
            rpc_fail(c, m.code, msg);
        c->log_detail = NULL;
        break;
    }
    }
    pgq_free(q);
    call_unref(c);
}

static const rpc_constraint *find_constraint(const rpc_service *svc, const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < svc->nconstraints; i++)
        if (strcmp(svc->constraints[i].name, name) == 0)
            return &svc->constraints[i];
    return NULL;
}