/*
 * crud.c - Get, List, Create, Update, Delete and Use for every resource.
 * Each handler finds its resource by the request's type (content_res.req),
 * reads the request's fields through its descriptor, checks them against the
 * resource's rules, and runs the resource's statement; the rowmap turns rows
 * into the reply. Per-call state (the list page) lives in call memory.
 */
#include "content.h"

#include <stdio.h>
#include <string.h>
#include <openssl/sha.h>

#include "args.h"
#include "google/protobuf/empty.pb-c.h"
#include "google/protobuf/wrappers.pb-c.h"

#define FIELD(msg, fd, type) ((type *)((char *)(msg) + (fd)->offset))

static const content_res *const resources[] = {
    &content_generation, &content_metric, &content_preset, &content_tool, &content_platform,
};
#define N_RESOURCES (sizeof(resources) / sizeof(resources[0]))

static const content_res *res_of(const ProtobufCMessage *req, content_op *op);
static const content_res *res_for(rpc_call *c, const ProtobufCMessage *req, content_op op);
static const content_res *res_of_call(rpc_call *c, content_op *op);
static const ProtobufCFieldDescriptor *field_of(const ProtobufCMessage *m, const char *name);
static const char *str_field(const ProtobufCMessage *m, const char *name);
static const ProtobufCMessage *msg_field(const ProtobufCMessage *m, const char *name);
static void run_by_id(rpc_call *c, const ProtobufCMessage *req, content_op op, rpc_db_fn ok);
static int list_filters(rpc_call *c, const content_res *res, const ProtobufCMessage *req,
                        const char **params, char *scope, size_t scope_size);
static void reply_row(rpc_call *c, pgq *q);
static void reply_deleted(rpc_call *c, pgq *q);
static void reply_list(rpc_call *c, pgq *q);

void content_get(rpc_call *c, const ProtobufCMessage *req)
{
    run_by_id(c, req, CT_GET, reply_row);
}

void content_use(rpc_call *c, const ProtobufCMessage *req)
{
    run_by_id(c, req, CT_USE, reply_row);
}

void content_delete(rpc_call *c, const ProtobufCMessage *req)
{
    run_by_id(c, req, CT_DELETE, reply_deleted);
}

void content_list(rpc_call *c, const ProtobufCMessage *req)
{
    const content_res *res = res_for(c, req, CT_LIST);
    if (!res)
        return;
    const ProtobufCFieldDescriptor *size_fd = field_of(req, "page_size");
    const char *p[4 + CT_MAX_FILTERS];
    char scope[256];
    /* The page state rides with the call until the rows are back. */
    list_page *pg = rpc_alloc(c, sizeof(*pg));
    if (!pg) {
        rpc_fail(c, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    if (!size_fd || res->nfilters > CT_MAX_FILTERS) {
        rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
        return;
    }
    if (list_filters(c, res, req, p + 4, scope, sizeof(scope)) != 0 ||
        list_begin(c, *FIELD(req, size_fd, int32_t), str_field(req, "page_token"), scope, pg) != 0)
        return;
    rpc_set_data(c, pg, NULL);
    p[0] = rpc_claims(c)->sub;
    p[1] = pg->cur_us;
    p[2] = pg->cur_id;
    p[3] = pg->fetch;
    content_run(c, res->stmt[CT_LIST], 4 + (int)res->nfilters, p, reply_list);
}

void content_create(rpc_call *c, const ProtobufCMessage *req)
{
    const content_res *res = res_for(c, req, CT_CREATE);
    if (!res)
        return;
    const ProtobufCMessage *msg = msg_field(req, res->field);
    const char *request_id = str_field(req, "request_id");
    if (!msg) {
        rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s is required", res->field);
        return;
    }
    if (arg_request_id(c, request_id, 0) != 0 || content_check_rules(c, res, msg, ~0ull) != 0 ||
        (res->check && res->check(c, msg) != 0))
        return;
    const char *p[2 + CT_MAX_COLS];
    p[0] = rpc_claims(c)->sub;
    p[1] = request_id;
    int n = rowmap_insert_params(c, res->map, msg, p + 2), bad = 0;
    for (size_t k = 0; n >= 0 && k < res->ncreate_only; k++) {
        p[2 + n++] = rowmap_param(c, res->map, msg, (size_t)res->create_only[k], &bad);
        if (bad)
            return;
    }
    if (n >= 0)
        content_run(c, res->stmt[CT_CREATE], 2 + n, p, reply_row);
}

void content_update(rpc_call *c, const ProtobufCMessage *req)
{
    const content_res *res = res_for(c, req, CT_UPDATE);
    if (!res)
        return;
    const ProtobufCMessage *msg = msg_field(req, res->field);
    if (!msg) {
        rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s is required", res->field);
        return;
    }
    char name[64];
    snprintf(name, sizeof(name), "%s.id", res->field);
    const char *id = str_field(msg, "id");
    if (arg_uuid(c, name, id, 1) != 0)
        return;
    const char *p[2 + 2 * CT_MAX_COLS];
    unsigned long long changed;
    int n = rowmap_update_params(c, res->map, msg,
                                 (const Google__Protobuf__FieldMask *)msg_field(req, "update_mask"),
                                 p + 2, &changed);
    if (n < 0 || content_check_rules(c, res, msg, changed) != 0)
        return;
    p[0] = id;
    p[1] = rpc_claims(c)->sub;
    /* Nothing to change: the row as it is, updated_at untouched. */
    if (!changed)
        content_run(c, res->stmt[CT_GET], 2, p, reply_row);
    else
        content_run(c, res->stmt[CT_UPDATE], 2 + n, p, reply_row);
}

void content_run(rpc_call *c, int stmt, int nparams, const char *const *params, rpc_db_fn ok)
{
    pgq *q = rpc_db(c);
    if (!q) {
        rpc_fail(c, GRPC_STATUS_UNAVAILABLE, "database unavailable, try again later");
        return;
    }
    if (rpc_db_add(c, q, stmt, nparams, params) == 0)
        rpc_db_run(c, q, ok);
}

/* ---- internals ------------------------------------------------------- */

/* The resource whose RPC takes this request type, and which RPC it is. */
static const content_res *res_of(const ProtobufCMessage *req, content_op *op)
{
    for (size_t i = 0; i < N_RESOURCES; i++)
        for (int k = 0; k < CT_NOPS; k++)
            if (resources[i]->req[k] == req->descriptor) {
                *op = (content_op)k;
                return resources[i];
            }
    return NULL;
}

/* res_of for a handler of op; a request routed to the wrong handler is a
 * bug in the method table, answered INTERNAL. */
static const content_res *res_for(rpc_call *c, const ProtobufCMessage *req, content_op op)
{
    content_op found;
    const content_res *res = res_of(req, &found);
    if (res && found == op && res->map->ncols <= CT_MAX_COLS)
        return res;
    rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
    return NULL;
}

/* In a database callback: the resource of the call's request. */
static const content_res *res_of_call(rpc_call *c, content_op *op)
{
    const content_res *res = res_of(rpc_request(c), op);
    if (!res)
        rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
    return res;
}

static const ProtobufCFieldDescriptor *field_of(const ProtobufCMessage *m, const char *name)
{
    return protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
}

static const char *str_field(const ProtobufCMessage *m, const char *name)
{
    const ProtobufCFieldDescriptor *fd = field_of(m, name);
    const char *s = fd && fd->type == PROTOBUF_C_TYPE_STRING ? *FIELD(m, fd, const char *) : NULL;
    return s ? s : "";
}

static const ProtobufCMessage *msg_field(const ProtobufCMessage *m, const char *name)
{
    const ProtobufCFieldDescriptor *fd = field_of(m, name);
    return fd && fd->type == PROTOBUF_C_TYPE_MESSAGE ? *FIELD(m, fd, const ProtobufCMessage *)
                                                     : NULL;
}

/* Get, Use, Delete: ($1 id, $2 caller). */
static void run_by_id(rpc_call *c, const ProtobufCMessage *req, content_op op, rpc_db_fn ok)
{
    const content_res *res = res_for(c, req, op);
    if (!res)
        return;
    const char *id = str_field(req, "id");
    if (arg_uuid(c, "id", id, 1) != 0)
        return;
    const char *p[2] = {id, rpc_claims(c)->sub};
    content_run(c, res->stmt[op], 2, p, ok);
}

/* Writes one parameter per filter of res (NULL: not set) and the page-token
 * scope: the RPC, the caller and a digest of the filters, so that a token
 * serves only the list it came from whatever the filters' length. */
static int list_filters(rpc_call *c, const content_res *res, const ProtobufCMessage *req,
                        const char **params, char *scope, size_t scope_size)
{
    /* Each filter framed as: set flag, 8-byte length, value (at most
     * CT_ITEM_MAX characters of up to 4 bytes). */
    unsigned char frames[CT_MAX_FILTERS * (9 + 4 * CT_ITEM_MAX)];
    size_t used = 0;
    unsigned char digest[SHA256_DIGEST_LENGTH];
    char hex[2 * SHA256_DIGEST_LENGTH + 1];
    for (size_t i = 0; i < res->nfilters; i++) {
        const content_filter *f = &res->filters[i];
        const ProtobufCFieldDescriptor *fd = field_of(req, f->field);
        const char *v = NULL;
        if (!fd) {
            rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
            return -1;
        }
        switch (f->kind) {
        case CF_TEXT:
        case CF_UUID:
            v = *FIELD(req, fd, const char *);
            if (!v || !v[0])
                v = NULL;
            else if (f->kind == CF_TEXT ? arg_text(c, f->field, v, 1, CT_ITEM_MAX)
                                        : arg_uuid(c, f->field, v, 1))
                return -1;
            break;
        case CF_BOOL: {
            const Google__Protobuf__BoolValue *b = *FIELD(req, fd, Google__Protobuf__BoolValue *);
            v = b ? (b->value ? "t" : "f") : NULL;
            break;
        }
        case CF_ENUM: {
            int e = *FIELD(req, fd, int), col = rowmap_col_index(res->map, f->field);
            if (e == 0 || col < 0)
                break;
            v = valid_enum_text(res->map->cols[col].enums, res->map->cols[col].nenums, e);
            if (!v) {
                rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s has an unknown value", f->field);
                return -1;
            }
            break;
        }
        }
        params[i] = v;
        size_t len = v ? strlen(v) : 0;
        if (used + 9 + len > sizeof(frames)) {
            rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
            return -1;
        }
        frames[used++] = v != NULL;
        for (int b = 0; b < 8; b++)
            frames[used++] = (unsigned char)(len >> (8 * b));
        memcpy(frames + used, v ? v : "", len);
        used += len;
    }
    SHA256(frames, used, digest);
    for (size_t i = 0; i < sizeof(digest); i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    snprintf(scope, scope_size, "%s|%s|%s", req->descriptor->name, rpc_claims(c)->sub, hex);
    return 0;
}

/* The row of a Get, Use, Create or Update. */
static void reply_row(rpc_call *c, pgq *q)
{
    content_op op;
    const content_res *res = res_of_call(c, &op);
    if (!res)
        return;
    const char *missing =
        op == CT_CREATE && res->ref_not_found ? res->ref_not_found : res->not_found;
    rowmap_reply_one(c, res->map, q, missing);
}

static void reply_deleted(rpc_call *c, pgq *q)
{
    content_op op;
    const content_res *res = res_of_call(c, &op);
    if (!res)
        return;
    const PGresult *r = pgq_res(q, 0);
    if (PQntuples(r) < 1) {
        rpc_fail(c, GRPC_STATUS_NOT_FOUND, res->not_found);
        return;
    }
    if (PQgetvalue(r, 0, 0)[0] != 't') {
        rpc_fail(c, GRPC_STATUS_FAILED_PRECONDITION, res->busy ? res->busy : "cannot delete");
        return;
    }
    Google__Protobuf__Empty empty = GOOGLE__PROTOBUF__EMPTY__INIT;
    rpc_reply(c, &empty.base);
}

static void reply_list(rpc_call *c, pgq *q)
{
    content_op op;
    const content_res *res = res_of_call(c, &op);
    if (res)
        rowmap_reply_list(c, res->map, q, rpc_data(c), res->list_resp);
}
