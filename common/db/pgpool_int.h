/*
 * pgpool_int.h - the inside of a pool, its connections and its pgqs, shared
 * by pgpool.c (connections, pipelines, dispatch) and pgq.c (a transaction's
 * statements and results). Nothing else includes it.
 */
#ifndef CAMEOS_PGPOOL_INT_H
#define CAMEOS_PGPOOL_INT_H

#include <stdint.h>

#include "pgpool.h"

typedef enum conn_state { CONN_DOWN, CONN_CONNECTING, CONN_PREPARING, CONN_READY } conn_state;

typedef struct pgconn {
    pgpool *pool;
    PGconn *pg;
    conn_state state;
    uv_poll_t *poll; /* heap: a closing handle must outlive its replacement */
    int poll_fd;     /* -1 when the poll handle is not initialised */
    int poll_events;
    uv_timer_t timer; /* connect timeout and reconnect back-off */
    int attempts;
    int prepare_left; /* results still expected while PREPARING */
    pgq *head, *tail; /* pipelines in flight, oldest first */
    int depth;
    int last_was_null;
    int closing;
    int batched; /* pipelines sent this turn (pgpool_flush ends a turn) */
    int corked;  /* TCP_CORK is on: what libpq sends waits for pgpool_flush */
} pgconn;

struct pgq {
    pgpool *pool;
    pgconn *conn; /* set while in flight */
    pgq *next;
    char *claims;
    char app[64]; /* application_name for the transaction; "" keeps the session's */
    int nstmts;
    int stmt[PGQ_MAX_STMTS];
    int nparams[PGQ_MAX_STMTS];
    char *params[PGQ_MAX_STMTS][PGQ_MAX_PARAMS];
    PGresult *res[PGQ_MAX_STMTS];
    size_t kept[PGQ_MAX_STMTS]; /* PGPOOL_ROWS: bytes of the rows kept */
    unsigned char cut[PGQ_MAX_STMTS];
    int cursor; /* which query's results arrive next: -1 = claims */
    int armed;  /* the cursor single-row mode was last asked for */
    int retries;
    int cancel_requested;
    long timeout_ms; /* statement_timeout for this transaction; 0: none */
    int plan_custom; /* pgq_plan_custom was called */
    int failed_retryable;
    char sqlstate[6];
    char *message;
    char *constraint; /* name of the violated constraint, if any */
    pgq_done_fn done;
    void *arg;
    pgq_result result;
    uint64_t queued_ns, sent_ns; /* uv_hrtime: for the latency histograms */
};

struct pgpool {
    uv_loop_t *loop;
    char *conninfo;
    char *app_name;
    const pgpool_stmt *stmts;
    size_t nstmts;
    pgpool_mode mode;
    pgconn *conns;
    int size;
    int up;
    int failed_once; /* a connection has failed: while none is up, fail fast */
    pgq *pending_head, *pending_tail;
    pgq *finished_head, *finished_tail; /* done callbacks to run from kick */
    int npending;
    uv_timer_t kick; /* zero timer: runs the done callbacks, ends the turn */
    int turn_open;   /* a pipeline went out since the last pgpool_flush */
    long reconnects;
    pgpool_hist wait, run;
    pgpool_hist *run_by; /* run, by the pipeline's last statement (nstmts) */
    pgpool_state_fn state_cb;
    char last_error[256]; /* libpq's message of the last failed connect, "" none */
    void *state_arg;
    int closing;
    int open_handles;
    void (*closed_cb)(void *);
    void *closed_arg;
};

/* Drops the results and error of a run (before a retry, and at pgq_free). */
void pgq_reset_results(pgq *q);

#endif
