/*
 * sql.c - every statement the credits service sends, prepared once per
 * connection. Ledger changes go through the SECURITY DEFINER functions of
 * db/migrations/0008_ledger.sql; the service role cannot write balances or
 * the ledger itself. Each query also filters by the caller, so isolation
 * holds even before row-level security does.
 */
#include "credits.h"
#include "list.h"

#define PROFILE_COLS                                                                               \
    "id, username, coalesce(avatar_url, ''), credits, total_spent::text, " SQL_US(                 \
        "created_at") ", " SQL_US("updated_at")

#define TX_COLS                                                                                    \
    "id, amount, transaction_type, coalesce(description, ''), coalesce(generation_id::text, ''),"  \
    " metadata::text, " SQL_US("created_at") ", user_id"

#define LEDGER_COLS TX_COLS ", balance"

const pgpool_stmt credits_stmts[CREDITS_NSTMTS] = {
    [ST_GET_PROFILE] = {"get_profile",
                        "select " PROFILE_COLS " from public.user_profiles where id = $1", 1, 0},
    /* $2 NULL keeps the username; $3 says whether avatar_url changes ('' clears it). */
    [ST_UPDATE_PROFILE] = {"update_profile",
                           "update public.user_profiles set username = coalesce($2, username),"
                           " avatar_url = case when $3::bool then nullif($4, '') else avatar_url"
                           " end where id = $1 returning " PROFILE_COLS,
                           4, 0},
    /* The handle_new_user() trigger makes the profile and the +100 bonus row. */
    [ST_CREATE_USER] = {"create_user",
                        "insert into auth.users(id, email, raw_user_meta_data)"
                        " values (coalesce($1::uuid, gen_random_uuid()), $2,"
                        " coalesce($3::jsonb, '{}')) returning id",
                        3, 0},
    [ST_PROFILE_BY_EMAIL] = {"profile_by_email",
                             "select " PROFILE_COLS " from public.user_profiles"
                             " where id = (select id from auth.users where email = $1)",
                             1, 0},
    [ST_GET_BALANCE] = {"get_balance",
                        "select credits, total_spent::text from public.user_profiles"
                        " where id = $1",
                        1, 0},
    [ST_LIST_TX] = {"list_tx",
                    "select " TX_COLS " from public.credit_transactions where user_id = $1"
                    " and " SQL_BEFORE("created_at", "id", "$2", "$3") " order by created_at"
                                                                       " desc, id desc limit $4",
                    4, PGPOOL_KEYSET | PGPOOL_ROWS},
    [ST_LIST_TX_TYPE] = {"list_tx_type",
                         "select " TX_COLS " from public.credit_transactions where user_id = $1"
                         " and transaction_type = $5 and " SQL_BEFORE(
                             "created_at", "id", "$2", "$3") " order by created_at desc, id desc"
                                                             " limit $4",
                         5, PGPOOL_KEYSET | PGPOOL_ROWS},
    /* Tiers page by (sort_order, id): the cursor's time slot carries sort_order. */
    [ST_LIST_TIERS] =
        {"list_tiers",
         "select id, name, credits, price::text, is_active, sort_order, " SQL_US(
             "created_at") " from public.pricing_tiers where is_active"
                           " and (sort_order, id) > (coalesce($1::int, -2147483648),"
                           " coalesce($2::uuid, '00000000-0000-0000-0000-000000000000'))"
                           " order by sort_order, id limit $3",
         3, PGPOOL_CUSTOM_PLAN | PGPOOL_ROWS},
    [ST_SPEND] = {"spend", "select " LEDGER_COLS " from public.ledger_spend($1, $2, $3, $4, $5)", 5,
                  0},
    [ST_REFUND] = {"refund", "select " LEDGER_COLS " from public.ledger_refund($1, $2, $3, $4)", 4,
                   0},
    [ST_GRANT] = {"grant", "select " LEDGER_COLS " from public.ledger_grant($1, $2, $3, $4)", 4, 0},
    /* Janitor: request_id keys live 7 days (docs/API.md §1 promises at least 24 h). */
    [ST_PURGE_KEYS] = {"purge_keys", "select public.request_keys_purge('7 days')", 0, 0},
    [ST_PURCHASE] = {"purchase",
                     "select " LEDGER_COLS " from public.ledger_purchase($1, $2, $3, $4)", 4, 0},
};

/* ---- the same select lists, as rowmaps (column order above) ---- */

static const valid_enum tx_types[] = {
    {CAMEOS__CREDITS__V1__TRANSACTION_TYPE__TRANSACTION_TYPE_PURCHASE, "purchase"},
    {CAMEOS__CREDITS__V1__TRANSACTION_TYPE__TRANSACTION_TYPE_GENERATION, "generation"},
    {CAMEOS__CREDITS__V1__TRANSACTION_TYPE__TRANSACTION_TYPE_REFUND, "refund"},
    {CAMEOS__CREDITS__V1__TRANSACTION_TYPE__TRANSACTION_TYPE_BONUS, "bonus"},
};

static const rowmap_col profile_cols[] = {
    {"id", RM_TEXT, RM_OUT, NULL, 0, NULL},          {"username", RM_TEXT, 0, NULL, 0, NULL},
    {"avatar_url", RM_TEXT, 0, NULL, 0, NULL},       {"credits", RM_INT32, RM_OUT, NULL, 0, NULL},
    {"total_spent", RM_TEXT, RM_OUT, NULL, 0, NULL}, {"created_at", RM_TS, RM_OUT, NULL, 0, NULL},
    {"updated_at", RM_TS, RM_OUT, NULL, 0, NULL},
};
const rowmap credits_profile_map = {&cameos__credits__v1__profile__descriptor, profile_cols,
                                    sizeof(profile_cols) / sizeof(profile_cols[0]), 5, 0};

static const rowmap_col tx_cols[] = {
    {"id", RM_TEXT, RM_OUT, NULL, 0, NULL},
    {"amount", RM_INT32, RM_OUT, NULL, 0, NULL},
    {"transaction_type", RM_ENUM, RM_OUT, tx_types, sizeof(tx_types) / sizeof(tx_types[0]), NULL},
    {"description", RM_TEXT, RM_OUT, NULL, 0, NULL},
    {"generation_id", RM_TEXT, RM_OUT, NULL, 0, NULL},
    {"metadata", RM_STRUCT, RM_OUT, NULL, 0, NULL},
    {"created_at", RM_TS, RM_OUT, NULL, 0, NULL},
    {"user_id", RM_TEXT, RM_OUT, NULL, 0, NULL},
};
const rowmap credits_tx_map = {&cameos__credits__v1__credit_transaction__descriptor, tx_cols,
                               TX_NCOLS, 6, 0};

/* Tiers page by (sort_order, id): sort_order stands in the cursor's time slot. */
static const rowmap_col tier_cols[] = {
    {"id", RM_TEXT, RM_OUT, NULL, 0, NULL},        {"name", RM_TEXT, RM_OUT, NULL, 0, NULL},
    {"credits", RM_INT32, RM_OUT, NULL, 0, NULL},  {"price", RM_TEXT, RM_OUT, NULL, 0, NULL},
    {"is_active", RM_BOOL, RM_OUT, NULL, 0, NULL}, {"sort_order", RM_INT32, RM_OUT, NULL, 0, NULL},
    {"created_at", RM_TS, RM_OUT, NULL, 0, NULL},
};
const rowmap credits_tier_map = {&cameos__credits__v1__pricing_tier__descriptor, tier_cols,
                                 sizeof(tier_cols) / sizeof(tier_cols[0]), 5, 0};

static const rowmap_col balance_cols[] = {
    {"credits", RM_INT32, RM_OUT, NULL, 0, NULL},
    {"total_spent", RM_TEXT, RM_OUT, NULL, 0, NULL},
};
const rowmap credits_balance_map = {&cameos__credits__v1__get_balance_response__descriptor,
                                    balance_cols, 2, 0, 0};
