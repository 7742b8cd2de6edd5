/*
 * loop.c - one loop of the process: its libuv loop, gRPC server and
 * completion queue (run together by cqloop), the request slots of its
 * registered methods, its database pool and LISTEN connection, its timers
 * (tick, janitor, grace) and signals, and its drain. Loop 0 also serves
 * the metrics (the sum over all loops), probes the listener and runs the
 * janitor. Everything here runs on the loop's thread, except what
 * server.c calls on the main thread while that thread does not run the
 * loop (loop_start before, loop_free after, loop_drain before on a
 * start-up failure) and loop_stop_others, which any loop's thread may
 * call.
 */
#include "rpc_int.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <malloc.h>

#include "grpc/health/v1/health.pb-c.h"
#include "grpc/reflection/v1/reflection.pb-c.h"
#include "authcache.h"
#include "connlimit.h"
#include "file.h"
#include "h2watch.h"
#include "log.h"
#include "metrics.h"
#include "pglisten.h"
#include "selfprobe.h"

/* Requests kept posted per method: enough that bursts rarely wait for a re-arm. */
#define SLOTS_PER_METHOD 16
#define GENERIC_SLOTS    4
/* How often refusals at a limit are summed up in the log. */
#define REFUSALS_LOG_MS 10000
/* The housekeeping tick (tick_cb), and how much free heap memory may stay
 * mapped before it is given back. */
#define TICK_MS 1000
/* Missed self-probes in a row that mean the listener is gone, and the exit
 * status that says so. */
#define LISTENER_MISSES    3
#define EXIT_LISTENER_DEAD 3
/* Connections of a self-probe round per loop, when there are several: a
 * round misses a dead listener of L with odds ((L-1)/L)^(4L), 1 in 256 for
 * two loops, at most e^-4 (1 in 55) up to 8 loops. Past 8 the round stays
 * at SELFPROBE_WIDTH_MAX (32) connections: 1 in 2.7 for 32 loops, which
 * three misses in a row must still confirm. */
#define LISTENER_PROBES_PER_LOOP 4
#define TRIM_ABOVE               (4u << 20)
/* The most a TLS certificate chain, key or CA bundle file may hold, MiB. */
#define PEM_MAX_MIB 1
/* Guards each loop's news_open: no news is sent to a loop closing its handles. */
static pthread_mutex_t loops_lock = PTHREAD_MUTEX_INITIALIZER;
/* What another loop tells this one (rpc_server.news_bits). */
enum { NEWS_STOP = 1, NEWS_HEALTH = 2 };
/* The loops whose pool has a usable connection; a process runs one set of
 * loops (server_main). Each loop's thread counts its own changes. */
static atomic_int loops_db_up;

/* A posted request for one registered method (or, with reg NULL, for any
 * unregistered one); re-armed each time it yields a call. */
typedef struct rpc_slot {
    rpc_tag tag;
    rpc_server *srv;
    const rpc_reg *reg;
    grpc_call *call;
    gpr_timespec deadline;
    grpc_metadata_array md;
    grpc_call_details details; /* generic slots only */
} rpc_slot;

static grpc_server_credentials *server_credentials(rpc_server *s);
static char *pem_read(const char *var, const char *path);
static int register_methods(rpc_server *s);
static void free_regs(rpc_server *s);
static int slot_post(rpc_server *s, const rpc_reg *reg);
static void slot_cb(rpc_tag *t, int ok);
static void signal_cb(uv_signal_t *h, int signum);
static void news_cb(uv_async_t *h);
static void tell_others(rpc_server *s, int news);
static void health_recount(rpc_server *s);
static void grace_cb(uv_timer_t *t);
static void shutdown_done(rpc_tag *t, int ok);
static void pool_state(int up, const char *why, void *arg);
static void pool_closed(void *arg);
static void close_walk(uv_handle_t *h, void *arg);
static void queue_ended(void *arg);
static void close_db(rpc_server *s);
static void log_refusals(rpc_server *s);
static void tick_cb(uv_timer_t *t);
static void listener_dead(void *arg);
static void before_wait(void *arg);
static void on_notify(const char *payload, void *arg);

/* One loop: its libuv loop, gRPC server (listening on GRPC_LISTEN, charged
 * to quota) and queue, request slots, pool, metrics, listener probe,
 * notifications, signals and timers. 0, or -1 when even the libuv loop
 * could not be made (nothing to free then). On a later failure the loop
 * starts draining at once and loop_run returns soon. */
int loop_start(rpc_server *s, grpc_resource_quota *quota)
{
    const rpc_service *svc = s->svc;
    /* Reads at once: the loop's share of the process's slots (server.c), a
     * quarter of them (at least 2) for any one caller. */
    int slots = s->read_slots;
    readgate_init(&s->reads, slots, slots / 4 < 2 ? 2 : slots / 4);
    if (!(s->tokens = authcache_new())) {
        log_msg(CONFIG_LOG_ERROR, "out of memory");
        return -1;
    }
    if (uv_loop_init(&s->loop) != 0) {
        authcache_free(s->tokens);
        s->tokens = NULL;
        return -1;
    }
    s->loop_open = 1;
    grpc_arg args[] = {
        {GRPC_ARG_INTEGER,
         GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
         {.integer = (int)s->cfg.max_recv_bytes}},
        {GRPC_ARG_INTEGER,
         GRPC_ARG_MAX_CONNECTION_AGE_MS,
         {.integer = s->cfg.max_connection_age_ms}},
        {GRPC_ARG_INTEGER,
         GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
         {.integer = s->cfg.max_connection_age_grace_ms}},
        {GRPC_ARG_INTEGER, GRPC_ARG_KEEPALIVE_TIME_MS, {.integer = s->cfg.keepalive_time_ms}},
        {GRPC_ARG_INTEGER, GRPC_ARG_KEEPALIVE_TIMEOUT_MS, {.integer = s->cfg.keepalive_timeout_ms}},
        /* Without BDP probing the stream window stays at 64 KiB: what a
         * stream can make the transport buffer before the call reads it. */
        {GRPC_ARG_INTEGER, GRPC_ARG_HTTP2_BDP_PROBE, {.integer = 0}},
        /* A client that opens more streams than this loses the connection. */
        {GRPC_ARG_INTEGER,
         GRPC_ARG_MAX_CONCURRENT_STREAMS,
         {.integer = s->cfg.max_concurrent_streams}},
        {GRPC_ARG_INTEGER,
         GRPC_ARG_MAX_CONNECTION_IDLE_MS,
         {.integer = s->cfg.max_connection_idle_ms}},
        /* Also the time a new connection has to send its HTTP/2 SETTINGS. */
        {GRPC_ARG_INTEGER,
         GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
         {.integer = s->cfg.handshake_timeout_ms}},
        {GRPC_ARG_INTEGER, GRPC_ARG_MAX_METADATA_SIZE, {.integer = s->cfg.max_metadata_bytes}},
        {GRPC_ARG_POINTER,
         GRPC_ARG_RESOURCE_QUOTA,
         {.pointer = {.p = quota, .vtable = grpc_resource_quota_arg_vtable()}}},
    };
    grpc_channel_args chargs = {sizeof(args) / sizeof(args[0]), args};
    s->server = grpc_server_create(&chargs, NULL);
    s->cq = grpc_completion_queue_create_for_next(NULL);
    grpc_server_register_completion_queue(s->server, s->cq, NULL);
    int ok = register_methods(s) == 0;
    if (ok && svc->loop_data_new && !(s->data = svc->loop_data_new(s))) {
        log_msg(CONFIG_LOG_ERROR, "out of memory");
        ok = 0;
    }

    grpc_server_credentials *creds = ok ? server_credentials(s) : NULL;
    int port = creds ? grpc_server_add_http2_port(s->server, s->cfg.grpc_listen, creds) : 0;
    if (creds)
        grpc_server_credentials_release(creds);
    if (!port) {
        log_msg(CONFIG_LOG_ERROR, "cannot listen on %s", s->cfg.grpc_listen);
        ok = 0;
    }
    cqloop_init(&s->cqloop, &s->loop, s->cq, before_wait, s);
    if (ok) {
        grpc_server_start(s->server);
        for (size_t i = 0; i < s->nregs && ok; i++) {
            int n = s->regs[i].kind == RPC_BIDI ? 4 : SLOTS_PER_METHOD;
            for (int k = 0; k < n && ok; k++)
                ok = slot_post(s, &s->regs[i]) == 0;
        }
        for (int k = 0; k < GENERIC_SLOTS && ok; k++)
            ok = slot_post(s, NULL) == 0;
        s->serving = ok;
    }
    s->pool = pgpool_new(&s->loop, s->cfg.database_url, svc->binary, s->cfg.db_pool_size,
                         s->cfg.db_transaction_pooler ? PGPOOL_POOLER : PGPOOL_DIRECT, svc->stmts,
                         svc->nstmts, pool_state, s);
    if (ok && !(s->metrics = metrics_new(&s->loop, svc->binary, s->metric_names, s->nregs)))
        ok = 0;
    if (ok && svc->nseries && metrics_add_series(s->metrics, svc->series, svc->nseries) != 0)
        ok = 0;
    if (ok && s->index == 0 &&
        metrics_listen(s->metrics, s->cfg.metrics_listen, s->cfg.metrics_max_connections,
                       s->cfg.metrics_timeout_ms) != 0) {
        log_msg(CONFIG_LOG_ERROR, "cannot serve metrics on %s: %s", s->cfg.metrics_listen,
                metrics_error(s->metrics));
        ok = 0;
    }
    if (s->metrics)
        metrics_set_pool(s->metrics, s->pool);
    if (ok && s->index == 0 && s->cfg.listener_check_ms > 0) {
        int timeout = s->cfg.listener_check_ms / 2 < 5000 ? s->cfg.listener_check_ms / 2 : 5000;
        /* A connection reaches one loop's listener: rounds wide enough to
         * reach every loop's (selfprobe.h). */
        int width = s->nloops > 1 ? s->nloops * LISTENER_PROBES_PER_LOOP : 1;
        s->probe = selfprobe_start(&s->loop, s->cfg.grpc_listen, s->cfg.listener_check_ms, timeout,
                                   width, LISTENER_MISSES, listener_dead, s);
        if (!s->probe)
            log_msg(CONFIG_LOG_WARN, "cannot probe %s: the listener is not watched",
                    s->cfg.grpc_listen);
    }
    if (svc->listen_channel)
        s->listen = pglisten_new(
            &s->loop, s->cfg.listen_database_url ? s->cfg.listen_database_url : s->cfg.database_url,
            svc->binary, svc->listen_channel, on_notify, s);
    uv_signal_init(&s->loop, &s->sigterm);
    uv_signal_init(&s->loop, &s->sigint);
    s->sigterm.data = s->sigint.data = s;
    uv_signal_start(&s->sigterm, signal_cb, SIGTERM);
    uv_signal_start(&s->sigint, signal_cb, SIGINT);
    uv_timer_init(&s->loop, &s->grace);
    s->grace.data = s;
    janitor_init(s);
    uv_timer_init(&s->loop, &s->tick);
    s->tick.data = s;
    uv_timer_start(&s->tick, tick_cb, TICK_MS, TICK_MS);
    if (s->index == 0)
        janitor_start(s);
    uv_async_init(&s->loop, &s->news, news_cb);
    s->news.data = s;
    pthread_mutex_lock(&loops_lock);
    s->news_open = 1;
    pthread_mutex_unlock(&loops_lock);
    s->shutdown_tag.fn = shutdown_done;
    if (!ok || !s->pool) {
        log_msg(CONFIG_LOG_ERROR, "start-up failed");
        s->start_failed = 1;
        signal_cb(&s->sigterm, SIGTERM);
    } else {
        if (s->nloops > 1)
            log_msg(CONFIG_LOG_INFO,
                    "loop %d of %d: listening on %s (port %d), %d database connections", s->index,
                    s->nloops, s->cfg.grpc_listen, port, s->cfg.db_pool_size);
        if (s->index == 0)
            log_msg(CONFIG_LOG_INFO,
                    "listening on %s (port %d), %zu methods, at most %d connections",
                    s->cfg.grpc_listen, port, s->nregs, s->max_connections);
        health_update(s);
    }
    return 0;
}

/* Runs the loop's queue until it has shut down, then the libuv loop dry. */
void loop_run(rpc_server *s)
{
    if (s->serving) {
        cqloop_run(&s->cqloop);
        queue_ended(s);
    }
    uv_run(&s->loop, UV_RUN_DEFAULT);
    /* The loop ran dry: every call and handle is gone. */
    log_flush();
}

/* Frees what loop_start made, once loop_run has returned (or loop_start
 * failed). 0, or -1 when the loop had not started or failed to. */
int loop_free(rpc_server *s)
{
    if (!s->loop_open)
        return -1;
    grpc_server_destroy(s->server);
    grpc_completion_queue_destroy(s->cq);
    if (uv_loop_close(&s->loop) != 0)
        log_msg(CONFIG_LOG_WARN, "event loop closed with handles open");
    cqloop_free(&s->cqloop);
    if (s->metrics) /* a sibling's: see close_db */
        metrics_close(s->metrics);
    free_regs(s);
    authcache_free(s->tokens);
    if (s->data && s->svc->loop_data_free)
        s->svc->loop_data_free(s->data);
    s->data = NULL;
    return s->start_failed ? -1 : 0;
}

void loop_drain(rpc_server *s)
{
    signal_cb(&s->sigterm, SIGTERM);
}

/* Asks every other loop to drain (a failure that concerns the process). */
void loop_stop_others(rpc_server *s)
{
    tell_others(s, NEWS_STOP);
}

/* ---- internals ------------------------------------------------------- */

/* Sets news in every other loop's news_bits and wakes it. */
static void tell_others(rpc_server *s, int news)
{
    pthread_mutex_lock(&loops_lock);
    for (int i = 0; i < s->nloops; i++) {
        rpc_server *o = s->loops[i];
        if (o != s && o->news_open) {
            atomic_fetch_or(&o->news_bits, news);
            uv_async_send(&o->news);
        }
    }
    pthread_mutex_unlock(&loops_lock);
}

/* libuv folds wake-ups together: the bits say what they were for. */
static void news_cb(uv_async_t *h)
{
    rpc_server *s = h->data;
    int news = atomic_exchange(&s->news_bits, 0);
    if (news & NEWS_HEALTH)
        health_recount(s);
    if (news & NEWS_STOP)
        signal_cb(&s->sigterm, SIGTERM);
}

/* Health is read from the count itself, so a loop that hears several
 * changes at once, or its own and another's, answers with the latest. */
static void health_recount(rpc_server *s)
{
    s->all_db_up = atomic_load(&loops_db_up) == s->nloops;
    health_update(s);
}

/* Plaintext h2c, TLS (TLS_CERT + TLS_KEY), or mutual TLS (+ TLS_CLIENT_CA:
 * clients must present a certificate that CA signed). */
static grpc_server_credentials *server_credentials(rpc_server *s)
{
    if (!s->cfg.tls_cert)
        return grpc_insecure_server_credentials_create();
    char *cert = pem_read("TLS_CERT", s->cfg.tls_cert), *key = pem_read("TLS_KEY", s->cfg.tls_key);
    char *ca = s->cfg.tls_client_ca ? pem_read("TLS_CLIENT_CA", s->cfg.tls_client_ca) : NULL;
    grpc_server_credentials *creds = NULL;
    if (cert && key && (ca || !s->cfg.tls_client_ca)) {
        grpc_ssl_pem_key_cert_pair pair = {key, cert};
        creds = grpc_ssl_server_credentials_create_ex(
            ca, &pair, 1,
            ca ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
               : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE,
            NULL);
    }
    if (!creds)
        log_msg(CONFIG_LOG_ERROR, "cannot load the TLS certificate, key or client CA");
    else
        log_msg(CONFIG_LOG_INFO, "serving %s", ca ? "mutual TLS" : "TLS");
    if (key)
        memset(key, 0, strlen(key)); /* keep the private key out of later heap dumps */
    free(cert);
    free(key);
    free(ca);
    return creds;
}

/* The file the variable var names, whole; NULL after saying why. */
static char *pem_read(const char *var, const char *path)
{
    char *text = file_read(path, (size_t)PEM_MAX_MIB << 20, NULL);
    if (!text && errno == EFBIG)
        log_msg(CONFIG_LOG_ERROR, "cannot read %s %s: over %d MiB", var, path, PEM_MAX_MIB);
    else if (!text)
        log_msg(CONFIG_LOG_ERROR, "cannot read %s %s: %s", var, path, strerror(errno));
    return text;
}

static int register_methods(rpc_server *s)
{
    const rpc_service *svc = s->svc;
    const ProtobufCServiceDescriptor *d = svc->desc;
    size_t n = d->n_methods + 4;
    s->regs = calloc(n, sizeof(rpc_reg));
    if (!s->regs)
        return -1;
    /* Every table row must name a real method: a typo would silently serve
     * UNIMPLEMENTED forever. */
    for (size_t k = 0; k < svc->nmethods; k++) {
        if (!protobuf_c_service_descriptor_get_method_by_name(d, svc->methods[k].name)) {
            log_msg(CONFIG_LOG_ERROR, "method table names unknown method %s", svc->methods[k].name);
            return -1;
        }
    }
    for (unsigned i = 0; i < d->n_methods; i++) {
        rpc_reg *r = &s->regs[s->nregs++];
        const ProtobufCMethodDescriptor *m = &d->methods[i];
        if (asprintf(&r->path, "/%s/%s", d->name, m->name) < 0) {
            r->path = NULL;
            return -1;
        }
        r->input = m->input;
        r->auth = RPC_AUTH_USER;
        r->method = -1;
        for (size_t k = 0; k < svc->nmethods; k++) {
            if (strcmp(svc->methods[k].name, m->name) == 0) {
                r->handler = svc->methods[k].handler;
                r->auth = svc->methods[k].auth;
                r->kind = svc->methods[k].kind;
                r->method = (int)k;
            }
        }
    }
    const struct {
        const char *path;
        const ProtobufCMessageDescriptor *input;
        rpc_handler_fn fn;
        rpc_kind kind;
    } builtin[] = {
        {"/grpc.health.v1.Health/Check", &grpc__health__v1__health_check_request__descriptor,
         health_check, RPC_UNARY},
        {"/grpc.health.v1.Health/Watch", &grpc__health__v1__health_check_request__descriptor,
         health_watch, RPC_SERVER_STREAM},
        {"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
         &grpc__reflection__v1__server_reflection_request__descriptor, reflection_info, RPC_BIDI},
        {"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
         &grpc__reflection__v1__server_reflection_request__descriptor, reflection_info, RPC_BIDI},
    };
    for (size_t i = 0; i < 4; i++) {
        rpc_reg *r = &s->regs[s->nregs++];
        r->path = strdup(builtin[i].path);
        if (!r->path)
            return -1;
        r->input = builtin[i].input;
        r->method = -1;
        r->handler = builtin[i].fn;
        r->auth = RPC_AUTH_NONE;
        r->kind = builtin[i].kind;
    }
    s->metric_names = calloc(s->nregs, sizeof(metrics_method));
    if (!s->metric_names)
        return -1;
    for (size_t i = 0; i < s->nregs; i++) {
        rpc_reg *r = &s->regs[i];
        metrics_method *mm = &s->metric_names[i];
        r->idx = i;
        /* path is "/service/method" */
        const char *slash = strrchr(r->path, '/');
        mm->service = strndup(r->path + 1, (size_t)(slash - r->path - 1));
        mm->method = slash + 1;
        if (!mm->service)
            return -1;
        mm->type = r->kind == RPC_UNARY           ? "unary"
                   : r->kind == RPC_SERVER_STREAM ? "server_stream"
                                                  : "bidi_stream";
        r->handle = grpc_server_register_method(
            s->server, r->path, NULL,
            /* No pre-read payload: callreq.c checks the token before it asks
             * for the body (a pre-read body is received whole, up to
             * MAX_RECV_BYTES, before the application sees the call). */
            GRPC_SRM_PAYLOAD_NONE, 0);
        if (!r->handle)
            return -1;
    }
    return 0;
}

static void free_regs(rpc_server *s)
{
    for (size_t i = 0; i < s->nregs; i++) {
        free(s->regs[i].path);
        if (s->metric_names)
            free((char *)s->metric_names[i].service);
    }
    free(s->metric_names);
    free(s->regs);
}

static int slot_post(rpc_server *s, const rpc_reg *reg)
{
    rpc_slot *sl = calloc(1, sizeof(*sl));
    if (!sl)
        return -1;
    sl->tag.fn = slot_cb;
    sl->srv = s;
    sl->reg = reg;
    grpc_metadata_array_init(&sl->md);
    grpc_call_error e;
    cqloop_cache_begin(&s->cqloop);
    if (reg) {
        e = grpc_server_request_registered_call(s->server, reg->handle, &sl->call, &sl->deadline,
                                                &sl->md, NULL, s->cq, s->cq, &sl->tag);
    } else {
        grpc_call_details_init(&sl->details);
        e = grpc_server_request_call(s->server, &sl->call, &sl->details, &sl->md, s->cq, s->cq,
                                     &sl->tag);
    }
    cqloop_cache_end(&s->cqloop);
    if (e != GRPC_CALL_OK) {
        if (!reg)
            grpc_call_details_destroy(&sl->details);
        grpc_metadata_array_destroy(&sl->md);
        free(sl);
        return -1;
    }
    return 0;
}

static void slot_cb(rpc_tag *t, int ok)
{
    rpc_slot *sl = (rpc_slot *)t;
    rpc_server *s = sl->srv;
    if (!ok) {
        /* Shutdown: the request was never matched with a call. */
        if (!sl->reg)
            grpc_call_details_destroy(&sl->details);
        grpc_metadata_array_destroy(&sl->md);
        free(sl);
        return;
    }
    if (!s->draining && slot_post(s, sl->reg) != 0)
        log_msg(CONFIG_LOG_ERROR, "cannot re-arm a request slot");
    if (sl->reg) {
        rpc_call *c = call_start(s, sl->reg, sl->call, sl->deadline, &sl->md, NULL);
        if (c)
            callreq_begin(c);
    } else {
        char path[256];
        size_t n = GRPC_SLICE_LENGTH(sl->details.method);
        if (n >= sizeof(path))
            n = sizeof(path) - 1;
        memcpy(path, GRPC_SLICE_START_PTR(sl->details.method), n);
        path[n] = 0;
        /* An unknown method: answered UNIMPLEMENTED at once, nothing to read. */
        rpc_call *c = call_start(s, NULL, sl->call, sl->details.deadline, &sl->md, path);
        assert(c == NULL);
        (void)c;
        grpc_call_details_destroy(&sl->details);
    }
    free(sl); /* call_start took the call and the metadata */
}

static void signal_cb(uv_signal_t *h, int signum)
{
    rpc_server *s = h->data;
    if (s->draining)
        return;
    s->draining = 1;
    log_msg(CONFIG_LOG_INFO, "signal %d: draining (grace %d ms)", signum, s->cfg.shutdown_grace_ms);
    /* A loop that was still being set up when the signal came never saw
     * it: whichever loop drains first takes the others along. */
    loop_stop_others(s);
    health_update(s);
    call_end_streams(s);
    grpc_server_shutdown_and_notify(s->server, s->cq, &s->shutdown_tag);
    uv_timer_start(&s->grace, grace_cb, (uint64_t)s->cfg.shutdown_grace_ms, 0);
    if (!s->serving) {
        /* Never started serving: nothing will deliver the notify tag. */
        grpc_server_cancel_all_calls(s->server);
        grpc_completion_queue_shutdown(s->cq);
        grpc_event ev;
        do
            ev = grpc_completion_queue_next(s->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        while (ev.type != GRPC_QUEUE_SHUTDOWN);
        queue_ended(s);
    }
}

static void grace_cb(uv_timer_t *t)
{
    rpc_server *s = t->data;
    log_msg(CONFIG_LOG_WARN, "grace period over: cancelling %ld calls", s->calls_live);
    grpc_server_cancel_all_calls(s->server);
}

static void shutdown_done(rpc_tag *t, int ok)
{
    (void)ok;
    rpc_server *s = (rpc_server *)((char *)t - offsetof(rpc_server, shutdown_tag));
    uv_timer_stop(&s->grace);
    grpc_completion_queue_shutdown(s->cq);
}

static void pool_state(int up, const char *why, void *arg)
{
    rpc_server *s = arg;
    int changed = s->db_up != up;
    s->db_up = up;
    if (up)
        log_msg(CONFIG_LOG_INFO, "database reachable");
    else if (why)
        log_msg(CONFIG_LOG_WARN, "database unreachable: %s", why);
    else
        log_msg(CONFIG_LOG_WARN, "database unreachable");
    if (changed) {
        atomic_fetch_add(&loops_db_up, up ? 1 : -1);
        health_recount(s);
        tell_others(s, NEWS_HEALTH);
    }
}

static void close_db(rpc_server *s)
{
    selfprobe_close(s->probe);
    s->probe = NULL;
    if (s->metrics && s->index > 0) {
        /* Loop 0 may still render it: it goes in loop_free, once every
         * loop is done, and keeps its last counts without the pool. */
        metrics_publish(s->metrics, 1);
        metrics_set_pool(s->metrics, NULL);
    } else if (s->metrics) {
        metrics_close(s->metrics);
        s->metrics = NULL;
    }
    if (s->listen) {
        pglisten_close(s->listen);
        s->listen = NULL;
    }
    if (s->pool) {
        pgpool *p = s->pool;
        s->pool = NULL;
        pgpool_close(p, pool_closed, s);
    }
}

/* The listener stopped accepting (selfprobe.h): nothing in this process can
 * restart it, so the process drains and exits non-zero for its supervisor
 * to start another. */
static void listener_dead(void *arg)
{
    rpc_server *s = arg;
    log_msg(CONFIG_LOG_ERROR,
            "the gRPC listener no longer accepts connections (%d probes in a row): draining, "
            "then exiting with status %d",
            LISTENER_MISSES, EXIT_LISTENER_DEAD);
    s->exit_code = EXIT_LISTENER_DEAD;
    signal_cb(&s->sigterm, SIGTERM); /* the other loops too */
}

/* Refusals at a limit are logged as one line per period with their count,
 * not one per refusal: a flood must not turn into a flood of log lines. */
static void log_refusals(rpc_server *s)
{
    unsigned long long floods = connlimit_reset_floods();
    if (floods != s->floods_logged) {
        log_msg(CONFIG_LOG_WARN,
                "closed %llu connections in %d s for resetting streams faster than %d a second "
                "after a burst of %d (rapid reset), flooding PING or SETTINGS, or sending a "
                "header block over %u bytes",
                floods - s->floods_logged, REFUSALS_LOG_MS / 1000, H2WATCH_RESET_RATE,
                H2WATCH_RESET_BURST, H2WATCH_BLOCK_MAX(s->cfg.max_metadata_bytes));
        s->floods_logged = floods;
    }
    unsigned long long conns = connlimit_refused();
    if (conns != s->refused_logged) {
        log_msg(CONFIG_LOG_WARN,
                "refused %llu connections in %d s: at most %d are kept (MAX_CONNECTIONS)",
                conns - s->refused_logged, REFUSALS_LOG_MS / 1000, s->max_connections);
        s->refused_logged = conns;
    }
}

/* Once a second: request messages that take too long to arrive end their
 * calls (callreq_sweep_reads); on loop 0 every tenth tick sums up refusals
 * (log_refusals), on the others the metrics are published with the pool's
 * gauges; and freed memory goes back to the system. After
 * a burst glibc keeps freed memory mapped (it trims only the top of each
 * arena, and gRPC's threads have arenas of their own): a pod that served one
 * flood would stay at its peak until it is killed. When more than
 * TRIM_ABOVE lies free, malloc_trim gives it back; a quiet process never
 * gets there, so this costs nothing when idle. */
static void tick_cb(uv_timer_t *t)
{
    rpc_server *s = t->data;
    callreq_sweep_reads(s);
    if (s->index > 0)
        metrics_publish(s->metrics, 1); /* the pool's gauges, with no call to carry them */
    else if (++s->ticks % (REFUSALS_LOG_MS / TICK_MS) == 0)
        log_refusals(s);
    struct mallinfo2 mi = mallinfo2();
    if (mi.fordblks > TRIM_ABOVE)
        malloc_trim(0);
}

static void on_notify(const char *payload, void *arg)
{
    rpc_server *s = arg;
    if (s->svc->on_notify && !s->draining)
        s->svc->on_notify(s, payload);
}

static void pool_closed(void *arg)
{
    (void)arg;
}

/* Before the thread may block: the queries and the log lines of the turn. */
static void before_wait(void *arg)
{
    rpc_server *s = arg;
    if (s->pool)
        pgpool_flush(s->pool);
    if (s->index > 0)
        metrics_publish(s->metrics, 0);
    log_flush();
}

/* The queue is drained: close every handle so that the loop runs dry. */
static void queue_ended(void *arg)
{
    rpc_server *s = arg;
    close_db(s);
    pthread_mutex_lock(&loops_lock);
    s->news_open = 0; /* its handle closes now */
    pthread_mutex_unlock(&loops_lock);
    uv_walk(&s->loop, close_walk, s);
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}
