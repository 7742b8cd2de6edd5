/*
 * tiers.c - ListPricingTiers: the active tiers in sort_order, prices as the
 * exact decimal text stored.
 */
#include "credits.h"

#include "listing.h"

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
    rowmap_reply_list(c, &credits_tier_map, q, rpc_data(c),
                      &cameos__credits__v1__list_pricing_tiers_response__descriptor);
}
