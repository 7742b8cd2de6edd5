/*
 * test_credits_idempotency - the request_id rules (AIP-155) of the ledger
 * RPCs over a real channel: a retry with the same request_id and parameters
 * answers the original response byte for byte and writes nothing; the same
 * request_id with other parameters is FAILED_PRECONDITION and changes
 * nothing; keys are per user; concurrent first uses of one key apply once.
 *
 * Needs CREDITS_ADDR, JWT_SECRET and a superuser DATABASE_URL. Every test
 * makes its own users and generations and looks only at them.
 */
#include "client.h"
#include "testdb.h"
#include "token.h"

#include "cameos/credits/v1/credits.pb-c.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define RPC(m)       "/cameos.credits.v1.CreditsService/" m
#define NIL_UUID     "00000000-0000-0000-0000-000000000000"
#define RACE_THREADS 16

static const char *secret;
static tc_chan *chan;
static PGconn *db;
static char *svc_tok;

static void ip_setup(void);
static void ip_teardown(void);
static const char *ip_env(const char *name);
static void ip_rid(char *out, size_t size);
static char *ip_state(const char *uid) __attribute__((warn_unused_result));
static char *ip_gen(const char *uid, const char *status) __attribute__((warn_unused_result));
static char *ip_tier(const char *name) __attribute__((warn_unused_result));
static tc_result ip_call(const char *method, const ProtobufCMessage *req,
                         const ProtobufCMessageDescriptor *d) __attribute__((warn_unused_result));
static tc_result ip_grant(const char *uid, int amount, const char *desc, const char *rid)
    __attribute__((warn_unused_result));
static tc_result ip_spend(const char *uid, int amount, const char *desc, const char *gen,
                          const char *rid) __attribute__((warn_unused_result));
static tc_result ip_refund(const char *uid, const char *gen, const char *rid)
    __attribute__((warn_unused_result));
static tc_result ip_purchase(const char *uid, const char *tier, const char *ref, const char *rid)
    __attribute__((warn_unused_result));
static const Cameos__Credits__V1__CreditTransaction *ip_tx(const tc_result *r, int *balance);
static int ip_same_bytes(const ProtobufCMessage *a, const ProtobufCMessage *b)
    __attribute__((warn_unused_result));
static long long ip_rows(const char *uid) __attribute__((warn_unused_result));
static void *ip_race_worker(void *arg);

#define EXPECT_CODE(r, want, what)                                                                 \
    cr_assert_eq((r).code, (want), "%s: want %s, got %s (%s)", (what), tc_code_name(want),         \
                 tc_code_name((r).code), (r).message)

/* Calls expr (a tc_result) and asserts its code and that uid did not change. */
#define EXPECT_REFUSED(uid, expr, want, what)                                                      \
    do {                                                                                           \
        char *before_ = ip_state(uid);                                                             \
        tc_result r_ = (expr);                                                                     \
        EXPECT_CODE(r_, want, what);                                                               \
        cr_assert_null(r_.resp);                                                                   \
        tc_result_free(&r_);                                                                       \
        char *after_ = ip_state(uid);                                                              \
        cr_assert_str_eq(after_, before_, "%s changed the account", (what));                       \
        free(before_);                                                                             \
        free(after_);                                                                              \
    } while (0)

TestSuite(credits_idempotency, .init = ip_setup, .fini = ip_teardown, .timeout = 120);

Test(credits_idempotency, retry_with_same_request_id_replays_the_response)
{
    char *uid = tdb_new_user(db, "replay");
    char *tier = ip_tier("Starter");
    char *gen = ip_gen(uid, "generating");
    char rg[48], rs[48], rp[48], rr[48];
    ip_rid(rg, sizeof(rg));
    ip_rid(rs, sizeof(rs));
    ip_rid(rp, sizeof(rp));
    ip_rid(rr, sizeof(rr));
    tc_result first[4], again[4];
    first[0] = ip_grant(uid, 12, "gift", rg);
    first[1] = ip_spend(uid, 20, "clip", gen, rs);
    first[2] = ip_purchase(uid, tier, "ref-1", rp);
    const char *gp[] = {gen};
    tdb_exec(db, "UPDATE public.generations SET status = 'error' WHERE id = $1", 1, gp);
    first[3] = ip_refund(uid, gen, rr);
    for (int i = 0; i < 4; i++)
        EXPECT_CODE(first[i], GRPC_STATUS_OK, "first call");
    char *state = ip_state(uid);
    /* Retried after other calls moved the balance: still the original answer. */
    again[0] = ip_grant(uid, 12, "gift", rg);
    again[1] = ip_spend(uid, 20, "clip", gen, rs);
    again[2] = ip_purchase(uid, tier, "ref-1", rp);
    again[3] = ip_refund(uid, gen, rr);
    for (int i = 0; i < 4; i++) {
        EXPECT_CODE(again[i], GRPC_STATUS_OK, "retry");
        cr_assert(ip_same_bytes(first[i].resp, again[i].resp),
                  "retry #%d: the response differs from the original", i);
        cr_assert_str_eq(ip_tx(&again[i], NULL)->id, ip_tx(&first[i], NULL)->id);
    }
    char *state2 = ip_state(uid);
    cr_assert_str_eq(state2, state, "a retry changed the account");
    cr_assert_eq(ip_rows(uid), 5, "bonus + 4 ledger rows, none from the retries");
    int bal = 0;
    ip_tx(&again[0], &bal);
    cr_assert_eq(bal, 112, "the grant's retry reports the balance of its time");
    for (int i = 0; i < 4; i++) {
        tc_result_free(&first[i]);
        tc_result_free(&again[i]);
    }
    free(state);
    free(state2);
    free(gen);
    free(tier);
    free(uid);
}

Test(credits_idempotency, same_request_id_with_other_params_is_refused)
{
    char *uid = tdb_new_user(db, "reuse");
    char *starter = ip_tier("Starter"), *pro = ip_tier("Pro");
    char *gen = ip_gen(uid, "error"), *gen2 = ip_gen(uid, "error");
    char rid[48];
    ip_rid(rid, sizeof(rid));
    tc_result r = ip_grant(uid, 10, "gift", rid);
    EXPECT_CODE(r, GRPC_STATUS_OK, "grant");
    tc_result_free(&r);
    EXPECT_REFUSED(uid, ip_grant(uid, 11, "gift", rid), GRPC_STATUS_FAILED_PRECONDITION,
                   "grant, other amount");
    EXPECT_REFUSED(uid, ip_grant(uid, 10, "other", rid), GRPC_STATUS_FAILED_PRECONDITION,
                   "grant, other description");
    EXPECT_REFUSED(uid, ip_spend(uid, 10, "gift", NULL, rid), GRPC_STATUS_FAILED_PRECONDITION,
                   "a grant's request_id reused by a spend");
    EXPECT_REFUSED(uid, ip_purchase(uid, starter, NULL, rid), GRPC_STATUS_FAILED_PRECONDITION,
                   "a grant's request_id reused by a purchase");

    ip_rid(rid, sizeof(rid));
    r = ip_spend(uid, 5, "clip", gen, rid);
    EXPECT_CODE(r, GRPC_STATUS_OK, "spend");
    tc_result_free(&r);
    EXPECT_REFUSED(uid, ip_spend(uid, 6, "clip", gen, rid), GRPC_STATUS_FAILED_PRECONDITION,
                   "spend, other amount");
    EXPECT_REFUSED(uid, ip_spend(uid, 5, "clip", gen2, rid), GRPC_STATUS_FAILED_PRECONDITION,
                   "spend, other generation");
    EXPECT_REFUSED(uid, ip_spend(uid, 5, "clip", NULL, rid), GRPC_STATUS_FAILED_PRECONDITION,
                   "spend, no generation");
    EXPECT_REFUSED(uid, ip_refund(uid, gen, rid), GRPC_STATUS_FAILED_PRECONDITION,
                   "a spend's request_id reused by a refund");

    ip_rid(rid, sizeof(rid));
    r = ip_purchase(uid, starter, "ref-a", rid);
    EXPECT_CODE(r, GRPC_STATUS_OK, "purchase");
    tc_result_free(&r);
    EXPECT_REFUSED(uid, ip_purchase(uid, pro, "ref-a", rid), GRPC_STATUS_FAILED_PRECONDITION,
                   "purchase, other tier");
    EXPECT_REFUSED(uid, ip_purchase(uid, starter, "ref-b", rid), GRPC_STATUS_FAILED_PRECONDITION,
                   "purchase, other payment_reference");

    ip_rid(rid, sizeof(rid));
    r = ip_refund(uid, gen, rid);
    EXPECT_CODE(r, GRPC_STATUS_OK, "refund");
    tc_result_free(&r);
    EXPECT_REFUSED(uid, ip_refund(uid, gen2, rid), GRPC_STATUS_FAILED_PRECONDITION,
                   "refund, other generation");
    free(gen);
    free(gen2);
    free(starter);
    free(pro);
    free(uid);
}

Test(credits_idempotency, request_ids_are_kept_per_user)
{
    char *a = tdb_new_user(db, "keys_a");
    char *b = tdb_new_user(db, "keys_b");
    char rid[48];
    ip_rid(rid, sizeof(rid));
    tc_result ra = ip_grant(a, 10, "same key", rid);
    tc_result rb = ip_grant(b, 20, "same key", rid);
    EXPECT_CODE(ra, GRPC_STATUS_OK, "A's grant");
    EXPECT_CODE(rb, GRPC_STATUS_OK, "B's grant, same request_id, other params");
    cr_assert_str_neq(ip_tx(&ra, NULL)->id, ip_tx(&rb, NULL)->id);
    cr_assert_str_eq(ip_tx(&rb, NULL)->user_id, b);
    cr_assert_eq(ip_rows(a), 2);
    cr_assert_eq(ip_rows(b), 2);
    tc_result_free(&ra);
    tc_result_free(&rb);
    free(a);
    free(b);
}

typedef struct ip_racer {
    pthread_t thread;
    pthread_barrier_t *go;
    tc_chan *ch;
    const ProtobufCMessage *req;
    const char *method;
    const ProtobufCMessageDescriptor *desc;
    tc_result res;
    int local_fail;
} ip_racer;

Test(credits_idempotency, concurrent_calls_with_one_request_id_apply_once)
{
    char *uid = tdb_new_user(db, "race");
    tc_chan *chans[4];
    for (int i = 0; i < 4; i++) {
        chans[i] = tc_connect(ip_env("CREDITS_ADDR"));
        cr_assert_not_null(chans[i]);
    }
    char rg[48], rs[48];
    ip_rid(rg, sizeof(rg));
    ip_rid(rs, sizeof(rs));
    Cameos__Credits__V1__GrantCreditsRequest g = CAMEOS__CREDITS__V1__GRANT_CREDITS_REQUEST__INIT;
    g.user_id = uid;
    g.amount = 33;
    g.description = "race";
    g.request_id = rg;
    Cameos__Credits__V1__SpendCreditsRequest s = CAMEOS__CREDITS__V1__SPEND_CREDITS_REQUEST__INIT;
    s.user_id = uid;
    s.amount = 90;
    s.description = "race";
    s.request_id = rs;
    const struct {
        const char *method;
        const ProtobufCMessage *req;
        const ProtobufCMessageDescriptor *desc;
    } rounds[] = {
        {RPC("GrantCredits"), &g.base, &cameos__credits__v1__grant_credits_response__descriptor},
        {RPC("SpendCredits"), &s.base, &cameos__credits__v1__spend_credits_response__descriptor},
    };
    for (size_t k = 0; k < 2; k++) {
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, RACE_THREADS);
        ip_racer w[RACE_THREADS];
        for (int i = 0; i < RACE_THREADS; i++) {
            w[i] = (ip_racer){.go = &go,
                              .ch = chans[i % 4],
                              .req = rounds[k].req,
                              .method = rounds[k].method,
                              .desc = rounds[k].desc};
            cr_assert_eq(pthread_create(&w[i].thread, NULL, ip_race_worker, &w[i]), 0);
        }
        for (int i = 0; i < RACE_THREADS; i++)
            pthread_join(w[i].thread, NULL);
        pthread_barrier_destroy(&go);
        for (int i = 0; i < RACE_THREADS; i++) {
            cr_assert_eq(w[i].local_fail, 0);
            EXPECT_CODE(w[i].res, GRPC_STATUS_OK, rounds[k].method);
            cr_assert_str_eq(ip_tx(&w[i].res, NULL)->id, ip_tx(&w[0].res, NULL)->id,
                             "thread %d got another transaction", i);
            cr_assert(ip_same_bytes(w[i].res.resp, w[0].res.resp), "thread %d: other bytes", i);
        }
        for (int i = 0; i < RACE_THREADS; i++)
            tc_result_free(&w[i].res);
    }
    const char *up[] = {uid};
    char *row = tdb_scalar(db,
                           "SELECT concat_ws('|', p.credits, p.total_spent, (SELECT count(*)"
                           " FROM public.credit_transactions t WHERE t.user_id = p.id))"
                           " FROM public.user_profiles p WHERE p.id = $1",
                           1, up);
    cr_assert_str_eq(row, "43|90|3", "one grant of 33 and one spend of 90, once each");
    free(row);
    for (int i = 0; i < 4; i++)
        tc_close(chans[i]);
    free(uid);
}

static void ip_setup(void)
{
    const char *addr = ip_env("CREDITS_ADDR");
    secret = ip_env("JWT_SECRET");
    (void)ip_env("DATABASE_URL");
    chan = tc_connect(addr);
    cr_assert_not_null(chan, "tc_connect(%s)", addr);
    cr_assert_eq(tc_wait_ready(chan, 10000), 0, "credits service at %s is not reachable", addr);
    db = tdb_connect();
    svc_tok = tt_mint(secret, NIL_UUID, "service_role", 3600);
    cr_assert_not_null(svc_tok);
}

static void ip_teardown(void)
{
    free(svc_tok);
    svc_tok = NULL;
    if (db != NULL)
        PQfinish(db);
    db = NULL;
    tc_close(chan);
    chan = NULL;
}

static const char *ip_env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        cr_assert_fail("%s is not set: source .stack/env (or export it) before running", name);
    return v;
}

/* A fresh request id, "rid-" and 32 random hex digits. */
static void ip_rid(char *out, size_t size)
{
    unsigned char b[16];
    cr_assert_geq(size, 37);
    cr_assert_eq(getrandom(b, sizeof(b), 0), (ssize_t)sizeof(b));
    memcpy(out, "rid-", 4);
    for (size_t i = 0; i < 16; i++)
        snprintf(out + 4 + 2 * i, 3, "%02x", b[i]);
}

/* Everything about an account a refused call must leave alone, as one text. */
static char *ip_state(const char *uid)
{
    const char *params[] = {uid};
    char *s =
        tdb_scalar(db,
                   "SELECT concat_ws('|', p.credits, p.total_spent, p.updated_at,"
                   " (SELECT count(*) FROM public.credit_transactions t WHERE t.user_id = p.id),"
                   " (SELECT count(*) FROM public.request_keys k WHERE k.user_id = p.id))"
                   " FROM public.user_profiles p WHERE p.id = $1",
                   1, params);
    cr_assert_not_null(s, "no profile for %s", uid);
    return s;
}

static char *ip_gen(const char *uid, const char *status)
{
    const char *params[] = {uid, status};
    char *id = tdb_scalar(db,
                          "INSERT INTO public.generations (user_id, prompt, status, credits_used)"
                          " VALUES ($1, 'ledger test', $2, 40) RETURNING id::text",
                          2, params);
    cr_assert_not_null(id);
    return id;
}

static char *ip_tier(const char *name)
{
    const char *params[] = {name};
    char *id =
        tdb_scalar(db, "SELECT id::text FROM public.pricing_tiers WHERE name = $1", 1, params);
    cr_assert_not_null(id, "no seeded tier %s", name);
    return id;
}

static tc_result ip_call(const char *method, const ProtobufCMessage *req,
                         const ProtobufCMessageDescriptor *d)
{
    tc_result r;
    int rc = tc_unary(chan, method, req, d, svc_tok, NULL, 30000, &r);
    cr_assert_eq(rc, 0, "%s failed locally", method);
    return r;
}

static tc_result ip_grant(const char *uid, int amount, const char *desc, const char *rid)
{
    Cameos__Credits__V1__GrantCreditsRequest q = CAMEOS__CREDITS__V1__GRANT_CREDITS_REQUEST__INIT;
    q.user_id = (char *)uid;
    q.amount = amount;
    q.description = (char *)(desc ? desc : "");
    q.request_id = (char *)rid;
    return ip_call(RPC("GrantCredits"), &q.base,
                   &cameos__credits__v1__grant_credits_response__descriptor);
}

static tc_result ip_spend(const char *uid, int amount, const char *desc, const char *gen,
                          const char *rid)
{
    Cameos__Credits__V1__SpendCreditsRequest q = CAMEOS__CREDITS__V1__SPEND_CREDITS_REQUEST__INIT;
    q.user_id = (char *)uid;
    q.amount = amount;
    q.description = (char *)(desc ? desc : "");
    q.generation_id = (char *)(gen ? gen : "");
    q.request_id = (char *)rid;
    return ip_call(RPC("SpendCredits"), &q.base,
                   &cameos__credits__v1__spend_credits_response__descriptor);
}

static tc_result ip_refund(const char *uid, const char *gen, const char *rid)
{
    Cameos__Credits__V1__RefundCreditsRequest q = CAMEOS__CREDITS__V1__REFUND_CREDITS_REQUEST__INIT;
    q.user_id = (char *)uid;
    q.generation_id = (char *)gen;
    q.request_id = (char *)rid;
    return ip_call(RPC("RefundCredits"), &q.base,
                   &cameos__credits__v1__refund_credits_response__descriptor);
}

static tc_result ip_purchase(const char *uid, const char *tier, const char *ref, const char *rid)
{
    Cameos__Credits__V1__PurchaseCreditsRequest q =
        CAMEOS__CREDITS__V1__PURCHASE_CREDITS_REQUEST__INIT;
    q.user_id = (char *)uid;
    q.tier_id = (char *)tier;
    q.payment_reference = (char *)(ref ? ref : "");
    q.request_id = (char *)rid;
    return ip_call(RPC("PurchaseCredits"), &q.base,
                   &cameos__credits__v1__purchase_credits_response__descriptor);
}

/* The {transaction, balance} of any of the four ledger responses. */
static const Cameos__Credits__V1__CreditTransaction *ip_tx(const tc_result *r, int *balance)
{
    cr_assert_not_null(r->resp, "no response to read a transaction from");
    const ProtobufCMessageDescriptor *d = r->resp->descriptor;
    const ProtobufCFieldDescriptor *ft =
        protobuf_c_message_descriptor_get_field_by_name(d, "transaction");
    const ProtobufCFieldDescriptor *fb =
        protobuf_c_message_descriptor_get_field_by_name(d, "balance");
    cr_assert(ft && fb, "%s is not a ledger response", d->name);
    const Cameos__Credits__V1__CreditTransaction *t =
        *(Cameos__Credits__V1__CreditTransaction *const *)((const char *)r->resp + ft->offset);
    cr_assert_not_null(t, "the response has no transaction");
    if (balance != NULL)
        *balance = *(const int32_t *)((const char *)r->resp + fb->offset);
    return t;
}

/* Whether two messages pack to the same bytes. */
static int ip_same_bytes(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
    if (a == NULL || b == NULL)
        return 0;
    size_t na = protobuf_c_message_get_packed_size(a), nb = protobuf_c_message_get_packed_size(b);
    if (na != nb)
        return 0;
    uint8_t *pa = malloc(na + 1), *pb = malloc(nb + 1);
    int same = pa && pb;
    if (same) {
        protobuf_c_message_pack(a, pa);
        protobuf_c_message_pack(b, pb);
        same = memcmp(pa, pb, na) == 0;
    }
    free(pa);
    free(pb);
    return same;
}

static long long ip_rows(const char *uid)
{
    const char *params[] = {uid};
    return tdb_int(db, "SELECT count(*) FROM public.credit_transactions WHERE user_id = $1", 1,
                   params);
}

/* No Criterion asserts here: the result is checked on the test's thread. */
static void *ip_race_worker(void *arg)
{
    ip_racer *w = arg;
    pthread_barrier_wait(w->go);
    w->local_fail = tc_unary(w->ch, w->method, w->req, w->desc, svc_tok, NULL, 30000, &w->res);
    return NULL;
}
