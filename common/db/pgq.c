/*
 * pgq.c - a transaction for the pool: its statements and parameters before
 * it runs, its results and error after (see pgq.h). Running it is
 * pgpool.c's.
 */
#include "pgpool_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

pgq *pgq_new(pgpool *p, const char *claims_json)
{
    pgq *q = calloc(1, sizeof(*q));
    if (!q)
        return NULL;
    q->pool = p;
    if (claims_json && !(q->claims = strdup(claims_json))) {
        free(q);
        return NULL;
    }
    return q;
}

int pgq_add(pgq *q, int stmt, int nparams, const char *const *values)
{
    if (q->nstmts >= PGQ_MAX_STMTS || stmt < 0 || (size_t)stmt >= q->pool->nstmts ||
        nparams != q->pool->stmts[stmt].nparams || nparams > PGQ_MAX_PARAMS)
        return -1;
    int i = q->nstmts;
    for (int k = 0; k < nparams; k++) {
        if (!values[k]) {
            q->params[i][k] = NULL;
            continue;
        }
        q->params[i][k] = strdup(values[k]);
        if (!q->params[i][k]) {
            while (k-- > 0)
                free(q->params[i][k]);
            return -1;
        }
    }
    q->stmt[i] = stmt;
    q->nparams[i] = nparams;
    q->nstmts++;
    return 0;
}

void pgq_set_timeout(pgq *q, long ms)
{
    q->timeout_ms = ms > 0 ? ms : 0;
}

void pgq_set_trace(pgq *q, const char *service, const char *trace_id, const char *span_id)
{
    snprintf(q->app, sizeof(q->app), "%s/%s-%s", service, trace_id, span_id);
}

void pgq_plan_custom(pgq *q)
{
    q->plan_custom = 1;
}

void pgq_free(pgq *q)
{
    if (!q)
        return;
    pgq_reset_results(q);
    for (int i = 0; i < q->nstmts; i++)
        for (int k = 0; k < q->nparams[i]; k++)
            free(q->params[i][k]);
    free(q->claims);
    free(q);
}

PGresult *pgq_res(const pgq *q, int i)
{
    return (i >= 0 && i < q->nstmts) ? q->res[i] : NULL;
}

int pgq_cut(const pgq *q, int i)
{
    return i >= 0 && i < q->nstmts && q->cut[i];
}

const char *pgq_sqlstate(const pgq *q)
{
    return q->sqlstate[0] ? q->sqlstate : NULL;
}

const char *pgq_message(const pgq *q)
{
    return q->message;
}

const char *pgq_constraint(const pgq *q)
{
    return q->constraint;
}

void pgq_reset_results(pgq *q)
{
    for (int i = 0; i < PGQ_MAX_STMTS; i++) {
        PQclear(q->res[i]);
        q->res[i] = NULL;
        q->kept[i] = 0;
        q->cut[i] = 0;
    }
    q->sqlstate[0] = 0;
    free(q->message);
    q->message = NULL;
    free(q->constraint);
    q->constraint = NULL;
    q->failed_retryable = 0;
}
