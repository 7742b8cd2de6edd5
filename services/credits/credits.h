/*
 * credits.h - the credits service: its prepared statements (sql.c), its
 * handlers (profile.c, ledger.c, tiers.c) and the row decoders they share.
 */
#ifndef CAMEOS_CREDITS_H
#define CAMEOS_CREDITS_H

#include "cameos/credits/v1/credits.pb-c.h"
#include "rowmap.h"
#include "rpc.h"

/* Statement indexes into credits_stmts (sql.c). */
enum {
    ST_GET_PROFILE,
    ST_UPDATE_PROFILE,
    ST_CREATE_USER,
    ST_PROFILE_BY_EMAIL,
    ST_GET_BALANCE,
    ST_LIST_TX,
    ST_LIST_TX_TYPE,
    ST_LIST_TIERS,
    ST_SPEND,
    ST_REFUND,
    ST_GRANT,
    ST_PURCHASE,
    ST_PURGE_KEYS,
    CREDITS_NSTMTS
};
extern const pgpool_stmt credits_stmts[CREDITS_NSTMTS];

/* The row shapes the statements return, declared once (sql.c): the select
 * lists PROFILE_COLS, TX_COLS (+ balance for the ledger functions), the tier
 * list and the balance. */
extern const rowmap credits_profile_map;
extern const rowmap credits_tx_map;
extern const rowmap credits_tier_map;
extern const rowmap credits_balance_map;
#define TX_NCOLS 8 /* the ledger functions' balance follows the transaction */

void credits_get_profile(rpc_call *c, const ProtobufCMessage *req);
void credits_update_profile(rpc_call *c, const ProtobufCMessage *req);
void credits_create_user(rpc_call *c, const ProtobufCMessage *req);
void credits_get_balance(rpc_call *c, const ProtobufCMessage *req);
void credits_list_transactions(rpc_call *c, const ProtobufCMessage *req);
void credits_list_pricing_tiers(rpc_call *c, const ProtobufCMessage *req);
void credits_purchase(rpc_call *c, const ProtobufCMessage *req);
void credits_spend(rpc_call *c, const ProtobufCMessage *req);
void credits_refund(rpc_call *c, const ProtobufCMessage *req);
void credits_grant(rpc_call *c, const ProtobufCMessage *req);

#endif
