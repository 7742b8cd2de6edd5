/*
 * janitor.c - the service's periodic housekeeping (rpc.h: janitor_stmt):
 * expired request_id keys for credits, the generation queue's sweep for
 * content. One statement per tick, as service_role, on the loop thread.
 *
 * A tick does nothing while the process drains or the database is down, and
 * a tick whose statement is still running does not start another: a slow
 * database never piles sweeps up. A failure is logged; the next tick tries
 * again, so nothing here needs a retry of its own.
 */
#include <assert.h>
#include <stdio.h>

#include "log.h"
#include "rpc_int.h"

static void janitor_cb(uv_timer_t *t);
static void janitor_done(pgq *q, pgq_result r, void *arg);

void janitor_init(rpc_server *s)
{
    uv_timer_init(&s->loop, &s->janitor);
    s->janitor.data = s;
    s->janitor_busy = 0;
}

void janitor_start(rpc_server *s)
{
    if (s->svc->janitor_every_s <= 0)
        return;
    uint64_t every = (uint64_t)s->svc->janitor_every_s * 1000;
    uv_timer_start(&s->janitor, janitor_cb, every, every);
}

/* ---- internals ------------------------------------------------------- */

static void janitor_cb(uv_timer_t *t)
{
    rpc_server *s = t->data;
    assert(t == &s->janitor);
    if (s->janitor_busy || s->draining || !s->pool || !pgpool_is_up(s->pool))
        return;
    rpc_args a = {0};
    if (s->svc->janitor_args)
        s->svc->janitor_args(s, &a);
    pgq *q = pgq_new(s->pool, "{\"role\":\"service_role\"}");
    if (!q)
        return;
    if (a.n < 0 || pgq_add(q, s->svc->janitor_stmt, a.n, a.values) != 0) {
        pgq_free(q);
        log_msg(CONFIG_LOG_ERROR, "janitor statement rejected");
        return;
    }
    s->janitor_busy = 1;
    pgpool_submit(q, janitor_done, s);
}

static void janitor_done(pgq *q, pgq_result r, void *arg)
{
    rpc_server *s = arg;
    assert(s->janitor_busy);
    s->janitor_busy = 0;
    if (r == PGQ_OK) {
        const PGresult *res = pgq_res(q, 0);
        if (s->svc->janitor_done)
            s->svc->janitor_done(s, res);
        else
            log_msg(CONFIG_LOG_DEBUG, "janitor: %s",
                    PQntuples(res) ? PQgetvalue(res, 0, 0) : "done");
    } else {
        log_msg(CONFIG_LOG_WARN, "janitor failed (%s: %s)",
                pgq_sqlstate(q) ? pgq_sqlstate(q) : "no database",
                pgq_message(q) ? pgq_message(q) : "-");
    }
    pgq_free(q);
}
