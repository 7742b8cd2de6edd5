/*
 * tiers.c - ListPricingTiers: the active tiers in sort_order, prices as the
 * exact decimal text stored.
 */
#include "credits.h"

#include <stdio.h>
#include <stdlib.h>

#include "listing.h"
#include "pgrow.h"

static void reply_tiers(rpc_call *c, pgq *q);

void credits_list_pricing_tiers(rpc_call *c, const ProtobufCMessage *req)
{
    const Cameos__Credits__V1__ListPricingTiersRequest *r = (const void *)req;
    list_page *pg = rpc_alloc(c, sizeof(*pg));
    if (!pg) {
        rpc_fail(c, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    /* Tiers are the same for everyone: the scope names no user. */
    if (list_begin(c, r->page_size, r->page_token, "ListPricingTiers", pg) != 0)
        return;
    rpc_set_data(c, pg, NULL);
    const char *p[3] = {pg->cur_us, pg->cur_id, pg->fetch};
    rpc_db1(c, ST_LIST_TIERS, 3, p, reply_tiers);
}

static void reply_tiers(rpc_call *c, pgq *q)
{
    const list_page *pg = rpc_data(c);
    const PGresult *r = pgq_res(q, 0);
    int n = PQntuples(r), serve = n > pg->limit ? pg->limit : n;
    Cameos__Credits__V1__PricingTier *tiers = rpc_alloc(c, sizeof(*tiers) * ((size_t)serve + 1));
    Cameos__Credits__V1__PricingTier **ptrs = rpc_alloc(c, sizeof(*ptrs) * ((size_t)serve + 1));
    Google__Protobuf__Timestamp *ts = rpc_alloc(c, sizeof(*ts) * ((size_t)serve + 1));
    if (!tiers || !ptrs || !ts) {
        rpc_fail(c, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    for (int i = 0; i < serve; i++) {
        Cameos__Credits__V1__PricingTier *t = &tiers[i];
        cameos__credits__v1__pricing_tier__init(t);
        t->id = pgrow_str(r, i, 0);
        t->name = pgrow_str(r, i, 1);
        t->credits = pgrow_i32(r, i, 2);
        t->price = pgrow_str(r, i, 3);
        t->is_active = pgrow_bool(r, i, 4);
        t->sort_order = pgrow_i32(r, i, 5);
        t->created_at = pgrow_ts(r, i, 6, &ts[i]);
        ptrs[i] = t;
    }
    char token[PAGETOKEN_SIZE];
    Cameos__Credits__V1__ListPricingTiersResponse resp =
        CAMEOS__CREDITS__V1__LIST_PRICING_TIERS_RESPONSE__INIT;
    resp.n_pricing_tiers = (size_t)serve;
    resp.pricing_tiers = ptrs;
    resp.next_page_token = (char *)list_next(c, pg, n, serve ? pgrow_i64(r, serve - 1, 5) : 0,
                                             serve ? pgrow_str(r, serve - 1, 0) : "", token);
    rpc_reply(c, &resp.base);
}
