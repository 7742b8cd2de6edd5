/*
 * tiers.c - ListPricingTiers: the active tiers in sort_order, prices as the
 * exact decimal text stored.
 */
#include "credits.h"

#include "list.h"

static void reply_tiers(rpc_call *c, pgq *q);

void credits_list_pricing_tiers(rpc_call *c, const ProtobufCMessage *req)
{
    const Cameos__Credits__V1__ListPricingTiersRequest *r = (const void *)req;
    /* Tiers are the same for everyone: the scope names no user. */
    list_scope scope = {0, 0, NULL, 0};
    list_page *pg = list_begin(c, &scope, r->page_size, r->page_token);
    if (!pg)
        return;
    const char *p[3] = {pg->cur_us, pg->cur_id, pg->fetch};
    rpc_db1(c, ST_LIST_TIERS, 3, p, reply_tiers);
}

static void reply_tiers(rpc_call *c, pgq *q)
{
    rowmap_reply_list(c, &credits_tier_map, q, rpc_data(c),
                      &cameos__credits__v1__list_pricing_tiers_response__descriptor);
}
