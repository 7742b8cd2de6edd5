/*
 * test_content_queue_chaos - the work queue under careless workers: 20
 * workers over 2,000 generations of 50 users, through the content service.
 * A worker claims batches of up to 10 with leases of 3 s; now and then it
 * "dies" holding its batch (reports nothing, so the leases run out and the
 * sweep requeues them, or fails them with their refund after 3 attempts),
 * sometimes it is slow past its lease and reports late, and it fails a few
 * generations itself; five generations no worker ever finishes, so the
 * sweep fails them after 3 attempts. At the end every generation is in exactly one
 * terminal state, none was completed twice, every failed one was refunded
 * exactly once, and every user's balance is what their successes cost.
 *
 * Claims take whatever is queued; generations that are not this test's are
 * given back at once. Needs CONTENT_ADDR, JWT_SECRET and a superuser
 * DATABASE_URL, like the other content tests. Randomness is seeded and the
 * seed printed, so a failure can be replayed (CHAOS_SEED).
 */
#define CT_HELPERS_ONLY
#include "test_content_common.c"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define USERS    50
#define PER_USER 40
#define N        (USERS * PER_USER)
#define WORKERS  20
#define LEASE_S  3
#define PRICE    "15"  /* veo-fast, per generation */
#define GRANT    "600" /* each user's, on top of the 100 of the welcome bonus */
/* Every worker abandons these: their leases run out 3 times and the sweep
 * fails them with their refund. */
#define POISON(k) ((k) % 400 == 0)

typedef struct worker {
    pthread_t thread;
    unsigned seed;
    int claims, died, late, stale;
} worker;

static char ids[N][37];
static int completes[N]; /* CompleteGeneration answered OK, per generation */
static int fails[N];     /* FailGeneration answered OK */
static volatile int stop;

static void *work(void *arg);
static tc_result wcall(const char *rpc, const ProtobufCMessage *req,
                       const ProtobufCMessageDescriptor *resp);
static int idx_of(const char *id);
static tc_result call_claim(const char *name);
static int report(const char *rpc, const char *id, const char *token);
static void give_back(const char *id, const char *token);
static char *users_array(char users[USERS][37]);

TestSuite(content_queue_chaos, .init = ct_setup, .fini = ct_teardown, .timeout = 600);

Test(content_queue_chaos, careless_workers_strand_nothing_and_count_everything_once)
{
    unsigned seed =
        getenv("CHAOS_SEED") ? (unsigned)atoi(getenv("CHAOS_SEED")) : (unsigned)time(NULL);
    cr_log_info("CHAOS_SEED=%u", seed);
    fprintf(stderr, "# CHAOS_SEED=%u\n", seed);

    /* 50 users with 100 + GRANT credits each, 40 generations each. */
    char users[USERS][37];
    for (int u = 0; u < USERS; u++) {
        char *id = tdb_new_user(ct_db, "chaos");
        cr_assert_not_null(id);
        snprintf(users[u], sizeof(users[u]), "%s", id);
        free(id);
    }
    char *arr = users_array(users);
    const char *p[1] = {arr};
    cr_assert_eq(tdb_int(ct_db,
                         "select count(*) from (select set_config('request.jwt.claims',"
                         " '{\"role\":\"service_role\"}', true),"
                         " public.ledger_grant(u::uuid, " GRANT ", 'chaos grant', '')"
                         " from unnest($1::text[]) u) s",
                         1, p),
                 USERS);
    cr_assert_eq(tdb_int(ct_db,
                         "select count(*) from (select set_config('request.jwt.claims',"
                         " '{\"role\":\"service_role\"}', true),"
                         " public.content_create_generation(u::uuid, 'chaos-' || k, 'chaos',"
                         " 'veo-fast', '16:9', '720p', 'text_to_video', NULL)"
                         " from unnest($1::text[]) u, generate_series(1, 40) k) s",
                         1, p),
                 N);
    PGresult *r = PQexecParams(ct_db,
                               "select id::text from public.generations"
                               " where user_id = any($1::uuid[]) order by id::text",
                               1, NULL, p, NULL, NULL, 0);
    cr_assert_eq(PQntuples(r), N);
    for (int i = 0; i < N; i++)
        snprintf(ids[i], sizeof(ids[i]), "%s", PQgetvalue(r, i, 0));
    PQclear(r);

    worker w[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        w[i] = (worker){.seed = seed * 31u + (unsigned)i};
        cr_assert_eq(pthread_create(&w[i].thread, NULL, work, &w[i]), 0);
    }
    /* Until nothing of ours is generating, or a generous bound. */
    long long left = N;
    for (int t = 0; t < 2400 && left > 0; t++) {
        usleep(100 * 1000);
        left = tdb_int(ct_db,
                       "select count(*) from public.generations where user_id = any($1::uuid[])"
                       " and status = 'generating'",
                       1, p);
    }
    stop = 1;
    int claims = 0, died = 0, late = 0, stale = 0;
    for (int i = 0; i < WORKERS; i++) {
        pthread_join(w[i].thread, NULL);
        claims += w[i].claims;
        died += w[i].died;
        late += w[i].late;
        stale += w[i].stale;
    }
    long long ok = tdb_int(ct_db,
                           "select count(*) from public.generations where user_id = any($1::uuid[])"
                           " and status = 'success'",
                           1, p),
              failed = tdb_int(ct_db,
                               "select count(*) from public.generations"
                               " where user_id = any($1::uuid[]) and status = 'error'",
                               1, p);
    long long swept = tdb_int(ct_db,
                              "select count(*) from public.generations"
                              " where user_id = any($1::uuid[]) and status = 'error'"
                              " and error_message like 'abandoned by its workers%'",
                              1, p);
    fprintf(stderr,
            "# %d claims, %d batches abandoned, %d late reports (%d refused as stale);"
            " %lld succeeded, %lld failed (%lld of them by the sweep, after 3 attempts)\n",
            claims, died, late, stale, ok, failed, swept);
    cr_assert_eq(left, 0, "%lld generations still generating", left);
    cr_assert_eq(ok + failed, N, "every generation is in exactly one terminal state");
    cr_assert_gt(died, 0, "the run abandoned leases (seed %u)", seed);
    cr_assert_geq(swept, N / 400, "the poisoned generations were failed by the sweep");

    /* Each generation: success with one OK Complete and no OK Fail, or error
     * with no OK Complete. */
    r = PQexecParams(ct_db,
                     "select id::text, status from public.generations"
                     " where user_id = any($1::uuid[]) order by id::text",
                     1, NULL, p, NULL, NULL, 0);
    cr_assert_eq(PQntuples(r), N);
    for (int i = 0; i < N; i++) {
        int k = idx_of(PQgetvalue(r, i, 0));
        cr_assert_geq(k, 0);
        if (POISON(k))
            cr_assert_str_eq(PQgetvalue(r, i, 1), "error", "%s: poisoned, not failed", ids[k]);
        if (strcmp(PQgetvalue(r, i, 1), "success") == 0)
            cr_assert(completes[k] == 1 && fails[k] == 0,
                      "%s: success, completed %d times and failed %d", ids[k], completes[k],
                      fails[k]);
        else
            cr_assert(completes[k] == 0 && fails[k] <= 1, "%s: error, completed %d, failed %d",
                      ids[k], completes[k], fails[k]);
    }
    PQclear(r);

    /* The ledger: the invariants every content test checks (one refund per
     * failed generation, none for a success, balances equal to their
     * ledger), and every balance what its successes cost. */
    ct_check_ledger(arr);
    cr_assert_eq(tdb_int(ct_db,
                         "select count(*) from public.user_profiles u where u.id = any($1::uuid[])"
                         " and u.credits <> 100 + " GRANT " - " PRICE
                         " * (select count(*) from public.generations g"
                         "                  where g.user_id = u.id and g.status = 'success')",
                         1, p),
                 0, "a balance that is not 100 + GRANT less its successes' price");
    free(arr);
}

/* ---- the workers ------------------------------------------------------ */

static void *work(void *arg)
{
    worker *w = arg;
    char name[32];
    snprintf(name, sizeof(name), "chaos-%u", w->seed);
    while (!stop) {
        tc_result r = call_claim(name);
        if (r.code != GRPC_STATUS_OK) {
            tc_result_free(&r);
            usleep(50 * 1000);
            continue;
        }
        const Cameos__Content__V1__ClaimGenerationsResponse *out = (const void *)r.resp;
        w->claims++;
        int roll = (int)(rand_r(&w->seed) % 100);
        int dies = roll < 4, slow = roll >= 4 && roll < 7;
        if (dies && out->n_leases > 0)
            w->died++; /* holds the batch and reports nothing */
        if (slow && out->n_leases > 0) {
            w->late++;
            usleep((LEASE_S + 3) * 1000 * 1000); /* past the lease and a sweep */
        }
        for (size_t i = 0; i < out->n_leases; i++) {
            const char *id = out->leases[i]->generation->id, *tok = out->leases[i]->lease_token;
            int k = idx_of(id);
            if (k < 0) {
                give_back(id, tok); /* another test's generation */
                continue;
            }
            if (dies || POISON(k))
                continue;
            int fail = rand_r(&w->seed) % 100 < 5;
            int code = report(fail ? "FailGeneration" : "CompleteGeneration", id, tok);
            if (code == GRPC_STATUS_OK)
                __atomic_add_fetch(fail ? &fails[k] : &completes[k], 1, __ATOMIC_SEQ_CST);
            else if (code == GRPC_STATUS_FAILED_PRECONDITION)
                w->stale++; /* the lease was handed on, or the sweep failed it */
        }
        int none = out->n_leases == 0;
        tc_result_free(&r);
        if (none)
            usleep(20 * 1000);
    }
    return NULL;
}

/* A worker's call: no Criterion assert off the test's thread (its longjmp
 * would tear the call); a local failure reads as INTERNAL. */
static tc_result wcall(const char *rpc, const ProtobufCMessage *req,
                       const ProtobufCMessageDescriptor *resp)
{
    tc_result r;
    if (tc_unary(ct_chan, rpc, req, resp, ct_service_tok, NULL, 0, &r) != 0) {
        memset(&r, 0, sizeof(r));
        r.code = GRPC_STATUS_INTERNAL;
    }
    return r;
}

static int idx_of(const char *id)
{
    int lo = 0, hi = N - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, c = strcmp(ids[mid], id);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static tc_result call_claim(const char *name)
{
    Cameos__Content__V1__ClaimGenerationsRequest req =
        CAMEOS__CONTENT__V1__CLAIM_GENERATIONS_REQUEST__INIT;
    req.worker = (char *)name;
    req.max_generations = 10;
    req.lease_seconds = LEASE_S;
    return wcall(CT_RPC("ClaimGenerations"), &req.base,
                 &cameos__content__v1__claim_generations_response__descriptor);
}

/* The report's status code. */
static int report(const char *rpc, const char *id, const char *token)
{
    tc_result r;
    if (strcmp(rpc, "CompleteGeneration") == 0) {
        Cameos__Content__V1__CompleteGenerationRequest req =
            CAMEOS__CONTENT__V1__COMPLETE_GENERATION_REQUEST__INIT;
        req.id = (char *)id;
        req.video_url = "https://videos.test/chaos.mp4";
        req.lease_token = (char *)token;
        r = wcall(CT_RPC("CompleteGeneration"), &req.base,
                  &cameos__content__v1__generation__descriptor);
    } else {
        Cameos__Content__V1__FailGenerationRequest req =
            CAMEOS__CONTENT__V1__FAIL_GENERATION_REQUEST__INIT;
        req.id = (char *)id;
        req.error_message = "chaos";
        req.lease_token = (char *)token;
        r = wcall(CT_RPC("FailGeneration"), &req.base,
                  &cameos__content__v1__generation__descriptor);
    }
    int code = (int)r.code;
    tc_result_free(&r);
    return code;
}

static void give_back(const char *id, const char *token)
{
    Cameos__Content__V1__ReleaseGenerationRequest req =
        CAMEOS__CONTENT__V1__RELEASE_GENERATION_REQUEST__INIT;
    req.id = (char *)id;
    req.lease_token = (char *)token;
    tc_result r =
        wcall(CT_RPC("ReleaseGeneration"), &req.base, &google__protobuf__empty__descriptor);
    tc_result_free(&r);
}

/* {id,id,...} for a uuid[] parameter; malloc'd. */
static char *users_array(char users[USERS][37])
{
    char *s = malloc(USERS * 37 + 3);
    cr_assert_not_null(s);
    size_t n = 0;
    s[n++] = '{';
    for (int u = 0; u < USERS; u++) {
        if (u)
            s[n++] = ',';
        memcpy(s + n, users[u], 36);
        n += 36;
    }
    s[n++] = '}';
    s[n] = 0;
    return s;
}
