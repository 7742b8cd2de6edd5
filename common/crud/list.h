/*
 * list.h - List RPCs, the call's side of paging: page_size rules, the page
 * token of a request checked and the next one made (docs/API.md, "Lists"),
 * and the SQL fragments that keep keyset pages exact. Every list of every
 * service pages through here; pagetoken.h is the token format and the one
 * place a token's scope (list, caller, filters) is made.
 *
 * A token holds the (created_at, id) of the last row served, sealed with an
 * HMAC under the runtime's page key (rpc_page_key) and bound to its scope,
 * so a token from another list, filter, user or key is INVALID_ARGUMENT.
 * Ownership: list_begin's page is the call's (rpc_alloc), as are the
 * parameters that point into it.
 */
#ifndef CAMEOS_LIST_H
#define CAMEOS_LIST_H

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
    char scope[PAGETOKEN_SCOPE_SIZE];
} list_page;

/* What a list's tokens are bound to besides the list itself (the call's
 * request type): whether its rows are the caller's, and the filters that
 * select them, as their statement's parameters (NULL: not set; bit i of
 * uuid_filters: filters[i] is a UUID). */
typedef struct list_scope {
    int per_caller;
    size_t nfilters; /* at most PAGETOKEN_MAX_FILTERS */
    const char *const *filters;
    unsigned uuid_filters;
} list_scope;

/* Starts a page of the call's list: page_size read by the rules above,
 * page_token checked against the scope. Returns the page, which the call
 * owns and holds as its data (rpc_set_data) until the rows are back; NULL
 * when the call has been failed (INVALID_ARGUMENT for a bad size or token,
 * RESOURCE_EXHAUSTED without memory, INTERNAL if no scope could be made). */
list_page *list_begin(rpc_call *c, const list_scope *scope, int32_t page_size,
                      const char *page_token) __attribute__((warn_unused_result));
/* When the query returned more than p->limit rows: the token for the next page,
 * written to buf (PAGETOKEN_SIZE bytes), from the last row served. Else "". */
const char *list_next(const rpc_call *c, const list_page *p, int nrows, long long last_us,
                      const char *last_id, char *buf);

#endif
