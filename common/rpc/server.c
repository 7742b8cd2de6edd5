/*
 * server.c - the process: configuration, what every loop shares (page
 * token keys, the connection limit, the reflection index, gRPC's engine,
 * logging, the memory quota), and its loops (LOOPS): how many, each one's
 * share of the limits, and a thread for each but the first. One loop's
 * life is loop.c.
 *
 * Each loop runs gRPC core's completion queue and its libuv loop together
 * on one thread (cqloop.h) and owns all its calls' state: a call never
 * changes threads.
 */
#include "server.h"

#include "rpc_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grpc/support/log.h>
#include <sys/random.h>

#include "abseil.h"
#include "connlimit.h"
#include "h2watch.h"
#include "log.h"
#include "metrics.h"
#include "sha256.h"

/* The most loops a process runs (LOOPS is at most 64 too). */
#define LOOPS_MAX 64

static int serve(rpc_server *s);
static int loops_wanted(rpc_server *s);
static void loop_share(rpc_server *s);
static int share_of(int total, int n, int i);
static void *loop_thread(void *arg);
static int proc_start(rpc_server *s, int loops, grpc_resource_quota **quota);
static void proc_free(rpc_server *s);
static int page_key_from(const unsigned char *secret, size_t len,
                         unsigned char out[RPC_PAGE_KEY_LEN]);
static void grpc_log_bridge(gpr_log_func_args *args);

int server_main(const rpc_service *svc, int argc, char **argv)
{
    rpc_server *s = calloc(1, sizeof(*s));
    char err[256];
    if (!s)
        return 1;
    s->svc = svc;
    snprintf(s->svc_short, sizeof(s->svc_short), "%s",
             strncmp(svc->binary, "cameos-", 7) == 0 ? svc->binary + 7 : svc->binary);
    snprintf(s->domain, sizeof(s->domain), "%s.cameos.dev", s->svc_short);
    log_init(svc->binary, CONFIG_LOG_INFO);
    if (argc > 1 && strcmp(argv[1], "migrate") == 0) {
        /* Migrating needs the database and nothing else of the configuration. */
        const char *url = getenv("DATABASE_URL");
        free(s);
        if (!url || !url[0]) {
            fprintf(stderr, "%s: configuration error: DATABASE_URL is required\n", svc->binary);
            return 2;
        }
        return migrate_run(url) == 0 ? 0 : 1;
    }
    if (argc > 1 && strcmp(argv[1], "sql") == 0) {
        /* The statements as prepared, for benchmarks that must send the very
         * same SQL (bench/) and tests of their plans: `sql` lists each name
         * with how it is planned (see PGPOOL_KEYSET), `sql NAME` prints one. */
        int found = 0;
        for (size_t i = 0; i < svc->nstmts; i++) {
            unsigned f = svc->stmts[i].flags;
            if (argc == 2)
                printf("%s\t%s\n", svc->stmts[i].name,
                       f & PGPOOL_CUSTOM_PLAN ? "custom"
                       : f & PGPOOL_KEYSET    ? "keyset"
                                              : "auto");
            else if (strcmp(argv[2], svc->stmts[i].name) == 0 && ++found)
                printf("%s\n", svc->stmts[i].sql);
        }
        free(s);
        return argc == 2 || found ? 0 : 1;
    }
    if (config_load(&s->cfg, svc->binary, svc->default_grpc_listen, svc->default_metrics_listen,
                    config_getenv, NULL, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: configuration error: %s\n", svc->binary, err);
        free(s);
        return 2;
    }
    log_init(svc->binary, s->cfg.log_level);
    /* Trace and span ids need to be unique, not secret: a seed from the
     * kernel, then a cheap generator on the loop thread. */
    if (getrandom(&s->trace_rng, sizeof(s->trace_rng), 0) != sizeof(s->trace_rng))
        s->trace_rng = uv_hrtime() ^ ((uint64_t)getpid() << 32);
    int rc;
    if (argc > 1) {
        fprintf(stderr, "usage: %s [migrate | sql [NAME]]\n", svc->binary);
        rc = 2;
    } else {
        rc = serve(s);
    }
    config_free(&s->cfg);
    free(s);
    return rc;
}

/* ---- serving --------------------------------------------------------- */

/* The process's part, then its loops: each started here, run on a thread
 * of its own (loop 0 on this one) until drained, and freed once all are. */
static int serve(rpc_server *s)
{
    grpc_resource_quota *quota = NULL;
    int n = loops_wanted(s);
    if (proc_start(s, n, &quota) != 0)
        return 1;
    rpc_server **loops = calloc((size_t)n, sizeof(*loops));
    int ok = loops != NULL;
    for (int i = 0; ok && i < n; i++) {
        loops[i] = i == 0 ? s : malloc(sizeof(*s));
        if (!loops[i]) {
            ok = 0;
            break;
        }
        if (i > 0)
            *loops[i] = *s; /* the process's fields, set by proc_start */
        loops[i]->index = i;
        loops[i]->nloops = n;
        loops[i]->loops = loops;
    }
    for (int i = n - 1; ok && i >= 0; i--)
        loop_share(loops[i]); /* loop 0's last: the others copied its cfg */
    int started = 0;
    while (ok && started < n && loop_start(loops[started], quota) == 0)
        started++;
    grpc_resource_quota_unref(quota); /* each loop's gRPC server holds its own reference */
    for (int i = 1; i < started; i++)
        if (s->metrics && loops[i]->metrics &&
            metrics_add_sibling(s->metrics, loops[i]->metrics) != 0)
            loops[i]->start_failed = 1;
    int failed = started < n;
    for (int i = 0; i < started; i++)
        failed |= loops[i]->start_failed;
    for (int i = 0; failed && i < started; i++)
        loop_drain(loops[i]);
    pthread_t threads[LOOPS_MAX];
    int nthreads = 1;
    while (nthreads < started &&
           pthread_create(&threads[nthreads], NULL, loop_thread, loops[nthreads]) == 0) {
        char name[16];
        snprintf(name, sizeof(name), "loop%d", nthreads);
        pthread_setname_np(threads[nthreads++], name);
    }
    int no_thread = nthreads < started;
    if (no_thread) {
        log_msg(CONFIG_LOG_ERROR, "cannot start loop %d's thread", nthreads);
        for (int i = 0; i < started; i++)
            loop_drain(loops[i]);
    }
    if (started > 0)
        loop_run(s);
    for (int i = 1; i < nthreads; i++)
        pthread_join(threads[i], NULL);
    for (int i = nthreads; i < started; i++)
        loop_run(loops[i]); /* drained already: only its handles close */
    int exit_code = 0;
    for (int i = 0; loops && i < n && loops[i]; i++) {
        ok = loop_free(loops[i]) == 0 && ok;
        if (loops[i]->exit_code > exit_code)
            exit_code = loops[i]->exit_code;
        if (i > 0)
            free(loops[i]);
    }
    free(loops);
    proc_free(s);
    log_msg(CONFIG_LOG_INFO, "stopped");
    return !ok || no_thread ? 1 : exit_code;
}

/* How many loops LOOPS asks for (0: config_loops_for the CPUs), within what
 * the pool allows: each loop needs a database connection of its own. The
 * loops share the gRPC port through SO_REUSEPORT, which gRPC sets. */
static int loops_wanted(rpc_server *s)
{
    int n = s->cfg.loops ? s->cfg.loops : config_loops_for(config_cpus("/sys/fs/cgroup"));
    if (n > s->cfg.db_pool_size) {
        log_msg(CONFIG_LOG_WARN,
                "%d loops: each needs one of DB_POOL_SIZE=%d connections (LOOPS=%d)",
                s->cfg.db_pool_size, s->cfg.db_pool_size, n);
        n = s->cfg.db_pool_size;
    }
    return n > LOOPS_MAX ? LOOPS_MAX : n;
}

/* A loop's share of the process's limits, in its copy of cfg: connections,
 * open streams, request messages being read. The first loops take what does not
 * divide evenly. A stream cap below the number of loops still gives each
 * loop one stream (a loop with none would refuse every stream of the
 * connections the kernel gave it). */
static void loop_share(rpc_server *s)
{
    config *c = &s->cfg;
    int n = s->nloops, i = s->index;
    c->db_pool_size = share_of(c->db_pool_size, n, i); /* n <= db_pool_size */
    c->streams_max = share_of(c->streams_max, n, i);
    c->unauthenticated_streams_max = share_of(c->unauthenticated_streams_max, n, i);
    /* Request messages received at once: the process's budget in requests
     * of the largest size (4 to 4096), divided. */
    long slots = c->recv_budget_bytes / c->max_recv_bytes;
    slots = slots < 4 ? 4 : slots > 4096 ? 4096 : slots;
    s->read_slots = share_of((int)slots, n, i);
    /* Trace ids must differ between loops: each draws from its own state. */
    s->trace_rng ^= (uint64_t)i * 0x9e3779b97f4a7c15ull;
}

/* Loop i's part of total over n loops, at least 1. */
static int share_of(int total, int n, int i)
{
    int part = total / n + (i < total % n);
    return part > 0 ? part : 1;
}

static void *loop_thread(void *arg)
{
    loop_run(arg);
    return NULL;
}

/* What the process sets up once for all its loops: the page token keys, the
 * connection limit, the reflection index, gRPC's engine, logging and
 * memory quota. 0, or -1 with everything it made undone. */
static int proc_start(rpc_server *s, int loops, grpc_resource_quota **quota)
{
    const rpc_service *svc = s->svc;
    s->keys.key = s->cfg.jwt_secret;
    s->keys.key_len = s->cfg.jwt_secret_len;
    s->keys.prev = s->cfg.jwt_secret_prev;
    s->keys.prev_len = s->cfg.jwt_secret_prev_len;
    /* During a key rotation, pages handed out by pods still on the old
     * secret keep working (tokens are always issued with the new key). */
    if (page_key_from(s->cfg.jwt_secret, s->cfg.jwt_secret_len, s->page_key) != 0) {
        log_msg(CONFIG_LOG_ERROR, "cannot derive the page token key");
        return -1;
    }
    if (s->cfg.jwt_secret_prev)
        s->has_page_key_prev = page_key_from(s->cfg.jwt_secret_prev, s->cfg.jwt_secret_prev_len,
                                             s->page_key_prev) == 0;
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    char why[256];
    if (connlimit_init(s->cfg.max_connections, H2WATCH_BLOCK_MAX(s->cfg.max_metadata_bytes),
                       &s->max_connections, why, sizeof(why)) != 0) {
        log_msg(CONFIG_LOG_ERROR, "%s", why);
        return -1;
    }
    const char *names[] = {svc->desc->name, "grpc.health.v1.Health",
                           "grpc.reflection.v1.ServerReflection",
                           "grpc.reflection.v1alpha.ServerReflection", NULL};
    if (refl_index_build(svc->fds, svc->fds_len, names, &s->refl) != 0) {
        log_msg(CONFIG_LOG_ERROR, "embedded descriptor set is unusable");
        return -1;
    }
    /* gRPC's own messages become JSON lines too: every stderr line parses. */
    gpr_set_log_function(grpc_log_bridge);
    gpr_set_log_verbosity(s->cfg.log_level <= CONFIG_LOG_DEBUG  ? GPR_LOG_SEVERITY_DEBUG
                          : s->cfg.log_level <= CONFIG_LOG_INFO ? GPR_LOG_SEVERITY_INFO
                                                                : GPR_LOG_SEVERITY_ERROR);
    /* Before grpc_init starts gRPC's threads (see abseil.h for the cost). */
    if (abseil_skip_deadlock_checks() != 0)
        log_msg(CONFIG_LOG_INFO, "Abseil's mutex deadlock detector stays on: its switch "
                                 "was not found in this Abseil");
    /* Also before grpc_init: it picks gRPC's polling engine. */
    const char *engine = getenv("GRPC_POLL_STRATEGY");
    const char *needed = loops > 1 ? "poll" : "epoll1";
    if (engine && strcmp(engine, needed) != 0)
        log_msg(CONFIG_LOG_WARN,
                "GRPC_POLL_STRATEGY=%s is ignored: %d loops need gRPC's %s engine (cqloop.h)",
                engine, loops, needed);
    if (cqloop_install(loops) != 0) {
        log_msg(CONFIG_LOG_ERROR, "cannot select gRPC's polling engine");
        refl_index_free(s->refl);
        return -1;
    }
    grpc_init();
    /* gRPC's own buffers (reads, writes, per-call arenas) are charged to this
     * quota; near it the transports shrink their reads and windows. */
    *quota = grpc_resource_quota_create(svc->binary);
    grpc_resource_quota_resize(*quota, (size_t)s->cfg.memory_quota_bytes);
    return 0;
}

/* After the last loop is freed. */
static void proc_free(rpc_server *s)
{
    grpc_shutdown();
    refl_index_free(s->refl);
}

/* A key of its own for page tokens, from a JWT secret: a page token never
 * doubles as a signature. 0, or -1 (OpenSSL failure). */
static int page_key_from(const unsigned char *secret, size_t len,
                         unsigned char out[RPC_PAGE_KEY_LEN])
{
    static const sha256_piece label = {"cameos page tokens v1", 21};
    return sha256_hmac(secret, len, &label, 1, out);
}

/* Called on gRPC's threads: log_msg is safe there (one write per line). */
static void grpc_log_bridge(gpr_log_func_args *args)
{
    int level = args->severity == GPR_LOG_SEVERITY_ERROR  ? CONFIG_LOG_ERROR
                : args->severity == GPR_LOG_SEVERITY_INFO ? CONFIG_LOG_INFO
                                                          : CONFIG_LOG_DEBUG;
    const char *file = strrchr(args->file, '/');
    log_msg_limited(level, "grpc %s:%d: %s", file ? file + 1 : args->file, args->line,
                    args->message);
}
