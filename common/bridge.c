/* The completion queue's thread and its hand-off to the loop; see bridge.h. */
#include "bridge.h"

#include <stdlib.h>
#include <string.h>
#include <grpc/support/time.h>

/* Completions run per lock taken: the thread may queue more meanwhile. */
#define BRIDGE_BATCH 256

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
    struct bridge_event batch[BRIDGE_BATCH];
    int queue_ended = 0;
    for (;;) {
        pthread_mutex_lock(&b->lock);
        size_t n = b->nevents < BRIDGE_BATCH ? b->nevents : BRIDGE_BATCH;
        if (n > 0) {
            memcpy(batch, b->events, n * sizeof(batch[0]));
            memmove(b->events, b->events + n, (b->nevents - n) * sizeof(batch[0]));
            b->nevents -= n;
        }
        pthread_mutex_unlock(&b->lock);
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++) {
            if (batch[i].tag)
                batch[i].tag->fn(batch[i].tag, batch[i].ok);
            else
                queue_ended = 1;
        }
    }
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
    b->events = NULL;
    b->nevents = b->capevents = 0;
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
