/*
 * bridge - gRPC core's completion queue handed to the libuv loop.
 *
 * Core delivers completions on one queue that only a blocking call reads.
 * The bridge's thread blocks on it and passes each (tag, ok) to the loop
 * through a locked array and a uv_async (sends coalesce: the loop swaps the
 * whole array for an empty one under the lock and runs it outside). From there on everything, every
 * grpc_call_start_batch included, happens on the loop thread, which owns all
 * call state. A completion that happens inside the loop's own gRPC call
 * skips the thread (bridge_cache_begin/end): it joins the array directly and
 * bridge_run, which the owner calls before the loop waits, runs it.
 *
 * Ownership: the caller owns the bridge struct, the loop and the queue; the
 * bridge owns its thread, its uv_async and its array. Every function but
 * the thread's own runs on the loop thread.
 */
#ifndef CAMEOS_BRIDGE_H
#define CAMEOS_BRIDGE_H

#include <pthread.h>
#include <stddef.h>
#include <grpc/grpc.h>
#include <uv.h>

/* Every completion-queue tag is one of these; the loop calls fn(tag, ok). */
typedef struct rpc_tag rpc_tag;
struct rpc_tag {
    void (*fn)(rpc_tag *t, int ok);
};

typedef struct bridge {
    grpc_completion_queue *cq;
    pthread_t thread;
    int started; /* the thread runs (from bridge_start until the queue's end) */
    pthread_mutex_t lock;
    struct bridge_event {
        rpc_tag *tag; /* NULL: the queue is shut down */
        int ok;
    } * events; /* filled by bridge_push, under lock */
    size_t nevents, capevents;
    struct bridge_event *taken; /* the loop's: the array last swapped out */
    size_t captaken;
    int running; /* inside bridge_run, which never nests */
    uv_async_t wake;
    /* Runs on the loop once the queue has ended and every completion ran. */
    void (*ended)(void *arg);
    void *arg;
} bridge;

/* Prepares b for cq on loop (its uv_async joins the loop's handles and
 * closes with them). ended(arg) runs on the loop after the queue's end. */
void bridge_init(bridge *b, uv_loop_t *loop, grpc_completion_queue *cq, void (*ended)(void *arg),
                 void *arg);
/* Starts the thread; 0, or -1 when it could not be created. */
int bridge_start(bridge *b) __attribute__((warn_unused_result));
/* Runs every queued completion, those queued while running included. Not
 * from inside a completion: the array being run is the next one filled. */
void bridge_run(bridge *b);
/* Put around grpc_call_start_batch and grpc_server_request_*call. A
 * completion that happens inside (the usual fate of a unary reply, whose
 * write finishes at once) is kept in gRPC's thread-local cache and queued
 * for the loop directly, instead of waking the thread to pass it back (two
 * context switches and three syscalls a call). */
void bridge_cache_begin(bridge *b);
void bridge_cache_end(bridge *b);
/* After the loop has ended: frees the arrays. */
void bridge_free(bridge *b);

#endif
