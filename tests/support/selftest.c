/*
 * selftest - proves the test support library (client, token, testdb)
 * against a running credits service and its database.
 *
 * Starts nothing: CREDITS_ADDR, JWT_SECRET and DATABASE_URL (superuser) come
 * from the environment, as .stack/env exports them.
 */
#include "client.h"
#include "testdb.h"
#include "token.h"

#include "cameos/credits/v1/credits.pb-c.h"
#include "grpc/health/v1/health.pb-c.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GET_PROFILE  "/cameos.credits.v1.CreditsService/GetProfile"
#define HEALTH_CHECK "/grpc.health.v1.Health/Check"
#define HEALTH_WATCH "/grpc.health.v1.Health/Watch"

#define STRESS_THREADS 50
#define STRESS_CALLS   200

static const char *addr;
static const char *secret;
static tc_chan *chan;
static PGconn *db;

static void st_setup(void);
static void st_teardown(void);
static const char *st_env(const char *name);
static tc_result st_get_profile(const char *token);
static tc_result st_health(const char *service, int deadline_ms);
static double st_now_ms(void);
static void *st_stress_worker(void *arg);
static int st_first_status(const ProtobufCMessage *m, void *arg);
static int st_count_status(const ProtobufCMessage *m, void *arg);

TestSuite(selftest, .init = st_setup, .fini = st_teardown, .timeout = 120);

Test(selftest, get_profile_of_new_user)
{
    char *uid = tdb_new_user(db, "selftest");
    char *tok = tt_mint(secret, uid, "authenticated", 300);
    cr_assert_not_null(tok);

    tc_result r = st_get_profile(tok);
    cr_assert_eq(r.code, GRPC_STATUS_OK, "GetProfile: %s %s", tc_code_name(r.code), r.message);
    cr_assert_not_null(r.resp);
    cr_assert_gt(r.resp_bytes, 0);
    const Cameos__Credits__V1__Profile *p = (const Cameos__Credits__V1__Profile *)r.resp;
    cr_assert_str_eq(p->id, uid);
    cr_assert_eq(p->credits, 100);
    cr_assert_str_eq(p->total_spent, "0");

    const char *params[] = {uid};
    char *username =
        tdb_scalar(db, "SELECT username FROM public.user_profiles WHERE id = $1", 1, params);
    char *local =
        tdb_scalar(db, "SELECT split_part(email, '@', 1) FROM auth.users WHERE id = $1", 1, params);
    cr_assert_not_null(username);
    cr_assert_str_eq(p->username, username);
    cr_assert_str_eq(p->username, local, "username is derived from the email's local part");
    cr_assert_eq(tdb_int(db, "SELECT credits FROM public.user_profiles WHERE id = $1", 1, params),
                 100);
    cr_assert_null(
        tdb_scalar(db, "SELECT avatar_url FROM public.user_profiles WHERE id = $1", 1, params));
    cr_assert_null(tdb_scalar(db, "SELECT 1 WHERE false", 0, NULL));

    free(username);
    free(local);
    tc_result_free(&r);
    cr_assert_null(r.message);
    free(tok);
    free(uid);
}

Test(selftest, no_token_is_unauthenticated)
{
    tc_result r = st_get_profile(NULL);
    cr_assert_eq(r.code, GRPC_STATUS_UNAUTHENTICATED, "%s %s", tc_code_name(r.code), r.message);
    cr_assert_null(r.resp);
    cr_assert_neq(r.message[0], '\0', "the status carries a message");
    tc_result_free(&r);
}

Test(selftest, expired_token_is_unauthenticated)
{
    char *uid = tdb_new_user(db, "expired");
    char *tok = tt_mint(secret, uid, "authenticated", -3600);
    tc_result r = st_get_profile(tok);
    cr_assert_eq(r.code, GRPC_STATUS_UNAUTHENTICATED, "%s %s", tc_code_name(r.code), r.message);
    tc_result_free(&r);
    free(tok);
    free(uid);
}

Test(selftest, crafted_tokens_are_unauthenticated)
{
    char *uid = tdb_new_user(db, "crafted");
    char payload[256];
    snprintf(payload, sizeof(payload), "{\"sub\":\"%s\",\"role\":\"authenticated\",\"exp\":%lld}",
             uid, (long long)time(NULL) + 300);
    char *good = tt_mint_claims(secret, NULL, payload);
    char *none = tt_mint_claims(NULL, "{\"alg\":\"none\",\"typ\":\"JWT\"}", payload);
    char *wrong_key = tt_mint_claims("another-secret-another-secret-0123", NULL, payload);
    cr_assert(good && none && wrong_key);

    tc_result r = st_get_profile(good);
    cr_assert_eq(r.code, GRPC_STATUS_OK, "hand-built HS256 token: %s %s", tc_code_name(r.code),
                 r.message);
    tc_result_free(&r);
    r = st_get_profile(none);
    cr_assert_eq(r.code, GRPC_STATUS_UNAUTHENTICATED, "alg none: %s", tc_code_name(r.code));
    tc_result_free(&r);
    r = st_get_profile(wrong_key);
    cr_assert_eq(r.code, GRPC_STATUS_UNAUTHENTICATED, "wrong key: %s", tc_code_name(r.code));
    tc_result_free(&r);

    /* The header goes through extra_md too: a non-Bearer scheme is refused. */
    Cameos__Credits__V1__GetProfileRequest req = CAMEOS__CREDITS__V1__GET_PROFILE_REQUEST__INIT;
    const char *const basic[] = {"authorization", "Basic dXNlcjpwYXNz", NULL};
    cr_assert_eq(tc_unary(chan, GET_PROFILE, &req.base, &cameos__credits__v1__profile__descriptor,
                          NULL, basic, 0, &r),
                 0);
    cr_assert_eq(r.code, GRPC_STATUS_UNAUTHENTICATED, "Basic auth: %s", tc_code_name(r.code));
    tc_result_free(&r);

    free(good);
    free(none);
    free(wrong_key);
    free(uid);
}

Test(selftest, token_of_unknown_user_is_not_found)
{
    char *other = tdb_scalar(db, "SELECT gen_random_uuid()::text", 0, NULL);
    char *tok = tt_mint(secret, other, "authenticated", 300);
    tc_result r = st_get_profile(tok);
    cr_assert_eq(r.code, GRPC_STATUS_NOT_FOUND, "%s %s", tc_code_name(r.code), r.message);
    cr_assert_null(r.resp);
    tc_result_free(&r);
    free(tok);
    free(other);
}

Test(selftest, health_check_serving)
{
    tc_result r = st_health("", 0);
    cr_assert_eq(r.code, GRPC_STATUS_OK, "%s %s", tc_code_name(r.code), r.message);
    cr_assert_not_null(r.resp);
    const Grpc__Health__V1__HealthCheckResponse *h =
        (const Grpc__Health__V1__HealthCheckResponse *)r.resp;
    cr_assert_eq(h->status, GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING);
    tc_result_free(&r);

    r = st_health("cameos.credits.v1.CreditsService", 0);
    cr_assert_eq(r.code, GRPC_STATUS_OK, "%s %s", tc_code_name(r.code), r.message);
    h = (const Grpc__Health__V1__HealthCheckResponse *)r.resp;
    cr_assert_eq(h->status, GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING);
    tc_result_free(&r);
}

Test(selftest, unknown_method_is_unimplemented)
{
    static const char *const paths[] = {"/cameos.credits.v1.CreditsService/NoSuchMethod",
                                        "/no.such.v1.Service/Get"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        tc_result r;
        cr_assert_eq(tc_unary_raw(chan, paths[i], NULL, 0, NULL, NULL, 0, &r), 0);
        cr_assert_eq(r.code, GRPC_STATUS_UNIMPLEMENTED, "%s: %s %s", paths[i], tc_code_name(r.code),
                     r.message);
        tc_result_free(&r);
    }
}

Test(selftest, garbage_request_is_invalid_argument)
{
    char *uid = tdb_new_user(db, "garbage");
    char *tok = tt_mint(secret, uid, "authenticated", 300);
    /* Field 1, length-delimited, claims 127 bytes and has one. */
    static const uint8_t junk[] = {0x0a, 0x7f, 0x01};
    tc_result r;
    cr_assert_eq(tc_unary_raw(chan, GET_PROFILE, junk, sizeof(junk),
                              &cameos__credits__v1__profile__descriptor, tok, 0, &r),
                 0);
    cr_assert_eq(r.code, GRPC_STATUS_INVALID_ARGUMENT, "%s %s", tc_code_name(r.code), r.message);
    cr_assert_null(r.resp);
    tc_result_free(&r);
    free(tok);
    free(uid);
}

Test(selftest, tiny_deadline_does_not_hang)
{
    for (int i = 0; i < 20; i++) {
        double t0 = st_now_ms();
        tc_result r = st_health("", 1);
        double took = st_now_ms() - t0;
        cr_assert(r.code == GRPC_STATUS_OK || r.code == GRPC_STATUS_DEADLINE_EXCEEDED, "%s %s",
                  tc_code_name(r.code), r.message);
        cr_assert_lt(took, 2000.0, "a 1 ms call took %.0f ms", took);
        tc_result_free(&r);
    }
}

Test(selftest, watch_stream_and_cancel)
{
    Grpc__Health__V1__HealthCheckRequest req = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
    req.service = "";
    int status = -1;
    tc_result r;
    cr_assert_eq(tc_stream(chan, HEALTH_WATCH, &req.base,
                           &grpc__health__v1__health_check_response__descriptor, NULL, 5000,
                           st_first_status, &status, &r),
                 0);
    cr_assert_eq(status, GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING);
    cr_assert_eq(r.code, GRPC_STATUS_CANCELLED, "%s %s", tc_code_name(r.code), r.message);
    cr_assert_null(r.resp);
    cr_assert_gt(r.resp_bytes, 0);
    tc_result_free(&r);

    /* Left open, the stream ends at its deadline after the first message. */
    int seen = 0;
    double t0 = st_now_ms();
    cr_assert_eq(tc_stream(chan, HEALTH_WATCH, &req.base,
                           &grpc__health__v1__health_check_response__descriptor, NULL, 300,
                           st_count_status, &seen, &r),
                 0);
    cr_assert_eq(r.code, GRPC_STATUS_DEADLINE_EXCEEDED, "%s %s", tc_code_name(r.code), r.message);
    cr_assert_eq(seen, 1);
    cr_assert_lt(st_now_ms() - t0, 3000.0);
    tc_result_free(&r);
}

Test(selftest, local_failures_return_minus_one)
{
    tc_result r;
    cr_assert_eq(tc_unary_raw(NULL, GET_PROFILE, NULL, 0, NULL, NULL, 0, &r), -1);
    cr_assert_eq(tc_unary_raw(chan, "no-slash", NULL, 0, NULL, NULL, 0, &r), -1);
    const char *const odd[] = {"x-key-without-value", NULL};
    Cameos__Credits__V1__GetProfileRequest req = CAMEOS__CREDITS__V1__GET_PROFILE_REQUEST__INIT;
    cr_assert_eq(tc_unary(chan, GET_PROFILE, &req.base, NULL, NULL, odd, 0, &r), -1);
    const char *const upper[] = {"X-Upper", "v", NULL};
    cr_assert_eq(tc_unary(chan, GET_PROFILE, &req.base, NULL, NULL, upper, 0, &r), -1);
    tc_result_free(&r);
    cr_assert_str_eq(tc_code_name(GRPC_STATUS_UNAUTHENTICATED), "UNAUTHENTICATED");
    cr_assert_str_eq(tc_code_name((grpc_status_code)99), "?");
    cr_assert_null(tc_connect(""));
}

typedef struct st_stress {
    pthread_t thread;
    const char *token;
    int ok;
    grpc_status_code first_bad;
    int credits_bad;
} st_stress;

Test(selftest, shared_channel_fifty_threads)
{
    char *uid = tdb_new_user(db, "stress");
    char *tok = tt_mint(secret, uid, "authenticated", 600);
    st_stress w[STRESS_THREADS];
    for (int i = 0; i < STRESS_THREADS; i++) {
        w[i] = (st_stress){.token = tok, .first_bad = GRPC_STATUS_OK};
        cr_assert_eq(pthread_create(&w[i].thread, NULL, st_stress_worker, &w[i]), 0);
    }
    int ok = 0;
    for (int i = 0; i < STRESS_THREADS; i++) {
        pthread_join(w[i].thread, NULL);
        ok += w[i].ok;
    }
    /* Assertions stay on this thread: Criterion's cannot run in workers. */
    for (int i = 0; i < STRESS_THREADS; i++) {
        cr_assert_eq(w[i].first_bad, GRPC_STATUS_OK, "thread %d saw %s", i,
                     tc_code_name(w[i].first_bad));
        cr_assert_eq(w[i].credits_bad, 0, "thread %d saw a wrong profile", i);
    }
    cr_assert_eq(ok, STRESS_THREADS * STRESS_CALLS);
    free(tok);
    free(uid);
}

static void st_setup(void)
{
    addr = st_env("CREDITS_ADDR");
    secret = st_env("JWT_SECRET");
    (void)st_env("DATABASE_URL");
    chan = tc_connect(addr);
    cr_assert_not_null(chan, "tc_connect(%s)", addr);
    cr_assert_eq(tc_wait_ready(chan, 10000), 0, "credits service at %s is not reachable", addr);
    db = tdb_connect();
}

static void st_teardown(void)
{
    if (db != NULL)
        PQfinish(db);
    db = NULL;
    tc_close(chan);
    chan = NULL;
}

static const char *st_env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        cr_assert_fail("%s is not set: source .stack/env (or export it) before running", name);
    return v;
}

static tc_result st_get_profile(const char *token)
{
    Cameos__Credits__V1__GetProfileRequest req = CAMEOS__CREDITS__V1__GET_PROFILE_REQUEST__INIT;
    tc_result r;
    int rc = tc_unary(chan, GET_PROFILE, &req.base, &cameos__credits__v1__profile__descriptor,
                      token, NULL, 0, &r);
    cr_assert_eq(rc, 0, "GetProfile failed locally");
    return r;
}

static tc_result st_health(const char *service, int deadline_ms)
{
    Grpc__Health__V1__HealthCheckRequest req = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
    req.service = (char *)service;
    tc_result r;
    int rc =
        tc_unary(chan, HEALTH_CHECK, &req.base,
                 &grpc__health__v1__health_check_response__descriptor, NULL, NULL, deadline_ms, &r);
    cr_assert_eq(rc, 0, "Health/Check failed locally");
    return r;
}

static double st_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *st_stress_worker(void *arg)
{
    st_stress *w = arg;
    Cameos__Credits__V1__GetProfileRequest req = CAMEOS__CREDITS__V1__GET_PROFILE_REQUEST__INIT;
    for (int i = 0; i < STRESS_CALLS; i++) {
        tc_result r;
        if (tc_unary(chan, GET_PROFILE, &req.base, &cameos__credits__v1__profile__descriptor,
                     w->token, NULL, 30000, &r) != 0) {
            if (w->first_bad == GRPC_STATUS_OK)
                w->first_bad = GRPC_STATUS_UNKNOWN;
            continue;
        }
        if (r.code == GRPC_STATUS_OK && r.resp != NULL) {
            w->ok++;
            if (((Cameos__Credits__V1__Profile *)r.resp)->credits != 100)
                w->credits_bad++;
        } else if (w->first_bad == GRPC_STATUS_OK) {
            w->first_bad = r.code == GRPC_STATUS_OK ? GRPC_STATUS_INTERNAL : r.code;
        }
        tc_result_free(&r);
    }
    return NULL;
}

/* Takes the first Watch message and stops the stream. */
static int st_first_status(const ProtobufCMessage *m, void *arg)
{
    *(int *)arg = (int)((const Grpc__Health__V1__HealthCheckResponse *)m)->status;
    return 1;
}

static int st_count_status(const ProtobufCMessage *m, void *arg)
{
    (void)m;
    (*(int *)arg)++;
    return 0;
}
