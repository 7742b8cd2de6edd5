/*
 * pgpool.h - a few non-blocking libpq connections in pipeline mode, driven by
 * one libuv loop.
 *
 * A transaction is a pgq: an ordered list of named prepared statements with
 * text parameters. The pool sends each pgq as one pipeline (claims first, then
 * the statements, then a Sync), so one RPC costs one round trip and its
 * statements form one implicit transaction: an error anywhere rolls all of it
 * back and later pipelines on the connection are not affected. Many pgqs share
 * a connection back to back.
 *
 * Ownership: the pool owns its connections. A pgq (pgq.h) is created by the
 * caller, owned by the pool from pgpool_submit until its done callback has
 * been called, and freed by the caller with pgq_free (inside or after the
 * callback). The
 * PGresults a pgq holds belong to it and die with it. Everything here runs on
 * the loop thread only.
 */
#ifndef CAMEOS_PGPOOL_H
#define CAMEOS_PGPOOL_H

#include <stddef.h>
#include <libpq-fe.h>
#include <uv.h>

#include "pgq.h"

typedef struct pgpool pgpool;

/* A statement every connection prepares once, right after it connects. */
typedef struct pgpool_stmt {
    const char *name; /* unique, e.g. "get_profile" */
    const char *sql;
    int nparams;
    unsigned flags; /* PGPOOL_* */
} pgpool_stmt;

/* Plan this statement for its parameters every time (small tables whose
 * cursor needs coalesce; see PGPOOL_KEYSET for per-user lists). Set with
 * set_config in the transaction. */
#define PGPOOL_CUSTOM_PLAN 1u
/* A keyset list over one user's rows: one generic plan per connection, built
 * with sorts disabled, so it walks the (user_id, created_at, id) index in
 * order and stops at the page's end whoever the user is. Left to itself a
 * generic plan guesses a few rows per user and picks "read all the user's
 * rows, then sort" (110 ms instead of 0.15 ms for page 1 of 200k rows);
 * planning every call instead cost a third of the database's CPU on list
 * calls. pgq_plan_custom overrides it for one call (optional filters set: a
 * custom plan lets the filter pick its own index). */
#define PGPOOL_KEYSET 2u
/* Results in PostgreSQL's binary format (parameters stay text): the server
 * sends a timestamp as 8 bytes instead of printing it, and a uuid as 16.
 * Only for statements read through rowmap, which decodes both formats
 * (common/db/pgbin.h); their select lists give timestamps as they are, not as
 * SQL_US, which is for text-format statements. */
#define PGPOOL_BINARY 4u
/* Rows arrive one at a time (libpq's single-row mode) and the pgq keeps them
 * in one result until their cells pass PGPOOL_ROWS_MAX_BYTES; the rest are
 * read off the connection and dropped, and pgq_cut says so. Without it
 * libpq holds a whole result: a list page of 1000 rows of large JSON would
 * be one allocation of hundreds of megabytes. The first row is always kept,
 * whatever its size (its reader judges it). For list pages, whose reader
 * stops at a reply budget anyway (rowmap_reply_list). It costs a PGresult
 * per row inside libpq: about a tenth of the calls/s of a 50-row page. */
#define PGPOOL_ROWS           8u
#define PGPOOL_ROWS_MAX_BYTES (2u << 20)

/* Called with up = 1 when the first connection becomes usable, 0 when none
 * is; and again with 0 whenever, while none is, a connection attempt fails
 * for a reason other than the last one. why: libpq's message of the last
 * failed attempt on one line (the password is never in it), or NULL; it
 * belongs to the pool and lasts until the next call. */
typedef void (*pgpool_state_fn)(int up, const char *why, void *arg);

/* Upper bounds (seconds) of the latency histograms' buckets; +Inf follows. */
#define PGPOOL_BUCKETS  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5
#define PGPOOL_NBUCKETS 12
typedef struct pgpool_hist {
    unsigned long long count[PGPOOL_NBUCKETS + 1]; /* per bucket, not cumulative; last: +Inf */
    unsigned long long n;
    double sum;
} pgpool_hist;

typedef struct pgpool_stats {
    int size;         /* configured connections */
    int ready;        /* connections usable now */
    int in_flight;    /* pipelines sent and not finished */
    int pending;      /* pgqs waiting for a connection */
    long reconnects;  /* connections (re)established since start */
    pgpool_hist wait; /* from pgpool_submit (or a retry) to being sent on a connection */
    pgpool_hist run;  /* from being sent to the pipeline's end: the database's time */
    /* run again, by the pipeline's last statement (what the call does):
     * run_by[i] for stmts[i]; the pool's own memory, valid while it lives. */
    const pgpool_hist *run_by;
    const pgpool_stmt *stmts;
    size_t nstmts;
} pgpool_stats;

/* Where the connections go (DB_TRANSACTION_POOLER). PGPOOL_DIRECT: to
 * PostgreSQL (or a pooler that keeps sessions): statements are prepared
 * once per connection and only bound and executed after, and up to
 * PGPOOL_MAX_DEPTH pipelines (one per call) queue on a connection.
 * PGPOOL_POOLER: through a transaction pooler that neither carries prepared
 * statements from one server connection to the next nor keeps several
 * pipelined transactions of one client apart (PgBouncer 1.18 in
 * pool_mode=transaction: replies came back to the wrong call): each run
 * sends its text as the unnamed statement (Parse, Bind, Execute in the
 * call's one pipeline), one pipeline at a time per connection, and no
 * startup options. */
typedef enum pgpool_mode { PGPOOL_DIRECT = 0, PGPOOL_POOLER = 1 } pgpool_mode;

/* Starts connecting at once; never blocks. stmts must outlive the pool.
 * Returns NULL only on allocation failure. */
pgpool *pgpool_new(uv_loop_t *loop, const char *conninfo, const char *app_name, int size,
                   pgpool_mode mode, const pgpool_stmt *stmts, size_t nstmts,
                   pgpool_state_fn state_cb, void *state_arg) __attribute__((warn_unused_result));
/* Fails every pending and in-flight pgq with PGQ_UNAVAILABLE, closes the
 * connections and handles; `closed` runs once every handle is closed, after
 * which the pool memory is gone. */
void pgpool_close(pgpool *p, void (*closed)(void *arg), void *arg);
int pgpool_is_up(const pgpool *p);
/* Ends the pool's turn: pushes out the pipelines sent since the last call.
 * A ready TCP connection's socket stays corked (TCP_CORK), and the pool
 * gives a turn's pipelines to the connection that already has one (up to
 * PGPOOL_TURN_MAX), so the calls that arrive together reach the server in
 * one packet and wake its backend once: a loopback send with its wake-up
 * costs as much as the rest of a call. The pool ends a turn itself with
 * its zero timer; an owner that knows when its thread is about to block
 * calls this first (loop.c, before each wait of cqloop). Not TCP (a Unix
 * socket): every pipeline goes out at once, as libpq sends it. */
void pgpool_flush(pgpool *p);
/* The most pipelines of one turn that join one connection: the next go to
 * the least busy one, so that a burst of slow statements is not queued
 * behind a single backend while the others idle. */
#define PGPOOL_TURN_MAX 8
void pgpool_get_stats(const pgpool *p, pgpool_stats *out);

/* Queues the pgq. done runs exactly once, always later from the loop (never
 * from inside pgpool_submit). Serialization failures and deadlocks are retried
 * a few times before they are reported. */
void pgpool_submit(pgq *q, pgq_done_fn done, void *arg);
/* A pgq not sent yet is dropped (done runs with PGQ_CANCELLED); one already
 * sent runs to its end, bounded by its timeout: a cancel request to the
 * server could hit another pgq's statement on the shared connection. */
void pgpool_cancel(pgq *q);

#endif
