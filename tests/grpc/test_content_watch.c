/*
 * test_content_watch - WatchGeneration: the current row at once, each change
 * after it pushed by LISTEN/NOTIFY, the stream ending OK after a terminal
 * status; NOT_FOUND for another user's generation; a hundred watchers share
 * the service's one listening connection.
 *
 * Watchers run in threads (tc_stream blocks); they only record, and every
 * assertion runs on the main thread after the join.
 */
#define CT_HELPERS_ONLY
#include "test_content_common.c"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEEN 8

typedef struct watch_run {
    const char *id;
    const char *tok;
    int deadline_ms;
    int statuses[MAX_SEEN];
    long long at_us[MAX_SEEN]; /* CLOCK_MONOTONIC of each message */
    int n;
    volatile int first_seen;
    tc_result res;
    int local_rc;
} watch_run;

static long long mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int on_msg(const ProtobufCMessage *m, void *arg)
{
    watch_run *w = arg;
    const Cameos__Content__V1__Generation *g = (const void *)m;
    if (w->n < MAX_SEEN) {
        w->statuses[w->n] = g->status;
        w->at_us[w->n] = mono_us();
        w->n++;
    }
    w->first_seen = 1;
    return 0;
}

static void *watch_thread(void *arg)
{
    watch_run *w = arg;
    Cameos__Content__V1__WatchGenerationRequest req =
        CAMEOS__CONTENT__V1__WATCH_GENERATION_REQUEST__INIT;
    req.id = (char *)w->id;
    w->local_rc = tc_stream(ct_chan, CT_RPC("WatchGeneration"), &req.base,
                            &cameos__content__v1__generation__descriptor, w->tok, w->deadline_ms,
                            on_msg, w, &w->res);
    w->first_seen = 1;
    return NULL;
}

static void wait_first(watch_run *w)
{
    for (int i = 0; i < 1000 && !w->first_seen; i++)
        usleep(10000);
}

static tc_result worker_call(const char *rpc, const char *id, const char *field, const char *v)
{
    Cameos__Content__V1__CompleteGenerationRequest creq =
        CAMEOS__CONTENT__V1__COMPLETE_GENERATION_REQUEST__INIT;
    Cameos__Content__V1__FailGenerationRequest freq =
        CAMEOS__CONTENT__V1__FAIL_GENERATION_REQUEST__INIT;
    creq.id = freq.id = (char *)id;
    creq.video_url = freq.error_message = (char *)v;
    (void)field;
    return ct_call(rpc, strcmp(rpc, CT_RPC("CompleteGeneration")) == 0 ? &creq.base : &freq.base,
                   &cameos__content__v1__generation__descriptor, ct_service_tok);
}

TestSuite(content_watch, .init = ct_setup, .fini = ct_teardown);

Test(content_watch, generating_then_success_then_ok)
{
    ct_user u = ct_new_user("watch");
    char *id = ct_new_generation(&u, CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_FAST);
    watch_run w = {.id = id, .tok = u.tok, .deadline_ms = 20000};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, watch_thread, &w), 0);
    wait_first(&w);
    long long before = mono_us();
    tc_result r =
        worker_call(CT_RPC("CompleteGeneration"), id, "video_url", "https://videos.example/v.mp4");
    long long committed = mono_us(); /* the answer comes after the commit */
    CT_EXPECT(r, GRPC_STATUS_OK, "CompleteGeneration");
    tc_result_free(&r);
    pthread_join(t, NULL);
    cr_assert_eq(w.local_rc, 0);
    cr_assert_eq(w.res.code, GRPC_STATUS_OK, "the stream ends OK after success, got %s (%s)",
                 tc_code_name(w.res.code), w.res.message);
    cr_assert_eq(w.n, 2, "two messages: the current row, then the change (got %d)", w.n);
    cr_assert_eq(w.statuses[0],
                 CAMEOS__CONTENT__V1__GENERATION_STATUS__GENERATION_STATUS_GENERATING);
    cr_assert_eq(w.statuses[1], CAMEOS__CONTENT__V1__GENERATION_STATUS__GENERATION_STATUS_SUCCESS);
    cr_assert_geq(w.at_us[1], before, "the change arrives after the worker's call began");
    /* The figure, not a timed assertion (the machines are noisy): the issue
     * asks for 100 ms; the bound here only catches a push that never came
     * and a fallback to polling. */
    long long lag_ms = (w.at_us[1] - committed) / 1000;
    fprintf(stderr, "watch: success arrived %lld ms after CompleteGeneration returned\n", lag_ms);
    cr_assert_lt(w.at_us[1] - before, 5000000, "the change is pushed, not found by a slow poll");
    tc_result_free(&w.res);
    free(id);
    ct_free_user(&u);
}

Test(content_watch, failed_generation_ends_with_error_status)
{
    ct_user u = ct_new_user("watchfail");
    char *id = ct_new_generation(&u, CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_FAST);
    watch_run w = {.id = id, .tok = u.tok, .deadline_ms = 20000};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, watch_thread, &w), 0);
    wait_first(&w);
    tc_result r = worker_call(CT_RPC("FailGeneration"), id, "error_message", "model overloaded");
    CT_EXPECT(r, GRPC_STATUS_OK, "FailGeneration");
    tc_result_free(&r);
    pthread_join(t, NULL);
    cr_assert_eq(w.res.code, GRPC_STATUS_OK);
    cr_assert_eq(w.n, 2);
    cr_assert_eq(w.statuses[1], CAMEOS__CONTENT__V1__GENERATION_STATUS__GENERATION_STATUS_ERROR);
    tc_result_free(&w.res);
    free(id);
    ct_free_user(&u);
}

Test(content_watch, terminal_generation_sends_one_row_and_ends)
{
    ct_user u = ct_new_user("watchdone");
    char *id = ct_new_generation(&u, CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_FAST);
    tc_result r = worker_call(CT_RPC("CompleteGeneration"), id, "video_url",
                              "https://videos.example/done.mp4");
    CT_EXPECT(r, GRPC_STATUS_OK, "CompleteGeneration");
    tc_result_free(&r);
    watch_run w = {.id = id, .tok = u.tok, .deadline_ms = 10000};
    watch_thread(&w);
    cr_assert_eq(w.res.code, GRPC_STATUS_OK);
    cr_assert_eq(w.n, 1);
    cr_assert_eq(w.statuses[0], CAMEOS__CONTENT__V1__GENERATION_STATUS__GENERATION_STATUS_SUCCESS);
    tc_result_free(&w.res);
    free(id);
    ct_free_user(&u);
}

Test(content_watch, other_users_generation_is_not_found)
{
    ct_user a = ct_new_user("watcha"), b = ct_new_user("watchb");
    char *id = ct_new_generation(&a, CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_FAST);
    watch_run w = {.id = id, .tok = b.tok, .deadline_ms = 10000};
    watch_thread(&w);
    cr_assert_eq(w.res.code, GRPC_STATUS_NOT_FOUND, "got %s", tc_code_name(w.res.code));
    cr_assert_eq(w.n, 0, "nothing of A's row reaches B");
    tc_result_free(&w.res);
    /* A malformed id is INVALID_ARGUMENT, an unknown one NOT_FOUND. */
    watch_run bad = {.id = "not-a-uuid", .tok = a.tok, .deadline_ms = 10000};
    watch_thread(&bad);
    cr_assert_eq(bad.res.code, GRPC_STATUS_INVALID_ARGUMENT);
    tc_result_free(&bad.res);
    watch_run unknown = {.id = CT_UNKNOWN_ID, .tok = a.tok, .deadline_ms = 10000};
    watch_thread(&unknown);
    cr_assert_eq(unknown.res.code, GRPC_STATUS_NOT_FOUND);
    tc_result_free(&unknown.res);
    free(id);
    ct_free_user(&a);
    ct_free_user(&b);
}

Test(content_watch, deadline_ends_a_quiet_stream)
{
    ct_user u = ct_new_user("watchquiet");
    char *id = ct_new_generation(&u, CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_FAST);
    watch_run w = {.id = id, .tok = u.tok, .deadline_ms = 5000};
    watch_thread(&w);
    cr_assert_eq(w.res.code, GRPC_STATUS_DEADLINE_EXCEEDED, "got %s", tc_code_name(w.res.code));
    cr_assert_eq(w.n, 1, "the current row came first");
    tc_result_free(&w.res);
    free(id);
    ct_free_user(&u);
}

#define N_WATCHERS 100

Test(content_watch, a_hundred_watchers_share_one_listening_connection)
{
    ct_user u = ct_new_user("watch100");
    char *id = ct_new_generation(&u, CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_FAST);
    long long conns_before =
        ct_count("select count(*) from pg_stat_activity where application_name = 'cameos-content' "
                 "or application_name like 'content/%'",
                 NULL);
    static watch_run w[N_WATCHERS];
    pthread_t t[N_WATCHERS];
    for (int i = 0; i < N_WATCHERS; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].id = id;
        w[i].tok = u.tok;
        w[i].deadline_ms = 30000;
        cr_assert_eq(pthread_create(&t[i], NULL, watch_thread, &w[i]), 0);
    }
    for (int i = 0; i < N_WATCHERS; i++)
        wait_first(&w[i]);
    long long conns_during =
        ct_count("select count(*) from pg_stat_activity where application_name = 'cameos-content' "
                 "or application_name like 'content/%'",
                 NULL);
    tc_result r = worker_call(CT_RPC("CompleteGeneration"), id, "video_url",
                              "https://videos.example/many.mp4");
    CT_EXPECT(r, GRPC_STATUS_OK, "CompleteGeneration");
    tc_result_free(&r);
    int ok = 0, both = 0;
    for (int i = 0; i < N_WATCHERS; i++) {
        pthread_join(t[i], NULL);
        ok += w[i].res.code == GRPC_STATUS_OK;
        both +=
            w[i].n == 2 &&
            w[i].statuses[1] == CAMEOS__CONTENT__V1__GENERATION_STATUS__GENERATION_STATUS_SUCCESS;
        tc_result_free(&w[i].res);
    }
    cr_assert_eq(ok, N_WATCHERS, "every stream ends OK (%d did)", ok);
    cr_assert_eq(both, N_WATCHERS, "every watcher saw generating then success (%d did)", both);
    cr_assert_eq(conns_during, conns_before,
                 "watchers open no database connection (%lld before, %lld with 100 watching)",
                 conns_before, conns_during);
    free(id);
    ct_free_user(&u);
}
