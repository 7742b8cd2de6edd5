/*
 * test_content_queue - the generation work queue over a real gRPC channel:
 * a worker claims, extends and completes under its lease token; a stale
 * token changes nothing; released and expired leases come back with the
 * next attempt; one replica sweeps at a time; the owner cancels what no
 * worker holds and gets the credits back; arguments and roles are checked.
 *
 * Claims take whatever the database has queued, other tests' generations
 * among them: a test claims until it holds its own generation and gives the
 * others back at once (ReleaseGeneration, which does not count as an
 * attempt). Needs CONTENT_ADDR, JWT_SECRET
 * and a superuser DATABASE_URL, like the other content tests.
 */
#define CT_HELPERS_ONLY
#include "test_content_common.c"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#define VEO_FAST CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_FAST
#define SUCCESS  CAMEOS__CONTENT__V1__GENERATION_STATUS__GENERATION_STATUS_SUCCESS
#define ERROR    CAMEOS__CONTENT__V1__GENERATION_STATUS__GENERATION_STATUS_ERROR

typedef Cameos__Content__V1__GenerationLease Lease;

typedef struct held {
    char *token;
    long long expires;
    int attempt;
} held;

static held claim_own(const char *gid, int lease_seconds, int deadline_s);
static tc_result claim(int max, int lease_seconds, const char *worker);
static tc_result extend(const char *id, const char *token, int lease_seconds);
static tc_result release(const char *id, const char *token);
static tc_result report(const char *rpc, const char *id, const char *token, const char *tok);
static tc_result cancel(const char *tok, const char *id);
static const char *status_of(const char *gid);

TestSuite(content_queue, .init = ct_setup, .fini = ct_teardown, .timeout = 180);

Test(content_queue, a_worker_claims_extends_and_completes_under_its_token)
{
    ct_user u = ct_new_user("qdone");
    char *gid = ct_new_generation(&u, VEO_FAST);
    held h = claim_own(gid, 60, 60);
    cr_assert_eq(h.attempt, 1);
    cr_assert(h.expires > (long long)time(NULL) + 30, "the lease runs about 60 s");

    tc_result r = extend(gid, h.token, 600);
    CT_EXPECT(r, GRPC_STATUS_OK, "ExtendGenerationLease");
    const Cameos__Content__V1__ExtendGenerationLeaseResponse *e = (const void *)r.resp;
    cr_assert_not_null(e->lease_expires_at);
    cr_assert(e->lease_expires_at->seconds > (long long)time(NULL) + 500, "extended to 600 s");
    tc_result_free(&r);

    /* Another token (a worker whose lease was handed on) changes nothing. */
    r = report("CompleteGeneration", gid, "7d1ce2ad-54d1-4d7e-9a3e-3c9f1f1f0001", ct_service_tok);
    CT_EXPECT(r, GRPC_STATUS_FAILED_PRECONDITION, "Complete with another token");
    tc_result_free(&r);
    cr_assert_str_eq(status_of(gid), "generating");
    r = extend(gid, "7d1ce2ad-54d1-4d7e-9a3e-3c9f1f1f0001", 60);
    CT_EXPECT(r, GRPC_STATUS_FAILED_PRECONDITION, "Extend with another token");
    tc_result_free(&r);

    r = report("CompleteGeneration", gid, h.token, ct_service_tok);
    CT_EXPECT(r, GRPC_STATUS_OK, "Complete with the lease's token");
    cr_assert_eq(((const Cameos__Content__V1__Generation *)r.resp)->status, SUCCESS);
    tc_result_free(&r);
    cr_assert_eq(
        ct_count("select count(*) from public.generation_jobs where generation_id = $1", gid), 0,
        "the job left the queue");
    r = extend(gid, h.token, 60);
    CT_EXPECT(r, GRPC_STATUS_FAILED_PRECONDITION, "Extend after the report");
    tc_result_free(&r);
    free(h.token);
    free(gid);
    ct_free_user(&u);
}

Test(content_queue, a_released_lease_comes_back_and_the_old_token_is_stale)
{
    ct_user u = ct_new_user("qrelease");
    char *gid = ct_new_generation(&u, VEO_FAST);
    cr_assert_eq(ct_balance(u.id), 85);
    held first = claim_own(gid, 60, 60);
    tc_result r = release(gid, first.token);
    CT_EXPECT(r, GRPC_STATUS_OK, "ReleaseGeneration");
    tc_result_free(&r);
    r = release(gid, first.token);
    CT_EXPECT(r, GRPC_STATUS_FAILED_PRECONDITION, "ReleaseGeneration twice");
    tc_result_free(&r);

    held second = claim_own(gid, 60, 60);
    cr_assert_eq(second.attempt, first.attempt, "a give-back is not an attempt");
    cr_assert_str_neq(second.token, first.token);
    r = report("FailGeneration", gid, first.token, ct_service_tok);
    CT_EXPECT(r, GRPC_STATUS_FAILED_PRECONDITION, "Fail with the first, stale token");
    tc_result_free(&r);
    cr_assert_eq(ct_balance(u.id), 85, "nothing refunded by the stale report");

    r = report("FailGeneration", gid, second.token, ct_service_tok);
    CT_EXPECT(r, GRPC_STATUS_OK, "Fail with the current token");
    cr_assert_eq(((const Cameos__Content__V1__Generation *)r.resp)->status, ERROR);
    tc_result_free(&r);
    cr_assert_eq(ct_balance(u.id), 100, "refunded once");
    free(first.token);
    free(second.token);
    free(gid);
    ct_free_user(&u);
}

/* The content service sweeps every 2 s: a lease of 1 s that nobody extends
 * is back in the queue soon after, and its next claim is attempt 2. */
Test(content_queue, an_expired_lease_goes_back_to_the_queue)
{
    ct_user u = ct_new_user("qexpire");
    char *gid = ct_new_generation(&u, VEO_FAST);
    held first = claim_own(gid, 1, 60);
    held again = claim_own(gid, 60, 90);
    cr_assert_eq(again.attempt, 2, "the expired lease counted an attempt");
    tc_result r = report("CompleteGeneration", gid, first.token, ct_service_tok);
    CT_EXPECT(r, GRPC_STATUS_FAILED_PRECONDITION, "the first worker, late");
    tc_result_free(&r);
    r = report("CompleteGeneration", gid, again.token, ct_service_tok);
    CT_EXPECT(r, GRPC_STATUS_OK, "the second worker");
    tc_result_free(&r);
    free(first.token);
    free(again.token);
    free(gid);
    ct_free_user(&u);
}

/* Replicas: while one holds the sweep lock, another's sweep does nothing
 * (not even the running service's, every 2 s); once it is free, the
 * expired lease is requeued exactly once. */
Test(content_queue, one_replica_sweeps_at_a_time)
{
    ct_user u = ct_new_user("qreplica");
    char *gid = ct_new_generation(&u, VEO_FAST);
    PGconn *other = tdb_connect();
    tdb_exec(other, "select pg_advisory_lock(hashtext('cameos.queue_sweep'))", 0, NULL);
    held first = claim_own(gid, 60, 60);
    const char *p[1] = {gid};
    tdb_exec(ct_db,
             "update public.generation_jobs set lease_expires_at = now() - interval '1 second' "
             "where generation_id = $1",
             1, p);
    tdb_exec(ct_db, "select set_config('request.jwt.claims', '{\"role\":\"service_role\"}', false)",
             0, NULL);
    cr_assert_eq(tdb_int(ct_db,
                         "select (case when swept then 1 else 0 end) + 10 * requeued"
                         " from public.queue_janitor(3, 3600, 500)",
                         0, NULL),
                 0, "a sweep that finds the lock taken does nothing");
    sleep(3); /* the service's own sweeps too: over one tick */
    cr_assert_eq(tdb_int(ct_db,
                         "select count(*) from public.generation_jobs"
                         " where generation_id = $1 and lease_token is not null",
                         1, p),
                 1, "no replica requeued it while the lock was held");
    tdb_exec(other, "select pg_advisory_unlock(hashtext('cameos.queue_sweep'))", 0, NULL);
    PQfinish(other);
    held again = claim_own(gid, 60, 90);
    cr_assert_eq(again.attempt, 2, "requeued once, then claimed again");
    tdb_exec(ct_db, "select set_config('request.jwt.claims', '', false)", 0, NULL);
    tc_result r = report("CompleteGeneration", gid, again.token, ct_service_tok);
    CT_EXPECT(r, GRPC_STATUS_OK, "the second worker completes it");
    tc_result_free(&r);
    free(first.token);
    free(again.token);
    free(gid);
    ct_free_user(&u);
}

Test(content_queue, the_owner_cancels_what_no_worker_holds)
{
    ct_user a = ct_new_user("qcancela"), b = ct_new_user("qcancelb");
    char *queued = ct_new_generation(&a, VEO_FAST), *held_id = ct_new_generation(&a, VEO_FAST);
    cr_assert_eq(ct_balance(a.id), 70);
    tc_result r = cancel(b.tok, queued);
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "B cancels A's generation");
    tc_result_free(&r);

    /* Another test's claim may hold it for a moment (it gives back what is
     * not its own at once): that is a worker holding it, so try again. */
    for (int i = 0; i < 200; i++) {
        r = cancel(a.tok, queued);
        if (r.code != GRPC_STATUS_FAILED_PRECONDITION || !strstr(r.message, "a worker"))
            break;
        tc_result_free(&r);
        usleep(50 * 1000);
    }
    CT_EXPECT(r, GRPC_STATUS_OK, "A cancels a queued generation");
    const Cameos__Content__V1__Generation *g = (const void *)r.resp;
    cr_assert_eq(g->status, ERROR);
    cr_assert_str_eq(g->error_message, "cancelled by its owner");
    tc_result_free(&r);
    cr_assert_eq(ct_balance(a.id), 85, "the cancelled generation's 15 credits are back");
    r = cancel(a.tok, queued);
    CT_EXPECT(r, GRPC_STATUS_FAILED_PRECONDITION, "cancel twice");
    tc_result_free(&r);
    cr_assert_eq(ct_balance(a.id), 85, "refunded once");

    held h = claim_own(held_id, 60, 60);
    r = cancel(a.tok, held_id);
    CT_EXPECT(r, GRPC_STATUS_FAILED_PRECONDITION, "cancel what a worker holds");
    tc_result_free(&r);
    cr_assert_str_eq(status_of(held_id), "generating");
    r = report("CompleteGeneration", held_id, h.token, ct_service_tok);
    CT_EXPECT(r, GRPC_STATUS_OK, "the worker completes it");
    tc_result_free(&r);
    free(h.token);
    free(queued);
    free(held_id);
    ct_free_user(&a);
    ct_free_user(&b);
}

/* A worker waiting on WaitForGenerations, on its own thread. */
typedef struct wait_run {
    volatile int n;
    volatile int stop; /* leave at the next cue */
    int first_flag;
    int rc;
    tc_result res;
} wait_run;

static int on_cue(const ProtobufCMessage *m, void *arg)
{
    wait_run *w = arg;
    const Cameos__Content__V1__WaitForGenerationsResponse *r = (const void *)m;
    if (w->n == 0)
        w->first_flag = r->first;
    w->n++;
    return w->stop;
}

static void *wait_thread(void *arg)
{
    wait_run *w = arg;
    Cameos__Content__V1__WaitForGenerationsRequest req =
        CAMEOS__CONTENT__V1__WAIT_FOR_GENERATIONS_REQUEST__INIT;
    req.worker = "test_content_queue";
    w->rc = tc_stream(ct_chan, CT_RPC("WaitForGenerations"), &req.base,
                      &cameos__content__v1__wait_for_generations_response__descriptor,
                      ct_service_tok, 60000, on_cue, w, &w->res);
    return NULL;
}

/* Waits (generously) until the stream has seen more than n cues. */
static int cued_past(wait_run *w, int n)
{
    for (int i = 0; i < 3000 && w->n <= n; i++)
        usleep(10000);
    return w->n > n;
}

Test(content_queue, a_waiting_worker_is_cued_by_new_and_requeued_work)
{
    ct_user u = ct_new_user("qwait");
    wait_run w = {0};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, wait_thread, &w), 0);
    cr_assert(cued_past(&w, 0), "the stream cues at once");
    int seen = w.n;
    char *gid = ct_new_generation(&u, VEO_FAST);
    cr_assert(cued_past(&w, seen), "a new generation cues the waiting worker");
    held h = claim_own(gid, 60, 60);
    /* claim_own gave other tests' generations back too: their cues may
     * still be on the way, so this shows a cue follows, not whose it is. */
    seen = w.n;
    tc_result r = release(gid, h.token);
    CT_EXPECT(r, GRPC_STATUS_OK, "ReleaseGeneration");
    tc_result_free(&r);
    cr_assert(cued_past(&w, seen), "a generation back in the queue cues it");
    /* Leave: the next cue (another new generation) ends the stream. */
    w.stop = 1;
    char *gid2 = ct_new_generation(&u, VEO_FAST);
    pthread_join(t, NULL);
    cr_assert_eq(w.rc, 0);
    cr_assert_eq(w.first_flag, 1, "the first cue says so");
    cr_assert_eq(w.res.code, GRPC_STATUS_CANCELLED, "we left the stream: %s (%s)",
                 tc_code_name(w.res.code), w.res.message);
    tc_result_free(&w.res);
    free(h.token);
    free(gid);
    free(gid2);
    ct_free_user(&u);
}

Test(content_queue, waiting_needs_the_service_role_and_a_worker_name)
{
    ct_user u = ct_new_user("qwaitauth");
    Cameos__Content__V1__WaitForGenerationsRequest req =
        CAMEOS__CONTENT__V1__WAIT_FOR_GENERATIONS_REQUEST__INIT;
    req.worker = "w";
    tc_result r = {0};
    cr_assert_eq(tc_stream(ct_chan, CT_RPC("WaitForGenerations"), &req.base,
                           &cameos__content__v1__wait_for_generations_response__descriptor, u.tok,
                           20000, on_cue, &(wait_run){.stop = 1}, &r),
                 0);
    CT_EXPECT(r, GRPC_STATUS_PERMISSION_DENIED, "WaitForGenerations with a user token");
    tc_result_free(&r);
    req.worker = "";
    cr_assert_eq(tc_stream(ct_chan, CT_RPC("WaitForGenerations"), &req.base,
                           &cameos__content__v1__wait_for_generations_response__descriptor,
                           ct_service_tok, 20000, on_cue, &(wait_run){.stop = 1}, &r),
                 0);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "WaitForGenerations without a worker name");
    tc_result_free(&r);
    char long_name[202];
    memset(long_name, 'w', 201);
    long_name[201] = 0;
    req.worker = long_name;
    cr_assert_eq(tc_stream(ct_chan, CT_RPC("WaitForGenerations"), &req.base,
                           &cameos__content__v1__wait_for_generations_response__descriptor,
                           ct_service_tok, 20000, on_cue, &(wait_run){.stop = 1}, &r),
                 0);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "WaitForGenerations with a 201-character name");
    cr_assert(strstr(r.message, "worker"), "%s", r.message);
    tc_result_free(&r);
    ct_free_user(&u);
}

Test(content_queue, worker_calls_check_their_arguments)
{
    static const struct {
        int max, lease;
        const char *worker, *what;
    } bad[] = {
        {0, 60, "w", "max_generations"}, {101, 60, "w", "max_generations"},
        {1, 0, "w", "lease_seconds"},    {1, 3601, "w", "lease_seconds"},
        {1, 60, "", "worker"},           {1, 60, NULL, "worker"}, /* NULL: 201 characters */
    };
    char long_name[202];
    memset(long_name, 'w', 201);
    long_name[201] = 0;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tc_result r = claim(bad[i].max, bad[i].lease, bad[i].worker ? bad[i].worker : long_name);
        CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, bad[i].what);
        cr_assert(strstr(r.message, bad[i].what), "names %s: %s", bad[i].what, r.message);
        tc_result_free(&r);
    }
    tc_result r = extend(CT_UNKNOWN_ID, "not-a-token", 60);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "Extend with a malformed token");
    cr_assert(strstr(r.message, "lease_token"), "%s", r.message);
    tc_result_free(&r);
    static const int leases[] = {0, 3601};
    for (size_t i = 0; i < 2; i++) {
        r = extend(CT_UNKNOWN_ID, "7d1ce2ad-54d1-4d7e-9a3e-3c9f1f1f0001", leases[i]);
        CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "Extend by a lease out of range");
        cr_assert(strstr(r.message, "lease_seconds"), "%s", r.message);
        tc_result_free(&r);
    }
    r = release(CT_UNKNOWN_ID, "not-a-token");
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "Release with a malformed token");
    cr_assert(strstr(r.message, "lease_token"), "%s", r.message);
    tc_result_free(&r);
    static const char *const reports[] = {"CompleteGeneration", "FailGeneration"};
    for (size_t i = 0; i < 2; i++) {
        r = report(reports[i], CT_UNKNOWN_ID, "not-a-token", ct_service_tok);
        CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, reports[i]);
        cr_assert(strstr(r.message, "lease_token"), "%s: %s", reports[i], r.message);
        tc_result_free(&r);
    }
    r = report("CompleteGeneration", CT_UNKNOWN_ID, "7d1ce2ad-54d1-4d7e-9a3e-3c9f1f1f0001",
               ct_service_tok);
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "Complete of an unknown generation with a token");
    tc_result_free(&r);
}

/* ---- helpers --------------------------------------------------------- */

/* Claims in batches until gid is among the leases, releasing the others
 * at once; fails the test when gid does not come within deadline_s. */
static held claim_own(const char *gid, int lease_seconds, int deadline_s)
{
    held h = {NULL, 0, 0};
    time_t until = time(NULL) + deadline_s;
    while (!h.token && time(NULL) < until) {
        tc_result r = claim(100, lease_seconds, "test_content_queue");
        CT_EXPECT(r, GRPC_STATUS_OK, "ClaimGenerations");
        const Cameos__Content__V1__ClaimGenerationsResponse *out = (const void *)r.resp;
        for (size_t i = 0; i < out->n_leases; i++) {
            const Lease *l = out->leases[i];
            cr_assert_not_null(l->generation);
            cr_assert_not_null(l->lease_expires_at);
            if (strcmp(l->generation->id, gid) == 0) {
                h.token = strdup(l->lease_token);
                h.expires = l->lease_expires_at->seconds;
                h.attempt = l->attempt;
                continue;
            }
            tc_result back = release(l->generation->id, l->lease_token);
            CT_EXPECT(back, GRPC_STATUS_OK, "ReleaseGeneration of another test's generation");
            tc_result_free(&back);
        }
        int none = out->n_leases == 0;
        tc_result_free(&r);
        if (!h.token && none)
            usleep(200 * 1000); /* not queued again yet (an expired lease) */
    }
    cr_assert_not_null(h.token, "generation %s was not claimed within %d s", gid, deadline_s);
    return h;
}

static tc_result claim(int max, int lease_seconds, const char *worker)
{
    Cameos__Content__V1__ClaimGenerationsRequest req =
        CAMEOS__CONTENT__V1__CLAIM_GENERATIONS_REQUEST__INIT;
    req.worker = (char *)worker;
    req.max_generations = max;
    req.lease_seconds = lease_seconds;
    return ct_call(CT_RPC("ClaimGenerations"), &req.base,
                   &cameos__content__v1__claim_generations_response__descriptor, ct_service_tok);
}

static tc_result extend(const char *id, const char *token, int lease_seconds)
{
    Cameos__Content__V1__ExtendGenerationLeaseRequest req =
        CAMEOS__CONTENT__V1__EXTEND_GENERATION_LEASE_REQUEST__INIT;
    req.id = (char *)id;
    req.lease_token = (char *)token;
    req.lease_seconds = lease_seconds;
    return ct_call(CT_RPC("ExtendGenerationLease"), &req.base,
                   &cameos__content__v1__extend_generation_lease_response__descriptor,
                   ct_service_tok);
}

static tc_result release(const char *id, const char *token)
{
    Cameos__Content__V1__ReleaseGenerationRequest req =
        CAMEOS__CONTENT__V1__RELEASE_GENERATION_REQUEST__INIT;
    req.id = (char *)id;
    req.lease_token = (char *)token;
    return ct_call(CT_RPC("ReleaseGeneration"), &req.base, &google__protobuf__empty__descriptor,
                   ct_service_tok);
}

/* CompleteGeneration (with a video URL) or FailGeneration, under token. */
static tc_result report(const char *rpc, const char *id, const char *token, const char *tok)
{
    if (strcmp(rpc, "CompleteGeneration") == 0) {
        Cameos__Content__V1__CompleteGenerationRequest req =
            CAMEOS__CONTENT__V1__COMPLETE_GENERATION_REQUEST__INIT;
        req.id = (char *)id;
        req.video_url = "https://videos.test/q.mp4";
        req.lease_token = (char *)token;
        return ct_call(CT_RPC("CompleteGeneration"), &req.base,
                       &cameos__content__v1__generation__descriptor, tok);
    }
    Cameos__Content__V1__FailGenerationRequest req =
        CAMEOS__CONTENT__V1__FAIL_GENERATION_REQUEST__INIT;
    req.id = (char *)id;
    req.error_message = "the worker gave up";
    req.lease_token = (char *)token;
    return ct_call(CT_RPC("FailGeneration"), &req.base,
                   &cameos__content__v1__generation__descriptor, tok);
}

static tc_result cancel(const char *tok, const char *id)
{
    return ct_by_id(CT_RPC("CancelGeneration"), tok, id,
                    &cameos__content__v1__generation__descriptor);
}

/* The generation's status as stored (static buffer). */
static const char *status_of(const char *gid)
{
    static char buf[32];
    const char *p[1] = {gid};
    char *s = tdb_scalar(ct_db, "select status from public.generations where id = $1", 1, p);
    cr_assert_not_null(s);
    snprintf(buf, sizeof(buf), "%s", s);
    free(s);
    return buf;
}
