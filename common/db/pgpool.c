/*
 * pgpool.c - pipelined libpq connections on a libuv loop.
 *
 * Each connection walks CONNECTING -> PREPARING -> READY and back to DOWN on
 * any failure, from where a timer reconnects it with exponential back-off.
 * A READY connection carries up to PGPOOL_MAX_DEPTH pipelines; their pgqs sit
 * in its FIFO in the order their results come back. Pending pgqs wait in the
 * pool's FIFO; while no connection is usable they fail fast instead, so the
 * RPC layer can answer UNAVAILABLE at once.
 */
#include "pgpool_int.h"

#include "pgerr.h"

#include <assert.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define PGPOOL_MAX_DEPTH          64
#define PGPOOL_MAX_RETRIES        3
#define PGPOOL_CONNECT_TIMEOUT_MS 5000
#define PGPOOL_BACKOFF_MIN_MS     100
#define PGPOOL_BACKOFF_MAX_MS     5000
#define CLAIMS_STMT               "__claims"
/* Every pipeline's prelude: the caller's claims and the transaction's
 * settings, local to it. */
#define CLAIMS_SQL                                                                                 \
    "select set_config('request.jwt.claims', $1, true),"                                           \
    " set_config('statement_timeout', $2, true),"                                                  \
    " set_config('plan_cache_mode', $3, true),"                                                    \
    " set_config('enable_sort', $4, true),"                                                        \
    " set_config('application_name',"                                                              \
    "            coalesce(nullif($5, ''), current_setting('application_name')), true)"

static void conn_start(pgconn *c);
static void conn_fail(pgconn *c);
static void conn_poll_cb(uv_poll_t *h, int status, int events);
static void conn_timer_cb(uv_timer_t *t);
static void conn_want(pgconn *c, int events);
static void conn_read(pgconn *c);
static void conn_flush(pgconn *c);
static void pool_dispatch(pgpool *p);
static void pool_update_state(pgpool *p);
static void q_finish(pgq *q, pgq_result r);
static void hist_add(pgpool_hist *h, uint64_t ns);
static void rows_arm(pgconn *c);
static void rows_keep(pgq *q, PGresult *row);
static void rows_oom(pgq *q);
static int q_send(pgconn *c, pgq *q);
static void kick_cb(uv_timer_t *t);
static void kick(pgpool *p);
static void fail_pending(pgpool *p);
static void notice_ignore(void *arg, const char *msg);
static void conn_handle_closed(uv_handle_t *h);
static void poll_closed(uv_handle_t *h);
static void kick_closed(uv_handle_t *h);
static void conn_batch(pgconn *c);
static void conn_cork(pgconn *c);
static void conn_push(pgconn *c);
static void pool_handle_gone(pgpool *p);
static void conn_close_poll(pgconn *c);
static void note_connect_error(pgpool *p, const char *msg);

/* ---- public ---------------------------------------------------------- */

pgpool *pgpool_new(uv_loop_t *loop, const char *conninfo, const char *app_name, int size,
                   pgpool_mode mode, const pgpool_stmt *stmts, size_t nstmts,
                   pgpool_state_fn state_cb, void *state_arg)
{
    pgpool *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->loop = loop;
    p->conninfo = strdup(conninfo);
    p->app_name = strdup(app_name);
    p->conns = calloc((size_t)size, sizeof(pgconn));
    p->run_by = calloc(nstmts ? nstmts : 1, sizeof(pgpool_hist));
    if (!p->conninfo || !p->app_name || !p->conns || !p->run_by) {
        free(p->conninfo);
        free(p->app_name);
        free(p->conns);
        free(p->run_by);
        free(p);
        return NULL;
    }
    p->size = size;
    p->mode = mode;
    p->stmts = stmts;
    p->nstmts = nstmts;
    p->state_cb = state_cb;
    p->state_arg = state_arg;
    uv_timer_init(loop, &p->kick);
    p->kick.data = p;
    p->open_handles = 1;
    for (int i = 0; i < size; i++) {
        pgconn *c = &p->conns[i];
        c->pool = p;
        c->poll_fd = -1;
        uv_timer_init(loop, &c->timer);
        c->timer.data = c;
        p->open_handles++;
        conn_start(c);
    }
    return p;
}

void pgpool_close(pgpool *p, void (*closed)(void *arg), void *arg)
{
    assert(!p->closing);
    p->closing = 1;
    p->closed_cb = closed;
    p->closed_arg = arg;
    for (int i = 0; i < p->size; i++) {
        pgconn *c = &p->conns[i];
        c->closing = 1;
        conn_fail(c); /* fails its pipelines, closes its poll handle */
        uv_close((uv_handle_t *)&c->timer, conn_handle_closed);
    }
    fail_pending(p);
    /* Run the done callbacks now: the loop may not turn again for them. */
    kick_cb(&p->kick);
    uv_close((uv_handle_t *)&p->kick, kick_closed);
}

void pgpool_flush(pgpool *p)
{
    if (p->closing || !p->turn_open)
        return;
    p->turn_open = 0;
    if (!p->finished_head)
        uv_timer_stop(&p->kick); /* the turn's end was all it had to do */
    for (int i = 0; i < p->size; i++) {
        pgconn *c = &p->conns[i];
        if (c->batched && c->corked)
            conn_push(c);
        c->batched = 0;
    }
}

int pgpool_is_up(const pgpool *p)
{
    return p->up;
}

void pgpool_get_stats(const pgpool *p, pgpool_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->size = p->size;
    out->pending = p->npending;
    out->reconnects = p->reconnects;
    out->wait = p->wait;
    out->run = p->run;
    out->run_by = p->run_by;
    out->stmts = p->stmts;
    out->nstmts = p->nstmts;
    for (int i = 0; i < p->size; i++) {
        if (p->conns[i].state == CONN_READY)
            out->ready++;
        out->in_flight += p->conns[i].depth;
    }
}

void pgpool_submit(pgq *q, pgq_done_fn done, void *arg)
{
    pgpool *p = q->pool;
    q->done = done;
    q->arg = arg;
    q->next = NULL;
    q->queued_ns = uv_hrtime();
    if (p->closing || (!p->up && p->failed_once)) {
        q_finish(q, PGQ_UNAVAILABLE);
        return;
    }
    if (p->pending_tail)
        p->pending_tail->next = q;
    else
        p->pending_head = q;
    p->pending_tail = q;
    p->npending++;
    pool_dispatch(p);
}

void pgpool_cancel(pgq *q)
{
    pgpool *p = q->pool;
    if (q->cancel_requested || !q->done)
        return;
    q->cancel_requested = 1;
    if (q->conn)
        return; /* already sent: it ends by itself, by its statement_timeout at the latest */
    /* Still waiting for a connection: unlink it and report at once. */
    pgq **pp = &p->pending_head;
    pgq *prev = NULL;
    while (*pp && *pp != q) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (*pp) {
        *pp = q->next;
        if (p->pending_tail == q)
            p->pending_tail = prev;
        p->npending--;
        q_finish(q, PGQ_CANCELLED);
    }
}

/* ---- connections ----------------------------------------------------- */

static void conn_start(pgconn *c)
{
    pgpool *p = c->pool;
    assert(c->state == CONN_DOWN && !c->pg);
    /* TimeZone=UTC only as a guard: every time goes in and out as epoch
     * microseconds, binary timestamps or text with "+00". Transaction
     * poolers (PGPOOL_POOLER) refuse the options startup parameter
     * (PgBouncer: "unsupported startup parameter"), so it is left out. */
    const char *keys[] = {"dbname",          "application_name", "keepalives",
                          "keepalives_idle", "options",          NULL};
    const char *vals[] = {
        p->conninfo, p->app_name, "1", "30", p->mode == PGPOOL_DIRECT ? "-c TimeZone=UTC" : NULL,
        NULL};
    c->pg = PQconnectStartParams(keys, vals, 1);
    c->attempts++;
    if (!c->pg || PQstatus(c->pg) == CONNECTION_BAD) {
        conn_fail(c);
        return;
    }
    PQsetnonblocking(c->pg, 1);
    c->state = CONN_CONNECTING;
    uv_timer_start(&c->timer, conn_timer_cb, PGPOOL_CONNECT_TIMEOUT_MS, 0);
    conn_want(c, UV_WRITABLE); /* PQconnectPoll starts in the writing state */
}

/* Step the asynchronous connect; called when the socket is ready. */
static void conn_connect_step(pgconn *c)
{
    switch (PQconnectPoll(c->pg)) {
    case PGRES_POLLING_READING:
        conn_want(c, UV_READABLE);
        return;
    case PGRES_POLLING_WRITING:
        conn_want(c, UV_WRITABLE);
        return;
    case PGRES_POLLING_OK:
        break;
    default:
        conn_fail(c);
        return;
    }
    /* Connected: prepare every statement in one pipeline (PGPOOL_POOLER:
     * none; the lone sync still proves the connection answers). */
    PQsetNoticeProcessor(c->pg, notice_ignore, NULL);
    int named = c->pool->mode == PGPOOL_DIRECT;
    if (PQenterPipelineMode(c->pg) != 1 ||
        (named && PQsendPrepare(c->pg, CLAIMS_STMT, CLAIMS_SQL, 5, NULL) != 1)) {
        conn_fail(c);
        return;
    }
    for (size_t i = 0; named && i < c->pool->nstmts; i++) {
        const pgpool_stmt *s = &c->pool->stmts[i];
        if (PQsendPrepare(c->pg, s->name, s->sql, s->nparams, NULL) != 1) {
            conn_fail(c);
            return;
        }
    }
    if (PQpipelineSync(c->pg) != 1) {
        conn_fail(c);
        return;
    }
    c->state = CONN_PREPARING;
    c->prepare_left = named ? (int)c->pool->nstmts + 1 : 0;
    conn_flush(c);
}

static void conn_ready(pgconn *c)
{
    pgpool *p = c->pool;
    uv_timer_stop(&c->timer);
    c->state = CONN_READY;
    c->attempts = 0;
    conn_cork(c);
    p->reconnects++;
    pool_update_state(p);
    pool_dispatch(p);
}

/* The connection is unusable: fail what it carried, close it, schedule a retry. */
static void conn_fail(pgconn *c)
{
    pgpool *p = c->pool;
    conn_close_poll(c);
    if (c->pg && c->state != CONN_READY)
        note_connect_error(p, PQerrorMessage(c->pg));
    if (c->pg) {
        PQfinish(c->pg);
        c->pg = NULL;
    }
    int was_ready = c->state == CONN_READY;
    c->state = CONN_DOWN;
    c->batched = c->corked = 0;
    while (c->head) {
        pgq *q = c->head;
        c->head = q->next;
        q->conn = NULL;
        q_finish(q, q->cancel_requested ? PGQ_CANCELLED : PGQ_UNAVAILABLE);
    }
    c->tail = NULL;
    c->depth = 0;
    uv_timer_stop(&c->timer);
    /* A failure (of a first attempt or of a live connection) means the
     * database cannot be counted on: from now on, while no connection is
     * ready, requests fail fast instead of waiting for a reconnect. */
    p->failed_once = 1;
    if (was_ready || !p->closing)
        pool_update_state(p);
    if (c->closing || p->closing)
        return;
    int shift = c->attempts < 6 ? c->attempts : 6;
    uint64_t delay = (uint64_t)PGPOOL_BACKOFF_MIN_MS << shift;
    if (delay > PGPOOL_BACKOFF_MAX_MS)
        delay = PGPOOL_BACKOFF_MAX_MS;
    delay += (uint64_t)(rand() % 50); /* spread reconnect storms of many pods */
    uv_timer_start(&c->timer, conn_timer_cb, delay, 0);
}

static void conn_timer_cb(uv_timer_t *t)
{
    pgconn *c = t->data;
    if (c->state == CONN_DOWN)
        conn_start(c);
    else if (c->state == CONN_CONNECTING || c->state == CONN_PREPARING)
        conn_fail(c); /* connect timeout */
}

static void conn_want(pgconn *c, int events)
{
    int fd = PQsocket(c->pg);
    if (fd < 0) {
        conn_fail(c);
        return;
    }
    if (c->poll_fd != fd) {
        /* libpq may open a new socket per host it tries. */
        conn_close_poll(c);
        c->poll = malloc(sizeof(*c->poll));
        if (!c->poll || uv_poll_init_socket(c->pool->loop, c->poll, fd) != 0) {
            free(c->poll);
            c->poll = NULL;
            PQfinish(c->pg);
            c->pg = NULL;
            conn_fail(c);
            return;
        }
        c->pool->open_handles++;
        c->poll->data = c;
        c->poll_fd = fd;
        c->poll_events = 0;
    }
    if (events != c->poll_events) {
        uv_poll_start(c->poll, events, conn_poll_cb);
        c->poll_events = events;
    }
}

static void conn_poll_cb(uv_poll_t *h, int status, int events)
{
    pgconn *c = h->data;
    assert(c->pg);
    if (c->state == CONN_CONNECTING) {
        /* On a socket error too: libpq reads it (SO_ERROR) and fails with
         * a message that says why ("Connection refused"), for the log. */
        conn_connect_step(c);
        return;
    }
    if (status < 0) {
        conn_fail(c);
        return;
    }
    if (events & UV_WRITABLE)
        conn_flush(c);
    if (c->pg && (events & UV_READABLE))
        conn_read(c);
}

/* Push buffered output; keep watching for writability until it is all out.
 * On a corked socket what was written waits for the turn's end. */
static void conn_flush(pgconn *c)
{
    int r = PQflush(c->pg);
    if (r < 0) {
        conn_fail(c);
        return;
    }
    if (c->corked)
        conn_batch(c);
    conn_want(c, r == 1 ? (UV_READABLE | UV_WRITABLE) : UV_READABLE);
}

static void prepare_result(pgconn *c, PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    PQclear(res);
    if (st == PGRES_PIPELINE_SYNC) {
        if (c->prepare_left == 0)
            conn_ready(c);
        else
            conn_fail(c);
        return;
    }
    if (st != PGRES_COMMAND_OK) {
        c->prepare_left = -1; /* a statement failed to prepare: never ready */
        return;
    }
    if (c->prepare_left > 0)
        c->prepare_left--;
}

/* One result of the head pipeline. */
static void pipeline_result(pgconn *c, PGresult *res)
{
    pgq *q = c->head;
    ExecStatusType st = PQresultStatus(res);
    assert(q);
    if (st == PGRES_PIPELINE_SYNC) {
        PQclear(res);
        c->head = q->next;
        if (!c->head)
            c->tail = NULL;
        c->depth--;
        q->conn = NULL;
        uint64_t now = uv_hrtime();
        hist_add(&c->pool->run, now - q->sent_ns);
        if (q->nstmts > 0)
            hist_add(&c->pool->run_by[q->stmt[q->nstmts - 1]], now - q->sent_ns);
        if (q->failed_retryable && !q->cancel_requested && q->retries < PGPOOL_MAX_RETRIES) {
            q->retries++;
            q->queued_ns = now;
            pgq_reset_results(q);
            q->next = c->pool->pending_head; /* retry before newer work */
            c->pool->pending_head = q;
            if (!c->pool->pending_tail)
                c->pool->pending_tail = q;
            c->pool->npending++;
            return;
        }
        q_finish(q, q->sqlstate[0] ? PGQ_DB_ERROR : PGQ_OK);
        return;
    }
    if (st == PGRES_SINGLE_TUPLE) {
        rows_keep(q, res);
        return;
    }
    if (st == PGRES_FATAL_ERROR && !q->sqlstate[0]) {
        const char *ss = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        /* No SQLSTATE: libpq's own error, i.e. the connection broke. */
        snprintf(q->sqlstate, sizeof(q->sqlstate), "%s", ss ? ss : "08006");
        const char *cons = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
        free(q->message);
        free(q->constraint);
        q->message = msg ? strdup(msg) : NULL;
        q->constraint = cons ? strdup(cons) : NULL;
        if (pgerr_transient(q->sqlstate, q->message))
            q->failed_retryable = 1;
    }
    if (q->cursor >= 0 && q->cursor < q->nstmts && !q->res[q->cursor])
        q->res[q->cursor] = res;
    else
        PQclear(res);
}

static void conn_read(pgconn *c)
{
    if (PQconsumeInput(c->pg) != 1) {
        conn_fail(c);
        return;
    }
    for (;;) {
        if (!c->pg || (c->state == CONN_READY && !c->head))
            break;
        /* Before PQisBusy parses the next query's rows. */
        if (c->state == CONN_READY)
            rows_arm(c);
        if (PQisBusy(c->pg))
            break;
        PGresult *res = PQgetResult(c->pg);
        if (!res) {
            /* End of one query's results; a second NULL means nothing more. */
            if (c->last_was_null)
                break;
            c->last_was_null = 1;
            if (c->state == CONN_READY && c->head)
                c->head->cursor++;
            continue;
        }
        c->last_was_null = 0;
        if (c->state == CONN_PREPARING)
            prepare_result(c, res);
        else if (c->state == CONN_READY)
            pipeline_result(c, res);
        else
            PQclear(res);
    }
    if (c->pg && PQstatus(c->pg) == CONNECTION_BAD) {
        conn_fail(c);
        return;
    }
    pool_dispatch(c->pool);
}

/* ---- pipelines ------------------------------------------------------- */

static int q_send(pgconn *c, pgq *q)
{
    pgpool *p = c->pool;
    unsigned flags = 0;
    for (int i = 0; i < q->nstmts; i++)
        flags |= p->stmts[q->stmt[i]].flags;
    int custom = (flags & PGPOOL_CUSTOM_PLAN) || ((flags & PGPOOL_KEYSET) && q->plan_custom);
    int generic = (flags & PGPOOL_KEYSET) && !custom;
    int prelude = q->claims || q->timeout_ms || custom || generic || q->app[0];
    q->cursor = prelude ? -1 : 0;
    q->armed = -2;
    if (prelude) {
        /* The deadline travels as statement_timeout, local to this
         * transaction: the server stops the work itself when it passes, and
         * no cancel request can hit another call's statement. The planner
         * settings only matter when a plan is made (see PGPOOL_KEYSET). */
        char timeout[24];
        snprintf(timeout, sizeof(timeout), "%ld", q->timeout_ms);
        const char *v[5] = {q->claims ? q->claims : "", timeout,
                            custom    ? "force_custom_plan"
                            : generic ? "force_generic_plan"
                                      : "auto",
                            generic ? "off" : "on", q->app};
        int sent = p->mode == PGPOOL_DIRECT
                       ? PQsendQueryPrepared(c->pg, CLAIMS_STMT, 5, v, NULL, NULL, 0)
                       : PQsendQueryParams(c->pg, CLAIMS_SQL, 5, NULL, v, NULL, NULL, 0);
        if (sent != 1)
            return -1;
    }
    for (int i = 0; i < q->nstmts; i++) {
        const pgpool_stmt *s = &p->stmts[q->stmt[i]];
        const char *const *params = (const char *const *)q->params[i];
        int binary = (s->flags & PGPOOL_BINARY) ? 1 : 0;
        int sent =
            p->mode == PGPOOL_DIRECT
                ? PQsendQueryPrepared(c->pg, s->name, q->nparams[i], params, NULL, NULL, binary)
                : PQsendQueryParams(c->pg, s->sql, q->nparams[i], NULL, params, NULL, NULL, binary);
        if (sent != 1)
            return -1;
    }
    return PQpipelineSync(c->pg) == 1 ? 0 : -1;
}

static void pool_dispatch(pgpool *p)
{
    if (p->closing)
        return;
    /* Behind a transaction pooler, one transaction at a time per client
     * connection (PGPOOL_POOLER). */
    int max_depth = p->mode == PGPOOL_DIRECT ? PGPOOL_MAX_DEPTH : 1;
    while (p->pending_head) {
        pgconn *best = NULL;
        for (int i = 0; i < p->size; i++) {
            pgconn *c = &p->conns[i];
            if (c->state != CONN_READY || c->depth >= max_depth)
                continue;
            if (c->batched && c->batched < PGPOOL_TURN_MAX && c->corked) {
                best = c; /* joins the turn's packet to the server */
                break;
            }
            if (!best || c->depth < best->depth)
                best = c;
        }
        if (!best)
            break;
        pgq *q = p->pending_head;
        p->pending_head = q->next;
        if (!p->pending_head)
            p->pending_tail = NULL;
        p->npending--;
        q->next = NULL;
        q->conn = best;
        q->sent_ns = uv_hrtime();
        hist_add(&p->wait, q->sent_ns - q->queued_ns);
        if (best->tail)
            best->tail->next = q;
        else
            best->head = q;
        best->tail = q;
        best->depth++;
        if (q_send(best, q) != 0) {
            conn_fail(best); /* fails q too */
            continue;
        }
        conn_flush(best);
    }
    if (!p->up && p->failed_once) {
        fail_pending(p); /* nothing can serve the queue: fail fast rather than hang */
    }
}

static void fail_pending(pgpool *p)
{
    while (p->pending_head) {
        pgq *q = p->pending_head;
        p->pending_head = q->next;
        p->npending--;
        q_finish(q, PGQ_UNAVAILABLE);
    }
    p->pending_tail = NULL;
}

static void pool_update_state(pgpool *p)
{
    int ready = 0;
    for (int i = 0; i < p->size; i++)
        ready += p->conns[i].state == CONN_READY;
    int up = ready > 0;
    if (up)
        p->last_error[0] = '\0'; /* the next failure is news again */
    if (up != p->up) {
        p->up = up;
        if (p->state_cb && !p->closing)
            p->state_cb(up, up || !p->last_error[0] ? NULL : p->last_error, p->state_arg);
    }
    if (!up)
        pool_dispatch(p);
}

/* Single-row mode holds for one query and must be asked for before its
 * first row is parsed: right after the previous query's results ended,
 * which is when the cursor moves. libpq refuses (returns 0) where the query
 * has no rows to stream, e.g. in an aborted pipeline; nothing to do then. */
static void rows_arm(pgconn *c)
{
    pgq *q = c->head;
    if (q->cursor < 0 || q->cursor >= q->nstmts || q->armed == q->cursor)
        return;
    q->armed = q->cursor;
    if (c->pool->stmts[q->stmt[q->cursor]].flags & PGPOOL_ROWS)
        (void)PQsetSingleRowMode(c->pg);
}

/* The transaction's outcome becomes the server's out_of_memory error, as if
 * the server had raised it (no retry: memory is what is short). */
static void rows_oom(pgq *q)
{
    if (q->sqlstate[0])
        return;
    snprintf(q->sqlstate, sizeof(q->sqlstate), "53200");
    free(q->message);
    q->message = strdup("out of memory keeping rows");
}

/* One row of a PGPOOL_ROWS statement: appended to the statement's result
 * (made from the first row, so it reads like a whole result) until the
 * rows kept pass the budget: memory stays within the budget and one row.
 * PQsetvalue copies the cells, so each row's own result is freed at once. */
static void rows_keep(pgq *q, PGresult *row)
{
    int i = q->cursor;
    assert(i >= 0 && i < q->nstmts); /* only a PGPOOL_ROWS statement streams */
    if (!q->cut[i] && q->kept[i] > PGPOOL_ROWS_MAX_BYTES)
        q->cut[i] = 1;
    if (q->cut[i]) {
        PQclear(row);
        return;
    }
    if (!q->res[i] && !(q->res[i] = PQcopyResult(row, PG_COPYRES_ATTRS))) {
        rows_oom(q);
        q->cut[i] = 1;
        PQclear(row);
        return;
    }
    PGresult *acc = q->res[i];
    int n = PQntuples(acc), nf = PQnfields(row);
    for (int f = 0; f < nf; f++) {
        int len = PQgetisnull(row, 0, f) ? -1 : PQgetlength(row, 0, f);
        if (!PQsetvalue(acc, n, f, PQgetvalue(row, 0, f), len)) {
            rows_oom(q); /* the row may be half copied: the pgq fails */
            q->cut[i] = 1;
            break;
        }
        q->kept[i] += len > 0 ? (size_t)len : 0;
    }
    PQclear(row);
}

/* Deferred completion: done callbacks never run inside the pool's own frames. */
static void q_finish(pgq *q, pgq_result r)
{
    pgpool *p = q->pool;
    q->result = r;
    q->next = NULL;
    if (p->finished_tail)
        p->finished_tail->next = q;
    else
        p->finished_head = q;
    p->finished_tail = q;
    kick(p);
}

/* The pool's zero timer: done callbacks to run, or a turn to end (unless
 * the owner ends it first with pgpool_flush). */
static void kick(pgpool *p)
{
    if (!p->closing && !uv_is_active((uv_handle_t *)&p->kick))
        uv_timer_start(&p->kick, kick_cb, 0, 0);
}

static void kick_cb(uv_timer_t *t)
{
    pgpool *p = t->data;
    pgpool_flush(p);
    while (p->finished_head) {
        pgq *q = p->finished_head;
        p->finished_head = q->next;
        if (!p->finished_head)
            p->finished_tail = NULL;
        pgq_done_fn done = q->done;
        q->done = NULL;
        done(q, q->result, q->arg);
    }
}

/* The turn sent a pipeline on c; pgpool_flush ends the turn. */
static void conn_batch(pgconn *c)
{
    pgpool *p = c->pool;
    c->batched++;
    if (!p->turn_open) {
        p->turn_open = 1;
        kick(p);
    }
}

/* A socket that cannot be corked (not TCP) sends each pipeline at once. */
static void conn_cork(pgconn *c)
{
    int on = 1;
    c->corked = setsockopt(PQsocket(c->pg), IPPROTO_TCP, TCP_CORK, &on, sizeof(on)) == 0;
}

/* Uncorking sends what the socket holds; corking again holds the next turn. */
static void conn_push(pgconn *c)
{
    int fd = PQsocket(c->pg), off = 0, on = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_CORK, &off, sizeof(off)) != 0) {
        conn_fail(c); /* the held pipelines would wait for the kernel's 200 ms */
        return;
    }
    c->corked = setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on)) == 0;
}

static void conn_close_poll(pgconn *c)
{
    if (!c->poll)
        return;
    uv_poll_stop(c->poll);
    uv_close((uv_handle_t *)c->poll, poll_closed);
    c->poll = NULL;
    c->poll_fd = -1;
    c->poll_events = 0;
}

static void poll_closed(uv_handle_t *h)
{
    pgconn *c = h->data;
    free(h);
    pool_handle_gone(c->pool);
}

static void conn_handle_closed(uv_handle_t *h)
{
    pgconn *c = h->data;
    pool_handle_gone(c->pool);
}

static void kick_closed(uv_handle_t *h)
{
    pool_handle_gone(h->data);
}

/* The pool memory goes with its last handle. */
static void pool_handle_gone(pgpool *p)
{
    if (--p->open_handles > 0)
        return;
    void (*cb)(void *) = p->closed_cb;
    void *arg = p->closed_arg;
    free(p->conns);
    free(p->run_by);
    free(p->conninfo);
    free(p->app_name);
    free(p);
    if (cb)
        cb(arg);
}

/* NOTICEs (e.g. "policy ... does not exist, skipping") are not for our logs. */
static void notice_ignore(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static void hist_add(pgpool_hist *h, uint64_t ns)
{
    static const double bounds[PGPOOL_NBUCKETS] = {PGPOOL_BUCKETS};
    double secs = (double)ns / 1e9;
    size_t b = 0;
    while (b < PGPOOL_NBUCKETS && secs > bounds[b])
        b++;
    h->count[b]++;
    h->n++;
    h->sum += secs;
}

/* A connection attempt failed with libpq's msg: kept on one line, and told
 * to the owner while no connection is up when it differs from the last one
 * (a pool retrying with back-off against a wrong password says so once). */
static void note_connect_error(pgpool *p, const char *msg)
{
    char line[sizeof(p->last_error)];
    size_t n = 0;
    for (const char *s = msg ? msg : ""; *s && n + 1 < sizeof(line); s++) {
        char ch = *s == '\n' || *s == '\t' ? ' ' : *s;
        if (ch == ' ' && (n == 0 || line[n - 1] == ' '))
            continue;
        line[n++] = ch;
    }
    while (n > 0 && line[n - 1] == ' ')
        n--;
    line[n] = '\0';
    if (n == 0 || strcmp(line, p->last_error) == 0)
        return;
    memcpy(p->last_error, line, n + 1);
    if (!p->up && p->state_cb && !p->closing)
        p->state_cb(0, p->last_error, p->state_arg);
}
