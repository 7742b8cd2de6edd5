/*
 * sweep.c - the generation queue's janitor (0015_queue_janitor.sql): every
 * two seconds one replica settles leases that ran out and generations past
 * their attempts or age, and every replica reads the queue's size. This
 * file gives the sweep its limits (QUEUE_* in config.h) and turns its one
 * row into the cameos_queue_* series of /metrics.
 *
 * What a sweep did counts on the replica that did it (counters: add them up
 * over replicas); the queue's size is the same on every replica (gauges:
 * take any one, or max).
 */
#include "content.h"

#include <stdlib.h>

#include "config.h"
#include "log.h"

/* The sweep's columns (sql.c, QUEUE_SWEEP). */
enum {
    QS_SWEPT,
    QS_REQUEUED,
    QS_EXHAUSTED,
    QS_TOO_OLD,
    QS_REFUNDS,
    QS_REFUNDED_CREDITS,
    QS_QUEUED,
    QS_LEASED,
    QS_OLDEST_S,
    QS_NCOLS
};

const metrics_series content_series[CONTENT_NSERIES] = {
    [CS_QUEUED] = {"cameos_queue_queued",
                   "Generations waiting for a worker (queue-wide, as of the last sweep).",
                   METRICS_GAUGE},
    [CS_LEASED] = {"cameos_queue_leased",
                   "Generations a worker holds a lease on (queue-wide, as of the last sweep).",
                   METRICS_GAUGE},
    [CS_OLDEST] = {"cameos_queue_oldest_queued_seconds",
                   "Age of the oldest generation waiting for a worker; 0 when none waits.",
                   METRICS_GAUGE},
    [CS_EXPIRED] = {"cameos_queue_leases_expired_total",
                    "Leases that ran out before their worker reported (requeued or failed) "
                    "by this replica's sweeps.",
                    METRICS_COUNTER},
    [CS_REQUEUED] = {"cameos_queue_requeued_total",
                     "Generations whose lease ran out put back in the queue by this replica.",
                     METRICS_COUNTER},
    [CS_EXHAUSTED] = {"cameos_queue_attempts_exhausted_total",
                      "Generations failed by this replica's sweeps after QUEUE_MAX_ATTEMPTS "
                      "leases ran out.",
                      METRICS_COUNTER},
    [CS_TOO_OLD] = {"cameos_queue_too_old_total",
                    "Generations failed by this replica's sweeps for passing QUEUE_MAX_AGE_S.",
                    METRICS_COUNTER},
    [CS_REFUNDS] = {"cameos_queue_sweep_refunds_total",
                    "Refunds the sweeps of this replica made (one per failed, charged "
                    "generation).",
                    METRICS_COUNTER},
    [CS_REFUNDED_CREDITS] = {"cameos_queue_sweep_refunded_credits_total",
                             "Credits those refunds gave back.", METRICS_COUNTER},
    [CS_SWEEPS] = {"cameos_queue_sweeps_total",
                   "Sweeps this replica ran while holding the sweep lock.", METRICS_COUNTER},
};

void content_sweep_args(rpc_server *s, rpc_args *a)
{
    const struct config *cfg = rpc_server_config(s);
    rpc_args_int(a, cfg->queue_max_attempts);
    rpc_args_int(a, cfg->queue_max_age_s);
    rpc_args_int(a, cfg->queue_sweep_batch);
}

void content_sweep_done(rpc_server *s, const PGresult *r)
{
    if (PQntuples(r) != 1 || PQnfields(r) != QS_NCOLS) {
        log_msg(CONFIG_LOG_ERROR, "queue sweep: unexpected result shape");
        return;
    }
    metrics *m = rpc_server_metrics(s);
    metrics_series_set(m, CS_QUEUED, strtod(PQgetvalue(r, 0, QS_QUEUED), NULL));
    metrics_series_set(m, CS_LEASED, strtod(PQgetvalue(r, 0, QS_LEASED), NULL));
    metrics_series_set(m, CS_OLDEST, strtod(PQgetvalue(r, 0, QS_OLDEST_S), NULL));
    if (PQgetvalue(r, 0, QS_SWEPT)[0] != 't')
        return; /* another replica holds the sweep */
    long requeued = strtol(PQgetvalue(r, 0, QS_REQUEUED), NULL, 10);
    long exhausted = strtol(PQgetvalue(r, 0, QS_EXHAUSTED), NULL, 10);
    long too_old = strtol(PQgetvalue(r, 0, QS_TOO_OLD), NULL, 10);
    long refunds = strtol(PQgetvalue(r, 0, QS_REFUNDS), NULL, 10);
    long long credits = strtoll(PQgetvalue(r, 0, QS_REFUNDED_CREDITS), NULL, 10);
    metrics_series_add(m, CS_SWEEPS, 1);
    metrics_series_add(m, CS_EXPIRED, (double)(requeued + exhausted));
    metrics_series_add(m, CS_REQUEUED, (double)requeued);
    metrics_series_add(m, CS_EXHAUSTED, (double)exhausted);
    metrics_series_add(m, CS_TOO_OLD, (double)too_old);
    metrics_series_add(m, CS_REFUNDS, (double)refunds);
    metrics_series_add(m, CS_REFUNDED_CREDITS, (double)credits);
    if (requeued || exhausted || too_old)
        log_msg(CONFIG_LOG_INFO,
                "queue sweep: %ld requeued, %ld failed after their last attempt, %ld failed "
                "for age, %ld refunds (%lld credits)",
                requeued, exhausted, too_old, refunds, credits);
}
