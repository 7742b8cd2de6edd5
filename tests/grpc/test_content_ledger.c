/*
 * test_content_ledger - the ledger stays exact under concurrency: many
 * threads create generations (with retries of the same request_id and calls
 * cut short by tiny deadlines), then race CompleteGeneration against
 * FailGeneration on every one of them; afterwards the database must show one
 * debit per generation, one refund per failed generation equal to its debit,
 * and the invariants of docs/API.md §4 for every user involved.
 *
 * Starts nothing: CONTENT_ADDR, CREDITS_ADDR (credits are granted through
 * CreditsService), JWT_SECRET and DATABASE_URL (superuser) come from the
 * environment.
 */
#define CT_HELPERS_ONLY
#include "test_content_common.c"

#include "cameos/credits/v1/credits.pb-c.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#define USERS     4
#define THREADS   16
#define ROUNDS    12
#define MAX_GENS  (THREADS * ROUNDS)
#define GRANT     5000
#define MAX_TRIES 20

typedef Cameos__Content__V1__Generation Generation;

static tc_chan *credits;

typedef struct worker {
    pthread_t thread;
    int index;
    unsigned seed;
    const char *uid, *tok;
    /* results, read after join */
    char ids[ROUNDS][37];
    int nids;
    int unexpected;         /* calls whose status the contract rules out */
    char why[256];          /* the first of them */
    int cut_short, retried; /* deadline-cut calls, retries of a request_id */
    int refused;            /* creates refused for insufficient credits */
    /* set up by the test: rounds, model (0: random), whether the first try
     * of a create may get a deadline too short to finish */
    int rounds, model, may_cut;
} worker;

static char *all_ids[MAX_GENS];
static int n_all;

static void setup(void);
static void teardown(void);
static char *new_funded_user(const char *prefix);
static void *create_phase(void *arg);
static void *finish_phase(void *arg);
static tc_result create(const char *tok, const char *request_id, int model, int deadline_ms);
static tc_result finish(const char *id, int fail_it, int deadline_ms);
static void note(worker *w, const char *what, const tc_result *r);

TestSuite(content_ledger, .init = setup, .fini = teardown, .timeout = 300);

Test(content_ledger, mixed_concurrent_run_keeps_the_ledger_exact)
{
    char *uids[USERS], *toks[USERS];
    for (int i = 0; i < USERS; i++) {
        uids[i] = new_funded_user("ledgermix");
        toks[i] = tt_mint(ct_secret, uids[i], "authenticated", 900);
    }
    static worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].index = i;
        w[i].seed = (unsigned)time(NULL) ^ (unsigned)(i * 7919);
        w[i].uid = uids[i % USERS];
        w[i].tok = toks[i % USERS];
        w[i].rounds = ROUNDS;
        w[i].may_cut = 1;
        cr_assert_eq(pthread_create(&w[i].thread, NULL, create_phase, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(w[i].thread, NULL);
    n_all = 0;
    int cut = 0, retried = 0;
    for (int i = 0; i < THREADS; i++) {
        cr_assert_eq(w[i].unexpected, 0, "create phase, thread %d: %s", i, w[i].why);
        for (int k = 0; k < w[i].nids; k++)
            all_ids[n_all++] = w[i].ids[k];
        cut += w[i].cut_short;
        retried += w[i].retried;
    }
    cr_assert_eq(n_all, THREADS * ROUNDS, "every request_id ended in a generation");
    cr_log_info("create phase: %d calls cut short by their deadline, %d retries", cut, retried);

    /* Each request_id made exactly one generation. */
    char arr[USERS * 40 + 8] = "{";
    for (int i = 0; i < USERS; i++)
        snprintf(arr + strlen(arr), sizeof(arr) - strlen(arr), "%s%s", i ? "," : "", uids[i]);
    strcat(arr, "}");
    const char *pa[1] = {arr};
    cr_assert_eq(tdb_int(ct_db,
                         "select count(*) from public.generations where user_id = any ($1::uuid[])",
                         1, pa),
                 THREADS * ROUNDS);
    cr_assert_eq(tdb_int(ct_db, "select count(distinct g) from unnest($1::uuid[]) g", 1, pa),
                 USERS);

    for (int i = 0; i < THREADS; i++) {
        w[i].unexpected = 0;
        w[i].seed ^= 0x5bd1e995u;
        cr_assert_eq(pthread_create(&w[i].thread, NULL, finish_phase, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(w[i].thread, NULL);
    for (int i = 0; i < THREADS; i++)
        cr_assert_eq(w[i].unexpected, 0, "finish phase, thread %d: %s", i, w[i].why);

    ct_check_ledger(arr);
    cr_assert_gt(tdb_int(ct_db,
                         "select count(*) from public.generations where user_id = any ($1::uuid[])"
                         " and status = 'error'",
                         1, pa),
                 0, "some generations failed");
    cr_assert_gt(tdb_int(ct_db,
                         "select count(*) from public.generations where user_id = any ($1::uuid[])"
                         " and status = 'success'",
                         1, pa),
                 0, "some generations succeeded");
    for (int i = 0; i < USERS; i++) {
        free(uids[i]);
        free(toks[i]);
    }
}

/* Many first calls at once: the balance check inside the debit holds. */
Test(content_ledger, concurrent_creates_never_overdraw)
{
    ct_user u = ct_new_user("ledgerpoor");
    const char *uid = u.id, *tok = u.tok;
    static worker w[12];
    for (int i = 0; i < 12; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].index = 100 + i;
        w[i].rounds = 1;
        w[i].model = CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_2;
        w[i].uid = uid;
        w[i].tok = tok;
        cr_assert_eq(pthread_create(&w[i].thread, NULL, create_phase, &w[i]), 0);
    }
    int made = 0, refused = 0;
    for (int i = 0; i < 12; i++)
        pthread_join(w[i].thread, NULL);
    for (int i = 0; i < 12; i++) {
        cr_assert_eq(w[i].unexpected, 0, "thread %d: %s", i, w[i].why);
        made += w[i].nids;
        refused += w[i].refused;
    }
    cr_assert_eq(made, 2, "100 credits pay for two veo-2 generations");
    cr_assert_eq(refused, 10);
    const char *p[1] = {uid};
    cr_assert_eq(tdb_int(ct_db, "select count(*) from public.generations where user_id = $1", 1, p),
                 2);
    cr_assert_eq(tdb_int(ct_db, "select credits from public.user_profiles where id = $1", 1, p),
                 20);
    char arr[48];
    snprintf(arr, sizeof(arr), "{%s}", uid);
    ct_check_ledger(arr);
    ct_free_user(&u);
}

/* Many copies of one request at once: one generation, one debit. */
Test(content_ledger, concurrent_retries_charge_once)
{
    ct_user u = ct_new_user("ledgerdup");
    const char *uid = u.id, *tok = u.tok;
    static worker w[12];
    for (int i = 0; i < 12; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].index = 200; /* the same request_id for all */
        w[i].rounds = 1;
        w[i].model = CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_FAST;
        w[i].uid = uid;
        w[i].tok = tok;
        cr_assert_eq(pthread_create(&w[i].thread, NULL, create_phase, &w[i]), 0);
    }
    for (int i = 0; i < 12; i++)
        pthread_join(w[i].thread, NULL);
    for (int i = 0; i < 12; i++) {
        cr_assert_eq(w[i].unexpected, 0, "thread %d: %s", i, w[i].why);
        cr_assert_eq(w[i].nids, 1);
        cr_assert_str_eq(w[i].ids[0], w[0].ids[0], "every copy answers the same generation");
    }
    const char *p[1] = {uid};
    cr_assert_eq(tdb_int(ct_db, "select count(*) from public.generations where user_id = $1", 1, p),
                 1);
    cr_assert_eq(tdb_int(ct_db, "select credits from public.user_profiles where id = $1", 1, p),
                 85);
    char arr[48];
    snprintf(arr, sizeof(arr), "{%s}", uid);
    ct_check_ledger(arr);
    ct_free_user(&u);
}

/* ---- the phases (worker threads: no Criterion asserts here) ----------- */

/* ROUNDS generations, each under its own request_id: some calls get a
 * deadline too short to finish (the server may or may not commit), and are
 * retried with the same request_id until one answers; some successes are
 * repeated and must return the same generation. */
static void *create_phase(void *arg)
{
    worker *w = arg;
    for (int k = 0; k < w->rounds; k++) {
        char rid[64];
        snprintf(rid, sizeof(rid), "mix-%d-%d-%d-%u", (int)getpid(), w->index, k, w->seed);
        int model = w->model               ? w->model
                    : rand_r(&w->seed) % 2 ? CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_2
                                           : CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_FAST;
        int tries = 0;
        tc_result r = {0};
        for (;;) {
            int short_deadline = w->may_cut && tries == 0 && rand_r(&w->seed) % 3 == 0;
            r = create(w->tok, rid, model, short_deadline ? 1 + rand_r(&w->seed) % 15 : 0);
            if (r.code == GRPC_STATUS_OK || r.code == GRPC_STATUS_FAILED_PRECONDITION)
                break;
            if (r.code == GRPC_STATUS_DEADLINE_EXCEEDED || r.code == GRPC_STATUS_CANCELLED ||
                r.code == GRPC_STATUS_ABORTED) {
                if (short_deadline)
                    w->cut_short++;
                else
                    w->retried++;
            } else {
                note(w, "CreateGeneration", &r);
                break;
            }
            tc_result_free(&r);
            if (++tries >= MAX_TRIES) {
                snprintf(w->why, sizeof(w->why), "CreateGeneration never answered");
                w->unexpected++;
                return NULL;
            }
        }
        if (r.code == GRPC_STATUS_FAILED_PRECONDITION) {
            /* Only a user without enough credits may see this. */
            if (strstr(r.message, "insufficient"))
                w->refused++;
            else
                note(w, "CreateGeneration", &r);
            tc_result_free(&r);
            continue;
        }
        if (r.code != GRPC_STATUS_OK) {
            tc_result_free(&r);
            continue;
        }
        const Generation *g = (const Generation *)r.resp;
        snprintf(w->ids[w->nids++], 37, "%s", g->id);
        if (rand_r(&w->seed) % 4 == 0) {
            tc_result again = create(w->tok, rid, model, 0);
            if (again.code != GRPC_STATUS_OK ||
                strcmp(((const Generation *)again.resp)->id, g->id) != 0)
                note(w, "CreateGeneration retry", &again);
            tc_result_free(&again);
        }
        tc_result_free(&r);
    }
    return NULL;
}

/* Every thread visits every generation in its own order and asks to fail or
 * complete it (always with the same video_url for a generation, so repeats
 * are the same call), some with a deadline too short to finish. One in ten
 * generations is left generating. */
static void *finish_phase(void *arg)
{
    worker *w = arg;
    for (int n = 0; n < n_all; n++) {
        const char *id = all_ids[(n * 7 + w->index * 13) % n_all];
        if ((id[0] + id[1]) % 10 == 0)
            continue;
        int fail_it = rand_r(&w->seed) % 2;
        int deadline = rand_r(&w->seed) % 5 == 0 ? 1 + rand_r(&w->seed) % 10 : 0;
        tc_result r = finish(id, fail_it, deadline);
        switch (r.code) {
        case GRPC_STATUS_OK:
        case GRPC_STATUS_FAILED_PRECONDITION: /* the other outcome won */
            break;
        case GRPC_STATUS_DEADLINE_EXCEEDED:
        case GRPC_STATUS_CANCELLED:
        case GRPC_STATUS_ABORTED:
            w->cut_short++;
            break;
        default:
            note(w, fail_it ? "FailGeneration" : "CompleteGeneration", &r);
        }
        tc_result_free(&r);
    }
    return NULL;
}

/* ---- checks ---------------------------------------------------------- */

/* docs/API.md §4 for the users in uids_array (a uuid[] literal), by SQL. */
/* ---- helpers --------------------------------------------------------- */

static void setup(void)
{
    ct_setup();
    const char *addr = getenv("CREDITS_ADDR");
    if (!addr || !*addr)
        cr_assert_fail("CREDITS_ADDR is not set: source .stack/env (or export it)");
    credits = tc_connect(addr);
    cr_assert_not_null(credits);
    cr_assert_eq(tc_wait_ready(credits, 10000), 0, "credits service at %s is not reachable", addr);
}

static void teardown(void)
{
    tc_close(credits);
    credits = NULL;
    ct_teardown();
}

/* A new user granted GRANT credits through CreditsService. */
static char *new_funded_user(const char *prefix)
{
    char *uid = tdb_new_user(ct_db, prefix);
    char rid[64];
    snprintf(rid, sizeof(rid), "grant-%s", uid);
    Cameos__Credits__V1__GrantCreditsRequest req = CAMEOS__CREDITS__V1__GRANT_CREDITS_REQUEST__INIT;
    req.user_id = uid;
    req.amount = GRANT;
    req.description = "ledger test";
    req.request_id = rid;
    tc_result r;
    cr_assert_eq(tc_unary(credits, "/cameos.credits.v1.CreditsService/GrantCredits", &req.base,
                          &cameos__credits__v1__grant_credits_response__descriptor, ct_service_tok,
                          NULL, 0, &r),
                 0);
    cr_assert_eq(r.code, GRPC_STATUS_OK, "GrantCredits: %s %s", tc_code_name(r.code), r.message);
    tc_result_free(&r);
    return uid;
}

static tc_result create(const char *tok, const char *request_id, int model, int deadline_ms)
{
    Cameos__Content__V1__Generation g = CAMEOS__CONTENT__V1__GENERATION__INIT;
    g.prompt = "ledger run";
    g.model = (Cameos__Content__V1__Model)model;
    g.aspect_ratio = CAMEOS__CONTENT__V1__ASPECT_RATIO__ASPECT_RATIO_1_1;
    g.resolution = CAMEOS__CONTENT__V1__RESOLUTION__RESOLUTION_1080P;
    g.mode = CAMEOS__CONTENT__V1__GENERATION_MODE__GENERATION_MODE_TEXT_TO_VIDEO;
    Cameos__Content__V1__CreateGenerationRequest req =
        CAMEOS__CONTENT__V1__CREATE_GENERATION_REQUEST__INIT;
    req.generation = &g;
    req.request_id = (char *)request_id;
    tc_result r;
    if (tc_unary(ct_chan, CT_RPC("CreateGeneration"), &req.base,
                 &cameos__content__v1__generation__descriptor, tok, NULL, deadline_ms, &r) != 0)
        r.code = GRPC_STATUS_UNKNOWN;
    return r;
}

static tc_result finish(const char *id, int fail_it, int deadline_ms)
{
    char url[96];
    snprintf(url, sizeof(url), "https://videos.test/%s.mp4", id);
    Cameos__Content__V1__CompleteGenerationRequest c =
        CAMEOS__CONTENT__V1__COMPLETE_GENERATION_REQUEST__INIT;
    Cameos__Content__V1__FailGenerationRequest f =
        CAMEOS__CONTENT__V1__FAIL_GENERATION_REQUEST__INIT;
    c.id = f.id = (char *)id;
    c.video_url = url;
    f.error_message = "worker gave up";
    tc_result r;
    if (tc_unary(ct_chan, fail_it ? CT_RPC("FailGeneration") : CT_RPC("CompleteGeneration"),
                 fail_it ? &f.base : &c.base, &cameos__content__v1__generation__descriptor,
                 ct_service_tok, NULL, deadline_ms, &r) != 0)
        r.code = GRPC_STATUS_UNKNOWN;
    return r;
}

static void note(worker *w, const char *what, const tc_result *r)
{
    if (w->unexpected++ == 0)
        snprintf(w->why, sizeof(w->why), "%s: %s %s", what, tc_code_name(r->code),
                 r->message ? r->message : "");
}
