/*
 * ledger.c - the ledger: Purchase/Spend/Refund/GrantCredits for internal
 * callers (each one call of a ledger function, which does the idempotency
 * and the invariants of docs/API.md §4 in the database), and the user's own
 * ListCreditTransactions.
 */
#include "credits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arg.h"
#include "list.h"
#include "valid.h"

#define AMOUNT_MAX      1000000
#define DESCRIPTION_MAX 1000
#define PAYMENT_REF_MAX 255 /* as ledger_purchase checks it */

static int check_amount(rpc_call *c, int amount);
static void reply_purchase(rpc_call *c, pgq *q);
static void reply_spend(rpc_call *c, pgq *q);
static void reply_refund(rpc_call *c, pgq *q);
static void reply_grant(rpc_call *c, pgq *q);
static void reply_ledger(rpc_call *c, pgq *q, const ProtobufCMessageDescriptor *d);
static void reply_list(rpc_call *c, pgq *q);

void credits_purchase(rpc_call *c, const ProtobufCMessage *req)
{
    const Cameos__Credits__V1__PurchaseCreditsRequest *r = (const void *)req;
    if (arg_uuid(c, "user_id", r->user_id, 1) || arg_uuid(c, "tier_id", r->tier_id, 1) ||
        arg_text(c, "payment_reference", r->payment_reference, 0, PAYMENT_REF_MAX) ||
        arg_request_id(c, r->request_id, 1))
        return;
    const char *p[4] = {r->user_id, r->tier_id,
                        r->payment_reference[0] ? r->payment_reference : NULL, r->request_id};
    rpc_db1(c, ST_PURCHASE, 4, p, reply_purchase);
}

void credits_spend(rpc_call *c, const ProtobufCMessage *req)
{
    const Cameos__Credits__V1__SpendCreditsRequest *r = (const void *)req;
    if (arg_uuid(c, "user_id", r->user_id, 1) || check_amount(c, r->amount) ||
        arg_text(c, "description", r->description, 0, DESCRIPTION_MAX) ||
        arg_uuid(c, "generation_id", r->generation_id, 0) || arg_request_id(c, r->request_id, 1))
        return;
    char amount[16];
    snprintf(amount, sizeof(amount), "%d", r->amount);
    const char *p[5] = {r->user_id, amount, r->description[0] ? r->description : NULL,
                        r->generation_id[0] ? r->generation_id : NULL, r->request_id};
    rpc_db1(c, ST_SPEND, 5, p, reply_spend);
}

void credits_refund(rpc_call *c, const ProtobufCMessage *req)
{
    const Cameos__Credits__V1__RefundCreditsRequest *r = (const void *)req;
    if (arg_uuid(c, "user_id", r->user_id, 1) ||
        arg_uuid(c, "generation_id", r->generation_id, 1) || arg_request_id(c, r->request_id, 1))
        return;
    const char *p[4] = {r->user_id, r->generation_id, r->request_id, NULL};
    rpc_db1(c, ST_REFUND, 4, p, reply_refund);
}

void credits_grant(rpc_call *c, const ProtobufCMessage *req)
{
    const Cameos__Credits__V1__GrantCreditsRequest *r = (const void *)req;
    if (arg_uuid(c, "user_id", r->user_id, 1) || check_amount(c, r->amount) ||
        arg_text(c, "description", r->description, 0, DESCRIPTION_MAX) ||
        arg_request_id(c, r->request_id, 1))
        return;
    char amount[16];
    snprintf(amount, sizeof(amount), "%d", r->amount);
    const char *p[4] = {r->user_id, amount, r->description[0] ? r->description : NULL,
                        r->request_id};
    rpc_db1(c, ST_GRANT, 4, p, reply_grant);
}

void credits_list_transactions(rpc_call *c, const ProtobufCMessage *req)
{
    const Cameos__Credits__V1__ListCreditTransactionsRequest *r = (const void *)req;
    const char *type = NULL;
    const rowmap_col *tcol = &credits_tx_map.cols[2]; /* transaction_type */
    if (r->transaction_type != 0 &&
        !(type = valid_enum_text(tcol->enums, tcol->nenums, r->transaction_type))) {
        rpc_fail(c, GRPC_STATUS_INVALID_ARGUMENT, "transaction_type is not a known type");
        return;
    }
    const char *sub = rpc_claims(c)->sub;
    list_scope scope = {1, 1, &type, 0};
    list_page *pg = list_begin(c, &scope, r->page_size, r->page_token);
    if (!pg)
        return;
    const char *p[5] = {sub, pg->after_ts, pg->after_id, pg->fetch, type};
    pgq *q = rpc_db(c);
    if (q && rpc_db_add(c, q, type ? ST_LIST_TX_TYPE : ST_LIST_TX, type ? 5 : 4, p) == 0)
        rpc_db_run(c, q, reply_list);
}

static int check_amount(rpc_call *c, int amount)
{
    if (amount > 0 && amount <= AMOUNT_MAX)
        return 0;
    rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "amount must be 1 to %d", AMOUNT_MAX);
    return -1;
}

static void reply_purchase(rpc_call *c, pgq *q)
{
    reply_ledger(c, q, &cameos__credits__v1__purchase_credits_response__descriptor);
}

static void reply_spend(rpc_call *c, pgq *q)
{
    reply_ledger(c, q, &cameos__credits__v1__spend_credits_response__descriptor);
}

static void reply_refund(rpc_call *c, pgq *q)
{
    reply_ledger(c, q, &cameos__credits__v1__refund_credits_response__descriptor);
}

static void reply_grant(rpc_call *c, pgq *q)
{
    reply_ledger(c, q, &cameos__credits__v1__grant_credits_response__descriptor);
}

/* The four responses share one shape, {transaction, balance}; fill it
 * through the descriptor so that one function serves all of them. */
static void reply_ledger(rpc_call *c, pgq *q, const ProtobufCMessageDescriptor *d)
{
    const PGresult *r = pgq_res(q, 0);
    ProtobufCMessage *t = PQntuples(r) == 1 ? rowmap_read(c, &credits_tx_map, r, 0) : NULL;
    ProtobufCMessage *resp = t ? rpc_alloc(c, d->sizeof_message) : NULL;
    if (!resp) {
        rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
        return;
    }
    protobuf_c_message_init(d, resp);
    const ProtobufCFieldDescriptor *ft =
        protobuf_c_message_descriptor_get_field_by_name(d, "transaction");
    const ProtobufCFieldDescriptor *fb =
        protobuf_c_message_descriptor_get_field_by_name(d, "balance");
    *(ProtobufCMessage **)((char *)resp + ft->offset) = t;
    *(int32_t *)((char *)resp + fb->offset) = (int32_t)strtol(PQgetvalue(r, 0, TX_NCOLS), NULL, 10);
    rpc_reply(c, resp);
}

static void reply_list(rpc_call *c, pgq *q)
{
    rowmap_reply_list(c, &credits_tx_map, q, rpc_data(c),
                      &cameos__credits__v1__list_credit_transactions_response__descriptor);
}
