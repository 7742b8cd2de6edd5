/*
 * metrics.h - Prometheus metrics over HTTP at METRICS_LISTEN /metrics, served
 * by the libuv loop: the go-grpc-prometheus server metrics per method
 * (grpc_server_started_total, grpc_server_handled_total,
 * grpc_server_handling_seconds), the PostgreSQL pool gauges and build info.
 *
 * The counters live here, indexed by method number (0..nmethods-1); they
 * are only touched on the loop thread, so they need no atomics. The metrics
 * object owns its listener and connections; metrics_close closes them and
 * frees everything once the handles are closed.
 */
#ifndef CAMEOS_METRICS_H
#define CAMEOS_METRICS_H

#include <grpc/status.h>
#include <uv.h>

#include "pgpool.h"

typedef struct metrics metrics;

typedef struct metrics_method {
    const char *service; /* "cameos.credits.v1.CreditsService" */
    const char *method;  /* "GetProfile" */
    const char *type;    /* "unary", "server_stream", "bidi_stream" */
} metrics_method;

/* methods (nmethods entries) must outlive the object. NULL when out of memory. */
metrics *metrics_new(uv_loop_t *loop, const char *binary, const metrics_method *methods,
                     size_t nmethods) __attribute__((warn_unused_result));
/* Starts the HTTP listener; 0, or -1 when the address cannot be bound. */
int metrics_listen(metrics *m, const char *host_port) __attribute__((warn_unused_result));
/* Why the last metrics_listen failed (static text). */
const char *metrics_error(const metrics *m);
/* The pool whose gauges are reported (may be NULL). */
void metrics_set_pool(metrics *m, pgpool *pool);
void metrics_started(metrics *m, size_t method);
void metrics_handled(metrics *m, size_t method, grpc_status_code code, double seconds);
/* The exposition text (for tests and the HTTP handler); malloc'd, caller frees. */
char *metrics_render(const metrics *m) __attribute__((warn_unused_result));
void metrics_close(metrics *m);

#endif
