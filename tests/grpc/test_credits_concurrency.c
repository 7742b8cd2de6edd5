/*
 * test_credits_concurrency - the ledger invariants of docs/API.md §4 under load.
 *
 * 50 threads over several channels send thousands of mixed SpendCredits
 * (with and without a generation), RefundCredits, PurchaseCredits and
 * GrantCredits calls against the same few users. About 10% are sent again
 * with the same request_id and parameters (an OK must come back with the
 * same transaction, byte for byte), about 5% get a 1-5 ms deadline so that
 * they are cut off mid-flight; their outcome is unknown to the client, which
 * retries them later with the same request_id until it gets a definitive
 * answer (OK or FAILED_PRECONDITION). At the end the database must hold,
 * per user: credits >= 0, credits = sum(amount), total_spent = -(debits) -
 * (refunds), at most one debit and one refund per generation, each refund
 * equal to its debit and only for an 'error' generation, and exactly one
 * ledger row per request_id that got OK, the very rows the clients were told.
 *
 * Workers only record what they saw; every assertion runs on the test's own
 * thread after the join. Needs CREDITS_ADDR, JWT_SECRET, DATABASE_URL.
 * CREDITS_ADDRS ("host:port,host:port,..."), when set, spreads the channels
 * over several instances of the service (the test command's PgBouncer suite
 * runs three sharing one pooler).
 */
#include "credits_fixture.h"

#include <criterion/logging.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define CC_THREADS    50
#define CC_OPS        70 /* per thread: 3500 in all, retries not counted */
#define CC_CHANNELS   5
#define CC_USERS      5
#define CC_GENS       40 /* generations per user */
#define CC_DEADLINE   30000
#define CC_MAX_TRIES  50
#define CC_PENDING_AT 10 /* a worker retries its unknown outcomes every this many ops */

enum cc_kind { K_SPEND, K_SPEND_GEN, K_REFUND, K_PURCHASE, K_GRANT, K_NKINDS };

typedef struct cc_op {
    char rid[64];
    int kind, user, gen, amount, tier;
    int done;      /* got a definitive answer */
    int ok;        /* some attempt got OK */
    int unknown;   /* last attempt ended without an answer */
    int was_cut;   /* an attempt was cut off by its deadline */
    int tx_amount; /* the OK transaction's amount */
    char txid[37];
    uint8_t *bytes; /* the first OK response, packed */
    size_t nbytes;
} cc_op;

typedef struct cc_worker {
    pthread_t thread;
    int idx;
    tc_chan *ch;
    uint64_t rng;
    cc_op ops[CC_OPS];
    int calls, tiny, cut_off, retried, replays, oks, refused, unexpected;
    int cut_committed; /* cut off, yet the server had written it: the retry replayed */
    int bad;           /* broken promises: a retry that answered differently */
    char why[320];
} cc_worker;

/* Read-only for the workers once they start. */
static char users[CC_USERS][37];
static char gens[CC_USERS][CC_GENS][37];
static char tiers[2][37];
static char run_tag[17];

static uint64_t cc_rand(uint64_t *s);
static void cc_plan(cc_worker *w, cc_op *op, int i);
static void cc_attempt(cc_worker *w, cc_op *op, int deadline_ms);
static int cc_send(tc_chan *ch, const cc_op *op, int deadline_ms, tc_result *out)
    __attribute__((warn_unused_result));
static void cc_note(cc_worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cc_resolve(cc_worker *w, cc_op *op);
static void *cc_worker_main(void *arg);
static char *cc_uuid_array(char (*ids)[37], size_t n) __attribute__((warn_unused_result));

TestSuite(credits_concurrency, .init = cf_setup, .fini = cf_teardown);

Test(credits_concurrency, ledger_invariants_hold_under_mixed_load, .timeout = 600)
{
    char addrs[512], *addr[CC_CHANNELS], *save = NULL;
    snprintf(addrs, sizeof(addrs), "%s",
             getenv("CREDITS_ADDRS") && getenv("CREDITS_ADDRS")[0] ? getenv("CREDITS_ADDRS")
                                                                   : cf_env("CREDITS_ADDR"));
    int naddr = 0;
    for (char *t = strtok_r(addrs, ",", &save); t && naddr < CC_CHANNELS;
         t = strtok_r(NULL, ",", &save))
        addr[naddr++] = t;
    cr_assert_gt(naddr, 0);
    tc_chan *chans[CC_CHANNELS];
    for (int i = 0; i < CC_CHANNELS; i++) {
        chans[i] = tc_connect(addr[i % naddr]);
        cr_assert_not_null(chans[i]);
        cr_assert_eq(tc_wait_ready(chans[i], 10000), 0, "credits service at %s", addr[i % naddr]);
    }
    cr_log_info("%d channels over %d instance(s)", CC_CHANNELS, naddr);
    unsigned char rb[8];
    cr_assert_eq(getrandom(rb, sizeof(rb), 0), (ssize_t)sizeof(rb));
    for (int i = 0; i < 8; i++)
        snprintf(run_tag + 2 * i, 3, "%02x", rb[i]);

    /* Users, their generations (3/5 in error, 1/5 success, 1/5 running) and tiers. */
    for (int u = 0; u < CC_USERS; u++) {
        char *id = tdb_new_user(cf_db, "conc");
        snprintf(users[u], sizeof(users[u]), "%s", id);
        free(id);
        const char *p[] = {users[u]};
        PGresult *res =
            PQexecParams(cf_db,
                         "INSERT INTO public.generations (user_id, prompt, status, credits_used)"
                         " SELECT $1, 'load ' || g, (ARRAY['error','error','error','success',"
                         "'generating'])[g % 5 + 1], 10 + g % 30 FROM generate_series(0, 39) g"
                         " ORDER BY g RETURNING id::text",
                         1, NULL, p, NULL, NULL, 0);
        cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(cf_db));
        cr_assert_eq(PQntuples(res), CC_GENS);
        for (int g = 0; g < CC_GENS; g++)
            snprintf(gens[u][g], 37, "%s", PQgetvalue(res, g, 0));
        PQclear(res);
    }
    static const char *const tier_names[] = {"Starter", "Creator"};
    for (int t = 0; t < 2; t++) {
        char *id = cf_tier(tier_names[t]);
        snprintf(tiers[t], 37, "%s", id);
        free(id);
    }
    char *user_arr = cc_uuid_array(users, CC_USERS);
    const char *up[] = {user_arr};
    long long rows_before = tdb_int(
        cf_db, "SELECT count(*) FROM public.credit_transactions WHERE user_id = ANY($1::uuid[])", 1,
        up);
    cr_assert_eq(rows_before, CC_USERS, "only the welcome bonuses so far");

    /* Setup through the RPCs too: a float for every user, half the generations charged. */
    cc_worker *setup = calloc(1, sizeof(*setup));
    cr_assert_not_null(setup);
    cc_op *pre = calloc(CC_USERS * (1 + CC_GENS / 2), sizeof(*pre));
    cr_assert_not_null(pre);
    int npre = 0;
    for (int u = 0; u < CC_USERS; u++) {
        for (int j = -1; j < CC_GENS / 2; j++) {
            cc_op *op = &pre[npre];
            snprintf(op->rid, sizeof(op->rid), "cc-%s-setup-%d", run_tag, npre);
            op->user = u;
            op->kind = j < 0 ? K_GRANT : K_SPEND_GEN;
            op->gen = j < 0 ? 0 : 2 * j + 1; /* odd indexes: error, success and running ones */
            op->amount = j < 0 ? 2000 : 10 + op->gen % 30;
            setup->ch = chans[0];
            cc_attempt(setup, op, CC_DEADLINE);
            cr_assert(op->ok, "setup call %s: %s", op->rid, setup->why);
            npre++;
        }
    }

    cc_worker *w = calloc(CC_THREADS, sizeof(*w));
    cr_assert_not_null(w);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < CC_THREADS; i++) {
        w[i].idx = i;
        w[i].ch = chans[i % CC_CHANNELS];
        cr_assert_eq(getrandom(&w[i].rng, sizeof(w[i].rng), 0), (ssize_t)sizeof(w[i].rng));
        w[i].rng |= 1;
        cr_assert_eq(pthread_create(&w[i].thread, NULL, cc_worker_main, &w[i]), 0);
    }
    for (int i = 0; i < CC_THREADS; i++)
        pthread_join(w[i].thread, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

    /* What the clients saw. */
    int calls = 0, tiny = 0, cut = 0, retried = 0, replays = 0, oks = 0, refused = 0, odd = 0;
    int cut_committed = 0;
    int by_kind_ok[K_NKINDS] = {0};
    long long expect_credits[CC_USERS];
    for (int u = 0; u < CC_USERS; u++)
        expect_credits[u] = 100;
    for (int i = 0; i < npre; i++)
        expect_credits[pre[i].user] += pre[i].tx_amount;
    size_t nok_ids = (size_t)npre;
    for (int i = 0; i < CC_THREADS; i++) {
        cr_assert_eq(w[i].bad, 0, "thread %d: %s", i, w[i].why);
        calls += w[i].calls;
        tiny += w[i].tiny;
        cut += w[i].cut_off;
        cut_committed += w[i].cut_committed;
        retried += w[i].retried;
        replays += w[i].replays;
        refused += w[i].refused;
        odd += w[i].unexpected;
        for (int k = 0; k < CC_OPS; k++) {
            const cc_op *op = &w[i].ops[k];
            cr_assert(op->done, "thread %d op %s never got a definitive answer", i, op->rid);
            if (op->ok) {
                oks++;
                by_kind_ok[op->kind]++;
                expect_credits[op->user] += op->tx_amount;
            }
        }
    }
    nok_ids += (size_t)oks;
    cr_log_info("concurrency: %d ops (+%d setup) in %.2f s, %d calls; %d OK (spend %d, "
                "spend+gen %d, refund %d, purchase %d, grant %d), %d refused; %d tiny "
                "deadlines, %d cut off (%d of them committed by the server all the same); %d "
                "retries of which %d replayed an OK; %d odd codes",
                CC_THREADS * CC_OPS, npre, secs, calls, oks, by_kind_ok[K_SPEND],
                by_kind_ok[K_SPEND_GEN], by_kind_ok[K_REFUND], by_kind_ok[K_PURCHASE],
                by_kind_ok[K_GRANT], refused, tiny, cut, cut_committed, retried, replays, odd);
    for (int i = 0; i < CC_THREADS; i++)
        cr_assert_eq(w[i].unexpected, 0, "thread %d got an unexpected status: %s", i, w[i].why);
    cr_assert_geq(CC_THREADS * CC_OPS, 3000);
    cr_assert_gt(tiny, 0, "no call had a tiny deadline");
    cr_assert_gt(cut, 0, "no tiny deadline cut a call off");
    cr_assert_gt(retried, 0, "no call was retried");
    cr_assert_gt(replays, 0, "no retry replayed an OK");
    cr_assert_gt(by_kind_ok[K_REFUND], 0, "no refund succeeded: the mix is wrong");
    cr_assert_gt(refused, 0, "nothing was refused: the mix never ran out of credits");

    /* The database: the invariants of docs/API.md §4, per user. */
    char *bad = tdb_scalar(
        cf_db,
        "SELECT string_agg(format('%s: credits %s, sum %s, total_spent %s, debits %s, refunds %s',"
        " p.id, p.credits, s.total, p.total_spent, s.debits, s.refunds), '; ')"
        " FROM public.user_profiles p CROSS JOIN LATERAL ("
        "  SELECT coalesce(sum(t.amount), 0) AS total,"
        "   coalesce(sum(t.amount) FILTER (WHERE t.transaction_type = 'generation'), 0) AS debits,"
        "   coalesce(sum(t.amount) FILTER (WHERE t.transaction_type = 'refund'), 0) AS refunds"
        "  FROM public.credit_transactions t WHERE t.user_id = p.id) s"
        " WHERE p.id = ANY($1::uuid[]) AND (p.credits < 0 OR p.credits <> s.total"
        "  OR p.total_spent <> -s.debits - s.refunds)",
        1, up);
    cr_assert_null(bad, "ledger invariants broken: %s", bad);
    bad = tdb_scalar(
        cf_db,
        "SELECT string_agg(format('%s (%s): %s debits %s, %s refunds %s', g.id, g.status,"
        " d.n, d.amount, r.n, r.amount), '; ')"
        " FROM public.generations g"
        " CROSS JOIN LATERAL (SELECT count(*) AS n, sum(t.amount) AS amount"
        "  FROM public.credit_transactions t WHERE t.generation_id = g.id"
        "  AND t.transaction_type = 'generation') d"
        " CROSS JOIN LATERAL (SELECT count(*) AS n, sum(t.amount) AS amount"
        "  FROM public.credit_transactions t WHERE t.generation_id = g.id"
        "  AND t.transaction_type = 'refund') r"
        " WHERE g.user_id = ANY($1::uuid[]) AND (d.n > 1 OR r.n > 1"
        "  OR (r.n = 1 AND (g.status <> 'error' OR d.n <> 1 OR r.amount <> -d.amount)))",
        1, up);
    cr_assert_null(bad, "generation invariants broken: %s", bad);
    bad = tdb_scalar(cf_db,
                     "SELECT string_agg(t.id::text, ', ') FROM public.credit_transactions t"
                     " JOIN public.generations g ON g.id = t.generation_id"
                     " WHERE t.user_id = ANY($1::uuid[]) AND g.user_id <> t.user_id",
                     1, up);
    cr_assert_null(bad, "ledger rows linked to another user's generation: %s", bad);
    for (int u = 0; u < CC_USERS; u++) {
        const char *p[] = {users[u]};
        long long credits =
            tdb_int(cf_db, "SELECT credits FROM public.user_profiles WHERE id = $1", 1, p);
        cr_assert_eq(credits, expect_credits[u],
                     "user %d: balance %lld, but the OK answers add up to %lld", u, credits,
                     expect_credits[u]);
    }

    /* One row per request_id that got OK: the same rows the clients were told. */
    long long rows_after = tdb_int(
        cf_db, "SELECT count(*) FROM public.credit_transactions WHERE user_id = ANY($1::uuid[])", 1,
        up);
    cr_assert_eq(rows_after - rows_before, (long long)nok_ids,
                 "%lld ledger rows written, %zu request_ids got OK", rows_after - rows_before,
                 nok_ids);
    char(*ids)[37] = calloc(nok_ids, 37);
    cr_assert_not_null(ids);
    size_t k = 0;
    for (int i = 0; i < npre; i++)
        memcpy(ids[k++], pre[i].txid, 37);
    for (int i = 0; i < CC_THREADS; i++)
        for (int j = 0; j < CC_OPS; j++)
            if (w[i].ops[j].ok)
                memcpy(ids[k++], w[i].ops[j].txid, 37);
    char *id_arr = cc_uuid_array(ids, k);
    const char *ip[] = {id_arr, user_arr};
    long long matched = tdb_int(cf_db,
                                "SELECT count(DISTINCT t.id) FROM public.credit_transactions t"
                                " WHERE t.id = ANY($1::uuid[]) AND t.user_id = ANY($2::uuid[])",
                                2, ip);
    cr_assert_eq(matched, (long long)nok_ids, "%lld of the %zu transactions answered exist",
                 matched, nok_ids);
    long long keys = tdb_int(cf_db,
                             "SELECT count(*) FROM public.request_keys WHERE user_id ="
                             " ANY($1::uuid[]) AND request_id LIKE 'cc-%'",
                             1, up);
    cr_assert_eq(keys, (long long)nok_ids, "request keys stored: %lld, OK request_ids: %zu", keys,
                 nok_ids);

    for (int i = 0; i < CC_THREADS; i++)
        for (int j = 0; j < CC_OPS; j++)
            free(w[i].ops[j].bytes);
    for (int i = 0; i < npre; i++)
        free(pre[i].bytes);
    free(id_arr);
    free(ids);
    free(w);
    free(pre);
    free(setup);
    free(user_arr);
    for (int i = 0; i < CC_CHANNELS; i++)
        tc_close(chans[i]);
}

/* xorshift64*: per-thread, no locks. */
static uint64_t cc_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

/* The i-th operation of a worker: 30% spend, 15% spend for a generation,
 * 20% refund, 10% purchase, 25% grant. Spends outweigh income, so users run
 * dry and insufficient balances happen under contention. */
static void cc_plan(cc_worker *w, cc_op *op, int i)
{
    memset(op, 0, sizeof(*op));
    snprintf(op->rid, sizeof(op->rid), "cc-%s-%d-%d", run_tag, w->idx, i);
    op->user = (int)(cc_rand(&w->rng) % CC_USERS);
    unsigned roll = (unsigned)(cc_rand(&w->rng) % 100);
    op->kind = roll < 30   ? K_SPEND
               : roll < 45 ? K_SPEND_GEN
               : roll < 65 ? K_REFUND
               : roll < 75 ? K_PURCHASE
                           : K_GRANT;
    op->gen = (int)(cc_rand(&w->rng) % CC_GENS);
    op->tier = (int)(cc_rand(&w->rng) % 4 == 0); /* Creator one time in four */
    switch (op->kind) {
    case K_SPEND:
        op->amount = 1 + (int)(cc_rand(&w->rng) % 150);
        break;
    case K_SPEND_GEN:
        op->amount = 10 + op->gen % 30;
        break;
    case K_GRANT:
        op->amount = 1 + (int)(cc_rand(&w->rng) % 60);
        break;
    default:
        break;
    }
}

/* One call of op. Sorts the answer into definitive (OK, FAILED_PRECONDITION)
 * and unknown, and checks it against what earlier attempts said. */
static void cc_attempt(cc_worker *w, cc_op *op, int deadline_ms)
{
    tc_result r;
    struct timespec sent;
    clock_gettime(CLOCK_REALTIME, &sent);
    w->calls++;
    if (cc_send(w->ch, op, deadline_ms, &r) != 0) {
        w->unexpected++;
        cc_note(w, "%s: local failure of the client", op->rid);
        op->unknown = 1;
        tc_result_free(&r);
        return;
    }
    op->unknown = 0;
    if (r.code == GRPC_STATUS_OK) {
        const ProtobufCMessageDescriptor *d = r.resp->descriptor;
        const ProtobufCFieldDescriptor *ft =
            protobuf_c_message_descriptor_get_field_by_name(d, "transaction");
        const Cameos__Credits__V1__CreditTransaction *t =
            *(Cameos__Credits__V1__CreditTransaction *const *)((const char *)r.resp + ft->offset);
        size_t n = protobuf_c_message_get_packed_size(r.resp);
        uint8_t *bytes = malloc(n + 1);
        if (t == NULL || bytes == NULL) {
            w->bad++;
            cc_note(w, "%s: OK without a transaction", op->rid);
        } else if (!op->ok) {
            protobuf_c_message_pack(r.resp, bytes);
            op->ok = 1;
            op->done = 1;
            op->tx_amount = t->amount;
            snprintf(op->txid, sizeof(op->txid), "%s", t->id);
            op->bytes = bytes;
            op->nbytes = n;
            bytes = NULL;
            /* Written before this attempt was sent: an earlier, cut-off one did it. */
            if (op->was_cut && t->created_at != NULL &&
                (t->created_at->seconds < sent.tv_sec ||
                 (t->created_at->seconds == sent.tv_sec && t->created_at->nanos < sent.tv_nsec)))
                w->cut_committed++;
        } else {
            protobuf_c_message_pack(r.resp, bytes);
            w->replays++;
            if (strcmp(t->id, op->txid) != 0 || n != op->nbytes ||
                memcmp(bytes, op->bytes, n) != 0) {
                w->bad++;
                cc_note(w, "%s: retry answered transaction %s, the first answer was %s", op->rid,
                        t->id, op->txid);
            }
        }
        free(bytes);
    } else if (r.code == GRPC_STATUS_FAILED_PRECONDITION) {
        if (op->ok) {
            w->bad++;
            cc_note(w, "%s: retry of an OK answered FAILED_PRECONDITION (%s)", op->rid, r.message);
        }
        op->done = 1;
        w->refused++;
    } else if (deadline_ms < 100 &&
               (r.code == GRPC_STATUS_DEADLINE_EXCEEDED || r.code == GRPC_STATUS_CANCELLED)) {
        op->unknown = 1;
        op->was_cut = 1;
        w->cut_off++;
    } else {
        /* Whatever it is, the outcome is unknown: retried, but reported. */
        op->unknown = 1;
        w->unexpected++;
        cc_note(w, "%s: %s (%s) with a %d ms deadline", op->rid, tc_code_name(r.code), r.message,
                deadline_ms);
    }
    tc_result_free(&r);
}

static int cc_send(tc_chan *ch, const cc_op *op, int deadline_ms, tc_result *out)
{
    const char *uid = users[op->user];
    char *gen = (char *)gens[op->user][op->gen];
    switch (op->kind) {
    case K_SPEND:
    case K_SPEND_GEN: {
        Cameos__Credits__V1__SpendCreditsRequest q =
            CAMEOS__CREDITS__V1__SPEND_CREDITS_REQUEST__INIT;
        q.user_id = (char *)uid;
        q.amount = op->amount;
        q.description = op->kind == K_SPEND ? "load spend" : "load generation";
        q.generation_id = op->kind == K_SPEND_GEN ? gen : "";
        q.request_id = (char *)op->rid;
        return tc_unary(ch, CF_RPC("SpendCredits"), &q.base,
                        &cameos__credits__v1__spend_credits_response__descriptor, cf_svc_tok, NULL,
                        deadline_ms, out);
    }
    case K_REFUND: {
        Cameos__Credits__V1__RefundCreditsRequest q =
            CAMEOS__CREDITS__V1__REFUND_CREDITS_REQUEST__INIT;
        q.user_id = (char *)uid;
        q.generation_id = gen;
        q.request_id = (char *)op->rid;
        return tc_unary(ch, CF_RPC("RefundCredits"), &q.base,
                        &cameos__credits__v1__refund_credits_response__descriptor, cf_svc_tok, NULL,
                        deadline_ms, out);
    }
    case K_PURCHASE: {
        Cameos__Credits__V1__PurchaseCreditsRequest q =
            CAMEOS__CREDITS__V1__PURCHASE_CREDITS_REQUEST__INIT;
        q.user_id = (char *)uid;
        q.tier_id = (char *)tiers[op->tier];
        q.payment_reference = (char *)op->rid;
        q.request_id = (char *)op->rid;
        return tc_unary(ch, CF_RPC("PurchaseCredits"), &q.base,
                        &cameos__credits__v1__purchase_credits_response__descriptor, cf_svc_tok,
                        NULL, deadline_ms, out);
    }
    default: {
        Cameos__Credits__V1__GrantCreditsRequest q =
            CAMEOS__CREDITS__V1__GRANT_CREDITS_REQUEST__INIT;
        q.user_id = (char *)uid;
        q.amount = op->amount;
        q.description = "load grant";
        q.request_id = (char *)op->rid;
        return tc_unary(ch, CF_RPC("GrantCredits"), &q.base,
                        &cameos__credits__v1__grant_credits_response__descriptor, cf_svc_tok, NULL,
                        deadline_ms, out);
    }
    }
}

/* Keeps the first note only: enough to start looking. */
static void cc_note(cc_worker *w, const char *fmt, ...)
{
    if (w->why[0] != '\0')
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->why, sizeof(w->why), fmt, ap);
    va_end(ap);
}

/* Retries an op of unknown outcome, same request_id and parameters, until
 * the answer is definitive. */
static void cc_resolve(cc_worker *w, cc_op *op)
{
    for (int t = 0; t < CC_MAX_TRIES && op->unknown; t++) {
        w->retried++;
        cc_attempt(w, op, CC_DEADLINE);
    }
    if (op->unknown) {
        w->bad++;
        cc_note(w, "%s: no definitive answer after %d retries", op->rid, CC_MAX_TRIES);
    }
}

static void *cc_worker_main(void *arg)
{
    cc_worker *w = arg;
    int later[CC_OPS], nlater = 0;
    for (int i = 0; i < CC_OPS; i++) {
        cc_op *op = &w->ops[i];
        cc_plan(w, op, i);
        unsigned roll = (unsigned)(cc_rand(&w->rng) % 100);
        int deadline = CC_DEADLINE;
        if (roll < 5) {
            deadline = 1 + (int)(cc_rand(&w->rng) % 5);
            w->tiny++;
        }
        cc_attempt(w, op, deadline);
        if (op->unknown) {
            later[nlater++] = i;
        } else if (roll >= 5 && roll < 15) {
            /* A client that lost the answer: half retry at once, half later. */
            if (roll < 10) {
                w->retried++;
                cc_attempt(w, op, CC_DEADLINE);
                if (op->unknown)
                    later[nlater++] = i;
            } else {
                op->unknown = 1;
                later[nlater++] = i;
            }
        }
        if ((i + 1) % CC_PENDING_AT == 0 || i == CC_OPS - 1) {
            for (int k = 0; k < nlater; k++)
                cc_resolve(w, &w->ops[later[k]]);
            nlater = 0;
        }
    }
    return NULL;
}

/* '{id,id,...}' as a PostgreSQL array literal, malloc'd. */
static char *cc_uuid_array(char (*ids)[37], size_t n)
{
    char *s = malloc(n * 37 + 3);
    cr_assert_not_null(s);
    size_t k = 0;
    s[k++] = '{';
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            s[k++] = ',';
        memcpy(s + k, ids[i], 36);
        k += 36;
    }
    s[k++] = '}';
    s[k] = '\0';
    return s;
}
