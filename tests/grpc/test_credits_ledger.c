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
#include "credits_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIVE_MB   (5 * 1024 * 1024)
#define HUNDRED_K 100000

TestSuite(credits_ledger, .init = cf_setup, .fini = cf_teardown, .timeout = 120);

Test(credits_ledger, purchase_adds_the_tier_credits)
{
    char *uid = tdb_new_user(cf_db, "buyer");
    char *tier = cf_tier("Creator");
    char rid[48];
    cf_rid(rid, sizeof(rid));
    tc_result r = cf_purchase(uid, tier, "pay_ref_123", rid);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "PurchaseCredits");
    int bal = -1;
    const Cameos__Credits__V1__CreditTransaction *t = cf_tx(&r, &bal);
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
    char *row = tdb_scalar(cf_db,
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
    char *uid = tdb_new_user(cf_db, "tiers");
    char name[48], rid[48];
    cf_rid(name, sizeof(name));
    const char *tp[] = {name};
    char *tier = tdb_scalar(cf_db,
                            "INSERT INTO public.pricing_tiers (name, credits, price, is_active,"
                            " sort_order) VALUES ('test tier ' || $1, 7, 0.70, true, 900000)"
                            " RETURNING id::text",
                            1, tp);
    cf_rid(rid, sizeof(rid));
    tc_result r = cf_purchase(uid, tier, NULL, rid);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "purchase of the active test tier");
    int bal = 0;
    cr_assert_eq(cf_tx(&r, &bal)->amount, 7);
    cr_assert_eq(bal, 107);
    tc_result_free(&r);

    const char *ip[] = {tier};
    tdb_exec(cf_db, "UPDATE public.pricing_tiers SET is_active = false WHERE id = $1", 1, ip);
    cf_rid(rid, sizeof(rid));
    CF_EXPECT_REFUSED(uid, cf_purchase(uid, tier, NULL, rid), GRPC_STATUS_FAILED_PRECONDITION,
                      "purchase of an inactive tier");
    char *ghost = tdb_scalar(cf_db, "SELECT gen_random_uuid()::text", 0, NULL);
    cf_rid(rid, sizeof(rid));
    CF_EXPECT_REFUSED(uid, cf_purchase(uid, ghost, NULL, rid), GRPC_STATUS_NOT_FOUND,
                      "purchase of an unknown tier");
    char *starter = cf_tier("Starter");
    CF_EXPECT_REFUSED(uid, cf_purchase(ghost, starter, NULL, rid), GRPC_STATUS_NOT_FOUND,
                      "purchase for an unknown user");
    CF_EXPECT_REFUSED(uid, cf_purchase(uid, starter, NULL, ""), GRPC_STATUS_INVALID_ARGUMENT,
                      "purchase without request_id");
    char longref[300];
    memset(longref, 'r', sizeof(longref) - 1);
    longref[sizeof(longref) - 1] = '\0';
    CF_EXPECT_REFUSED(uid, cf_purchase(uid, starter, longref, rid), GRPC_STATUS_INVALID_ARGUMENT,
                      "purchase with a 299-character payment_reference");
    tdb_exec(cf_db, "DELETE FROM public.pricing_tiers WHERE id = $1", 1, ip);
    free(starter);
    free(ghost);
    free(tier);
    free(uid);
}

Test(credits_ledger, spend_debits_balance_and_counts_total_spent)
{
    char *uid = tdb_new_user(cf_db, "spender");
    char rid[48];
    cf_rid(rid, sizeof(rid));
    tc_result r = cf_spend(uid, 30, "a short clip", NULL, rid);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "SpendCredits");
    int bal = -1;
    const Cameos__Credits__V1__CreditTransaction *t = cf_tx(&r, &bal);
    cr_assert_eq(bal, 70);
    cr_assert_eq(t->amount, -30);
    cr_assert_eq(t->transaction_type,
                 CAMEOS__CREDITS__V1__TRANSACTION_TYPE__TRANSACTION_TYPE_GENERATION);
    cr_assert_str_eq(t->description, "a short clip");
    tc_result_free(&r);
    cf_rid(rid, sizeof(rid));
    r = cf_spend(uid, 70, "", NULL, rid);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "SpendCredits of the whole rest");
    cr_assert_eq(cf_tx(&r, &bal)->amount, -70);
    cr_assert_eq(bal, 0);
    tc_result_free(&r);

    Cameos__Credits__V1__GetBalanceRequest gb = CAMEOS__CREDITS__V1__GET_BALANCE_REQUEST__INIT;
    gb.user_id = uid;
    r = cf_call(CF_RPC("GetBalance"), &gb.base,
                &cameos__credits__v1__get_balance_response__descriptor, cf_svc_tok);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "GetBalance");
    cr_assert_eq(((const Cameos__Credits__V1__GetBalanceResponse *)r.resp)->credits, 0);
    cr_assert_str_eq(((const Cameos__Credits__V1__GetBalanceResponse *)r.resp)->total_spent, "100");
    tc_result_free(&r);
    cr_assert_eq(cf_rows(uid), 3);
    free(uid);
}

Test(credits_ledger, spend_refusals_write_nothing)
{
    char *uid = tdb_new_user(cf_db, "refused");
    char *other = tdb_new_user(cf_db, "other");
    char *ghost = tdb_scalar(cf_db, "SELECT gen_random_uuid()::text", 0, NULL);
    char *foreign_gen = cf_gen(other, "generating");
    char rid[48], long_rid[130];
    cf_rid(rid, sizeof(rid));
    memset(long_rid, 'k', 129);
    long_rid[129] = '\0';

    long long rows = cf_rows(uid);
    CF_EXPECT_REFUSED(uid, cf_spend(uid, 101, NULL, NULL, rid), GRPC_STATUS_FAILED_PRECONDITION,
                      "spend of more than the balance");
    cr_assert_eq(cf_rows(uid), rows, "an insufficient spend wrote a row");
    CF_EXPECT_REFUSED(uid, cf_spend(uid, 0, NULL, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT,
                      "amount 0");
    CF_EXPECT_REFUSED(uid, cf_spend(uid, -5, NULL, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT,
                      "amount -5");
    CF_EXPECT_REFUSED(uid, cf_spend(uid, -2147483647 - 1, NULL, NULL, rid),
                      GRPC_STATUS_INVALID_ARGUMENT, "amount INT32_MIN");
    CF_EXPECT_REFUSED(uid, cf_spend(uid, 5, NULL, NULL, ""), GRPC_STATUS_INVALID_ARGUMENT,
                      "missing request_id");
    CF_EXPECT_REFUSED(uid, cf_spend(uid, 5, NULL, NULL, long_rid), GRPC_STATUS_INVALID_ARGUMENT,
                      "129-character request_id");
    CF_EXPECT_REFUSED(uid, cf_spend(uid, 5, NULL, NULL, "has space"), GRPC_STATUS_INVALID_ARGUMENT,
                      "request_id with a space");
    CF_EXPECT_REFUSED(uid, cf_spend(ghost, 5, NULL, NULL, rid), GRPC_STATUS_NOT_FOUND,
                      "spend of an unknown user");
    CF_EXPECT_REFUSED(uid, cf_spend(uid, 5, NULL, ghost, rid), GRPC_STATUS_NOT_FOUND,
                      "spend for an unknown generation");
    CF_EXPECT_REFUSED(other, cf_spend(uid, 5, NULL, foreign_gen, rid), GRPC_STATUS_NOT_FOUND,
                      "spend for another user's generation (other's view)");
    CF_EXPECT_REFUSED(uid, cf_spend(uid, 5, NULL, foreign_gen, rid), GRPC_STATUS_NOT_FOUND,
                      "spend for another user's generation");
    /* After all that, the same request_id still works: refusals claimed nothing. */
    tc_result r = cf_spend(uid, 5, NULL, NULL, rid);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "the request_id refused calls used");
    tc_result_free(&r);

    /* Charging a generation: once, then never again under another key. */
    char *gen = cf_gen(uid, "generating");
    cf_rid(rid, sizeof(rid));
    r = cf_spend(uid, 40, "veo-2 720p", gen, rid);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "spend for own generation");
    cr_assert_str_eq(cf_tx(&r, NULL)->generation_id, gen);
    tc_result_free(&r);
    cf_rid(rid, sizeof(rid));
    CF_EXPECT_REFUSED(uid, cf_spend(uid, 40, "veo-2 720p", gen, rid),
                      GRPC_STATUS_FAILED_PRECONDITION, "second charge of one generation");
    free(gen);
    free(foreign_gen);
    free(ghost);
    free(other);
    free(uid);
}

Test(credits_ledger, refund_returns_exactly_the_debit_once)
{
    char *uid = tdb_new_user(cf_db, "refund");
    char *gen = cf_gen(uid, "generating");
    char rid[48];
    cf_rid(rid, sizeof(rid));
    tc_result r = cf_spend(uid, 35, NULL, gen, rid);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "charge");
    char *debit_id = strdup(cf_tx(&r, NULL)->id);
    tc_result_free(&r);
    const char *gp[] = {gen};
    tdb_exec(cf_db, "UPDATE public.generations SET status = 'error' WHERE id = $1", 1, gp);

    cf_rid(rid, sizeof(rid));
    r = cf_refund(uid, gen, rid);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "RefundCredits");
    int bal = 0;
    const Cameos__Credits__V1__CreditTransaction *t = cf_tx(&r, &bal);
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
    char *prof = tdb_scalar(cf_db,
                            "SELECT concat_ws('|', credits, total_spent) FROM public.user_profiles"
                            " WHERE id = $1",
                            1, up);
    cr_assert_str_eq(prof, "100|0", "refund lowers total_spent by the debit");
    free(prof);

    cf_rid(rid, sizeof(rid));
    CF_EXPECT_REFUSED(uid, cf_refund(uid, gen, rid), GRPC_STATUS_FAILED_PRECONDITION,
                      "second refund of one generation");
    free(debit_id);
    free(gen);
    free(uid);
}

Test(credits_ledger, refund_preconditions)
{
    char *uid = tdb_new_user(cf_db, "norefund");
    char *other = tdb_new_user(cf_db, "norefund_o");
    char *ghost = tdb_scalar(cf_db, "SELECT gen_random_uuid()::text", 0, NULL);
    char *never = cf_gen(uid, "error");
    char *ok_gen = cf_gen(uid, "success");
    char *running = cf_gen(uid, "generating");
    char *foreign = cf_gen(other, "error");
    char rid[48];
    const char *charge[] = {ok_gen, running};
    for (int i = 0; i < 2; i++) {
        cf_rid(rid, sizeof(rid));
        tc_result r = cf_spend(uid, 10, NULL, charge[i], rid);
        CF_EXPECT_CODE(r, GRPC_STATUS_OK, "charge");
        tc_result_free(&r);
    }
    cf_rid(rid, sizeof(rid));
    tc_result r = cf_spend(other, 10, NULL, foreign, rid);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "charge of other's generation by other");
    tc_result_free(&r);

    cf_rid(rid, sizeof(rid));
    CF_EXPECT_REFUSED(uid, cf_refund(uid, never, rid), GRPC_STATUS_FAILED_PRECONDITION,
                      "refund of a generation never charged");
    CF_EXPECT_REFUSED(uid, cf_refund(uid, ok_gen, rid), GRPC_STATUS_FAILED_PRECONDITION,
                      "refund of a successful generation");
    CF_EXPECT_REFUSED(uid, cf_refund(uid, running, rid), GRPC_STATUS_FAILED_PRECONDITION,
                      "refund of a running generation");
    CF_EXPECT_REFUSED(other, cf_refund(uid, foreign, rid), GRPC_STATUS_NOT_FOUND,
                      "refund of another user's generation");
    CF_EXPECT_REFUSED(uid, cf_refund(uid, ghost, rid), GRPC_STATUS_NOT_FOUND,
                      "refund of an unknown generation");
    CF_EXPECT_REFUSED(uid, cf_refund(ghost, never, rid), GRPC_STATUS_NOT_FOUND,
                      "refund for an unknown user");
    CF_EXPECT_REFUSED(uid, cf_refund(uid, "", rid), GRPC_STATUS_INVALID_ARGUMENT,
                      "refund without generation_id");
    CF_EXPECT_REFUSED(uid, cf_refund(uid, never, ""), GRPC_STATUS_INVALID_ARGUMENT,
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
    char *uid = tdb_new_user(cf_db, "granted");
    char *ghost = tdb_scalar(cf_db, "SELECT gen_random_uuid()::text", 0, NULL);
    char rid[48];
    cf_rid(rid, sizeof(rid));
    tc_result r = cf_grant(uid, 250, "", rid);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "GrantCredits");
    int bal = 0;
    const Cameos__Credits__V1__CreditTransaction *t = cf_tx(&r, &bal);
    cr_assert_eq(bal, 350);
    cr_assert_eq(t->amount, 250);
    cr_assert_eq(t->transaction_type,
                 CAMEOS__CREDITS__V1__TRANSACTION_TYPE__TRANSACTION_TYPE_BONUS);
    cr_assert_str_neq(t->description, "", "an empty description gets a default");
    tc_result_free(&r);
    const char *up[] = {uid};
    cr_assert_eq(tdb_int(cf_db, "SELECT credits FROM public.user_profiles WHERE id = $1", 1, up),
                 350);
    char *spent = tdb_scalar(
        cf_db, "SELECT total_spent::text FROM public.user_profiles WHERE id = $1", 1, up);
    cr_assert_str_eq(spent, "0");
    free(spent);
    cf_rid(rid, sizeof(rid));
    CF_EXPECT_REFUSED(uid, cf_grant(uid, 0, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT, "grant of 0");
    CF_EXPECT_REFUSED(uid, cf_grant(uid, -10, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT,
                      "grant of -10");
    CF_EXPECT_REFUSED(uid, cf_grant(uid, 1000001, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT,
                      "grant above the largest amount");
    CF_EXPECT_REFUSED(uid, cf_grant(ghost, 10, NULL, rid), GRPC_STATUS_NOT_FOUND,
                      "grant to an unknown user");
    CF_EXPECT_REFUSED(uid, cf_grant(uid, 10, NULL, ""), GRPC_STATUS_INVALID_ARGUMENT,
                      "grant without request_id");
    free(ghost);
    free(uid);
}

Test(credits_ledger, malformed_uuids_are_invalid_argument)
{
    char *uid = tdb_new_user(cf_db, "uuids");
    char *gen = cf_gen(uid, "error");
    char *tier = cf_tier("Starter");
    char rid[48];
    cf_rid(rid, sizeof(rid));
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
        CF_EXPECT_REFUSED(uid, cf_spend(x, 1, NULL, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT, x);
        CF_EXPECT_REFUSED(uid, cf_spend(uid, 1, NULL, x, rid), GRPC_STATUS_INVALID_ARGUMENT, x);
        CF_EXPECT_REFUSED(uid, cf_grant(x, 1, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT, x);
        CF_EXPECT_REFUSED(uid, cf_refund(x, gen, rid), GRPC_STATUS_INVALID_ARGUMENT, x);
        CF_EXPECT_REFUSED(uid, cf_refund(uid, x, rid), GRPC_STATUS_INVALID_ARGUMENT, x);
        CF_EXPECT_REFUSED(uid, cf_purchase(x, tier, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT, x);
        CF_EXPECT_REFUSED(uid, cf_purchase(uid, x, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT, x);
    }
    CF_EXPECT_REFUSED(uid, cf_spend("", 1, NULL, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT,
                      "empty user_id");
    CF_EXPECT_REFUSED(uid, cf_purchase(uid, "", NULL, rid), GRPC_STATUS_INVALID_ARGUMENT,
                      "empty tier_id");
    free(tier);
    free(gen);
    free(uid);
}

Test(credits_ledger, oversized_and_invalid_text_is_refused)
{
    char *uid = tdb_new_user(cf_db, "huge");
    char rid[48];
    cf_rid(rid, sizeof(rid));
    char *big = malloc(HUNDRED_K + 1);
    cr_assert_not_null(big);
    memset(big, 'd', HUNDRED_K);
    big[HUNDRED_K] = '\0';
    CF_EXPECT_REFUSED(uid, cf_spend(uid, 1, big, NULL, rid), GRPC_STATUS_INVALID_ARGUMENT,
                      "spend with a 100k-character description");
    CF_EXPECT_REFUSED(uid, cf_grant(uid, 1, big, rid), GRPC_STATUS_INVALID_ARGUMENT,
                      "grant with a 100k-character description");
    big[1001] = '\0';
    CF_EXPECT_REFUSED(uid, cf_grant(uid, 1, big, rid), GRPC_STATUS_INVALID_ARGUMENT,
                      "grant with a 1001-character description");
    CF_EXPECT_REFUSED(uid, cf_grant(uid, 1, "bad \xff\xfe utf-8", rid),
                      GRPC_STATUS_INVALID_ARGUMENT, "description that is not UTF-8");
    /* 1000 two-byte characters: the limit counts characters, not bytes. */
    for (int i = 0; i < 1000; i++)
        memcpy(big + 2 * i, "\xc3\xa9", 2);
    big[2000] = '\0';
    tc_result r = cf_grant(uid, 1, big, rid);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "1000-character (2000-byte) description");
    cr_assert_str_eq(cf_tx(&r, NULL)->description, big);
    tc_result_free(&r);
    free(big);
    free(uid);
}

Test(credits_ledger, five_megabyte_request_is_resource_exhausted)
{
    char *uid = tdb_new_user(cf_db, "fivemb");
    char rid[48];
    cf_rid(rid, sizeof(rid));
    char *big = malloc(FIVE_MB + 1);
    cr_assert_not_null(big);
    memset(big, 'z', FIVE_MB);
    big[FIVE_MB] = '\0';
    CF_EXPECT_REFUSED(uid, cf_grant(uid, 5, big, rid), GRPC_STATUS_RESOURCE_EXHAUSTED,
                      "5 MB GrantCredits");
    CF_EXPECT_REFUSED(uid, cf_spend(uid, 5, big, NULL, rid), GRPC_STATUS_RESOURCE_EXHAUSTED,
                      "5 MB SpendCredits");
    free(big);
    /* The connection survives it. */
    tc_result r = cf_grant(uid, 5, "after", rid);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "a normal call after the oversized ones");
    tc_result_free(&r);
    free(uid);
}
