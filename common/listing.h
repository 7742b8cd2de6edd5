/*
 * listing.h - List RPCs: page_size rules and opaque keyset page tokens
 * (API.md §1), plus the SQL fragments that keep keyset pages exact.
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

/* Time columns travel as epoch microseconds: exact, and free of DateStyle. */
#define SQL_US(col) "(extract(epoch from " col ") * 1000000)::int8"
/* Keyset condition, newest first, index-friendly on (created_at, id) for the
 * first page too ($t NULL means "from the top"). to_timestamp(float8) is
 * immutable, so a custom plan folds the bound into an index condition
 * (timestamptz + interval is only stable: it stayed a filter and page 1000
 * read 50k rows); it is exact to the microsecond for any time within
 * +-140 years (checked on a million random values). */
#define SQL_BEFORE(tcol, idcol, tparam, idparam)                                                   \
    "(" tcol ", " idcol ") < (coalesce(to_timestamp(" tparam "::int8 / 1e6::float8),"              \
    " 'infinity'), coalesce(" idparam "::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))"

typedef struct list_page {
    int limit;          /* rows to serve */
    char fetch[16];     /* parameter text: limit + 1 (one more tells if a next page exists) */
    const char *cur_us; /* parameter: cursor time, NULL on the first page */
    const char *cur_id; /* parameter: cursor id, NULL on the first page */
    char us_buf[24];
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
