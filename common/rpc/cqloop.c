/* gRPC's completion queue and the libuv loop on one thread; see cqloop.h. */
#include "cqloop.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <grpc/support/time.h>

/* Completions in a row, with no wait of gRPC's in between, after which the
 * loop runs anyway: a queue that never empties must not starve the
 * database. Each wait looks at the loop's descriptor and timers, so it
 * starts the count again. */
#define CQLOOP_FAIRNESS 64
/* Cached completions whose array outlives the turn that needed it; a
 * larger one is freed once it has run. */
#define CQLOOP_CACHED_KEEP 256

/* The cqloop whose thread this is; NULL on every other thread. */
static __thread cqloop *current;
/* The engine cqloop_install chose; the other engine's hook passes through. */
static enum { ENGINE_EPOLL1, ENGINE_POLL } engine;

/* gRPC core's poll engine calls poll(2) through this pointer (exported by
 * libgrpc for its own tests, not declared in its public headers). */
extern int (*grpc_poll_function)(struct pollfd *fds, nfds_t n, int timeout_ms);

static void run_loop(cqloop *q);
static void run_cached(cqloop *q);
static void cache_push(cqloop *q, rpc_tag *tag, int ok);
static int loop_poll(struct pollfd *fds, nfds_t n, int timeout_ms);
static int wait_begin(cqloop *q, int timeout_ms, int *loop_ms);
static void wait_end(cqloop *q, int loop_due);

int cqloop_install(int loops)
{
    if (loops > 1) {
        engine = ENGINE_POLL;
        grpc_poll_function = loop_poll;
        return setenv("GRPC_POLL_STRATEGY", "poll", 1) == 0 ? 0 : -1;
    }
    engine = ENGINE_EPOLL1;
    return setenv("GRPC_POLL_STRATEGY", "epoll1", 1) == 0 ? 0 : -1;
}

void cqloop_init(cqloop *q, uv_loop_t *loop, grpc_completion_queue *cq,
                 void (*before_wait)(void *arg), void *arg)
{
    memset(q, 0, sizeof(*q));
    q->cq = cq;
    q->loop = loop;
    q->before_wait = before_wait;
    q->arg = arg;
    q->grpc_epfd = -1;
}

void cqloop_run(cqloop *q)
{
    assert(current == NULL);
    current = q;
    for (;;) {
        grpc_event ev = grpc_completion_queue_next(q->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        if (ev.type == GRPC_QUEUE_SHUTDOWN)
            break;
        if (ev.type != GRPC_OP_COMPLETE)
            continue;
        rpc_tag *tag = ev.tag;
        tag->fn(tag, ev.success);
        run_cached(q);
        if (++q->since_loop >= CQLOOP_FAIRNESS)
            run_loop(q);
    }
    /* A completion kept from the last calls can still be waiting. */
    run_cached(q);
    current = NULL;
}

void cqloop_cache_begin(cqloop *q)
{
    grpc_completion_queue_thread_local_cache_init(q->cq);
}

void cqloop_cache_end(cqloop *q)
{
    void *tag;
    int ok;
    if (grpc_completion_queue_thread_local_cache_flush(q->cq, &tag, &ok))
        cache_push(q, tag, ok);
}

void cqloop_free(cqloop *q)
{
    free(q->cached);
    q->cached = NULL;
    q->ncached = q->capcached = 0;
    free(q->pfds);
    q->pfds = NULL;
    q->cappfds = 0;
}

/* Replaces the C library's epoll_wait for the process (the dynamic linker
 * binds libgrpc's calls to it, as connlimit.c does accept4). On the
 * queue's thread, a wait on any set but the loop's own is gRPC's: the
 * loop's descriptor joins that set once, the wait ends no later than the
 * loop's next timer, and the loop's event is taken out before gRPC sees
 * the rest. A turn of the loop that woke the thread looks to gRPC like a
 * wait that timed out; it then looks at its queue (where the loop's replies
 * went) and waits again. Every other wait passes through. */
int epoll_wait(int epfd, struct epoll_event *events, int max, int timeout_ms)
{
    cqloop *q = current;
    int loop_fd = q ? uv_backend_fd(q->loop) : -1;
    if (!q || q->in_wait || epfd == loop_fd || engine != ENGINE_EPOLL1)
        return epoll_pwait(epfd, events, max, timeout_ms, NULL);
    if (q->grpc_epfd != epfd) {
        struct epoll_event mine = {.events = EPOLLIN, .data.ptr = q};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, loop_fd, &mine) != 0 && errno != EEXIST)
            abort(); /* the loop would never run: no call could be answered */
        q->grpc_epfd = epfd;
    }
    int loop_ms;
    int wait_ms = wait_begin(q, timeout_ms, &loop_ms);
    int n = epoll_pwait(epfd, events, max, wait_ms, NULL);
    int loop_due = loop_ms == 0 || (n == 0 && wait_ms == loop_ms);
    for (int i = 0; i < n; i++) {
        if (events[i].data.ptr == q) {
            events[i--] = events[--n];
            loop_due = 1;
        }
    }
    wait_end(q, loop_due);
    return n;
}

/* ---- internals ------------------------------------------------------- */

/* The poll engine's wait (grpc_poll_function), on every thread: on a
 * queue's thread gRPC's array of its pollset's descriptors is copied with
 * the loop's descriptor appended, and the rest goes as in epoll_wait. */
static int loop_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    cqloop *q = current;
    if (!q || q->in_wait)
        return poll(fds, n, timeout_ms);
    if (n + 1 > q->cappfds) {
        size_t cap = (n + 1) * 2;
        struct pollfd *grown = realloc(q->pfds, cap * sizeof(*grown));
        if (!grown)
            abort(); /* the loop would never run: no call could be answered */
        q->pfds = grown;
        q->cappfds = cap;
    }
    memcpy(q->pfds, fds, n * sizeof(*fds));
    q->pfds[n] = (struct pollfd){.fd = uv_backend_fd(q->loop), .events = POLLIN};
    int loop_ms;
    int wait_ms = wait_begin(q, timeout_ms, &loop_ms);
    int r = poll(q->pfds, n + 1, wait_ms);
    int loop_due = loop_ms == 0 || (r == 0 && wait_ms == loop_ms);
    if (r > 0 && q->pfds[n].revents) {
        r--;
        loop_due = 1;
    }
    for (nfds_t i = 0; i < n; i++)
        fds[i].revents = q->pfds[i].revents;
    wait_end(q, loop_due);
    return r;
}

/* A wait of gRPC's on the queue's thread starts: what is cached runs, the
 * turn ends (before_wait), and the wait is cut to the loop's next timer.
 * Returns the wait's timeout; *loop_ms is the loop's. */
static int wait_begin(cqloop *q, int timeout_ms, int *loop_ms)
{
    q->in_wait = 1;
    q->since_loop = 0;
    run_cached(q);
    if (q->before_wait)
        q->before_wait(q->arg);
    *loop_ms = uv_backend_timeout(q->loop);
    return timeout_ms < 0 || (*loop_ms >= 0 && *loop_ms < timeout_ms) ? *loop_ms : timeout_ms;
}

/* The wait is over: the loop takes its turn if its descriptor or a timer
 * woke the thread. errno stays what the wait left. */
static void wait_end(cqloop *q, int loop_due)
{
    if (loop_due) {
        int saved = errno;
        run_loop(q);
        errno = saved;
    }
    q->in_wait = 0;
}

static void run_loop(cqloop *q)
{
    q->since_loop = 0;
    uv_run(q->loop, UV_RUN_NOWAIT);
    run_cached(q);
}

/* Runs every cached completion, those cached while running included. */
static void run_cached(cqloop *q)
{
    for (size_t i = 0; i < q->ncached; i++) {
        struct cqloop_event ev = q->cached[i];
        ev.tag->fn(ev.tag, ev.ok);
    }
    q->ncached = 0;
    if (q->capcached > CQLOOP_CACHED_KEEP) {
        /* A burst grew the array: its memory goes back. */
        free(q->cached);
        q->cached = NULL;
        q->capcached = 0;
    }
}

static void cache_push(cqloop *q, rpc_tag *tag, int ok)
{
    if (q->ncached == q->capcached) {
        size_t cap = q->capcached ? q->capcached * 2 : 64;
        void *grown = realloc(q->cached, cap * sizeof(*q->cached));
        if (!grown)
            abort(); /* losing a completion would leak a call forever */
        q->cached = grown;
        q->capcached = cap;
    }
    q->cached[q->ncached].tag = tag;
    q->cached[q->ncached].ok = ok;
    q->ncached++;
}
