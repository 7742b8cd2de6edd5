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
#include "credits_fixture.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RACE_THREADS 16

static int ip_same_bytes(const ProtobufCMessage *a, const ProtobufCMessage *b)
    __attribute__((warn_unused_result));
static void *ip_race_worker(void *arg);

TestSuite(credits_idempotency, .init = cf_setup, .fini = cf_teardown, .timeout = 120);

Test(credits_idempotency, retry_with_same_request_id_replays_the_response)
{
    char *uid = tdb_new_user(cf_db, "replay");
    char *tier = cf_tier("Starter");
    char *gen = cf_gen(uid, "generating");
    char rg[48], rs[48], rp[48], rr[48];
    cf_rid(rg, sizeof(rg));
    cf_rid(rs, sizeof(rs));
    cf_rid(rp, sizeof(rp));
    cf_rid(rr, sizeof(rr));
    tc_result first[4], again[4];
    first[0] = cf_grant(uid, 12, "gift", rg);
    first[1] = cf_spend(uid, 20, "clip", gen, rs);
    first[2] = cf_purchase(uid, tier, "ref-1", rp);
    const char *gp[] = {gen};
    tdb_exec(cf_db, "UPDATE public.generations SET status = 'error' WHERE id = $1", 1, gp);
    first[3] = cf_refund(uid, gen, rr);
    for (int i = 0; i < 4; i++)
        CF_EXPECT_CODE(first[i], GRPC_STATUS_OK, "first call");
    char *state = cf_state(uid);
    /* Retried after other calls moved the balance: still the original answer. */
    again[0] = cf_grant(uid, 12, "gift", rg);
    again[1] = cf_spend(uid, 20, "clip", gen, rs);
    again[2] = cf_purchase(uid, tier, "ref-1", rp);
    again[3] = cf_refund(uid, gen, rr);
    for (int i = 0; i < 4; i++) {
        CF_EXPECT_CODE(again[i], GRPC_STATUS_OK, "retry");
        cr_assert(ip_same_bytes(first[i].resp, again[i].resp),
                  "retry #%d: the response differs from the original", i);
        cr_assert_str_eq(cf_tx(&again[i], NULL)->id, cf_tx(&first[i], NULL)->id);
    }
    char *state2 = cf_state(uid);
    cr_assert_str_eq(state2, state, "a retry changed the account");
    cr_assert_eq(cf_rows(uid), 5, "bonus + 4 ledger rows, none from the retries");
    int bal = 0;
    cf_tx(&again[0], &bal);
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
    char *uid = tdb_new_user(cf_db, "reuse");
    char *starter = cf_tier("Starter"), *pro = cf_tier("Pro");
    char *gen = cf_gen(uid, "error"), *gen2 = cf_gen(uid, "error");
    char rid[48];
    cf_rid(rid, sizeof(rid));
    tc_result r = cf_grant(uid, 10, "gift", rid);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "grant");
    tc_result_free(&r);
    CF_EXPECT_REFUSED(uid, cf_grant(uid, 11, "gift", rid), GRPC_STATUS_FAILED_PRECONDITION,
                      "grant, other amount");
    CF_EXPECT_REFUSED(uid, cf_grant(uid, 10, "other", rid), GRPC_STATUS_FAILED_PRECONDITION,
                      "grant, other description");
    CF_EXPECT_REFUSED(uid, cf_spend(uid, 10, "gift", NULL, rid), GRPC_STATUS_FAILED_PRECONDITION,
                      "a grant's request_id reused by a spend");
    CF_EXPECT_REFUSED(uid, cf_purchase(uid, starter, NULL, rid), GRPC_STATUS_FAILED_PRECONDITION,
                      "a grant's request_id reused by a purchase");

    cf_rid(rid, sizeof(rid));
    r = cf_spend(uid, 5, "clip", gen, rid);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "spend");
    tc_result_free(&r);
    CF_EXPECT_REFUSED(uid, cf_spend(uid, 6, "clip", gen, rid), GRPC_STATUS_FAILED_PRECONDITION,
                      "spend, other amount");
    CF_EXPECT_REFUSED(uid, cf_spend(uid, 5, "clip", gen2, rid), GRPC_STATUS_FAILED_PRECONDITION,
                      "spend, other generation");
    CF_EXPECT_REFUSED(uid, cf_spend(uid, 5, "clip", NULL, rid), GRPC_STATUS_FAILED_PRECONDITION,
                      "spend, no generation");
    CF_EXPECT_REFUSED(uid, cf_refund(uid, gen, rid), GRPC_STATUS_FAILED_PRECONDITION,
                      "a spend's request_id reused by a refund");

    cf_rid(rid, sizeof(rid));
    r = cf_purchase(uid, starter, "ref-a", rid);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "purchase");
    tc_result_free(&r);
    CF_EXPECT_REFUSED(uid, cf_purchase(uid, pro, "ref-a", rid), GRPC_STATUS_FAILED_PRECONDITION,
                      "purchase, other tier");
    CF_EXPECT_REFUSED(uid, cf_purchase(uid, starter, "ref-b", rid), GRPC_STATUS_FAILED_PRECONDITION,
                      "purchase, other payment_reference");

    cf_rid(rid, sizeof(rid));
    r = cf_refund(uid, gen, rid);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "refund");
    tc_result_free(&r);
    CF_EXPECT_REFUSED(uid, cf_refund(uid, gen2, rid), GRPC_STATUS_FAILED_PRECONDITION,
                      "refund, other generation");
    free(gen);
    free(gen2);
    free(starter);
    free(pro);
    free(uid);
}

Test(credits_idempotency, request_ids_are_kept_per_user)
{
    char *a = tdb_new_user(cf_db, "keys_a");
    char *b = tdb_new_user(cf_db, "keys_b");
    char rid[48];
    cf_rid(rid, sizeof(rid));
    tc_result ra = cf_grant(a, 10, "same key", rid);
    tc_result rb = cf_grant(b, 20, "same key", rid);
    CF_EXPECT_CODE(ra, GRPC_STATUS_OK, "A's grant");
    CF_EXPECT_CODE(rb, GRPC_STATUS_OK, "B's grant, same request_id, other params");
    cr_assert_str_neq(cf_tx(&ra, NULL)->id, cf_tx(&rb, NULL)->id);
    cr_assert_str_eq(cf_tx(&rb, NULL)->user_id, b);
    cr_assert_eq(cf_rows(a), 2);
    cr_assert_eq(cf_rows(b), 2);
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
    char *uid = tdb_new_user(cf_db, "race");
    tc_chan *chans[4];
    for (int i = 0; i < 4; i++) {
        chans[i] = tc_connect(cf_env("CREDITS_ADDR"));
        cr_assert_not_null(chans[i]);
    }
    char rg[48], rs[48];
    cf_rid(rg, sizeof(rg));
    cf_rid(rs, sizeof(rs));
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
        {CF_RPC("GrantCredits"), &g.base, &cameos__credits__v1__grant_credits_response__descriptor},
        {CF_RPC("SpendCredits"), &s.base, &cameos__credits__v1__spend_credits_response__descriptor},
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
            CF_EXPECT_CODE(w[i].res, GRPC_STATUS_OK, rounds[k].method);
            cr_assert_str_eq(cf_tx(&w[i].res, NULL)->id, cf_tx(&w[0].res, NULL)->id,
                             "thread %d got another transaction", i);
            cr_assert(ip_same_bytes(w[i].res.resp, w[0].res.resp), "thread %d: other bytes", i);
        }
        for (int i = 0; i < RACE_THREADS; i++)
            tc_result_free(&w[i].res);
    }
    const char *up[] = {uid};
    char *row = tdb_scalar(cf_db,
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

/* No Criterion asserts here: the result is checked on the test's thread. */
static void *ip_race_worker(void *arg)
{
    ip_racer *w = arg;
    pthread_barrier_wait(w->go);
    w->local_fail = tc_unary(w->ch, w->method, w->req, w->desc, cf_svc_tok, NULL, 30000, &w->res);
    return NULL;
}
