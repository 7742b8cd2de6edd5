/* Unit tests for bridge: every completion of gRPC's queue runs once on the
 * loop, the queue's end last, however long the backlog the thread built
 * before the loop ran. The completions are
 * real: requests for calls on a server with no port, failed by its
 * shutdown. */
#include "bridge.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <time.h>
#include <grpc/grpc.h>

#define REQUESTS 20000

typedef struct req {
    rpc_tag tag;
    int ran, ok;
    grpc_call *call;
    grpc_call_details details;
    grpc_metadata_array md;
} req;

static int ran_total;
static int ended_at = -1;
static int shutdown_ran;

static void req_cb(rpc_tag *t, int ok)
{
    req *r = (req *)t;
    r->ran++;
    r->ok = ok;
    ran_total++;
}

static void shutdown_cb(rpc_tag *t, int ok)
{
    (void)t;
    (void)ok;
    shutdown_ran++;
    ran_total++;
}

static void ended_cb(void *arg)
{
    bridge *b = arg;
    ended_at = ran_total;
    uv_close((uv_handle_t *)&b->wake, NULL);
}

static size_t queued(bridge *b)
{
    pthread_mutex_lock(&b->lock);
    size_t n = b->nevents;
    pthread_mutex_unlock(&b->lock);
    return n;
}

Test(bridge, a_long_backlog_runs_each_completion_once_and_the_end_last)
{
    grpc_init();
    grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
    grpc_server *server = grpc_server_create(NULL, NULL);
    grpc_server_register_completion_queue(server, cq, NULL);
    grpc_server_start(server);

    uv_loop_t loop;
    cr_assert_eq(uv_loop_init(&loop), 0);
    bridge b;
    bridge_init(&b, &loop, cq, ended_cb, &b);

    req *reqs = calloc(REQUESTS, sizeof(*reqs));
    cr_assert_not_null(reqs);
    for (int i = 0; i < REQUESTS; i++) {
        reqs[i].tag.fn = req_cb;
        grpc_call_details_init(&reqs[i].details);
        grpc_metadata_array_init(&reqs[i].md);
        cr_assert_eq(grpc_server_request_call(server, &reqs[i].call, &reqs[i].details, &reqs[i].md,
                                              cq, cq, &reqs[i].tag),
                     GRPC_CALL_OK);
    }
    rpc_tag down = {shutdown_cb};
    grpc_server_shutdown_and_notify(server, cq, &down);
    grpc_server_cancel_all_calls(server);
    cr_assert_eq(bridge_start(&b), 0);

    /* Let the thread queue everything before the loop takes any of it:
     * the requests, the shutdown's tag (the queue ends at the next step). */
    for (int spins = 0; queued(&b) < REQUESTS + 1 && spins < 60000; spins++)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    cr_assert_eq(queued(&b), REQUESTS + 1, "the thread queued %zu", queued(&b));
    grpc_completion_queue_shutdown(cq);

    cr_assert_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
    cr_assert_eq(shutdown_ran, 1);
    for (int i = 0; i < REQUESTS; i++) {
        cr_assert_eq(reqs[i].ran, 1, "request %d ran %d times", i, reqs[i].ran);
        cr_assert_eq(reqs[i].ok, 0, "request %d was never matched with a call", i);
        grpc_call_details_destroy(&reqs[i].details);
        grpc_metadata_array_destroy(&reqs[i].md);
    }
    cr_assert_eq(ended_at, REQUESTS + 1, "the queue's end ran after every completion");

    bridge_free(&b);
    cr_assert_eq(uv_loop_close(&loop), 0);
    free(reqs);
    grpc_server_destroy(server);
    grpc_completion_queue_destroy(cq);
    grpc_shutdown();
}
