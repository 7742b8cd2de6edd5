/*
 * crud.c - the handlers of every planning RPC. Get, List, Create, Update,
 * Delete (and Use) do the same for each resource; what differs is data in
 * its planning_res: request types, statements, rowmap, limits and filters.
 * The resource is found from the request's type; request fields are reached
 * by name through their descriptors, since the four request types of each
 * kind share their field names.
 */
#include "planning.h"

#include <stdio.h>
#include <string.h>

#include "args.h"
#include "google/protobuf/empty.pb-c.h"

/* What a handler keeps for its database callback (rpc_set_data). */
typedef struct pl_state {
    const planning_res *res;
    list_page page; /* List only */
} pl_state;

static const planning_res *const resources[] = {
    &planning_brand,
    &planning_campaign,
    &planning_storyboard,
    &planning_chain,
};

static void by_id(rpc_call *c, const ProtobufCMessage *req, planning_op op, rpc_db_fn ok);
static pl_state *begin(rpc_call *c, const ProtobufCMessage *req, planning_op op);
static const void *field(rpc_call *c, const ProtobufCMessage *m, const char *name);
static unsigned long long writable(const rowmap *m);
static void run(rpc_call *c, int stmt, int nparams, const char *const *params, rpc_db_fn ok);
static void reply_one(rpc_call *c, pgq *q);
static void reply_list(rpc_call *c, pgq *q);
static void reply_deleted(rpc_call *c, pgq *q);

void planning_get(rpc_call *c, const ProtobufCMessage *req)
{
    by_id(c, req, PL_GET, reply_one);
}

void planning_delete(rpc_call *c, const ProtobufCMessage *req)
{
    by_id(c, req, PL_DELETE, reply_deleted);
}

void planning_use(rpc_call *c, const ProtobufCMessage *req)
{
    by_id(c, req, PL_USE, reply_one);
}

void planning_list(rpc_call *c, const ProtobufCMessage *req)
{
    pl_state *st = begin(c, req, PL_LIST);
    const int32_t *size = st ? field(c, req, "page_size") : NULL;
    char *const *token = size ? field(c, req, "page_token") : NULL;
    if (!token)
        return;
    const planning_res *res = st->res;
    const char *sub = rpc_claims(c)->sub;
    const char *p[4 + PLANNING_MAX_FILTERS] = {sub};
    char filters[200] = "";
    if (res->filters && res->filters(c, req, p + 4, filters, sizeof(filters)) != 0)
        return;
    /* The caller before the free-text filters: a cut scope still binds the user. */
    char scope[sizeof(st->page.scope)];
    snprintf(scope, sizeof(scope), "%s|%s|%s", req->descriptor->name, sub, filters);
    if (list_begin(c, *size, *token, scope, &st->page) != 0)
        return;
    p[1] = st->page.cur_us;
    p[2] = st->page.cur_id;
    p[3] = st->page.fetch;
    run(c, res->stmt[PL_LIST], 4 + res->nfilters, p, reply_list);
}

void planning_create(rpc_call *c, const ProtobufCMessage *req)
{
    pl_state *st = begin(c, req, PL_CREATE);
    ProtobufCMessage *const *msg = st ? field(c, req, st->res->field) : NULL;
    char *const *request_id = msg ? field(c, req, "request_id") : NULL;
    if (!request_id)
        return;
    const planning_res *res = st->res;
    if (!*msg) {
        rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s is required", res->field);
        return;
    }
    if (arg_request_id(c, *request_id, 0) != 0 ||
        planning_check(c, res, *msg, writable(res->map), 1) != 0)
        return;
    const char *p[2 + PLANNING_MAX_COLS] = {rpc_claims(c)->sub,
                                            (*request_id)[0] ? *request_id : NULL};
    int n = rowmap_insert_params(c, res->map, *msg, p + 2);
    if (n >= 0)
        run(c, res->stmt[PL_CREATE], 2 + n, p, reply_one);
}

void planning_update(rpc_call *c, const ProtobufCMessage *req)
{
    pl_state *st = begin(c, req, PL_UPDATE);
    ProtobufCMessage *const *msg = st ? field(c, req, st->res->field) : NULL;
    Google__Protobuf__FieldMask *const *mask = msg ? field(c, req, "update_mask") : NULL;
    if (!mask)
        return;
    const planning_res *res = st->res;
    if (!*msg) {
        rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s is required", res->field);
        return;
    }
    char *const *id = field(c, *msg, "id");
    if (!id)
        return;
    char name[64];
    snprintf(name, sizeof(name), "%s.id", res->field);
    if (arg_uuid(c, name, *id, 1) != 0)
        return;
    const char *p[2 + 2 * PLANNING_MAX_COLS] = {*id, rpc_claims(c)->sub};
    unsigned long long changed;
    int n = rowmap_update_params(c, res->map, *msg, *mask, p + 2, &changed);
    if (n < 0 || planning_check(c, res, *msg, changed, 0) != 0)
        return;
    if (!changed) /* nothing to change: the resource as it is */
        run(c, res->stmt[PL_GET], 2, p, reply_one);
    else
        run(c, res->stmt[PL_UPDATE], 2 + n, p, reply_one);
}

/* ---- internals ------------------------------------------------------- */

/* Get, Delete and Use: a request of one id; $1 id, $2 caller. */
static void by_id(rpc_call *c, const ProtobufCMessage *req, planning_op op, rpc_db_fn ok)
{
    pl_state *st = begin(c, req, op);
    char *const *id = st ? field(c, req, "id") : NULL;
    if (!id || arg_uuid(c, "id", *id, 1) != 0)
        return;
    const char *p[2] = {*id, rpc_claims(c)->sub};
    run(c, st->res->stmt[op], 2, p, ok);
}

/* The state of a call of kind op, its resource found by the request's type;
 * NULL when the call has been answered. */
static pl_state *begin(rpc_call *c, const ProtobufCMessage *req, planning_op op)
{
    const planning_res *res = NULL;
    for (size_t i = 0; !res && i < sizeof(resources) / sizeof(resources[0]); i++)
        if (resources[i]->req[op] == req->descriptor)
            res = resources[i];
    if (!res) { /* a method table row that points at the wrong handler */
        rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
        return NULL;
    }
    pl_state *st = rpc_alloc(c, sizeof(*st));
    if (!st) {
        rpc_fail(c, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        return NULL;
    }
    st->res = res;
    rpc_set_data(c, st, NULL);
    return st;
}

/* Storage of field `name` of m; NULL (call answered INTERNAL) when the
 * message has no such field, which would be a bug here. */
static const void *field(rpc_call *c, const ProtobufCMessage *m, const char *name)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
    if (!fd) {
        rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
        return NULL;
    }
    return (const char *)m + fd->offset;
}

static unsigned long long writable(const rowmap *m)
{
    unsigned long long cols = 0;
    for (size_t i = 0; i < m->ncols; i++)
        if (!(m->cols[i].flags & RM_OUT))
            cols |= PL_COL(i);
    return cols;
}

/* One statement, one transaction. */
static void run(rpc_call *c, int stmt, int nparams, const char *const *params, rpc_db_fn ok)
{
    pgq *q = rpc_db(c);
    if (!q) {
        rpc_fail(c, GRPC_STATUS_UNAVAILABLE, "database unavailable, try again later");
        return;
    }
    if (rpc_db_add(c, q, stmt, nparams, params) == 0)
        rpc_db_run(c, q, ok);
}

static void reply_one(rpc_call *c, pgq *q)
{
    const pl_state *st = rpc_data(c);
    rowmap_reply_one(c, st->res->map, q, st->res->not_found);
}

static void reply_list(rpc_call *c, pgq *q)
{
    const pl_state *st = rpc_data(c);
    rowmap_reply_list(c, st->res->map, q, &st->page, st->res->list_resp);
}

static void reply_deleted(rpc_call *c, pgq *q)
{
    const pl_state *st = rpc_data(c);
    if (PQntuples(pgq_res(q, 0)) < 1) {
        rpc_fail(c, GRPC_STATUS_NOT_FOUND, st->res->not_found);
        return;
    }
    Google__Protobuf__Empty empty = GOOGLE__PROTOBUF__EMPTY__INIT;
    rpc_reply(c, &empty.base);
}
