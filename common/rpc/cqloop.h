/*
 * cqloop - one thread runs gRPC core's completion queue and the libuv loop.
 *
 * gRPC core drives its sockets only inside grpc_completion_queue_next, and
 * libuv drives libpq's only inside uv_run; neither offers a wait over the
 * other's descriptors. gRPC's epoll1 engine, though, blocks in one place:
 * epoll_wait on its one epoll set, called from the thread inside
 * grpc_completion_queue_next with the pollset unlocked. This module defines
 * epoll_wait for the process (as connlimit.c defines accept4): on the
 * queue's thread it adds the loop's backend descriptor (itself an epoll
 * set) to gRPC's set and waits no longer than the loop's next timer. When
 * the loop's descriptor is ready (a database answer, a signal, a metrics
 * request) or a timer is due, the loop runs right there, and gRPC goes on.
 * So a call never changes threads: the request, the query, the answer and
 * the reply all happen on the thread that called cqloop_run.
 *
 * Inside the loop's callbacks everything the loop did before is allowed
 * (start batches, request calls, cancel, shut the server down): each of
 * those gRPC entry points sets up its own execution context, as on any
 * other thread.
 *
 * One loop per process waits this way: epoll1 lets one thread at a time
 * wait in its set, and that thread must be this one. A process of several
 * loops (cqloop_install(n > 1)) uses gRPC's poll engine instead, which
 * gives each completion queue its own pollset: a connection is polled by
 * the thread of the queue its server was registered with, and that thread
 * runs its calls. gRPC calls poll(2) there through a hook of its own
 * (grpc_poll_function), which this module sets; the wait adds the loop's
 * descriptor to gRPC's array the same way. The poll engine rebuilds that
 * array on every wait, so its cost grows with the connections a loop holds
 * (docs/runtime.md has the figures): one loop keeps epoll1.
 * Waits of other threads, and of libuv itself, pass through untouched.
 *
 * Ownership: the caller owns the cqloop struct, the uv loop and the queue;
 * the cqloop owns only its arrays (cached completions, the poll engine's
 * descriptors). Everything runs on the thread of its cqloop_run;
 * cqloop_install runs once, before grpc_init.
 */
#ifndef CAMEOS_CQLOOP_H
#define CAMEOS_CQLOOP_H

#include <poll.h>
#include <stddef.h>
#include <grpc/grpc.h>
#include <uv.h>

/* Every completion-queue tag is one of these; the loop calls fn(tag, ok). */
typedef struct rpc_tag rpc_tag;
struct rpc_tag {
    void (*fn)(rpc_tag *t, int ok);
};

typedef struct cqloop {
    grpc_completion_queue *cq;
    uv_loop_t *loop;
    /* Runs each time before the thread may block (logs are flushed there). */
    void (*before_wait)(void *arg);
    void *arg;
    struct cqloop_event {
        rpc_tag *tag;
        int ok;
    } * cached; /* completions kept by cqloop_cache_end, not yet run */
    size_t ncached, capcached;
    unsigned since_loop; /* completions run since the loop last ran */
    int grpc_epfd;       /* gRPC's epoll set, once the loop's descriptor is in it */
    struct pollfd *pfds; /* poll engine: gRPC's array and the loop's descriptor */
    size_t cappfds;
    int in_wait; /* inside gRPC's wait: a nested wait passes through */
} cqloop;

/* Selects gRPC's engine for a process of `loops` loops: epoll1 for one,
 * poll for more (GRPC_POLL_STRATEGY, whatever the environment said: another
 * engine would not wait where this module looks, and nothing would run the
 * loop). Once, before grpc_init; 0, or -1 when the environment cannot be
 * set. */
int cqloop_install(int loops) __attribute__((warn_unused_result));
/* Prepares q; before_wait(arg) may be NULL. */
void cqloop_init(cqloop *q, uv_loop_t *loop, grpc_completion_queue *cq,
                 void (*before_wait)(void *arg), void *arg);
/* Runs the queue's completions and the loop until the queue has shut down
 * and every completion ran. The loop's handles are still open then: the
 * caller closes them and runs the loop dry. */
void cqloop_run(cqloop *q);
/* Put around grpc_call_start_batch and grpc_server_request_*call. A
 * completion that happens inside (the usual fate of a unary reply, whose
 * write finishes at once) is kept in gRPC's thread-local cache and run next
 * by this module, without a trip through the queue's lock. */
void cqloop_cache_begin(cqloop *q);
void cqloop_cache_end(cqloop *q);
/* After cqloop_run has returned: frees the arrays. */
void cqloop_free(cqloop *q);

#endif
