/*
 * pgpool (common/db) against a real PostgreSQL, with no service: the turn.
 * Pipelines submitted in one turn of the loop go to one connection and wait
 * in its corked socket until the turn ends (pgpool_flush, or the pool's own
 * zero timer); over a Unix socket, which cannot be corked, they go at once.
 * The sockets are read with SIOCOUTQNSD (bytes the kernel holds unsent).
 * This lives with the integration tests because it needs the database
 * (DATABASE_URL).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <libpq-fe.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <uv.h>

#include "pgpool.h"
#include "testdb.h"

#define NCONNS   4
#define NCALLS   8 /* one turn's worth, within PGPOOL_TURN_MAX */
#define MAXCALLS (NCONNS * PGPOOL_TURN_MAX)

static const pgpool_stmt stmts[] = {
    {"backend_pid", "select pg_backend_pid(), $1::int", 1, 0},
};

typedef struct run {
    uv_loop_t *loop;
    int want; /* NCALLS unless a test says otherwise */
    int done;
    int failed;
    long pid[MAXCALLS];
} run;

typedef struct call {
    run *r;
    int i;
} call;

static void call_done(pgq *q, pgq_result res, void *arg)
{
    call *c = arg;
    PGresult *pr = res == PGQ_OK ? pgq_res(q, 0) : NULL;
    if (pr && PQntuples(pr) == 1)
        c->r->pid[c->i] = atol(PQgetvalue(pr, 0, 0));
    else
        c->r->failed++;
    /* The last answer stops the loop: a uv_run(ONCE) whose timers ran the
     * callbacks would otherwise go on to wait for I/O that never comes. */
    if (++c->r->done == c->r->want)
        uv_stop(c->r->loop);
    pgq_free(q);
}

static void no_state(int up, const char *why, void *arg)
{
    (void)up;
    (void)why;
    (void)arg;
}

static void pool_gone(void *arg)
{
    *(int *)arg = 1;
}

/* A pool of NCONNS on conninfo, every connection ready. */
static pgpool *pool_ready(uv_loop_t *loop, const char *conninfo)
{
    pgpool *p = pgpool_new(loop, conninfo, "test_pgpool_db", NCONNS, PGPOOL_DIRECT, stmts, 1,
                           no_state, NULL);
    cr_assert_not_null(p);
    pgpool_stats st;
    for (int i = 0; i < 60000; i++) {
        pgpool_get_stats(p, &st);
        if (st.ready == NCONNS)
            return p;
        uv_run(loop, UV_RUN_ONCE);
    }
    cr_assert_fail("the pool never had %d connections ready", NCONNS);
    return NULL;
}

static void pool_end(uv_loop_t *loop, pgpool *p)
{
    int gone = 0;
    pgpool_close(p, pool_gone, &gone);
    while (!gone)
        uv_run(loop, UV_RUN_ONCE);
    cr_assert_eq(uv_loop_close(loop), 0);
}

/* Submits r->want pipelines without letting the loop turn. */
static void submit_all(pgpool *p, run *r, call *calls)
{
    for (int i = 0; i < r->want; i++) {
        char v[16];
        snprintf(v, sizeof(v), "%d", i);
        const char *vals[] = {v};
        pgq *q = pgq_new(p, NULL);
        cr_assert_not_null(q);
        cr_assert_eq(pgq_add(q, 0, 1, vals), 0);
        calls[i] = (call){r, i};
        pgpool_submit(q, call_done, &calls[i]);
    }
}

static void wait_all(uv_loop_t *loop, run *r)
{
    for (int i = 0; i < 600000 && r->done < r->want; i++)
        uv_run(loop, UV_RUN_ONCE);
    cr_assert_eq(r->done, r->want);
    cr_assert_eq(r->failed, 0);
}

/* The descriptors of this process connected over TCP, in a bitmap. */
typedef struct fdset {
    unsigned char on[4096];
} fdset;

static void tcp_now(fdset *set)
{
    memset(set, 0, sizeof(*set));
    DIR *d = opendir("/proc/self/fd");
    cr_assert_not_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int fd = atoi(e->d_name);
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        if (fd < 0 || fd >= (int)sizeof(set->on) ||
            getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
            continue;
        if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)
            set->on[fd] = 1;
    }
    closedir(d);
}

/* The TCP sockets opened since `before` was taken: the pool's. */
static int tcp_sockets(const fdset *before, int *fds, int max)
{
    fdset now;
    tcp_now(&now);
    int n = 0;
    for (int fd = 0; fd < (int)sizeof(now.on); fd++)
        if (now.on[fd] && !before->on[fd] && n < max)
            fds[n++] = fd;
    return n;
}

static int unsent(int fd)
{
    int n = -1;
    cr_assert_eq(ioctl(fd, SIOCOUTQNSD, &n), 0);
    return n;
}

/* A pool on DATABASE_URL (TCP), every connection ready; its sockets in fds. */
static pgpool *tcp_pool(uv_loop_t *loop, int fds[NCONNS])
{
    const char *url = getenv("DATABASE_URL");
    cr_assert_not_null(url, "DATABASE_URL");
    cr_assert_eq(uv_loop_init(loop), 0);
    fdset before;
    tcp_now(&before);
    pgpool *p = pool_ready(loop, url);
    int found[NCONNS + 4];
    cr_assert_eq(tcp_sockets(&before, found, NCONNS + 4), NCONNS);
    memcpy(fds, found, NCONNS * sizeof(int));
    return p;
}

/* A TCP pool, and n pipelines submitted in one turn, not yet flushed. */
typedef struct turn {
    uv_loop_t loop;
    int fds[NCONNS];
    pgpool *p;
    run r;
    call calls[MAXCALLS];
} turn;

static void turn_start(turn *t, int n)
{
    memset(&t->r, 0, sizeof(t->r));
    t->r.loop = &t->loop;
    t->r.want = n;
    t->p = tcp_pool(&t->loop, t->fds);
    submit_all(t->p, &t->r, t->calls);
}

static void assert_none_held(const int fds[NCONNS], const char *after)
{
    for (int i = 0; i < NCONNS; i++)
        cr_assert_eq(unsent(fds[i]), 0, "socket %d still holds bytes after %s", i, after);
}

/* The turn's pipelines wait in exactly `sockets` of the pool's sockets
 * until pgpool_flush, and in none after it. */
static void held_until_flush(turn *t, int sockets)
{
    int holding = 0;
    for (int i = 0; i < NCONNS; i++)
        holding += unsent(t->fds[i]) > 0;
    cr_assert_eq(holding, sockets, "pipelines held on %d sockets", holding);
    pgpool_flush(t->p);
    assert_none_held(t->fds, "the flush");
}

Test(pgpool_db, a_turns_pipelines_share_one_connection_and_one_send)
{
    turn t;
    turn_start(&t, NCALLS);
    /* Written to one socket, and held there until the turn ends. */
    held_until_flush(&t, 1);

    wait_all(&t.loop, &t.r);
    for (int i = 1; i < NCALLS; i++)
        cr_assert_eq(t.r.pid[i], t.r.pid[0], "call %d ran on backend %ld, call 0 on %ld", i,
                     t.r.pid[i], t.r.pid[0]);
    pool_end(&t.loop, t.p);
}

/* The limit: a turn larger than PGPOOL_TURN_MAX spreads, PGPOOL_TURN_MAX
 * to a connection, so slow statements do not all queue behind one backend. */
Test(pgpool_db, a_turn_gives_one_connection_at_most_turn_max_pipelines)
{
    turn t;
    turn_start(&t, 3 * PGPOOL_TURN_MAX);
    held_until_flush(&t, 3);

    wait_all(&t.loop, &t.r);
    /* Exactly PGPOOL_TURN_MAX each: three backends, as three sockets held. */
    for (int i = 0; i < t.r.want; i++) {
        int same = 0;
        for (int j = 0; j < t.r.want; j++)
            same += t.r.pid[j] == t.r.pid[i];
        cr_assert_eq(same, PGPOOL_TURN_MAX, "backend %ld ran %d of the turn's pipelines",
                     t.r.pid[i], same);
    }
    pool_end(&t.loop, t.p);
}

Test(pgpool_db, the_pools_own_timer_ends_the_turn)
{
    turn t;
    turn_start(&t, NCALLS);
    /* One turn of the loop with no wait: its zero timer is due. */
    uv_run(&t.loop, UV_RUN_NOWAIT);
    assert_none_held(t.fds, "a turn");
    wait_all(&t.loop, &t.r);
    pool_end(&t.loop, t.p);
}

Test(pgpool_db, over_a_unix_socket_pipelines_go_at_once)
{
    PGconn *db = tdb_connect();
    char *dir = tdb_scalar(
        db, "select split_part(current_setting('unix_socket_directories'), ',', 1)", 0, NULL);
    char *port = tdb_scalar(db, "select current_setting('port')", 0, NULL);
    char *user = tdb_scalar(db, "select current_user", 0, NULL);
    char *name = tdb_scalar(db, "select current_database()", 0, NULL);
    PQfinish(db);
    cr_assert(dir && *dir, "the server has no Unix socket directory");
    char conninfo[1024];
    snprintf(conninfo, sizeof(conninfo), "host='%s' port='%s' user='%s' dbname='%s'", dir, port,
             user, name);

    uv_loop_t loop;
    cr_assert_eq(uv_loop_init(&loop), 0);
    fdset before;
    tcp_now(&before);
    pgpool *p = pool_ready(&loop, conninfo);
    int fds[NCONNS + 4];
    cr_assert_eq(tcp_sockets(&before, fds, NCONNS + 4), 0);

    run r = {.loop = &loop, .want = NCALLS};
    call calls[MAXCALLS];
    submit_all(p, &r, calls);
    /* No flush and no turn: the answers come all the same. */
    wait_all(&loop, &r);
    pool_end(&loop, p);
    free(dir);
    free(port);
    free(user);
    free(name);
}
