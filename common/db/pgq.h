/*
 * pgq.h - one transaction for the pool (pgpool.h): an ordered list of named
 * prepared statements with text parameters, then, once the pool has run
 * it, their results or the error that ended it.
 *
 * Ownership: the caller creates a pgq with pgq_new and frees it with
 * pgq_free; the pool holds it from pgpool_submit until its done callback.
 * Parameters are copied in; the PGresults belong to the pgq and die with
 * it. Loop thread only.
 */
#ifndef CAMEOS_PGQ_H
#define CAMEOS_PGQ_H

#include <libpq-fe.h>

#define PGQ_MAX_STMTS  8
#define PGQ_MAX_PARAMS 32 /* updates send a flag and a value per writable column */

typedef struct pgpool pgpool;
typedef struct pgq pgq;

typedef enum pgq_result {
    PGQ_OK = 0,
    PGQ_DB_ERROR,    /* the server raised an error: see pgq_sqlstate/pgq_message */
    PGQ_UNAVAILABLE, /* no connection, or it broke before the outcome was known */
    PGQ_CANCELLED,   /* pgpool_cancel was called before the pipeline finished */
} pgq_result;

typedef void (*pgq_done_fn)(pgq *q, pgq_result r, void *arg);

/* claims_json may be NULL (no claims set). The text is copied. */
pgq *pgq_new(pgpool *p, const char *claims_json) __attribute__((warn_unused_result));
/* Appends statement `stmt` (index into the pool's table). values are copied;
 * a NULL value is SQL NULL. Returns -1 when the pgq is full or nparams is
 * wrong (a programming error, logged by the caller). */
int pgq_add(pgq *q, int stmt, int nparams, const char *const *values)
    __attribute__((warn_unused_result));
/* Bounds the transaction: statement_timeout (ms, 0 = none) is set first
 * in its pipeline, so the server cancels a statement that runs past it. */
void pgq_set_timeout(pgq *q, long ms);
/* Names the transaction to PostgreSQL: its application_name, local to it,
 * becomes "<service>/<trace_id>-<span_id>" (cut at 63 bytes, PostgreSQL's
 * limit), set in the prelude with the claims: no extra round trip. The
 * strings are copied. */
void pgq_set_trace(pgq *q, const char *service, const char *trace_id, const char *span_id);
/* Plans this transaction's statements for their parameters (see
 * PGPOOL_KEYSET). */
void pgq_plan_custom(pgq *q);
void pgq_free(pgq *q);

/* Results of statement i (0-based, in pgq_add order), valid until pgq_free. */
PGresult *pgq_res(const pgq *q, int i);
/* 1 when statement i is PGPOOL_ROWS and rows came after those kept. */
int pgq_cut(const pgq *q, int i);
/* After PGQ_DB_ERROR: the SQLSTATE (5 chars) and primary message, else NULL. */
const char *pgq_sqlstate(const pgq *q);
const char *pgq_message(const pgq *q);
/* After PGQ_DB_ERROR on a constraint: the constraint's name, else NULL. */
const char *pgq_constraint(const pgq *q);

#endif
