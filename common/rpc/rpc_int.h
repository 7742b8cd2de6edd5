/*
 * rpc_int.h - the runtime's internal shapes, shared by server.c (the
 * process and its loops), loop.c (one loop: gRPC server, queue, libuv
 * loop), call.c (one call's life), health.c and reflection.c. Services
 * never include this.
 */
#ifndef CAMEOS_RPC_INT_H
#define CAMEOS_RPC_INT_H

#include <grpc/grpc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <uv.h>

#include "cqloop.h"
#include "config.h"
#include "readgate.h"
#include "refl.h"
#include "rpc.h"

/* A method as registered with gRPC core. */
typedef struct rpc_reg {
    char *path; /* "/pkg.Service/Method" */
    const ProtobufCMessageDescriptor *input;
    rpc_handler_fn handler; /* NULL: UNIMPLEMENTED */
    rpc_auth auth;
    rpc_kind kind;
    void *handle; /* from grpc_server_register_method */
    size_t idx;   /* index in the server's regs and metrics */
    int method;   /* index in svc->methods, -1: none */
} rpc_reg;

/* Health status per name: "", the service's name, and "liveness". */
enum { HEALTH_UNKNOWN = 0, HEALTH_SERVING = 1, HEALTH_NOT_SERVING = 2 };

/* One loop's server. What the process sets up once (server_main and
 * proc_start: svc, domain, svc_short, cfg, keys, the page keys,
 * max_connections, refl) is copied to every loop, cfg with the loop's
 * share of the limits in it (server.c's loop_share); all else belongs to
 * the loop and its thread. */
struct rpc_server {
    const rpc_service *svc;
    char domain[64];    /* ErrorInfo.domain: "credits.cameos.dev" for cameos-credits */
    char svc_short[16]; /* "credits" for cameos-credits: names it to the database */
    uint64_t trace_rng; /* calltrace_random's state: fresh trace and span ids */
    config cfg;
    auth_keys keys;
    struct authcache *tokens;                 /* verified bearer tokens */
    unsigned char page_key[RPC_PAGE_KEY_LEN]; /* rpc_page_key */
    unsigned char page_key_prev[RPC_PAGE_KEY_LEN];
    int has_page_key_prev;
    uv_loop_t loop;
    grpc_server *server;
    grpc_completion_queue *cq;
    cqloop cqloop;    /* runs the queue and the loop on this thread */
    int serving;      /* cqloop_run is (or will be) running the queue */
    int loop_open;    /* loop_start made the loop: loop_free has work */
    int start_failed; /* loop_start could not set everything up: it drains */
    /* The process's loops (LOOPS): loop 0 runs on the main thread, serves
     * metrics, probes the listener and runs the janitor; each loop's cfg is
     * a copy (strings borrowed from loop 0's) holding its share of the
     * process's limits (pool, streams, read budget). */
    int index, nloops;
    int read_slots;     /* request messages received at once (readgate) */
    rpc_server **loops; /* all of them, index order; loop 0's array */
    /* Another loop's news for this one: drain, or its pool came up or went
     * down (loop.c's NEWS_ bits, set before the wake-up). news may be sent
     * while news_open (guarded by loop.c's loops_lock). */
    uv_async_t news;
    atomic_int news_bits;
    int news_open;
    uv_signal_t sigterm, sigint;
    uv_timer_t grace;
    uv_timer_t janitor;
    int janitor_busy; /* its statement is running */
    unsigned ticks;   /* of the tick timer: refusals are logged every 10th */
    uv_timer_t tick;  /* once a second: slow reads, heap trimming (loop.c) */
    unsigned long long refused_logged, floods_logged;
    int max_connections; /* in force: MAX_CONNECTIONS or what the fd limit allows */
    rpc_tag shutdown_tag;
    rpc_reg *regs;
    size_t nregs;
    pgpool *pool;
    refl_index *refl;
    int draining;
    int db_up;     /* this loop's pool has a usable connection */
    int all_db_up; /* so has every loop's, as this loop last heard (loop.c) */
    long calls_live;
    /* health watchers: a list of rpc_call (see health.c) */
    rpc_call *watchers;
    /* every live streaming call, ended on drain (see call.c) */
    rpc_call *streams;
    int nstreams, nstreams_anon; /* in streams; anon: methods without a token */
    readgate reads;              /* who may receive a request message now (call.c) */
    struct pglisten *listen;
    struct selfprobe *probe; /* is the gRPC listener still accepting? */
    int exit_code;           /* of a drain that was not asked for */
    struct metrics *metrics;
    struct metrics_method *metric_names;
    void *data; /* the service's, per loop (rpc_service.loop_data_new) */
};

/* loop.c: one loop's life (see there). loop_start sets the loop up on the
 * calling thread, before the loop's own thread runs it: 0, or -1 when
 * not even its libuv loop could be made (then loop_free has nothing to
 * do); a later failure sets start_failed and the loop drains at once.
 * loop_run runs it on its thread until it has drained; loop_free frees it
 * once every loop has returned from loop_run: 0, or -1 when it failed to
 * start. loop_drain starts the drain of a loop, as SIGTERM does (on its
 * thread, or before it runs); loop_stop_others asks every other loop to
 * drain, from any loop's thread. */
int loop_start(rpc_server *s, grpc_resource_quota *quota) __attribute__((warn_unused_result));
void loop_run(rpc_server *s);
int loop_free(rpc_server *s) __attribute__((warn_unused_result));
void loop_drain(rpc_server *s);
void loop_stop_others(rpc_server *s);

/* call.c: a call accepted by a registered-method slot or the generic slot. */
/* The call, when its request is next to be read (callreq_begin), or NULL
 * when it has been answered already (deadline, unknown method, drain) or
 * could not be made. The call keeps itself alive: the pointer is borrowed. */
rpc_call *call_start(rpc_server *s, const rpc_reg *reg, grpc_call *call, gpr_timespec deadline,
                     grpc_metadata_array *md, const char *unknown_path);
/* callreq.c: see call_int.h. */
void callreq_begin(rpc_call *c);
/* Ends the calls whose request message has taken READ_TIMEOUT_MS so far. */
void callreq_sweep_reads(rpc_server *s);
/* The call of a streaming handler, for lists kept by health.c. */
rpc_call **call_watch_next(rpc_call *c);
/* Queues an already serialized message on a stream; the bytes are copied. */
void call_send_raw(rpc_call *c, const uint8_t *buf, size_t len);

/* health.c */
void health_check(rpc_call *c, const ProtobufCMessage *req);
void health_watch(rpc_call *c, const ProtobufCMessage *req);
/* Recomputes the status from the pool and the drain flag; notifies watchers. */
void health_update(rpc_server *s);
/* call.c: ends every live streaming call (drain). */
void call_end_streams(rpc_server *s);
/* janitor.c: the service's housekeeping statement on a timer. init with
 * the other handles; start once the server runs (nothing when the service
 * has no janitor); the timer closes with the loop's handles. */
void janitor_init(rpc_server *s);
void janitor_start(rpc_server *s);

/* reflection.c */
void reflection_info(rpc_call *c, const ProtobufCMessage *req);

/* migrate.c: applies pending embedded migrations; 0 on success. */
int migrate_run(const char *conninfo) __attribute__((warn_unused_result));

#endif
