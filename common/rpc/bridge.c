/* The completion queue's thread and its hand-off to the loop; see bridge.h. */
#include "bridge.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/support/time.h>

static void *bridge_main(void *arg);
static void bridge_wake_cb(uv_async_t *h);
static void bridge_push(bridge *b, rpc_tag *tag, int ok);

void bridge_init(bridge *b, uv_loop_t *loop, grpc_completion_queue *cq, void (*ended)(void *arg),
                 void *arg)
{
    memset(b, 0, sizeof(*b));
    b->cq = cq;
    b->ended = ended;
    b->arg = arg;
    pthread_mutex_init(&b->lock, NULL);
    uv_async_init(loop, &b->wake, bridge_wake_cb);
    b->wake.data = b;
}

int bridge_start(bridge *b)
{
    b->started = pthread_create(&b->thread, NULL, bridge_main, b) == 0;
    return b->started ? 0 : -1;
}

/* The queue's end (a NULL tag) is acted on last: a completion the loop kept
 * from its own gRPC call can be queued just after it, and must still run. */
void bridge_run(bridge *b)
{
    assert(!b->running);
    b->running = 1;
    int queue_ended = 0;
    for (;;) {
        /* Swap, don't copy: the lock is held for three stores however long
         * the backlog, and the thread goes on filling the other array. */
        pthread_mutex_lock(&b->lock);
        struct bridge_event *run = b->events;
        size_t n = b->nevents, cap = b->capevents;
        b->events = b->taken;
        b->capevents = b->captaken;
        b->nevents = 0;
        pthread_mutex_unlock(&b->lock);
        b->taken = run;
        b->captaken = cap;
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++) {
            if (run[i].tag)
                run[i].tag->fn(run[i].tag, run[i].ok);
            else
                queue_ended = 1;
        }
    }
    b->running = 0;
    if (queue_ended) {
        pthread_join(b->thread, NULL);
        b->started = 0;
        b->ended(b->arg);
    }
}

void bridge_cache_begin(bridge *b)
{
    grpc_completion_queue_thread_local_cache_init(b->cq);
}

void bridge_cache_end(bridge *b)
{
    void *tag;
    int ok;
    if (grpc_completion_queue_thread_local_cache_flush(b->cq, &tag, &ok))
        bridge_push(b, tag, ok);
}

void bridge_free(bridge *b)
{
    pthread_mutex_destroy(&b->lock);
    free(b->events);
    free(b->taken);
    b->events = b->taken = NULL;
    b->nevents = b->capevents = b->captaken = 0;
}

/* ---- internals ------------------------------------------------------- */

static void *bridge_main(void *arg)
{
    bridge *b = arg;
    for (;;) {
        grpc_event ev = grpc_completion_queue_next(b->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        rpc_tag *tag = NULL;
        if (ev.type == GRPC_OP_COMPLETE)
            tag = ev.tag;
        else if (ev.type != GRPC_QUEUE_SHUTDOWN)
            continue;
        bridge_push(b, tag, ev.success);
        uv_async_send(&b->wake);
        if (ev.type == GRPC_QUEUE_SHUTDOWN)
            return NULL;
    }
}

static void bridge_wake_cb(uv_async_t *h)
{
    bridge_run(h->data);
}

/* Appends to the array the loop drains (either thread). */
static void bridge_push(bridge *b, rpc_tag *tag, int ok)
{
    pthread_mutex_lock(&b->lock);
    if (b->nevents == b->capevents) {
        size_t cap = b->capevents ? b->capevents * 2 : 256;
        void *grown = realloc(b->events, cap * sizeof(*b->events));
        if (!grown)
            abort(); /* losing a completion would leak a call forever */
        b->events = grown;
        b->capevents = cap;
    }
    b->events[b->nevents].tag = tag;
    b->events[b->nevents].ok = ok;
    b->nevents++;
    pthread_mutex_unlock(&b->lock);
}
