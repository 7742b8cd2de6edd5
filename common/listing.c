/*
 * listing.c - page sizes and page tokens (see listing.h).
 */
#include "listing.h"

#include <stdio.h>
#include <string.h>

#include "rpc_int.h"

int list_begin(rpc_call *c, int32_t page_size, const char *page_token, const char *scope,
               list_page *p)
{
    memset(p, 0, sizeof(*p));
    if (page_size < 0) {
        rpc_fail(c, GRPC_STATUS_INVALID_ARGUMENT, "page_size must not be negative");
        return -1;
    }
    p->limit = page_size == 0 ? LIST_DEFAULT_SIZE
                              : (page_size > LIST_MAX_SIZE ? LIST_MAX_SIZE : page_size);
    snprintf(p->fetch, sizeof(p->fetch), "%d", p->limit + 1);
    snprintf(p->scope, sizeof(p->scope), "%s", scope);
    p->after_ts = "infinity";
    p->after_id = "ffffffff-ffff-ffff-ffff-ffffffffffff";
    if (!page_token || !page_token[0])
        return 0;
    const rpc_server *s = call_server_const(c);
    long long us;
    size_t n = strlen(page_token);
    if (pagetoken_decode(s->page_key, sizeof(s->page_key), p->scope, page_token, n, &us,
                         p->id_buf) != 0 &&
        (!s->has_page_key_prev || pagetoken_decode(s->page_key_prev, sizeof(s->page_key_prev),
                                                   p->scope, page_token, n, &us, p->id_buf) != 0)) {
        rpc_fail(c, GRPC_STATUS_INVALID_ARGUMENT,
                 "page_token is invalid or belongs to another request");
        return -1;
    }
    snprintf(p->us_buf, sizeof(p->us_buf), "%lld", us);
    p->cur_us = p->us_buf;
    p->cur_id = p->id_buf;
    p->after_ts = pagetoken_ts_text(us, p->ts_buf, sizeof(p->ts_buf));
    p->after_id = p->id_buf;
    return 0;
}

const char *list_next(const rpc_call *c, const list_page *p, int nrows, long long last_us,
                      const char *last_id, char *buf)
{
    buf[0] = 0;
    if (nrows <= p->limit)
        return buf;
    const rpc_server *s = call_server_const(c);
    if (pagetoken_encode(s->page_key, sizeof(s->page_key), p->scope, last_us, last_id, buf,
                         PAGETOKEN_SIZE) != 0)
        buf[0] = 0; /* cannot happen with a valid row; end the listing rather than lie */
    return buf;
}
