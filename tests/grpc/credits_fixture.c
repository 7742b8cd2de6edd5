/*
 * credits_fixture - the shared fixture and helpers of the credits tests
 * (see credits_fixture.h).
 */
#include "credits_fixture.h"

#include "token.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

/* Long enough for the 5 MB requests of the ledger tests under ASan. */
#define CF_DEADLINE_MS 30000

tc_chan *cf_chan;
PGconn *cf_db;
const char *cf_secret;
char *cf_svc_tok;

void cf_setup(void)
{
    const char *addr = cf_env("CREDITS_ADDR");
    cf_secret = cf_env("JWT_SECRET");
    (void)cf_env("DATABASE_URL");
    cf_chan = tc_connect(addr);
    cr_assert_not_null(cf_chan, "tc_connect(%s)", addr);
    cr_assert_eq(tc_wait_ready(cf_chan, 10000), 0, "credits service at %s is not reachable", addr);
    cf_db = tdb_connect();
    cf_svc_tok = tt_mint(cf_secret, CF_NIL_UUID, "service_role", 3600);
    cr_assert_not_null(cf_svc_tok);
}

void cf_teardown(void)
{
    free(cf_svc_tok);
    cf_svc_tok = NULL;
    if (cf_db != NULL)
        PQfinish(cf_db);
    cf_db = NULL;
    tc_close(cf_chan);
    cf_chan = NULL;
}

const char *cf_env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        cr_assert_fail("%s is not set: source .stack/env (or export it) before running", name);
    return v;
}

void cf_hex(char *out, size_t n)
{
    unsigned char b[64];
    cr_assert_leq(n, 2 * sizeof(b));
    cr_assert_eq(getrandom(b, (n + 1) / 2, 0), (ssize_t)((n + 1) / 2));
    for (size_t i = 0; i < n; i++)
        out[i] = "0123456789abcdef"[(b[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
    out[n] = '\0';
}

void cf_rid(char *out, size_t size)
{
    cr_assert_geq(size, 37);
    memcpy(out, "rid-", 4);
    cf_hex(out + 4, 32);
}

char *cf_user_tok(const char *uid)
{
    char *t = tt_mint(cf_secret, uid, "authenticated", 3600);
    cr_assert_not_null(t);
    return t;
}

char *cf_state(const char *uid)
{
    const char *params[] = {uid};
    char *s = tdb_scalar(
        cf_db,
        "SELECT concat_ws('|', p.credits, p.total_spent, p.username, coalesce(p.avatar_url, '-'),"
        " p.updated_at, (SELECT count(*) FROM public.credit_transactions t WHERE t.user_id = p.id),"
        " (SELECT count(*) FROM public.request_keys k WHERE k.user_id = p.id))"
        " FROM public.user_profiles p WHERE p.id = $1",
        1, params);
    cr_assert_not_null(s, "no profile for %s", uid);
    return s;
}

char *cf_gen(const char *uid, const char *status)
{
    const char *params[] = {uid, status};
    char *id = tdb_scalar(cf_db,
                          "INSERT INTO public.generations (user_id, prompt, status, credits_used)"
                          " VALUES ($1, 'ledger test', $2, 40) RETURNING id::text",
                          2, params);
    cr_assert_not_null(id);
    return id;
}

char *cf_tier(const char *name)
{
    const char *params[] = {name};
    char *id =
        tdb_scalar(cf_db, "SELECT id::text FROM public.pricing_tiers WHERE name = $1", 1, params);
    cr_assert_not_null(id, "no seeded tier %s", name);
    return id;
}

long long cf_rows(const char *uid)
{
    const char *params[] = {uid};
    return tdb_int(cf_db, "SELECT count(*) FROM public.credit_transactions WHERE user_id = $1", 1,
                   params);
}

tc_result cf_call(const char *method, const ProtobufCMessage *req,
                  const ProtobufCMessageDescriptor *resp_desc, const char *tok)
{
    tc_result r;
    int rc = tc_unary(cf_chan, method, req, resp_desc, tok, NULL, CF_DEADLINE_MS, &r);
    cr_assert_eq(rc, 0, "%s failed locally", method);
    return r;
}

/* protobuf-c wants char * for string fields it only reads: hence the casts. */
tc_result cf_grant(const char *uid, int amount, const char *desc, const char *rid)
{
    Cameos__Credits__V1__GrantCreditsRequest q = CAMEOS__CREDITS__V1__GRANT_CREDITS_REQUEST__INIT;
    q.user_id = (char *)uid;
    q.amount = amount;
    q.description = (char *)(desc ? desc : "");
    q.request_id = (char *)rid;
    return cf_call(CF_RPC("GrantCredits"), &q.base,
                   &cameos__credits__v1__grant_credits_response__descriptor, cf_svc_tok);
}

tc_result cf_spend(const char *uid, int amount, const char *desc, const char *gen, const char *rid)
{
    Cameos__Credits__V1__SpendCreditsRequest q = CAMEOS__CREDITS__V1__SPEND_CREDITS_REQUEST__INIT;
    q.user_id = (char *)uid;
    q.amount = amount;
    q.description = (char *)(desc ? desc : "");
    q.generation_id = (char *)(gen ? gen : "");
    q.request_id = (char *)rid;
    return cf_call(CF_RPC("SpendCredits"), &q.base,
                   &cameos__credits__v1__spend_credits_response__descriptor, cf_svc_tok);
}

tc_result cf_refund(const char *uid, const char *gen, const char *rid)
{
    Cameos__Credits__V1__RefundCreditsRequest q = CAMEOS__CREDITS__V1__REFUND_CREDITS_REQUEST__INIT;
    q.user_id = (char *)uid;
    q.generation_id = (char *)gen;
    q.request_id = (char *)rid;
    return cf_call(CF_RPC("RefundCredits"), &q.base,
                   &cameos__credits__v1__refund_credits_response__descriptor, cf_svc_tok);
}

tc_result cf_purchase(const char *uid, const char *tier, const char *ref, const char *rid)
{
    Cameos__Credits__V1__PurchaseCreditsRequest q =
        CAMEOS__CREDITS__V1__PURCHASE_CREDITS_REQUEST__INIT;
    q.user_id = (char *)uid;
    q.tier_id = (char *)tier;
    q.payment_reference = (char *)(ref ? ref : "");
    q.request_id = (char *)rid;
    return cf_call(CF_RPC("PurchaseCredits"), &q.base,
                   &cameos__credits__v1__purchase_credits_response__descriptor, cf_svc_tok);
}

/* The four responses are different types with the same two fields: found
 * through the descriptor rather than a switch over the four. */
const Cameos__Credits__V1__CreditTransaction *cf_tx(const tc_result *r, int *balance)
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
