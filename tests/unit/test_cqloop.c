/* Unit tests for cqloop: gRPC's queue and the libuv loop share one thread.
 * Every completion runs once, the loop's timers and wake-ups run while the
 * thread waits in gRPC's queue, and a gRPC operation started from inside
 * the loop completes on the same thread; on both engines (epoll1 for one
 * loop, poll for several), and with two loops on two threads at once. The
 * completions are real: requests for calls on a server with no port,
 * failed by its shutdown. Each test hangs (and times out) if the loop does
 * not run in the wait. Criterion runs each test in a process of its own,
 * so each picks its engine. */
#include "cqloop.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/grpc.h>

#define REQUESTS 20000

typedef struct req {
    rpc_tag tag;
    int ran, ok;
    pthread_t thread;
    grpc_call *call;
    grpc_call_details details;
    grpc_metadata_array md;
} req;

typedef struct fixture {
    grpc_completion_queue *cq;
    grpc_server *server;
    uv_loop_t loop;
    cqloop q;
    rpc_tag down;
    int down_ran;
} fixture;

static void req_cb(rpc_tag *t, int ok)
{
    req *r = (req *)t;
    r->ran++;
    r->ok = ok;
    r->thread = pthread_self();
}

static void down_cb(rpc_tag *t, int ok)
{
    (void)ok;
    fixture *f = (fixture *)((char *)t - offsetof(fixture, down));
    f->down_ran++;
    grpc_completion_queue_shutdown(f->cq);
}

/* The engine, once per test process, before the first grpc_init. */
static void install(int loops)
{
    cr_assert_eq(cqloop_install(loops), 0);
}

static void setup(fixture *f)
{
    memset(f, 0, sizeof(*f));
    grpc_init();
    f->cq = grpc_completion_queue_create_for_next(NULL);
    f->server = grpc_server_create(NULL, NULL);
    grpc_server_register_completion_queue(f->server, f->cq, NULL);
    grpc_server_start(f->server);
    cr_assert_eq(uv_loop_init(&f->loop), 0);
    cqloop_init(&f->q, &f->loop, f->cq, NULL, NULL);
    f->down.fn = down_cb;
}

static void post(fixture *f, req *r)
{
    r->tag.fn = req_cb;
    grpc_call_details_init(&r->details);
    grpc_metadata_array_init(&r->md);
    cqloop_cache_begin(&f->q);
    grpc_call_error e =
        grpc_server_request_call(f->server, &r->call, &r->details, &r->md, f->cq, f->cq, &r->tag);
    cqloop_cache_end(&f->q);
    cr_assert_eq(e, GRPC_CALL_OK);
}

static void shut_down(fixture *f)
{
    grpc_server_shutdown_and_notify(f->server, f->cq, &f->down);
    grpc_server_cancel_all_calls(f->server);
}

static void teardown(fixture *f, req *reqs, int n)
{
    for (int i = 0; i < n; i++) {
        grpc_call_details_destroy(&reqs[i].details);
        grpc_metadata_array_destroy(&reqs[i].md);
    }
    cr_assert_eq(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
    cqloop_free(&f->q);
    cr_assert_eq(uv_loop_close(&f->loop), 0);
    grpc_server_destroy(f->server);
    grpc_completion_queue_destroy(f->cq);
    grpc_shutdown();
}

/* n requests posted, the server shut down, the queue run: each request's
 * completion ran once, on this thread. */
static void run_backlog(int n)
{
    fixture f;
    setup(&f);
    req *reqs = calloc((size_t)n, sizeof(*reqs));
    cr_assert_not_null(reqs);
    for (int i = 0; i < n; i++)
        post(&f, &reqs[i]);
    shut_down(&f);
    cqloop_run(&f.q);
    cr_assert_eq(f.down_ran, 1, "the shutdown tag ran %d times", f.down_ran);
    for (int i = 0; i < n; i++) {
        cr_assert_eq(reqs[i].ran, 1, "request %d ran %d times", i, reqs[i].ran);
        cr_assert_eq(reqs[i].ok, 0, "request %d was never matched with a call", i);
        cr_assert(pthread_equal(reqs[i].thread, pthread_self()));
    }
    teardown(&f, reqs, n);
    free(reqs);
}

Test(cqloop, a_long_backlog_runs_each_completion_once_on_the_thread, .timeout = 60)
{
    install(1);
    run_backlog(REQUESTS);
}

Test(cqloop, poll_engine_a_long_backlog_runs_each_completion_once_on_the_thread, .timeout = 60)
{
    install(2);
    run_backlog(REQUESTS);
}

/* While the thread waits in gRPC's queue with nothing to complete, a libuv
 * timer fires, and its callback posts a request and shuts the server down
 * (as the loop's callbacks do with replies and with SIGTERM): all of it
 * runs, and the queue's completions follow on the same thread. */
typedef struct timed {
    fixture *f;
    uv_timer_t timer;
    req r;
    int fired;
} timed;

static void timer_cb(uv_timer_t *t)
{
    timed *td = t->data;
    td->fired++;
    post(td->f, &td->r);
    shut_down(td->f);
    uv_close((uv_handle_t *)t, NULL);
}

/* Sets up, runs the queue with a 20 ms timer started, checks, tears down. */
static void run_timed(void)
{
    fixture f;
    setup(&f);
    timed td = {.f = &f};
    uv_timer_init(&f.loop, &td.timer);
    td.timer.data = &td;
    uv_timer_start(&td.timer, timer_cb, 20, 0);
    cqloop_run(&f.q);
    cr_assert_eq(td.fired, 1);
    cr_assert_eq(td.r.ran, 1);
    cr_assert_eq(td.r.ok, 0);
    cr_assert(pthread_equal(td.r.thread, pthread_self()));
    cr_assert_eq(f.down_ran, 1, "the shutdown tag ran %d times", f.down_ran);
    teardown(&f, &td.r, 1);
}

Test(cqloop, a_timer_fires_while_the_thread_waits_in_the_queue, .timeout = 60)
{
    install(1);
    run_timed();
}

Test(cqloop, poll_engine_a_timer_fires_while_the_thread_waits_in_the_queue, .timeout = 60)
{
    install(2);
    run_timed();
}

/* Two loops, each with its own server, queue and libuv loop, on two
 * threads at once (as a process of several loops runs them). Each loop's
 * timer ticks every 2 ms, and a tick waits a little for the other loop to
 * be inside a tick too; once both were at the same moment, each loop
 * shuts its server down. On epoll1 that moment never comes (one thread
 * waits in gRPC while the other sits behind it, and the test times out).
 * Every tick and completion of a loop runs on that loop's thread. */
static atomic_int inside, overlapped;

typedef struct ticker {
    fixture f;
    uv_timer_t timer;
    req r;
    int ticks, off_thread;
    pthread_t thread;
} ticker;

static void tick_cb(uv_timer_t *t)
{
    ticker *k = t->data;
    if (!pthread_equal(pthread_self(), k->thread))
        k->off_thread++;
    k->ticks++;
    atomic_fetch_add(&inside, 1);
    for (int i = 0; i < 1000 && !atomic_load(&overlapped); i++) {
        if (atomic_load(&inside) == 2)
            atomic_store(&overlapped, 1);
        else
            nanosleep(&(struct timespec){0, 20 * 1000}, NULL);
    }
    atomic_fetch_sub(&inside, 1);
    if (atomic_load(&overlapped)) {
        post(&k->f, &k->r);
        shut_down(&k->f);
        uv_close((uv_handle_t *)t, NULL);
    }
}

static void *run_ticker(void *arg)
{
    ticker *k = arg;
    k->thread = pthread_self();
    setup(&k->f);
    uv_timer_init(&k->f.loop, &k->timer);
    k->timer.data = k;
    uv_timer_start(&k->timer, tick_cb, 2, 2);
    cqloop_run(&k->f.q);
    teardown(&k->f, &k->r, 1);
    return NULL;
}

Test(cqloop, poll_engine_two_loops_on_two_threads_wait_at_once, .timeout = 60)
{
    install(2);
    ticker k[2];
    memset(k, 0, sizeof(k));
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, run_ticker, &k[1]), 0);
    run_ticker(&k[0]);
    cr_assert_eq(pthread_join(t, NULL), 0);
    cr_assert_eq(atomic_load(&overlapped), 1);
    for (int i = 0; i < 2; i++) {
        cr_assert_gt(k[i].ticks, 0);
        cr_assert_eq(k[i].off_thread, 0, "loop %d ticked on another thread", i);
        cr_assert_eq(k[i].r.ran, 1);
        cr_assert(pthread_equal(k[i].r.thread, k[i].thread), "loop %d's completion ran elsewhere",
                  i);
        cr_assert_eq(k[i].f.down_ran, 1);
    }
}

/* Another thread wakes the loop (uv_async_send, as a signal does): the
 * callback runs on the queue's thread while that thread is blocked in gRPC. */
typedef struct woken {
    fixture *f;
    uv_async_t async;
    pthread_t ran_on;
    int ran;
} woken;

static void async_cb(uv_async_t *h)
{
    woken *w = h->data;
    w->ran++;
    w->ran_on = pthread_self();
    shut_down(w->f);
    uv_close((uv_handle_t *)h, NULL);
}

static void *waker(void *arg)
{
    woken *w = arg;
    nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    uv_async_send(&w->async);
    return NULL;
}

static void run_woken(void)
{
    fixture f;
    setup(&f);
    woken w = {.f = &f};
    uv_async_init(&f.loop, &w.async, async_cb);
    w.async.data = &w;
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, waker, &w), 0);
    cqloop_run(&f.q);
    pthread_join(t, NULL);
    cr_assert_eq(w.ran, 1);
    cr_assert(pthread_equal(w.ran_on, pthread_self()));
    cr_assert_eq(f.down_ran, 1, "the shutdown tag ran %d times", f.down_ran);
    teardown(&f, NULL, 0);
}

Test(cqloop, another_threads_wake_up_runs_on_the_queues_thread, .timeout = 60)
{
    install(1);
    run_woken();
}

Test(cqloop, poll_engine_another_threads_wake_up_runs_on_the_queues_thread, .timeout = 60)
{
    install(2);
    run_woken();
}

/* An operator's GRPC_POLL_STRATEGY must not take the loop's wait away:
 * with the other engine in the environment the timer still fires inside
 * the wait. */
Test(cqloop, the_environments_engine_is_overridden, .timeout = 60)
{
    cr_assert_eq(setenv("GRPC_POLL_STRATEGY", "poll", 1), 0);
    install(1);
    run_timed();
    cr_assert_str_eq(getenv("GRPC_POLL_STRATEGY"), "epoll1");
}

Test(cqloop, poll_engine_the_environments_engine_is_overridden, .timeout = 60)
{
    cr_assert_eq(setenv("GRPC_POLL_STRATEGY", "epoll1", 1), 0);
    install(2);
    run_timed();
    cr_assert_str_eq(getenv("GRPC_POLL_STRATEGY"), "poll");
}
