/*
 * test_credits_ledger - the ledger RPCs (PurchaseCredits, SpendCredits,
 * RefundCredits, GrantCredits) over a real channel: happy paths, every
 * error code, malformed ids, oversized strings and messages, and after
 * every refused call a check that the account did not change. The
 * request_id rules are in test_credits_idempotency.c.
 *
 * Needs CREDITS_ADDR, JWT_SECRET and a superuser DATABASE_URL. Every test
 * makes its own users, generations and tiers and looks only at them.
 */
#include "client.h"
#include "testdb.h"
#include "token.h"

#include "cameos/credits/v1/credits.pb-c.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define RPC(m)    "/cameos.credits.v1.CreditsService/" m
#define NIL_UUID  "00000000-0000-0000-0000-000000000000"
#define FIVE_MB   (5 * 1024 * 1024)
#define HUNDRED_K 100000

static const char *secret;
static tc_chan *chan;
static PGconn *db;
static char *svc_tok;

static void lg_setup(void);
static void lg_teardown(void);
static const char *lg_env(const char *name);
static void lg_rid(char *out, size_t size);
static char *lg_state(const char *uid) __attribute__((warn_unused_result));
static char *lg_gen(const char *uid, const char *status) __attribute__((warn_unused_result));
static char *lg_tier(const char *name) __attribute__((warn_unused_result));
static tc_result lg_call(const char *method, const ProtobufCMessage *req,
                         const ProtobufCMessageDescriptor *d) __attribute__((warn_unused_result));
static tc_result lg_grant(const char *uid, int amount, const char *desc, const char *rid)
    __attribute__((warn_unused_result));
static tc_result lg_spend(const char *uid, int amount, const char *desc, const char *gen,
                          const char *rid) __attribute__((warn_unused_result));
static tc_result lg_refund(const char *uid, const char *gen, const char *rid)
    __attribute__((warn_unused_result));
static tc_result lg_purchase(const char *uid, const char *tier, const char *ref, const char *rid)
    __attribute__((warn_unused_result));
static const Cameos__Credits__V1__CreditTransaction *lg_tx(const tc_result *r, int *balance);
static long long lg_rows(const char *uid) __attribute__((warn_unused_result));

#define EXPECT_CODE(r, want, what)                                                                 \
    cr_assert_eq((r).code, (want), "%s: want %s, got %s (%s)", (what), tc_code_name(want),         \
                 tc_code_name((r).code), (r).message)

/* Calls expr (a tc_result) and asserts its code and that uid did not change. */
#define EXPECT_REFUSED(uid, expr, want, what)                                                      \
    do {                                                                                           \
        char *before_ = lg_state(uid);                                                             \
        tc_result r_ = (expr);                                                                     \
        EXPECT_CODE(r_, want, what);                                                               \
        cr_assert_null(r_.resp);                                                                   \
        tc_result_free(&r_);                                                                       \
        char *after_ = lg_state(uid);                                                              \
        cr_assert_str_eq(after_, before_, "%s changed the account", (what));                       \
        free(before_);                                                                             \
        free(after_);                                                                              \
    } while (0)

TestSuite(credits_ledger, .init = lg_setup, .fini = lg_teardown, .timeout = 120);

Test(credits_ledger, purchase_adds_the_tier_credits)
{
    char *uid = tdb_new_user(db, "buyer");
    char *tier = lg_tier("Creator");
    char rid[48];
    lg_rid(rid, sizeof(rid));
    tc_result r = lg_purchase(uid, tier, "pay_ref_123", rid);
    EXPECT_CODE(r, GRPC_STATUS_OK, "PurchaseCredits");
    int bal = -1;
    const Cameos__Credits__V1__CreditTransaction *t = lg_tx(&r, &bal);
    cr_assert_eq(bal, 600);
    cr_assert_eq(t->amount, 500);
    cr_assert_eq(t->transaction_type,
                 CAMEOS__CREDITS__V1__TRANSACTION_TYPE__TRANSACTION_TYPE_PURCHASE);
    cr_assert_str_eq(t->user_id, uid);
    cr_assert_str_eq(t->generation_id, "");
    cr_assert_not_null(t->metadata);
    int seen = 0;
    for (size_t i = 0; i < t->metadata->n_fields; i++) {
        const Google__Protobuf__Struct__FieldsEntry *e = t->metadata->fields[i];
        const char *want = strcmp(e->key, "tier_id") == 0             ? tier
                           : strcmp(e->key, "price") == 0             ? "39.99"
                           : strcmp(e->key, "tier_name") == 0         ? "Creator"
                           : strcmp(e->key, "payment_reference") == 0 ? "pay_ref_123"
                                                                      : NULL;
        if (want == NULL)
            continue;
        cr_assert_eq(e->value->kind_case, GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE, "%s", e->key);
        cr_assert_str_eq(e->value->string_value, want, "metadata.%s", e->key);
        seen++;
    }
    cr_assert_eq(seen, 4, "metadata has tier_id, tier_name, price and payment_reference");
    const char *params[] = {uid, t->id};
    char *row = tdb_scalar(db,
                           "SELECT concat_ws('|', p.credits, p.total_spent, t.amount,"
                           " t.transaction_type, t.metadata->>'price', t.metadata->>'tier_id')"
                           " FROM public.user_profiles p JOIN public.credit_transactions t"
                           " ON t.user_id = p.id WHERE p.id = $1 AND t.id = $2",
                           2, params);
    char want[160];
    snprintf(want, sizeof(want), "600|0|500|purchase|39.99|%s", tier);
    cr_assert_str_eq(row, want);
    free(row);
    tc_result_free(&r);
    free(tier);
    free(uid);
}

Test(credits_ledger, purchase_of_inactive_or_unknown_tier)
{
    char *uid = tdb_new_user(db, "tiers");
    char name[48], rid[48];
    lg_rid(name, sizeof(name));
    const char *tp[] = {name};
    char *tier = tdb_scalar(db,
                            "INSERT INTO public.pricing_tiers (name, credits, price, is_active,"
                            " sort_order) VALUES ('test tier ' || $1, 7, 0.70, true, 900000)"
                            " RETURNING id::text",
                            1, tp);
    lg_rid(rid, sizeof(rid));
    tc_result r = lg_purchase(uid, tier, NULL, rid);
    EXPECT_CODE(r, GRPC_STATUS_OK, "purchase of the active test tier");
    int bal = 0;
    cr_assert_eq(lg_tx(&r, &bal)->amount, 7);
    cr_assert_eq(bal, 107);
    tc_result_free(&r);

    const char *ip[] = {tier};
    tdb_exec(db, "UPDATE public.pricing_tiers SET is_active = false WHERE id = $1", 1, ip);
    lg_rid(rid, sizeof(rid));
    EXPECT_REFUSED(uid, lg_purchase(uid, tier, NULL, rid), GRPC_STATUS_FAILED_PRECONDITION,
                   "purchase of an inactive tier");
    char *ghost = tdb_scalar(db, "SELECT gen_random_uuid()::text", 0, NULL);
    lg_rid(rid, sizeof(rid));
    EXPECT_REFUSED(uid, lg_purchase(uid, ghost, NULL, rid), GRPC_STATUS_NOT_FOUND,
                   "purchase of an unknown tier");
    char *starter = lg_tier("Starter");
    EXPECT_REFUSED(uid, lg_purchase(ghost, starter, NULL, rid), GRPC_STATUS_NOT_FOUND,
                   "purchase for an unknown user");
    EXPECT_REFUSED(uid, lg_purchase(uid, starter, NULL, ""), GRPC_STATUS_INVALID_ARGUMENT,
                   "purchase without request_id");
    char longref[300];
    memset(longref, 'r', sizeof(longref) - 1);
    longref[sizeof(longref) - 1] = '\0';
    EXPECT_REFUSED(uid, lg_purchase(uid, starter, longref, rid), GRPC_STATUS_INVALID_ARGUMENT,
                   "purchase with a 299-character payment_reference");
    tdb_exec(db, "DELETE FROM public.pricing_tiers WHERE id = $1", 1, ip);
    free(starter);
    free(ghost);
    free(tier);
    free(uid);
}

Test(credits_ledger, spend_debits_balance_and_counts_total_spent)
{
    char *uid = tdb_new_user(db, "spender");
    char rid[48];
    lg_rid(rid, sizeof(rid));
    tc_result r = lg_spend(uid, 30, "a short clip", NULL, rid);
    EXPECT_CODE(r, GRPC_STATUS_OK, "SpendCredits");
    int bal = -1;
    const Cameos__Credits__V1__CreditTransaction *t = lg_tx(&r, &bal);
    cr_assert_eq(bal, 70);
    cr_assert_eq(t->amount, -30);
    cr_assert_eq(t->transaction_type,
                 CAMEOS__CREDITS__V1__TRANSACTION_TYPE__TRANSACTION_TYPE_GENERATION);
    cr_assert_str_eq(t->description, "a short clip");
    tc_result_free(&r);
    lg_rid(rid, sizeof(rid));
    r = lg_spend(uid, 70, "", NULL, rid);
    EXPECT_CODE(r, GRPC_STATUS_OK, "SpendCredits of the whole rest");
    cr_assert_eq(lg_tx(&r, &bal)->amount, -70);
    cr_assert_eq(bal, 0);
    tc_result_free(&r);

    Cameos__Credits__V1__GetBalanceRequest gb = CAMEOS__CREDITS__V1__GET_BALANCE_REQUEST__INIT;
    gb.user_id = uid;
    r = lg_call(RPC("GetBalance"), &gb.base,
                &cameos__credits__v1__get_balance_response__descriptor);
    EXPECT_CODE(r, GRPC_STATUS_OK, "GetBalance");
    cr_assert_eq(((const Cameos__Credits__V1__GetBalanceResponse *)r.resp)->credits, 0);
    cr_assert_str_eq(((const Cameos__Credits__V1__GetBalanceResponse *)r.resp)->total_spent, "100");
    tc_result_free(&r);
    cr_assert_eq(lg_rows(uid), 3);
    free(uid);
}

Test(credits_ledger, spend_refusals_write_nothing)
{
    char *uid = tdb_new_user(db, "refused");
    char *other = tdb_new_user(db, "other");
    char *ghost = tdb_scalar(db, "SELECT gen_random_uuid()::text", 0, NULL);
    char *foreign_gen = lg_gen(other, "generating");
    char rid[48], long_rid[130];
    lg_rid(rid, sizeof(rid));
    memset(long_rid, 'k', 129);
    long_rid[129] = '\0';

    long long rows = lg_rows(uid);
    EXPECT_REFUSED(uid, lg_spend(uid, 101, NULL, NULL, rid), GRPC_STATUS_FAILED_PRECONDITION,
                   "spend of more than the balance");
    cr_assert_eq(lg_rows(uid), rows, "an insufficient spend wrote a row");
    EXPECT_REFUSED(uid, lg_spend(uid, 0, NULL, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT,
                   "amount 0");
    EXPECT_REFUSED(uid, lg_spend(uid, -5, NULL, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT,
                   "amount -5");
    EXPECT_REFUSED(uid, lg_spend(uid, -2147483647 - 1, NULL, NULL, rid),
                   GRPC_STATUS_INVALID_ARGUMENT, "amount INT32_MIN");
    EXPECT_REFUSED(uid, lg_spend(uid, 5, NULL, NULL, ""), GRPC_STATUS_INVALID_ARGUMENT,
                   "missing request_id");
    EXPECT_REFUSED(uid, lg_spend(uid, 5, NULL, NULL, long_rid), GRPC_STATUS_INVALID_ARGUMENT,
                   "129-character request_id");
    EXPECT_REFUSED(uid, lg_spend(uid, 5, NULL, NULL, "has space"), GRPC_STATUS_INVALID_ARGUMENT,
                   "request_id with a space");
    EXPECT_REFUSED(uid, lg_spend(ghost, 5, NULL, NULL, rid), GRPC_STATUS_NOT_FOUND,
                   "spend of an unknown user");
    EXPECT_REFUSED(uid, lg_spend(uid, 5, NULL, ghost, rid), GRPC_STATUS_NOT_FOUND,
                   "spend for an unknown generation");
    EXPECT_REFUSED(other, lg_spend(uid, 5, NULL, foreign_gen, rid), GRPC_STATUS_NOT_FOUND,
                   "spend for another user's generation (other's view)");
    EXPECT_REFUSED(uid, lg_spend(uid, 5, NULL, foreign_gen, rid), GRPC_STATUS_NOT_FOUND,
                   "spend for another user's generation");
    /* After all that, the same request_id still works: refusals claimed nothing. */
    tc_result r = lg_spend(uid, 5, NULL, NULL, rid);
    EXPECT_CODE(r, GRPC_STATUS_OK, "the request_id refused calls used");
    tc_result_free(&r);

    /* Charging a generation: once, then never again under another key. */
    char *gen = lg_gen(uid, "generating");
    lg_rid(rid, sizeof(rid));
    r = lg_spend(uid, 40, "veo-2 720p", gen, rid);
    EXPECT_CODE(r, GRPC_STATUS_OK, "spend for own generation");
    cr_assert_str_eq(lg_tx(&r, NULL)->generation_id, gen);
    tc_result_free(&r);
    lg_rid(rid, sizeof(rid));
    EXPECT_REFUSED(uid, lg_spend(uid, 40, "veo-2 720p", gen, rid), GRPC_STATUS_FAILED_PRECONDITION,
                   "second charge of one generation");
    free(gen);
    free(foreign_gen);
    free(ghost);
    free(other);
    free(uid);
}

Test(credits_ledger, refund_returns_exactly_the_debit_once)
{
    char *uid = tdb_new_user(db, "refund");
    char *gen = lg_gen(uid, "generating");
    char rid[48];
    lg_rid(rid, sizeof(rid));
    tc_result r = lg_spend(uid, 35, NULL, gen, rid);
    EXPECT_CODE(r, GRPC_STATUS_OK, "charge");
    char *debit_id = strdup(lg_tx(&r, NULL)->id);
    tc_result_free(&r);
    const char *gp[] = {gen};
    tdb_exec(db, "UPDATE public.generations SET status = 'error' WHERE id = $1", 1, gp);

    lg_rid(rid, sizeof(rid));
    r = lg_refund(uid, gen, rid);
    EXPECT_CODE(r, GRPC_STATUS_OK, "RefundCredits");
    int bal = 0;
    const Cameos__Credits__V1__CreditTransaction *t = lg_tx(&r, &bal);
    cr_assert_eq(t->amount, 35);
    cr_assert_eq(bal, 100);
    cr_assert_eq(t->transaction_type,
                 CAMEOS__CREDITS__V1__TRANSACTION_TYPE__TRANSACTION_TYPE_REFUND);
    cr_assert_str_eq(t->generation_id, gen);
    int linked = 0;
    for (size_t i = 0; t->metadata && i < t->metadata->n_fields; i++)
        if (strcmp(t->metadata->fields[i]->key, "refunded_transaction_id") == 0)
            linked = strcmp(t->metadata->fields[i]->value->string_value, debit_id) == 0;
    cr_assert(linked, "metadata.refunded_transaction_id names the debit");
    tc_result_free(&r);
    const char *up[] = {uid};
    char *prof = tdb_scalar(db,
                            "SELECT concat_ws('|', credits, total_spent) FROM public.user_profiles"
                            " WHERE id = $1",
                            1, up);
    cr_assert_str_eq(prof, "100|0", "refund lowers total_spent by the debit");
    free(prof);

    lg_rid(rid, sizeof(rid));
    EXPECT_REFUSED(uid, lg_refund(uid, gen, rid), GRPC_STATUS_FAILED_PRECONDITION,
                   "second refund of one generation");
    free(debit_id);
    free(gen);
    free(uid);
}

Test(credits_ledger, refund_preconditions)
{
    char *uid = tdb_new_user(db, "norefund");
    char *other = tdb_new_user(db, "norefund_o");
    char *ghost = tdb_scalar(db, "SELECT gen_random_uuid()::text", 0, NULL);
    char *never = lg_gen(uid, "error");
    char *ok_gen = lg_gen(uid, "success");
    char *running = lg_gen(uid, "generating");
    char *foreign = lg_gen(other, "error");
    char rid[48];
    const char *charge[] = {ok_gen, running};
    for (int i = 0; i < 2; i++) {
        lg_rid(rid, sizeof(rid));
        tc_result r = lg_spend(uid, 10, NULL, charge[i], rid);
        EXPECT_CODE(r, GRPC_STATUS_OK, "charge");
        tc_result_free(&r);
    }
    lg_rid(rid, sizeof(rid));
    tc_result r = lg_spend(other, 10, NULL, foreign, rid);
    EXPECT_CODE(r, GRPC_STATUS_OK, "charge of other's generation by other");
    tc_result_free(&r);

    lg_rid(rid, sizeof(rid));
    EXPECT_REFUSED(uid, lg_refund(uid, never, rid), GRPC_STATUS_FAILED_PRECONDITION,
                   "refund of a generation never charged");
    EXPECT_REFUSED(uid, lg_refund(uid, ok_gen, rid), GRPC_STATUS_FAILED_PRECONDITION,
                   "refund of a successful generation");
    EXPECT_REFUSED(uid, lg_refund(uid, running, rid), GRPC_STATUS_FAILED_PRECONDITION,
                   "refund of a running generation");
    EXPECT_REFUSED(other, lg_refund(uid, foreign, rid), GRPC_STATUS_NOT_FOUND,
                   "refund of another user's generation");
    EXPECT_REFUSED(uid, lg_refund(uid, ghost, rid), GRPC_STATUS_NOT_FOUND,
                   "refund of an unknown generation");
    EXPECT_REFUSED(uid, lg_refund(ghost, never, rid), GRPC_STATUS_NOT_FOUND,
                   "refund for an unknown user");
    EXPECT_REFUSED(uid, lg_refund(uid, "", rid), GRPC_STATUS_INVALID_ARGUMENT,
                   "refund without generation_id");
    EXPECT_REFUSED(uid, lg_refund(uid, never, ""), GRPC_STATUS_INVALID_ARGUMENT,
                   "refund without request_id");
    free(foreign);
    free(running);
    free(ok_gen);
    free(never);
    free(ghost);
    free(other);
    free(uid);
}

Test(credits_ledger, grant_adds_a_bonus)
{
    char *uid = tdb_new_user(db, "granted");
    char *ghost = tdb_scalar(db, "SELECT gen_random_uuid()::text", 0, NULL);
    char rid[48];
    lg_rid(rid, sizeof(rid));
    tc_result r = lg_grant(uid, 250, "", rid);
    EXPECT_CODE(r, GRPC_STATUS_OK, "GrantCredits");
    int bal = 0;
    const Cameos__Credits__V1__CreditTransaction *t = lg_tx(&r, &bal);
    cr_assert_eq(bal, 350);
    cr_assert_eq(t->amount, 250);
    cr_assert_eq(t->transaction_type,
                 CAMEOS__CREDITS__V1__TRANSACTION_TYPE__TRANSACTION_TYPE_BONUS);
    cr_assert_str_neq(t->description, "", "an empty description gets a default");
    tc_result_free(&r);
    const char *up[] = {uid};
    cr_assert_eq(tdb_int(db, "SELECT credits FROM public.user_profiles WHERE id = $1", 1, up), 350);
    char *spent =
        tdb_scalar(db, "SELECT total_spent::text FROM public.user_profiles WHERE id = $1", 1, up);
    cr_assert_str_eq(spent, "0");
    free(spent);
    lg_rid(rid, sizeof(rid));
    EXPECT_REFUSED(uid, lg_grant(uid, 0, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT, "grant of 0");
    EXPECT_REFUSED(uid, lg_grant(uid, -10, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT,
                   "grant of -10");
    EXPECT_REFUSED(uid, lg_grant(uid, 1000001, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT,
                   "grant above the largest amount");
    EXPECT_REFUSED(uid, lg_grant(ghost, 10, NULL, rid), GRPC_STATUS_NOT_FOUND,
                   "grant to an unknown user");
    EXPECT_REFUSED(uid, lg_grant(uid, 10, NULL, ""), GRPC_STATUS_INVALID_ARGUMENT,
                   "grant without request_id");
    free(ghost);
    free(uid);
}

Test(credits_ledger, malformed_uuids_are_invalid_argument)
{
    char *uid = tdb_new_user(db, "uuids");
    char *gen = lg_gen(uid, "error");
    char *tier = lg_tier("Starter");
    char rid[48];
    lg_rid(rid, sizeof(rid));
    static const char *const bad[] = {
        "not-a-uuid",
        "123e4567-e89b-12d3-a456-42661417400",
        "123e4567-e89b-12d3-a456-4266141740000",
        "123e4567-e89b-12d3-a456-42661417400g",
        "{123e4567-e89b-12d3-a456-426614174000}",
        "123e4567_e89b_12d3_a456_426614174000",
        "' OR '1'='1",
        " 123e4567-e89b-12d3-a456-426614174000",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *x = bad[i];
        EXPECT_REFUSED(uid, lg_spend(x, 1, NULL, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT, x);
        EXPECT_REFUSED(uid, lg_spend(uid, 1, NULL, x, rid), GRPC_STATUS_INVALID_ARGUMENT, x);
        EXPECT_REFUSED(uid, lg_grant(x, 1, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT, x);
        EXPECT_REFUSED(uid, lg_refund(x, gen, rid), GRPC_STATUS_INVALID_ARGUMENT, x);
        EXPECT_REFUSED(uid, lg_refund(uid, x, rid), GRPC_STATUS_INVALID_ARGUMENT, x);
        EXPECT_REFUSED(uid, lg_purchase(x, tier, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT, x);
        EXPECT_REFUSED(uid, lg_purchase(uid, x, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT, x);
    }
    EXPECT_REFUSED(uid, lg_spend("", 1, NULL, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT,
                   "empty user_id");
    EXPECT_REFUSED(uid, lg_purchase(uid, "", NULL, rid), GRPC_STATUS_INVALID_ARGUMENT,
                   "empty tier_id");
    free(tier);
    free(gen);
    free(uid);
}

Test(credits_ledger, oversized_and_invalid_text_is_refused)
{
    char *uid = tdb_new_user(db, "huge");
    char rid[48];
    lg_rid(rid, sizeof(rid));
    char *big = malloc(HUNDRED_K + 1);
    cr_assert_not_null(big);
    memset(big, 'd', HUNDRED_K);
    big[HUNDRED_K] = '\0';
    EXPECT_REFUSED(uid, lg_spend(uid, 1, big, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT,
                   "spend with a 100k-character description");
    EXPECT_REFUSED(uid, lg_grant(uid, 1, big, rid), GRPC_STATUS_INVALID_ARGUMENT,
                   "grant with a 100k-character description");
    big[1001] = '\0';
    EXPECT_REFUSED(uid, lg_grant(uid, 1, big, rid), GRPC_STATUS_INVALID_ARGUMENT,
                   "grant with a 1001-character description");
    EXPECT_REFUSED(uid, lg_grant(uid, 1, "bad \xff\xfe utf-8", rid), GRPC_STATUS_INVALID_ARGUMENT,
                   "description that is not UTF-8");
    /* 1000 two-byte characters: the limit counts characters, not bytes. */
    for (int i = 0; i < 1000; i++)
        memcpy(big + 2 * i, "\xc3\xa9", 2);
    big[2000] = '\0';
    tc_result r = lg_grant(uid, 1, big, rid);
    EXPECT_CODE(r, GRPC_STATUS_OK, "1000-character (2000-byte) description");
    cr_assert_str_eq(lg_tx(&r, NULL)->description, big);
    tc_result_free(&r);
    free(big);
    free(uid);
}

Test(credits_ledger, five_megabyte_request_is_resource_exhausted)
{
    char *uid = tdb_new_user(db, "fivemb");
    char rid[48];
    lg_rid(rid, sizeof(rid));
    char *big = malloc(FIVE_MB + 1);
    cr_assert_not_null(big);
    memset(big, 'z', FIVE_MB);
    big[FIVE_MB] = '\0';
    EXPECT_REFUSED(uid, lg_grant(uid, 5, big, rid), GRPC_STATUS_RESOURCE_EXHAUSTED,
                   "5 MB GrantCredits");
    EXPECT_REFUSED(uid, lg_spend(uid, 5, big, NULL, rid), GRPC_STATUS_RESOURCE_EXHAUSTED,
                   "5 MB SpendCredits");
    free(big);
    /* The connection survives it. */
    tc_result r = lg_grant(uid, 5, "after", rid);
    EXPECT_CODE(r, GRPC_STATUS_OK, "a normal call after the oversized ones");
    tc_result_free(&r);
    free(uid);
}

static void lg_setup(void)
{
    const char *addr = lg_env("CREDITS_ADDR");
    secret = lg_env("JWT_SECRET");
    (void)lg_env("DATABASE_URL");
    chan = tc_connect(addr);
    cr_assert_not_null(chan, "tc_connect(%s)", addr);
    cr_assert_eq(tc_wait_ready(chan, 10000), 0, "credits service at %s is not reachable", addr);
    db = tdb_connect();
    svc_tok = tt_mint(secret, NIL_UUID, "service_role", 3600);
    cr_assert_not_null(svc_tok);
}

static void lg_teardown(void)
{
    free(svc_tok);
    svc_tok = NULL;
    if (db != NULL)
        PQfinish(db);
    db = NULL;
    tc_close(chan);
    chan = NULL;
}

static const char *lg_env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        cr_assert_fail("%s is not set: source .stack/env (or export it) before running", name);
    return v;
}

/* A fresh request id, "rid-" and 32 random hex digits. */
static void lg_rid(char *out, size_t size)
{
    unsigned char b[16];
    cr_assert_geq(size, 37);
    cr_assert_eq(getrandom(b, sizeof(b), 0), (ssize_t)sizeof(b));
    memcpy(out, "rid-", 4);
    for (size_t i = 0; i < 16; i++)
        snprintf(out + 4 + 2 * i, 3, "%02x", b[i]);
}

/* Everything about an account a refused call must leave alone, as one text. */
static char *lg_state(const char *uid)
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

static char *lg_gen(const char *uid, const char *status)
{
    const char *params[] = {uid, status};
    char *id = tdb_scalar(db,
                          "INSERT INTO public.generations (user_id, prompt, status, credits_used)"
                          " VALUES ($1, 'ledger test', $2, 40) RETURNING id::text",
                          2, params);
    cr_assert_not_null(id);
    return id;
}

static char *lg_tier(const char *name)
{
    const char *params[] = {name};
    char *id =
        tdb_scalar(db, "SELECT id::text FROM public.pricing_tiers WHERE name = $1", 1, params);
    cr_assert_not_null(id, "no seeded tier %s", name);
    return id;
}

static tc_result lg_call(const char *method, const ProtobufCMessage *req,
                         const ProtobufCMessageDescriptor *d)
{
    tc_result r;
    int rc = tc_unary(chan, method, req, d, svc_tok, NULL, 30000, &r);
    cr_assert_eq(rc, 0, "%s failed locally", method);
    return r;
}

static tc_result lg_grant(const char *uid, int amount, const char *desc, const char *rid)
{
    Cameos__Credits__V1__GrantCreditsRequest q = CAMEOS__CREDITS__V1__GRANT_CREDITS_REQUEST__INIT;
    q.user_id = (char *)uid;
    q.amount = amount;
    q.description = (char *)(desc ? desc : "");
    q.request_id = (char *)rid;
    return lg_call(RPC("GrantCredits"), &q.base,
                   &cameos__credits__v1__grant_credits_response__descriptor);
}

static tc_result lg_spend(const char *uid, int amount, const char *desc, const char *gen,
                          const char *rid)
{
    Cameos__Credits__V1__SpendCreditsRequest q = CAMEOS__CREDITS__V1__SPEND_CREDITS_REQUEST__INIT;
    q.user_id = (char *)uid;
    q.amount = amount;
    q.description = (char *)(desc ? desc : "");
    q.generation_id = (char *)(gen ? gen : "");
    q.request_id = (char *)rid;
    return lg_call(RPC("SpendCredits"), &q.base,
                   &cameos__credits__v1__spend_credits_response__descriptor);
}

static tc_result lg_refund(const char *uid, const char *gen, const char *rid)
{
    Cameos__Credits__V1__RefundCreditsRequest q = CAMEOS__CREDITS__V1__REFUND_CREDITS_REQUEST__INIT;
    q.user_id = (char *)uid;
    q.generation_id = (char *)gen;
    q.request_id = (char *)rid;
    return lg_call(RPC("RefundCredits"), &q.base,
                   &cameos__credits__v1__refund_credits_response__descriptor);
}

static tc_result lg_purchase(const char *uid, const char *tier, const char *ref, const char *rid)
{
    Cameos__Credits__V1__PurchaseCreditsRequest q =
        CAMEOS__CREDITS__V1__PURCHASE_CREDITS_REQUEST__INIT;
    q.user_id = (char *)uid;
    q.tier_id = (char *)tier;
    q.payment_reference = (char *)(ref ? ref : "");
    q.request_id = (char *)rid;
    return lg_call(RPC("PurchaseCredits"), &q.base,
                   &cameos__credits__v1__purchase_credits_response__descriptor);
}

/* The {transaction, balance} of any of the four ledger responses. */
static const Cameos__Credits__V1__CreditTransaction *lg_tx(const tc_result *r, int *balance)
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

static long long lg_rows(const char *uid)
{
    const char *params[] = {uid};
    return tdb_int(db, "SELECT count(*) FROM public.credit_transactions WHERE user_id = $1", 1,
                   params);
}
