/*
 * list.c - page sizes and page tokens (see list.h).
 */
#include "list.h"

#include <stdio.h>
#include <string.h>

static int token_read(const rpc_call *c, list_page *p, const char *token, long long *us);

list_page *list_begin(rpc_call *c, const list_scope *scope, int32_t page_size,
                      const char *page_token)
{
    if (page_size < 0) {
        rpc_fail(c, GRPC_STATUS_INVALID_ARGUMENT, "page_size must not be negative");
        return NULL;
    }
    list_page *p = rpc_alloc(c, sizeof(*p));
    if (!p) {
        rpc_fail(c, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        return NULL;
    }
    const char *list = rpc_request(c)->descriptor->name;
    const auth_claims *who = scope->per_caller ? rpc_claims(c) : NULL;
    if ((scope->per_caller && !who) ||
        pagetoken_scope(list, who ? who->sub : NULL, scope->filters, scope->nfilters,
                        scope->uuid_filters, p->scope) != 0) {
        rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
        return NULL;
    }
    p->limit = page_size == 0 ? LIST_DEFAULT_SIZE
                              : (page_size > LIST_MAX_SIZE ? LIST_MAX_SIZE : page_size);
    snprintf(p->fetch, sizeof(p->fetch), "%d", p->limit + 1);
    p->after_ts = "infinity";
    p->after_id = "ffffffff-ffff-ffff-ffff-ffffffffffff";
    rpc_set_data(c, p, NULL);
    if (!page_token || !page_token[0])
        return p;
    long long us;
    if (token_read(c, p, page_token, &us) != 0) {
        rpc_fail(c, GRPC_STATUS_INVALID_ARGUMENT,
                 "page_token is invalid or belongs to another request");
        return NULL;
    }
    snprintf(p->us_buf, sizeof(p->us_buf), "%lld", us);
    p->cur_us = p->us_buf;
    p->cur_id = p->id_buf;
    p->after_ts = pagetoken_ts_text(us, p->ts_buf, sizeof(p->ts_buf));
    p->after_id = p->id_buf;
    return p;
}

const char *list_next(const rpc_call *c, const list_page *p, int nrows, long long last_us,
                      const char *last_id, char *buf)
{
    buf[0] = 0;
    if (nrows <= p->limit)
        return buf;
    if (pagetoken_encode(rpc_page_key(c, 0), RPC_PAGE_KEY_LEN, p->scope, last_us, last_id, buf,
                         PAGETOKEN_SIZE) != 0)
        buf[0] = 0; /* cannot happen with a valid row; end the listing rather than lie */
    return buf;
}

/* ---- internals ------------------------------------------------------- */

/* Tokens are issued under the current key; during a key rotation, those a
 * pod still on the previous secret handed out read too. */
static int token_read(const rpc_call *c, list_page *p, const char *token, long long *us)
{
    size_t n = strlen(token);
    for (int previous = 0; previous <= 1; previous++) {
        const unsigned char *key = rpc_page_key(c, previous);
        if (key && pagetoken_decode(key, RPC_PAGE_KEY_LEN, p->scope, token, n, us, p->id_buf) == 0)
            return 0;
    }
    return -1;
}
