/*
 * metrics.h - Prometheus metrics over HTTP at METRICS_LISTEN /metrics, served
 * by the libuv loop: the go-grpc-prometheus server metrics per method
 * (grpc_server_started_total, grpc_server_handled_total,
 * grpc_server_handling_seconds, grpc_server_msg_received_total,
 * grpc_server_msg_sent_total), the process_* series of the Prometheus
 * clients, the PostgreSQL pool gauges and build info.
 *
 * The counters live here, indexed by method number (0..nmethods-1); they
 * are only touched on the loop thread, so they need no atomics. The metrics
 * object owns its listener and connections; metrics_close closes them and
 * frees everything once the handles are closed.
 *
 * A process of several loops keeps one object per loop, each counting on
 * its own thread; the one that listens renders the sum. The others are its
 * siblings (metrics_add_sibling): at the end of each turn of its loop, a
 * sibling copies what it counted (metrics_publish) under its own lock, and
 * the renderer adds those copies to its own counts. So a scrape sees every
 * call whose loop has finished the turn that answered it, and the counting
 * itself stays free of atomics.
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
/* Starts the HTTP listener; 0, or -1 when the address cannot be bound. At
 * most max_conns connections are open at once (more are accepted and closed
 * at once), and each is closed timeout_ms after it was accepted, answered or
 * not. */
int metrics_listen(metrics *m, const char *host_port, int max_conns, int timeout_ms)
    __attribute__((warn_unused_result));

/* The limits whose refusals are counted (cameos_refused_total{limit}). */
typedef enum metrics_limit {
    METRICS_LIMIT_METRICS_CONNECTIONS = 0, /* counted here, at accept */
    METRICS_LIMIT_GRPC_CONNECTIONS,        /* read from connlimit */
    METRICS_LIMIT_STREAMS,                 /* streaming calls over a cap */
    METRICS_LIMIT_REQUEST_SHAPE,           /* requests pbguard refused */
    METRICS_LIMIT_RESETS,                  /* read from connlimit: rapid resets */
    METRICS_LIMIT_COUNT
} metrics_limit;
/* Adds n refusals at a limit (loop thread). */
void metrics_limit_hit(metrics *m, metrics_limit which, unsigned long long n);
/* A service's own series, one unlabelled value each (e.g. the content
 * service's queue figures). The array must outlive the object. */
typedef enum metrics_kind { METRICS_COUNTER, METRICS_GAUGE } metrics_kind;
typedef struct metrics_series {
    const char *name; /* "cameos_queue_queued" */
    const char *help; /* one line */
    metrics_kind kind;
} metrics_series;
/* Declares them, all 0; once, before any set/add. 0, or -1 when out of memory. */
int metrics_add_series(metrics *m, const metrics_series *series, size_t n)
    __attribute__((warn_unused_result));
/* Sets (a gauge) or adds to (a counter) series i; ignored for m NULL or i out
 * of range (loop thread). */
void metrics_series_set(metrics *m, size_t i, double v);
void metrics_series_add(metrics *m, size_t i, double v);
/* Why the last metrics_listen failed (static text). */
const char *metrics_error(const metrics *m);
/* Renders sibling's published counts too (added to m's own). m borrows
 * sibling: it must stay alive while m can render (close sibling after m).
 * Before the siblings' threads run; 0, or -1 out of memory. */
int metrics_add_sibling(metrics *m, metrics *sibling) __attribute__((warn_unused_result));
/* On m's own thread: makes what m counted since the last publish (or, with
 * force, its pool's gauges anyway) visible to the renderer. Does nothing
 * for m NULL, or when nothing was counted and force is 0. */
void metrics_publish(metrics *m, int force);
/* The pool whose gauges are reported (may be NULL). */
void metrics_set_pool(metrics *m, pgpool *pool);
void metrics_started(metrics *m, size_t method);
void metrics_handled(metrics *m, size_t method, grpc_status_code code, double seconds);
/* A request message decoded / a reply message handed to gRPC (m may be NULL). */
void metrics_msg_received(metrics *m, size_t method);
void metrics_msg_sent(metrics *m, size_t method);
/* The exposition text (for tests and the HTTP handler); malloc'd, caller frees. */
char *metrics_render(const metrics *m) __attribute__((warn_unused_result));
void metrics_close(metrics *m);

#endif
