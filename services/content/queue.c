/*
 * queue.c - the generation work queue's RPCs: workers wait for cues
 * (WaitForGenerations, woken by the NOTIFYs watch.c receives), claim,
 * extend and release leases; owners cancel what no worker holds; workers
 * report Complete/Fail, fenced by their lease token (fence). Completing and
 * failing each run one function of 0012_content.sql, where the row change
 * and the credits it moves (a refund on failure) share one transaction. The rules
 * (fairness, fencing, the sweep that requeues or refunds) live in
 * 0013_generation_queue.sql; this file checks arguments and shapes replies.
 */
#include "content.h"

#include <stdio.h>
#include <stdlib.h>

#include "arg.h"
#include "config.h"
#include "pgbin.h"

#define QUEUE_WORKER_MAX 200  /* characters of a worker's name */
#define QUEUE_CLAIM_MAX  100  /* generations per claim */
#define QUEUE_LEASE_MAX  3600 /* seconds of one lease */

/* A worker in WaitForGenerations. */
typedef struct waiter {
    struct waiter *next;
    rpc_call *call;
} waiter;

static void cue(rpc_call *c, int first);
static int fence(rpc_call *c, pgq *q, const char *id, const char *token)
    __attribute__((warn_unused_result));
static void waiter_cleanup(rpc_call *c, void *data);
static void reply_claim(rpc_call *c, pgq *q);
static void reply_extend(rpc_call *c, pgq *q);
static void reply_empty(rpc_call *c, pgq *q);
static void reply_generation(rpc_call *c, pgq *q);
static Google__Protobuf__Timestamp *timestamp_of(rpc_call *c, const PGresult *r, int row, int col);

void content_claim_generations(rpc_call *c, const ProtobufCMessage *req)
{
    const Cameos__Content__V1__ClaimGenerationsRequest *r = (const void *)req;
    if (arg_text(c, "worker", r->worker, 1, QUEUE_WORKER_MAX) != 0 ||
        arg_range(c, "max_generations", r->max_generations, 1, QUEUE_CLAIM_MAX) != 0 ||
        arg_range(c, "lease_seconds", r->lease_seconds, 1, QUEUE_LEASE_MAX) != 0)
        return;
    const struct config *cfg = rpc_server_config(rpc_call_server(c));
    char max[16], ms[24], per_user[16];
    snprintf(max, sizeof(max), "%d", (int)r->max_generations);
    snprintf(ms, sizeof(ms), "%ld", (long)r->lease_seconds * 1000L);
    snprintf(per_user, sizeof(per_user), "%d", cfg->queue_user_max);
    const char *p[4] = {r->worker, max, ms, per_user};
    rpc_db1(c, ST_QUEUE_CLAIM, 4, p, reply_claim);
}

void content_extend_generation_lease(rpc_call *c, const ProtobufCMessage *req)
{
    const Cameos__Content__V1__ExtendGenerationLeaseRequest *r = (const void *)req;
    if (arg_uuid(c, "id", r->id, 1) != 0 || arg_uuid(c, "lease_token", r->lease_token, 1) != 0 ||
        arg_range(c, "lease_seconds", r->lease_seconds, 1, QUEUE_LEASE_MAX) != 0)
        return;
    char ms[24];
    snprintf(ms, sizeof(ms), "%ld", (long)r->lease_seconds * 1000L);
    const char *p[3] = {r->id, r->lease_token, ms};
    rpc_db1(c, ST_QUEUE_EXTEND, 3, p, reply_extend);
}

void content_release_generation(rpc_call *c, const ProtobufCMessage *req)
{
    const Cameos__Content__V1__ReleaseGenerationRequest *r = (const void *)req;
    if (arg_uuid(c, "id", r->id, 1) != 0 || arg_uuid(c, "lease_token", r->lease_token, 1) != 0)
        return;
    const char *p[2] = {r->id, r->lease_token};
    rpc_db1(c, ST_QUEUE_RELEASE, 2, p, reply_empty);
}

void content_cancel_generation(rpc_call *c, const ProtobufCMessage *req)
{
    const Cameos__Content__V1__CancelGenerationRequest *r = (const void *)req;
    if (arg_uuid(c, "id", r->id, 1) != 0)
        return;
    const char *p[1] = {r->id};
    rpc_db1(c, ST_QUEUE_CANCEL, 1, p, reply_generation);
}

void content_wait_for_generations(rpc_call *c, const ProtobufCMessage *req)
{
    const Cameos__Content__V1__WaitForGenerationsRequest *r = (const void *)req;
    if (arg_text(c, "worker", r->worker, 1, QUEUE_WORKER_MAX) != 0)
        return;
    waiter *w = calloc(1, sizeof(*w));
    if (!w) {
        rpc_fail(c, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    content_loop *l = content_loop_of(rpc_call_server(c));
    w->call = c;
    w->next = l->waiters;
    l->waiters = w;
    rpc_set_data(c, w, waiter_cleanup);
    cue(c, 1); /* work may be queued already */
}

void content_queue_wake(content_loop *l)
{
    for (waiter *w = l->waiters; w; w = w->next)
        if (!rpc_is_over(w->call) && rpc_send_backlog(w->call) == 0)
            cue(w->call, 0);
}

void content_complete_generation(rpc_call *c, const ProtobufCMessage *req)
{
    const Cameos__Content__V1__CompleteGenerationRequest *r = (const void *)req;
    if (arg_uuid(c, "id", r->id, 1) != 0 ||
        arg_url(c, "video_url", r->video_url, 0, CT_URL_MAX, 1) != 0)
        return;
    if (arg_uuid(c, "lease_token", r->lease_token, 0) != 0)
        return;
    const char *p[2] = {r->id, r->video_url};
    pgq *q = rpc_db(c);
    if (!q || fence(c, q, r->id, r->lease_token) != 0 ||
        rpc_db_add(c, q, ST_GEN_COMPLETE, 2, p) != 0)
        return;
    rpc_db_run(c, q, reply_generation);
}

void content_fail_generation(rpc_call *c, const ProtobufCMessage *req)
{
    const Cameos__Content__V1__FailGenerationRequest *r = (const void *)req;
    if (arg_uuid(c, "id", r->id, 1) != 0 ||
        arg_text(c, "error_message", r->error_message, 1, CT_MESSAGE_MAX) != 0)
        return;
    if (arg_uuid(c, "lease_token", r->lease_token, 0) != 0)
        return;
    const char *p[2] = {r->id, r->error_message};
    pgq *q = rpc_db(c);
    if (!q || fence(c, q, r->id, r->lease_token) != 0 || rpc_db_add(c, q, ST_GEN_FAIL, 2, p) != 0)
        return;
    rpc_db_run(c, q, reply_generation);
}

/* ---- internals ------------------------------------------------------- */

/* Adds the lease check to q when token is set (a fenced report). */
static int fence(rpc_call *c, pgq *q, const char *id, const char *token)
{
    if (!token || !token[0])
        return 0; /* an operator's report: not fenced */
    const char *p[2] = {id, token};
    return rpc_db_add(c, q, ST_QUEUE_CHECK, 2, p);
}

static void cue(rpc_call *c, int first)
{
    Cameos__Content__V1__WaitForGenerationsResponse m =
        CAMEOS__CONTENT__V1__WAIT_FOR_GENERATIONS_RESPONSE__INIT;
    m.first = first;
    rpc_send(c, &m.base);
}

static void waiter_cleanup(rpc_call *c, void *data)
{
    content_loop *l = content_loop_of(rpc_call_server(c));
    for (waiter **pp = &l->waiters; *pp; pp = &(*pp)->next) {
        if (*pp == data) {
            *pp = ((waiter *)data)->next;
            break;
        }
    }
    free(data);
}

/* Each row: the generation (GE_NCOLS columns), then token, expiry, attempt. */
static void reply_claim(rpc_call *c, pgq *q)
{
    const PGresult *r = pgq_res(q, 0);
    int n = PQntuples(r);
    Cameos__Content__V1__ClaimGenerationsResponse *out = rpc_alloc(c, sizeof(*out));
    Cameos__Content__V1__GenerationLease **leases = rpc_alloc(c, sizeof(*leases) * ((size_t)n + 1));
    if (!out || !leases || PQnfields(r) != GE_NCOLS + 3) {
        rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
        return;
    }
    cameos__content__v1__claim_generations_response__init(out);
    for (int i = 0; i < n; i++) {
        Cameos__Content__V1__GenerationLease *l = rpc_alloc(c, sizeof(*l));
        if (!l) {
            rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
            return;
        }
        cameos__content__v1__generation_lease__init(l);
        long long attempt = 0;
        l->generation =
            (Cameos__Content__V1__Generation *)rowmap_read(c, content_generation.map, r, i);
        if (!l->generation)
            return; /* rowmap_read answered */
        l->lease_token = PQgetvalue(r, i, GE_NCOLS);
        l->lease_expires_at = timestamp_of(c, r, i, GE_NCOLS + 1);
        if (!l->lease_expires_at ||
            pgbin_int(pgbin_type_of(PQftype(r, GE_NCOLS + 2)), PQgetvalue(r, i, GE_NCOLS + 2),
                      (size_t)PQgetlength(r, i, GE_NCOLS + 2), &attempt) != 0) {
            rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
            return;
        }
        l->attempt = (int32_t)attempt;
        leases[i] = l;
    }
    out->n_leases = (size_t)n;
    out->leases = leases;
    rpc_reply(c, &out->base);
}

static void reply_extend(rpc_call *c, pgq *q)
{
    const PGresult *r = pgq_res(q, 0);
    Cameos__Content__V1__ExtendGenerationLeaseResponse *out = rpc_alloc(c, sizeof(*out));
    if (!out || PQntuples(r) != 1) {
        rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
        return;
    }
    cameos__content__v1__extend_generation_lease_response__init(out);
    if (!(out->lease_expires_at = timestamp_of(c, r, 0, 0))) {
        rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
        return;
    }
    rpc_reply(c, &out->base);
}

static void reply_empty(rpc_call *c, pgq *q)
{
    (void)q;
    Google__Protobuf__Empty e = GOOGLE__PROTOBUF__EMPTY__INIT; /* packed at once */
    rpc_reply(c, &e.base);
}

static void reply_generation(rpc_call *c, pgq *q)
{
    rowmap_reply_one(c, content_generation.map, q, content_generation.not_found);
}

/* A timestamptz cell of a binary-format result; NULL when it is not one. */
static Google__Protobuf__Timestamp *timestamp_of(rpc_call *c, const PGresult *r, int row, int col)
{
    long long us;
    if (PQgetisnull(r, row, col) ||
        pgbin_epoch_us(PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col), &us) != 0)
        return NULL;
    return rowmap_timestamp(c, us);
}
