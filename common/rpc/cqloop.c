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

/* The cqloop whose thread this is; NULL on every other thread. */
static __thread cqloop *current;

static void run_loop(cqloop *q);
static void run_cached(cqloop *q);
static void cache_push(cqloop *q, rpc_tag *tag, int ok);

int cqloop_install(void)
{
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
    if (!q || q->in_wait || epfd == loop_fd)
        return epoll_pwait(epfd, events, max, timeout_ms, NULL);
    if (q->grpc_epfd != epfd) {
        struct epoll_event mine = {.events = EPOLLIN, .data.ptr = q};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, loop_fd, &mine) != 0 && errno != EEXIST)
            abort(); /* the loop would never run: no call could be answered */
        q->grpc_epfd = epfd;
    }
    q->in_wait = 1;
    q->since_loop = 0;
    run_cached(q);
    if (q->before_wait)
        q->before_wait(q->arg);
    int loop_ms = uv_backend_timeout(q->loop);
    int wait_ms = timeout_ms < 0 || (loop_ms >= 0 && loop_ms < timeout_ms) ? loop_ms : timeout_ms;
    int n = epoll_pwait(epfd, events, max, wait_ms, NULL);
    int loop_due = loop_ms == 0 || (n == 0 && wait_ms == loop_ms);
    for (int i = 0; i < n; i++) {
        if (events[i].data.ptr == q) {
            events[i--] = events[--n];
            loop_due = 1;
        }
    }
    if (loop_due) {
        int saved = errno;
        run_loop(q);
        errno = saved;
    }
    q->in_wait = 0;
    return n;
}

/* ---- internals ------------------------------------------------------- */

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
