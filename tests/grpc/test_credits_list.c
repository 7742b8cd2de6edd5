/*
 * test_credits_list - ListCreditTransactions and ListPricingTiers over a
 * real channel: order, type filter, page tokens (malformed, foreign to the
 * filter or to the user), keyset paging while rows are being added, and
 * isolation between users; and the page cursor's timestamptz text, which
 * PostgreSQL must read back to the very microsecond.
 *
 * Needs CREDITS_ADDR, JWT_SECRET and a superuser DATABASE_URL. Every test
 * makes its own users and looks only at them; tiers other tests may add are
 * tolerated, the four seeded ones must be there as seeded.
 */
#include "credits_fixture.h"
#include "pagetoken.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_ROWS 120
#define PAGE_SIZE 7
#define MAX_SEEN  1024
#define TIER_ROWS 64

typedef Cameos__Credits__V1__CreditTransaction lt_tx;
typedef Cameos__Credits__V1__ListCreditTransactionsResponse lt_page;
typedef Cameos__Credits__V1__ListPricingTiersResponse lt_tiers;

/* One listed row, kept after its page is freed. */
typedef struct lt_row {
    char id[37];
    long long sec;
    int nanos;
} lt_row;

static char *lt_grant(const char *uid, int amount) __attribute__((warn_unused_result));
static tc_result lt_list(const char *tok, int page_size, const char *page_token, int type)
    __attribute__((warn_unused_result));
static tc_result lt_tiers_call(const char *tok, int page_size, const char *page_token)
    __attribute__((warn_unused_result));
static int lt_list_all(const char *tok, int type, lt_row *rows, int max)
    __attribute__((warn_unused_result));
static int lt_newer(const lt_row *a, const lt_row *b) __attribute__((warn_unused_result));
static void lt_keep(lt_row *dst, const lt_tx *t);

TestSuite(credits_list, .init = cf_setup, .fini = cf_teardown, .timeout = 180);

Test(credits_list, transactions_newest_first_and_filtered_by_type)
{
    char *uid = tdb_new_user(cf_db, "lister");
    char *tok = cf_user_tok(uid);
    const char *up[] = {uid};
    char *gen = tdb_scalar(cf_db,
                           "INSERT INTO public.generations (user_id, prompt, status) VALUES"
                           " ($1, 'list test', 'generating') RETURNING id::text",
                           1, up);
    char *tier = cf_tier("Pro");
    char rid[40];
    char *made[6]; /* newest last */
    made[0] = tdb_scalar(
        cf_db, "SELECT id::text FROM public.credit_transactions WHERE user_id = $1", 1, up);
    made[1] = lt_grant(uid, 15);

    cf_rid(rid, sizeof(rid));
    tc_result r = cf_purchase(uid, tier, NULL, rid);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "purchase");
    made[2] = strdup(cf_tx(&r, NULL)->id);
    tc_result_free(&r);

    const char *gens[2] = {NULL, gen};
    for (int i = 0; i < 2; i++) {
        cf_rid(rid, sizeof(rid));
        r = cf_spend(uid, 10 + i, NULL, gens[i], rid);
        CF_EXPECT_CODE(r, GRPC_STATUS_OK, "spend");
        made[3 + i] = strdup(cf_tx(&r, NULL)->id);
        tc_result_free(&r);
    }
    const char *gp[] = {gen};
    tdb_exec(cf_db, "UPDATE public.generations SET status = 'error' WHERE id = $1", 1, gp);
    cf_rid(rid, sizeof(rid));
    r = cf_refund(uid, gen, rid);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "refund");
    char *refund_id = strdup(cf_tx(&r, NULL)->id);
    tc_result_free(&r);

    r = lt_list(tok, 0, "", 0);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "ListCreditTransactions");
    const lt_page *pg = (const void *)r.resp;
    cr_assert_eq(pg->n_credit_transactions, 6);
    cr_assert_str_eq(pg->next_page_token, "", "one page holds everything");
    cr_assert_str_eq(pg->credit_transactions[0]->id, refund_id, "the refund is the newest");
    for (int i = 0; i < 5; i++)
        cr_assert_str_eq(pg->credit_transactions[5 - i]->id, made[i], "row %d out of order", 5 - i);
    static const int want_amounts[] = {11, -11, -10, 1500, 15, 100};
    static const int want_types[] = {3, 2, 2, 1, 4, 4};
    for (size_t i = 0; i < pg->n_credit_transactions; i++) {
        const lt_tx *t = pg->credit_transactions[i];
        cr_assert_str_eq(t->user_id, uid);
        cr_assert_eq(t->amount, want_amounts[i], "row %zu amount", i);
        cr_assert_eq((int)t->transaction_type, want_types[i], "row %zu type", i);
        cr_assert_not_null(t->created_at);
        if (i > 0) {
            lt_row a, b;
            lt_keep(&a, pg->credit_transactions[i - 1]);
            lt_keep(&b, t);
            cr_assert(lt_newer(&a, &b), "row %zu is not older than row %zu", i, i - 1);
        }
    }
    cr_assert_str_eq(pg->credit_transactions[1]->generation_id, gen);
    cr_assert_str_eq(pg->credit_transactions[0]->generation_id, gen);
    tc_result_free(&r);

    static const struct {
        int type;
        size_t n;
    } filters[] = {{1, 1}, {2, 2}, {3, 1}, {4, 2}};
    for (size_t f = 0; f < sizeof(filters) / sizeof(filters[0]); f++) {
        r = lt_list(tok, 0, "", filters[f].type);
        CF_EXPECT_CODE(r, GRPC_STATUS_OK, "filtered list");
        pg = (const void *)r.resp;
        cr_assert_eq(pg->n_credit_transactions, filters[f].n, "type %d", filters[f].type);
        for (size_t i = 0; i < pg->n_credit_transactions; i++)
            cr_assert_eq((int)pg->credit_transactions[i]->transaction_type, filters[f].type);
        tc_result_free(&r);
    }
    /* Page sizes above 1000 are coerced, not refused. */
    r = lt_list(tok, 5000, "", 0);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "page_size 5000");
    cr_assert_eq(((const lt_page *)r.resp)->n_credit_transactions, 6);
    tc_result_free(&r);
    r = lt_list(tok, 2, "", 0);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "page_size 2");
    cr_assert_eq(((const lt_page *)r.resp)->n_credit_transactions, 2);
    cr_assert_str_neq(((const lt_page *)r.resp)->next_page_token, "");
    tc_result_free(&r);

    for (int i = 0; i < 5; i++)
        free(made[i]);
    free(refund_id);
    free(tier);
    free(gen);
    free(tok);
    free(uid);
}

Test(credits_list, transaction_list_errors)
{
    char *a = tdb_new_user(cf_db, "listerr_a");
    char *b = tdb_new_user(cf_db, "listerr_b");
    char *ta = cf_user_tok(a), *tb = cf_user_tok(b);
    for (int i = 0; i < 3; i++)
        free(lt_grant(a, 1 + i));
    free(lt_grant(b, 9));

    tc_result r = lt_list(ta, 1, "", 0);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "first page");
    char *tok_all = strdup(((const lt_page *)r.resp)->next_page_token);
    tc_result_free(&r);
    r = lt_list(ta, 1, "", 4);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "first page, bonus only");
    char *tok_bonus = strdup(((const lt_page *)r.resp)->next_page_token);
    tc_result_free(&r);
    cr_assert_str_neq(tok_all, "");
    cr_assert_str_neq(tok_bonus, "");

    r = lt_list(ta, 1, tok_all, 0);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "the token with its own filter and user");
    tc_result_free(&r);

    char tampered[512];
    snprintf(tampered, sizeof(tampered), "%s", tok_all);
    size_t tl = strlen(tampered);
    tampered[tl / 2] = tampered[tl / 2] == 'A' ? 'B' : 'A';
    const struct {
        const char *what;
        const char *tok;
        int page_size;
        const char *page_token;
        int type;
    } bad[] = {
        {"negative page_size", ta, -1, "", 0},
        {"page_size INT32_MIN", ta, -2147483647 - 1, "", 0},
        {"garbage page_token", ta, 0, "garbage", 0},
        {"tampered page_token", ta, 1, tampered, 0},
        {"token of the unfiltered list with a type filter", ta, 1, tok_all, 4},
        {"token of the bonus list without filter", ta, 1, tok_bonus, 0},
        {"token of the bonus list with another filter", ta, 1, tok_bonus, 1},
        {"A's token used by B", tb, 1, tok_all, 0},
        {"unknown transaction_type 99", ta, 0, "", 99},
        {"negative transaction_type", ta, 0, "", -1},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = lt_list(bad[i].tok, bad[i].page_size, bad[i].page_token, bad[i].type);
        CF_EXPECT_CODE(r, GRPC_STATUS_INVALID_ARGUMENT, bad[i].what);
        cr_assert_null(r.resp);
        tc_result_free(&r);
    }
    /* The largest page_token a request can carry (half of MAX_RECV_BYTES'
     * 1 MiB), with and without a token's prefix: refused as a token, no
     * other way, and the list still answers after. */
    size_t big_len = 512 * 1024;
    char *big = malloc(big_len + 1);
    cr_assert_not_null(big);
    memset(big, 'A', big_len);
    big[big_len] = 0;
    r = lt_list(ta, 1, big, 0);
    CF_EXPECT_CODE(r, GRPC_STATUS_INVALID_ARGUMENT, "a page_token of 512 KiB");
    tc_result_free(&r);
    memcpy(big, tok_all, strlen(tok_all));
    r = lt_list(ta, 1, big, 0);
    CF_EXPECT_CODE(r, GRPC_STATUS_INVALID_ARGUMENT, "a good token followed by 512 KiB");
    tc_result_free(&r);
    free(big);
    r = lt_list(ta, 1, tok_all, 0);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "the good token still serves after");
    tc_result_free(&r);

    /* A list token is not a tier token either. */
    r = lt_tiers_call(ta, 1, tok_all);
    CF_EXPECT_CODE(r, GRPC_STATUS_INVALID_ARGUMENT, "transaction token on ListPricingTiers");
    tc_result_free(&r);
    /* Nor the other way: a tier token (bound to no caller) on the caller's
     * transactions, and by another caller on the tiers, where it is good. */
    r = lt_tiers_call(ta, 1, "");
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "first page of tiers");
    char *tok_tier =
        strdup(((const Cameos__Credits__V1__ListPricingTiersResponse *)r.resp)->next_page_token);
    tc_result_free(&r);
    cr_assert_str_neq(tok_tier, "", "more than one tier is seeded");
    r = lt_list(ta, 1, tok_tier, 0);
    CF_EXPECT_CODE(r, GRPC_STATUS_INVALID_ARGUMENT, "tier token on ListCreditTransactions");
    tc_result_free(&r);
    r = lt_tiers_call(tb, 1, tok_tier);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "A's tier token used by B: tiers are everyone's");
    tc_result_free(&r);
    free(tok_tier);
    free(tok_all);
    free(tok_bonus);
    free(ta);
    free(tb);
    free(a);
    free(b);
}

Test(credits_list, paging_while_rows_are_added_skips_and_repeats_nothing)
{
    char *uid = tdb_new_user(cf_db, "pager");
    char *tok = cf_user_tok(uid);
    for (int i = 0; i < PAGE_ROWS; i++)
        free(lt_grant(uid, 1 + i % 50));
    const char *up[] = {uid};
    /* What existed at the start, in the order the list must give it. */
    PGresult *res = PQexecParams(cf_db,
                                 "SELECT id::text FROM public.credit_transactions WHERE user_id"
                                 " = $1 ORDER BY created_at DESC, id DESC",
                                 1, NULL, up, NULL, NULL, 0);
    cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(cf_db));
    int n0 = PQntuples(res);
    cr_assert_eq(n0, PAGE_ROWS + 1);
    char(*start)[37] = calloc((size_t)n0, 37);
    cr_assert_not_null(start);
    for (int i = 0; i < n0; i++)
        snprintf(start[i], 37, "%s", PQgetvalue(res, 0 + i, 0));
    PQclear(res);

    lt_row *seen = calloc(MAX_SEEN, sizeof(*seen));
    cr_assert_not_null(seen);
    int nseen = 0, pages = 0, added = 0;
    char token[512] = "";
    for (;;) {
        tc_result r = lt_list(tok, PAGE_SIZE, token, 0);
        CF_EXPECT_CODE(r, GRPC_STATUS_OK, "page");
        const lt_page *pg = (const void *)r.resp;
        cr_assert_leq(pg->n_credit_transactions, PAGE_SIZE);
        for (size_t i = 0; i < pg->n_credit_transactions; i++) {
            cr_assert_lt(nseen, MAX_SEEN);
            cr_assert_str_eq(pg->credit_transactions[i]->user_id, uid);
            lt_keep(&seen[nseen++], pg->credit_transactions[i]);
        }
        snprintf(token, sizeof(token), "%s", pg->next_page_token);
        int more = token[0] != '\0';
        cr_assert(!more || pg->n_credit_transactions == PAGE_SIZE, "short page before the end");
        tc_result_free(&r);
        pages++;
        cr_assert_lt(pages, 100, "paging does not end");
        if (!more)
            break;
        /* New rows between pages: newer than the cursor, so never in a later page. */
        free(lt_grant(uid, 1 + pages % 7));
        added++;
        if (pages % 3 == 0) {
            free(lt_grant(uid, 2));
            added++;
        }
    }
    cr_assert_gt(added, 10);
    for (int i = 1; i < nseen; i++)
        cr_assert(lt_newer(&seen[i - 1], &seen[i]), "row %d (%s) is not older than row %d (%s)", i,
                  seen[i].id, i - 1, seen[i - 1].id);
    for (int i = 0; i < nseen; i++)
        for (int j = i + 1; j < nseen; j++)
            cr_assert_str_neq(seen[i].id, seen[j].id, "row %s served twice", seen[i].id);
    /* Every row that existed at the start, exactly in order. */
    cr_assert_eq(nseen, n0, "served %d rows, %d existed at the start", nseen, n0);
    for (int i = 0; i < n0; i++)
        cr_assert_str_eq(seen[i].id, start[i], "position %d", i);
    cr_assert_eq(pages, (n0 + PAGE_SIZE - 1) / PAGE_SIZE);
    free(seen);
    free(start);
    free(tok);
    free(uid);
}

Test(credits_list, users_see_only_their_own_transactions)
{
    char *a = tdb_new_user(cf_db, "iso_list_a");
    char *b = tdb_new_user(cf_db, "iso_list_b");
    char *ta = cf_user_tok(a), *tb = cf_user_tok(b);
    char *a_ids[8];
    for (int i = 0; i < 8; i++)
        a_ids[i] = lt_grant(a, 5);
    free(lt_grant(b, 6));

    lt_row *rows = calloc(MAX_SEEN, sizeof(*rows));
    cr_assert_not_null(rows);
    for (int type = 0; type <= 4; type++) {
        int n = lt_list_all(tb, type, rows, MAX_SEEN);
        cr_assert_eq(n, type == 0 || type == 4 ? 2 : 0, "B's rows of type %d", type);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 8; k++)
                cr_assert_str_neq(rows[i].id, a_ids[k], "A's row in B's list");
    }
    int na = lt_list_all(ta, 0, rows, MAX_SEEN);
    cr_assert_eq(na, 9);

    /* B's profile is B's. */
    Cameos__Credits__V1__GetProfileRequest gp = CAMEOS__CREDITS__V1__GET_PROFILE_REQUEST__INIT;
    tc_result r =
        cf_call(CF_RPC("GetProfile"), &gp.base, &cameos__credits__v1__profile__descriptor, tb);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "B's GetProfile");
    cr_assert_str_eq(((const Cameos__Credits__V1__Profile *)r.resp)->id, b);
    cr_assert_eq(((const Cameos__Credits__V1__Profile *)r.resp)->credits, 106);
    tc_result_free(&r);
    for (int i = 0; i < 8; i++)
        free(a_ids[i]);
    free(rows);
    free(ta);
    free(tb);
    free(a);
    free(b);
}

Test(credits_list, pricing_tiers_as_seeded)
{
    char *uid = tdb_new_user(cf_db, "tiers");
    char *tok = cf_user_tok(uid);
    char name[40];
    cf_rid(name, sizeof(name));
    const char *np[] = {name};
    char *hidden = tdb_scalar(cf_db,
                              "INSERT INTO public.pricing_tiers (name, credits, price, is_active,"
                              " sort_order) VALUES ('hidden ' || $1, 1, 0.01, false, 0)"
                              " RETURNING id::text",
                              1, np);
    static const struct {
        const char *name, *price;
        int credits;
    } seeded[] = {{"Starter", "9.99", 100},
                  {"Creator", "39.99", 500},
                  {"Pro", "99.99", 1500},
                  {"Enterprise", "299.99", 5000}};

    tc_result r = lt_tiers_call(tok, 0, "");
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "ListPricingTiers");
    const lt_tiers *tl = (const void *)r.resp;
    cr_assert_str_eq(tl->next_page_token, "");
    char ids[TIER_ROWS][37];
    size_t nall = tl->n_pricing_tiers, k = 0;
    cr_assert_leq(nall, TIER_ROWS);
    for (size_t i = 0; i < nall; i++) {
        const Cameos__Credits__V1__PricingTier *t = tl->pricing_tiers[i];
        snprintf(ids[i], sizeof(ids[i]), "%s", t->id);
        cr_assert(t->is_active, "inactive tier %s listed", t->name);
        cr_assert_str_neq(t->id, hidden, "the inactive tier is listed");
        if (i > 0)
            cr_assert_geq(t->sort_order, tl->pricing_tiers[i - 1]->sort_order, "not in sort_order");
        if (k < 4 && strcmp(t->name, seeded[k].name) == 0) {
            cr_assert_str_eq(t->price, seeded[k].price, "%s price", t->name);
            cr_assert_eq(t->credits, seeded[k].credits, "%s credits", t->name);
            cr_assert_not_null(t->created_at);
            k++;
        }
    }
    cr_assert_eq(k, 4, "the four seeded tiers, in this order");
    tc_result_free(&r);

    /* page_size 1 walks the same list, one tier a page. */
    char token[512] = "";
    size_t walked = 0;
    for (;;) {
        r = lt_tiers_call(tok, 1, token);
        CF_EXPECT_CODE(r, GRPC_STATUS_OK, "tier page");
        tl = (const void *)r.resp;
        cr_assert_leq(tl->n_pricing_tiers, 1);
        if (tl->n_pricing_tiers == 1) {
            cr_assert_lt(walked, nall, "more tiers paged than listed");
            cr_assert_str_eq(tl->pricing_tiers[0]->id, ids[walked], "page %zu", walked);
            walked++;
        }
        snprintf(token, sizeof(token), "%s", tl->next_page_token);
        tc_result_free(&r);
        if (token[0] == '\0')
            break;
        cr_assert_leq(walked, nall);
    }
    cr_assert_eq(walked, nall);

    r = lt_tiers_call(tok, -1, "");
    CF_EXPECT_CODE(r, GRPC_STATUS_INVALID_ARGUMENT, "negative page_size");
    tc_result_free(&r);
    r = lt_tiers_call(tok, 1, "garbage");
    CF_EXPECT_CODE(r, GRPC_STATUS_INVALID_ARGUMENT, "garbage page_token");
    tc_result_free(&r);
    r = lt_tiers_call(NULL, 0, "");
    CF_EXPECT_CODE(r, GRPC_STATUS_UNAUTHENTICATED, "no token");
    tc_result_free(&r);

    const char *hp[] = {hidden};
    tdb_exec(cf_db, "DELETE FROM public.pricing_tiers WHERE id = $1", 1, hp);
    free(hidden);
    free(tok);
    free(uid);
}

/* GrantCredits with a fresh request_id; returns the transaction id (malloc'd). */
static char *lt_grant(const char *uid, int amount)
{
    char rid[40];
    cf_rid(rid, sizeof(rid));
    tc_result r = cf_grant(uid, amount, NULL, rid);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "GrantCredits");
    char *id = strdup(cf_tx(&r, NULL)->id);
    tc_result_free(&r);
    cr_assert_not_null(id);
    return id;
}

static tc_result lt_list(const char *tok, int page_size, const char *page_token, int type)
{
    Cameos__Credits__V1__ListCreditTransactionsRequest q =
        CAMEOS__CREDITS__V1__LIST_CREDIT_TRANSACTIONS_REQUEST__INIT;
    q.page_size = page_size;
    q.page_token = (char *)page_token;
    q.transaction_type = (Cameos__Credits__V1__TransactionType)type;
    return cf_call(CF_RPC("ListCreditTransactions"), &q.base,
                   &cameos__credits__v1__list_credit_transactions_response__descriptor, tok);
}

static tc_result lt_tiers_call(const char *tok, int page_size, const char *page_token)
{
    Cameos__Credits__V1__ListPricingTiersRequest q =
        CAMEOS__CREDITS__V1__LIST_PRICING_TIERS_REQUEST__INIT;
    q.page_size = page_size;
    q.page_token = (char *)page_token;
    return cf_call(CF_RPC("ListPricingTiers"), &q.base,
                   &cameos__credits__v1__list_pricing_tiers_response__descriptor, tok);
}

/* Every row of the caller's list of type (0: all), page by page (size 3). */
static int lt_list_all(const char *tok, int type, lt_row *rows, int max)
{
    int n = 0;
    char token[512] = "";
    for (int pages = 0;; pages++) {
        cr_assert_lt(pages, 1000, "paging does not end");
        tc_result r = lt_list(tok, 3, token, type);
        CF_EXPECT_CODE(r, GRPC_STATUS_OK, "list page");
        const lt_page *pg = (const void *)r.resp;
        for (size_t i = 0; i < pg->n_credit_transactions; i++) {
            cr_assert_lt(n, max);
            lt_keep(&rows[n++], pg->credit_transactions[i]);
        }
        snprintf(token, sizeof(token), "%s", pg->next_page_token);
        tc_result_free(&r);
        if (token[0] == '\0')
            return n;
    }
}

/* Whether a comes strictly before b in (created_at, id) descending order. */
static int lt_newer(const lt_row *a, const lt_row *b)
{
    if (a->sec != b->sec)
        return a->sec > b->sec;
    if (a->nanos != b->nanos)
        return a->nanos > b->nanos;
    return strcmp(a->id, b->id) > 0; /* uuid order is the order of its lowercase text */
}

static void lt_keep(lt_row *dst, const lt_tx *t)
{
    cr_assert_not_null(t->created_at, "transaction %s has no created_at", t->id);
    snprintf(dst->id, sizeof(dst->id), "%s", t->id);
    dst->sec = t->created_at->seconds;
    dst->nanos = t->created_at->nanos;
}

/* The keyset bound travels as timestamptz text (a bare parameter, so it can
 * be an index condition): PostgreSQL must read back exactly the microsecond
 * the token holds, across and beyond any row's lifetime. */
Test(credits_list, cursor_text_reads_back_to_the_microsecond)
{
    enum { N = 4000 };
    size_t cap = (size_t)N * (PAGETOKEN_TS_SIZE + 4) + 2, ucap = (size_t)N * 24 + 2;
    char *texts = malloc(cap), *uss = malloc(ucap), ts[PAGETOKEN_TS_SIZE];
    cr_assert(texts && uss);
    size_t tl = 0, ul = 0;
    unsigned long long x = 0x9e3779b97f4a7c15ULL;
    const long long span = 300LL * 366 * 86400 * 1000000; /* +-300 years around 1970 */
    for (int i = 0; i < N; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        long long us = i == 0 ? 0 : i == 1 ? -1 : (long long)(x % (2ULL * span)) - span;
        pagetoken_ts_text(us, ts, sizeof(ts));
        tl += (size_t)snprintf(texts + tl, cap - tl, "%s\"%s\"", i ? "," : "{", ts);
        ul += (size_t)snprintf(uss + ul, ucap - ul, "%s%lld", i ? "," : "{", us);
    }
    snprintf(texts + tl, cap - tl, "}");
    snprintf(uss + ul, ucap - ul, "}");
    const char *p[] = {texts, uss};
    cr_expect_eq(tdb_int(cf_db,
                         "select count(*) from unnest($1::text[], $2::int8[]) u(t, us)"
                         " where (extract(epoch from t::timestamptz) * 1000000)::int8 <> us",
                         2, p),
                 0, "every cursor text names its microsecond");
    free(texts);
    free(uss);
}
