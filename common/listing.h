/*
 * listing.h - List RPCs: page_size rules and opaque keyset page tokens
 * (docs/API.md §1), plus the SQL fragments that keep keyset pages exact.
 *
 * A token holds the (created_at, id) of the last row served, sealed with an
 * HMAC keyed from JWT_SECRET and bound to a scope string (RPC, filters,
 * caller), so a token from another list, filter or user is INVALID_ARGUMENT.
 * All text lives in the list_page the caller owns (usually on its stack).
 */
#ifndef CAMEOS_LISTING_H
#define CAMEOS_LISTING_H

#include <stdint.h>

#include "pagetoken.h"
#include "rpc.h"

#define LIST_DEFAULT_SIZE 50
#define LIST_MAX_SIZE     1000

/* Time columns of text-format statements travel as epoch microseconds:
 * exact, and free of DateStyle. PGPOOL_BINARY statements select the column
 * itself (8 bytes, no arithmetic in the server). */
#define SQL_US(col) "(extract(epoch from " col ") * 1000000)::int8"
/* Keyset condition, newest first, on the (user_id, created_at DESC, id DESC)
 * index. The bound is two bare parameters (list_page.after_ts/after_id, the
 * first page's is ('infinity', the largest uuid)): under row-level security
 * only a leakproof comparison may become an index condition, and a bound
 * computed in SQL (coalesce, to_timestamp) is not, so it stayed a filter and
 * page 1000 of a generic plan read 50k rows. */
#define SQL_BEFORE(tcol, idcol, tparam, idparam)                                                   \
    "(" tcol ", " idcol ") < (" tparam "::timestamptz, " idparam "::uuid)"

typedef struct list_page {
    int limit;            /* rows to serve */
    char fetch[16];       /* parameter text: limit + 1 (one more tells if a next page exists) */
    const char *cur_us;   /* parameter: cursor as an integer, NULL on the first page */
    const char *cur_id;   /* parameter: cursor id, NULL on the first page */
    const char *after_ts; /* parameter: cursor time as timestamptz text, never NULL */
    const char *after_id; /* parameter: cursor id, never NULL */
    char us_buf[24];
    char ts_buf[PAGETOKEN_TS_SIZE];
    char id_buf[37];
    char scope[256];
} list_page;

/* Checks page_size and page_token against scope; fails the call and returns
 * -1 when either is bad. */
int list_begin(rpc_call *c, int32_t page_size, const char *page_token, const char *scope,
               list_page *p) __attribute__((warn_unused_result));
/* When the query returned more than p->limit rows: the token for the next page,
 * written to buf (PAGETOKEN_SIZE bytes), from the last row served. Else "". */
const char *list_next(const rpc_call *c, const list_page *p, int nrows, long long last_us,
                      const char *last_id, char *buf);

#endif
