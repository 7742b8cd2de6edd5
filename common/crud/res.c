/*
 * res.c - the resource engine (see res.h): the route table built
 * by res_register, the six handlers, list filters and page-token scopes,
 * and the field rules.
 *
 * The route table is process state written once, before the server starts,
 * and only read afterwards (from the loop thread). It is indexed like the
 * service's method table, so a call finds its route by its method's index:
 * nothing is looked up by name or scanned per call. Per-call state (the
 * list page) lives in call memory.
 */
#include "res.h"

#include <stdio.h>
#include <string.h>

#include "arg.h"
#include "google/protobuf/empty.pb-c.h"
#include "google/protobuf/field_mask.pb-c.h"
#include "google/protobuf/wrappers.pb-c.h"
#include "rowparam.h"
#include "valid.h"

#define FIELD(msg, fd, type) ((type *)((char *)(msg) + (fd)->offset))
#define COUNT(msg, fd)       ((size_t *)((char *)(msg) + (fd)->quantifier_offset))

/* Rows of one service's method table (content has 33). */
#define MAX_METHODS 64
/* Longest field name in a message: "storyboard_sequence.frames[499].duration_seconds". */
#define NAME_SIZE 128

/* One method served here: what its request holds, found at registration.
 * def is NULL for a method the engine does not serve. */
typedef struct route {
    const ProtobufCMessageDescriptor *in, *out;
    const res_def *def;
    res_op op;
    /* Get, Delete, Use: id; List: page_size; Create, Update: the resource. */
    const ProtobufCFieldDescriptor *main;
    /* List: page_token; Create: request_id; Update: update_mask. */
    const ProtobufCFieldDescriptor *aux;
    /* Update: the resource's id. */
    const ProtobufCFieldDescriptor *id;
    const ProtobufCFieldDescriptor *filter[RES_MAX_FILTERS];
} route;

static route routes[MAX_METHODS];

static const char *const verbs[RES_NOPS] = {"Get", "List", "Create", "Update", "Delete", "Use"};

static const route *route_for(rpc_call *c, const ProtobufCMessage *req, res_op op);
static const route *route_of_call(rpc_call *c);
static void by_id(rpc_call *c, const ProtobufCMessage *req, res_op op, rpc_db_fn ok);
static unsigned long long writable(const rowmap *m);
static int list_filters(rpc_call *c, const route *r, const ProtobufCMessage *req,
                        const char **params, unsigned *uuids);

_Static_assert(RES_MAX_FILTERS <= PAGETOKEN_MAX_FILTERS, "a list's filters fit its token scope");
static void reply_row(rpc_call *c, pgq *q);
static void reply_deleted(rpc_call *c, pgq *q);
static void reply_list(rpc_call *c, pgq *q);
static int check_fields(rpc_call *c, const res_def *def, const char *field,
                        const ProtobufCMessage *msg, unsigned long long cols, int creating);
static int check_msg(rpc_call *c, const char *prefix, const rowmap *m, const res_rule *rules,
                     const ProtobufCMessage *msg, unsigned long long cols, int creating);
static int check_col(rpc_call *c, const char *name, const rowmap_col *col, const res_rule *r,
                     const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *fd, int creating);
static int check_items(rpc_call *c, const char *name, const rowmap_col *col, const res_rule *r,
                       void *const *items, size_t n);
static const char *bind_route(const rpc_service *svc, const rpc_method *m, res_op op, route *r);
static const char *bind_fields(route *r);
static const char *check_stmt(const rpc_service *svc, const res_def *def, res_op op, int nparams);
static const char *rules_fit(const rowmap *m, const res_rule *rules);
static const ProtobufCFieldDescriptor *field_typed(const ProtobufCMessageDescriptor *d,
                                                   const char *name, ProtobufCType type);

void res_get(rpc_call *c, const ProtobufCMessage *req)
{
    by_id(c, req, RES_GET, reply_row);
}

void res_use(rpc_call *c, const ProtobufCMessage *req)
{
    by_id(c, req, RES_USE, reply_row);
}

void res_delete(rpc_call *c, const ProtobufCMessage *req)
{
    by_id(c, req, RES_DELETE, reply_deleted);
}

void res_list(rpc_call *c, const ProtobufCMessage *req)
{
    const route *r = route_for(c, req, RES_LIST);
    if (!r)
        return;
    const char *p[4 + RES_MAX_FILTERS];
    unsigned uuids = 0;
    if (list_filters(c, r, req, p + 4, &uuids) != 0)
        return;
    list_scope scope = {1, r->def->nfilters, p + 4, uuids};
    list_page *pg =
        list_begin(c, &scope, *FIELD(req, r->main, int32_t), *FIELD(req, r->aux, const char *));
    if (!pg)
        return;
    p[0] = rpc_claims(c)->sub;
    p[1] = pg->after_ts;
    p[2] = pg->after_id;
    p[3] = pg->fetch;
    pgq *q = rpc_db(c);
    if (!q || rpc_db_add(c, q, r->def->stmt[RES_LIST], 4 + (int)r->def->nfilters, p) != 0)
        return;
    for (size_t i = 0; i < r->def->nfilters; i++)
        if (p[4 + i])
            pgq_plan_custom(q); /* a filter may have an index of its own */
    rpc_db_run(c, q, reply_list);
}

void res_create(rpc_call *c, const ProtobufCMessage *req)
{
    const route *r = route_for(c, req, RES_CREATE);
    if (!r)
        return;
    const res_def *def = r->def;
    const ProtobufCMessage *msg = *FIELD(req, r->main, const ProtobufCMessage *);
    const char *request_id = *FIELD(req, r->aux, const char *);
    if (!msg) {
        rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s is required", r->main->name);
        return;
    }
    unsigned long long cols = writable(def->map);
    for (size_t k = 0; k < def->ncreate_only; k++)
        cols |= RES_COL(def->create_only[k]);
    if (arg_request_id(c, request_id, 0) != 0 ||
        check_fields(c, def, r->main->name, msg, cols, 1) != 0)
        return;
    const char *p[2 + RES_MAX_COLS] = {rpc_claims(c)->sub, request_id[0] ? request_id : NULL};
    int n = rowparam_insert(c, def->map, msg, p + 2), bad = 0;
    for (size_t k = 0; n >= 0 && k < def->ncreate_only; k++) {
        p[2 + n++] = rowparam_value(c, def->map, msg, (size_t)def->create_only[k], &bad);
        if (bad)
            return;
    }
    if (n >= 0)
        rpc_db1(c, def->stmt[RES_CREATE], 2 + n, p, reply_row);
}

void res_update(rpc_call *c, const ProtobufCMessage *req)
{
    const route *r = route_for(c, req, RES_UPDATE);
    if (!r)
        return;
    const res_def *def = r->def;
    const ProtobufCMessage *msg = *FIELD(req, r->main, const ProtobufCMessage *);
    if (!msg) {
        rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s is required", r->main->name);
        return;
    }
    char name[NAME_SIZE];
    snprintf(name, sizeof(name), "%s.id", r->main->name);
    const char *id = *FIELD(msg, r->id, const char *);
    if (arg_uuid(c, name, id, 1) != 0)
        return;
    const char *p[2 + 2 * RES_MAX_COLS] = {id, rpc_claims(c)->sub};
    unsigned long long changed;
    int n =
        rowparam_update(c, def->map, msg, *FIELD(req, r->aux, const Google__Protobuf__FieldMask *),
                        p + 2, &changed);
    if (n < 0 || check_fields(c, def, r->main->name, msg, changed, 0) != 0)
        return;
    /* Nothing to change: the row as it is, updated_at untouched. */
    if (!changed)
        rpc_db1(c, def->stmt[RES_GET], 2, p, reply_row);
    else
        rpc_db1(c, def->stmt[RES_UPDATE], 2 + n, p, reply_row);
}

int res_register(const rpc_service *svc)
{
    static const rpc_handler_fn handlers[RES_NOPS] = {res_get,    res_list,   res_create,
                                                      res_update, res_delete, res_use};
    memset(routes, 0, sizeof(routes));
    for (size_t i = 0; i < svc->nmethods; i++) {
        const rpc_method *m = &svc->methods[i];
        int op = 0;
        while (op < RES_NOPS && handlers[op] != m->handler)
            op++;
        if (op == RES_NOPS)
            continue; /* a handler of the service's own */
        const char *why =
            i >= MAX_METHODS ? "too many methods" : bind_route(svc, m, (res_op)op, &routes[i]);
        if (why) {
            fprintf(stderr, "%s: method table: %s: %s\n", svc->binary, m->name, why);
            memset(routes, 0, sizeof(routes));
            return -1;
        }
    }
    return 0;
}

/* ---- handlers' internals --------------------------------------------- */

/* The route of a request for a handler of op; a request routed to the
 * wrong handler, or a service that did not register, is answered INTERNAL. */
static const route *route_for(rpc_call *c, const ProtobufCMessage *req, res_op op)
{
    int i = rpc_method_index(c);
    if (i >= 0 && i < MAX_METHODS && routes[i].def && routes[i].op == op &&
        routes[i].in == req->descriptor)
        return &routes[i];
    rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
    return NULL;
}

/* In a database callback: the route of the call's request. */
static const route *route_of_call(rpc_call *c)
{
    int i = rpc_method_index(c);
    if (i >= 0 && i < MAX_METHODS && routes[i].def)
        return &routes[i];
    rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
    return NULL;
}

/* Get, Use, Delete: ($1 id, $2 caller). */
static void by_id(rpc_call *c, const ProtobufCMessage *req, res_op op, rpc_db_fn ok)
{
    const route *r = route_for(c, req, op);
    if (!r)
        return;
    const char *id = *FIELD(req, r->main, const char *);
    if (arg_uuid(c, "id", id, 1) != 0)
        return;
    const char *p[2] = {id, rpc_claims(c)->sub};
    rpc_db1(c, r->def->stmt[op], 2, p, ok);
}

static unsigned long long writable(const rowmap *m)
{
    unsigned long long cols = 0;
    for (size_t i = 0; i < m->ncols; i++)
        if (!(m->cols[i].flags & RM_OUT))
            cols |= RES_COL(i);
    return cols;
}

/* One parameter per filter (NULL: not set), checked; bit i of *uuids set
 * when filter i is a UUID (the page token's scope reads it in either case). */
static int list_filters(rpc_call *c, const route *r, const ProtobufCMessage *req,
                        const char **params, unsigned *uuids)
{
    const res_def *def = r->def;
    *uuids = 0;
    for (size_t i = 0; i < def->nfilters; i++) {
        const res_filter *f = &def->filters[i];
        const ProtobufCFieldDescriptor *fd = r->filter[i];
        const char *v = NULL;
        switch (f->kind) {
        case RES_F_TEXT:
        case RES_F_UUID:
            v = *FIELD(req, fd, const char *);
            if (!v || !v[0])
                v = NULL;
            else if (f->kind == RES_F_TEXT ? arg_text(c, f->field, v, 1, f->max)
                                           : arg_uuid(c, f->field, v, 1))
                return -1;
            if (f->kind == RES_F_UUID)
                *uuids |= 1u << i;
            break;
        case RES_F_BOOL: {
            const Google__Protobuf__BoolValue *b = *FIELD(req, fd, Google__Protobuf__BoolValue *);
            v = b ? (b->value ? "t" : "f") : NULL;
            break;
        }
        case RES_F_ENUM: {
            int e = *FIELD(req, fd, int);
            const rowmap_col *col = &def->map->cols[rowparam_col_index(def->map, f->field)];
            if (e != 0 && !(v = valid_enum_text(col->enums, col->nenums, e))) {
                rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s has an unknown value", f->field);
                return -1;
            }
            break;
        }
        }
        params[i] = v;
    }
    return 0;
}

/* The row of a Get, Use, Create or Update. */
static void reply_row(rpc_call *c, pgq *q)
{
    const route *r = route_of_call(c);
    if (!r)
        return;
    const res_def *def = r->def;
    const char *missing =
        r->op == RES_CREATE && def->ref_not_found ? def->ref_not_found : def->not_found;
    rowmap_reply_one(c, def->map, q, missing);
}

static void reply_deleted(rpc_call *c, pgq *q)
{
    const route *r = route_of_call(c);
    if (!r)
        return;
    const PGresult *res = pgq_res(q, 0);
    if (PQntuples(res) < 1) {
        rpc_fail(c, GRPC_STATUS_NOT_FOUND, r->def->not_found);
        return;
    }
    if (PQgetvalue(res, 0, 0)[0] != 't') {
        rpc_fail(c, GRPC_STATUS_FAILED_PRECONDITION, r->def->busy ? r->def->busy : "cannot delete");
        return;
    }
    Google__Protobuf__Empty empty = GOOGLE__PROTOBUF__EMPTY__INIT;
    rpc_reply(c, &empty.base);
}

static void reply_list(rpc_call *c, pgq *q)
{
    const route *r = route_of_call(c);
    if (r)
        rowmap_reply_list(c, r->def->map, q, rpc_data(c), r->out);
}

/* ---- field rules ------------------------------------------------------ */

static int check_fields(rpc_call *c, const res_def *def, const char *field,
                        const ProtobufCMessage *msg, unsigned long long cols, int creating)
{
    if (def->rules && check_msg(c, field, def->map, def->rules, msg, cols, creating) != 0)
        return -1;
    return def->check ? def->check(c, msg, cols) : 0;
}

static int check_msg(rpc_call *c, const char *prefix, const rowmap *m, const res_rule *rules,
                     const ProtobufCMessage *msg, unsigned long long cols, int creating)
{
    for (size_t i = 0; i < m->ncols; i++) {
        if (!(cols & RES_COL(i)) || rules[i].check == RES_ANY)
            continue;
        const rowmap_col *col = &m->cols[i];
        /* Registration proved that the field exists. */
        const ProtobufCFieldDescriptor *fd =
            protobuf_c_message_descriptor_get_field_by_name(m->desc, col->field);
        char name[NAME_SIZE];
        if (snprintf(name, sizeof(name), "%s.%s", prefix, col->field) >= (int)sizeof(name))
            name[sizeof(name) - 2] = '~'; /* cut: still names the place */
        if (check_col(c, name, col, &rules[i], msg, fd, creating) != 0)
            return -1;
    }
    return 0;
}

static int check_col(rpc_call *c, const char *name, const rowmap_col *col, const res_rule *r,
                     const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *fd, int creating)
{
    switch (r->check) {
    case RES_ANY:
        return 0;
    case RES_TEXT:
        return arg_text(c, name, *FIELD(msg, fd, const char *), (size_t)r->min, (size_t)r->max);
    case RES_UUID:
        return arg_uuid(c, name, *FIELD(msg, fd, const char *), r->min > 0);
    case RES_URL:
        return arg_url(c, name, *FIELD(msg, fd, const char *), 0, (size_t)r->max, r->min > 0);
    case RES_RANGE:
        return arg_range(c, name,
                         col->kind == RM_DOUBLE ? *FIELD(msg, fd, double)
                                                : (double)*FIELD(msg, fd, int32_t),
                         r->min, r->max);
    case RES_ENUM: {
        int v = *FIELD(msg, fd, int);
        if (v == 0 && creating && (col->flags & RM_NULLABLE))
            return 0;
        if (v == 0)
            rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s is required", name);
        else if (!valid_enum_text(col->enums, col->nenums, v))
            rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s has an unknown value", name);
        else
            return 0;
        return -1;
    }
    case RES_ITEMS:
    case RES_COLORS: {
        long long n = (long long)*COUNT(msg, fd);
        if (n > r->max) {
            rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s must have at most %lld items", name,
                      r->max);
            return -1;
        }
        if (n < r->min) {
            rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s must have at least %lld item%s", name,
                      r->min, r->min == 1 ? "" : "s");
            return -1;
        }
        return check_items(c, name, col, r, *FIELD(msg, fd, void *const *), (size_t)n);
    }
    }
    rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
    return -1;
}

static int check_items(rpc_call *c, const char *name, const rowmap_col *col, const res_rule *r,
                       void *const *items, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        char item[NAME_SIZE];
        if (snprintf(item, sizeof(item), "%s[%zu]", name, k) >= (int)sizeof(item))
            item[sizeof(item) - 2] = '~';
        if (col->kind == RM_TEXT_ARRAY) {
            if (arg_text(c, item, items[k], 1, (size_t)r->item_max) != 0)
                return -1;
            if (r->check == RES_COLORS && !valid_hex_color(items[k])) {
                rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT,
                          "%s must be a colour written #RGB or #RRGGBB", item);
                return -1;
            }
        } else if (col->kind == RM_MSG_LIST && r->sub) {
            /* Every field of an item is its own: check them all, as new. */
            if (check_msg(c, item, col->sub, r->sub, items[k], ~0ull, 1) != 0)
                return -1;
        }
    }
    return 0;
}

/* ---- registration ---------------------------------------------------- */

/* Fills r for method m routed to the handler of op, serving the resource
 * its table row names; NULL, or what is wrong. */
static const char *bind_route(const rpc_service *svc, const rpc_method *m, res_op op, route *r)
{
    const ProtobufCMethodDescriptor *md =
        protobuf_c_service_descriptor_get_method_by_name(svc->desc, m->name);
    size_t vlen = strlen(verbs[op]);
    if (!md)
        return "not a method of the service";
    if (strncmp(m->name, verbs[op], vlen) != 0)
        return "the handler's verb does not start the method name";
    memset(r, 0, sizeof(*r));
    if (!(r->def = m->arg))
        return "the row names no resource (rpc_method.arg)";
    /* The name still says which resource: a row pointing at another one is
     * a slip of the table. */
    const char *rest = m->name + vlen, *res = r->def->map->desc->short_name;
    size_t n = strlen(res);
    if (strncmp(rest, res, n) != 0 ||
        !(rest[n] == 0 || (op == RES_LIST && rest[n] == 's' && rest[n + 1] == 0)))
        return "the row names another resource than the method does";
    r->in = md->input;
    r->out = md->output;
    r->op = op;
    const res_def *def = r->def;
    if (def->map->ncols > RES_MAX_COLS || def->nfilters > RES_MAX_FILTERS)
        return "too many columns or filters";
    if (op != RES_LIST && op != RES_DELETE && r->out != def->map->desc)
        return "the method does not return the resource";
    const char *why = bind_fields(r);
    if (why)
        return why;
    switch (op) {
    case RES_LIST:
        return check_stmt(svc, def, op, 4 + (int)def->nfilters);
    case RES_CREATE:
        if ((why = rules_fit(def->map, def->rules)))
            return why;
        return check_stmt(svc, def, op,
                          2 + __builtin_popcountll(writable(def->map)) + (int)def->ncreate_only);
    case RES_UPDATE:
        if ((why = rules_fit(def->map, def->rules)) || (why = check_stmt(svc, def, RES_GET, 2)))
            return why;
        return check_stmt(svc, def, op, 2 + 2 * __builtin_popcountll(writable(def->map)));
    default:
        return check_stmt(svc, def, op, 2);
    }
}

/* The request fields of r's operation. */
static const char *bind_fields(route *r)
{
    const res_def *def = r->def;
    const ProtobufCMessageDescriptor *in = r->in;
    switch (r->op) {
    case RES_LIST:
        r->main = field_typed(in, "page_size", PROTOBUF_C_TYPE_INT32);
        r->aux = field_typed(in, "page_token", PROTOBUF_C_TYPE_STRING);
        for (size_t i = 0; i < def->nfilters; i++) {
            const res_filter *f = &def->filters[i];
            const ProtobufCFieldDescriptor *fd =
                protobuf_c_message_descriptor_get_field_by_name(in, f->field);
            int col = rowparam_col_index(def->map, f->field);
            int fits = fd && fd->label != PROTOBUF_C_LABEL_REPEATED;
            switch (f->kind) {
            case RES_F_TEXT:
            case RES_F_UUID:
                fits = fits && fd->type == PROTOBUF_C_TYPE_STRING;
                break;
            case RES_F_BOOL:
                fits = fits && fd->descriptor == &google__protobuf__bool_value__descriptor;
                break;
            case RES_F_ENUM:
                fits = fits && fd->type == PROTOBUF_C_TYPE_ENUM && col >= 0 &&
                       def->map->cols[col].kind == RM_ENUM;
                break;
            }
            if (!fits)
                return "a filter does not fit the request";
            r->filter[i] = fd;
        }
        break;
    case RES_CREATE:
    case RES_UPDATE:
        for (unsigned i = 0; i < in->n_fields; i++)
            if (in->fields[i].type == PROTOBUF_C_TYPE_MESSAGE &&
                in->fields[i].descriptor == def->map->desc)
                r->main = &in->fields[i];
        r->id = field_typed(def->map->desc, "id", PROTOBUF_C_TYPE_STRING);
        if (r->op == RES_CREATE)
            r->aux = field_typed(in, "request_id", PROTOBUF_C_TYPE_STRING);
        else if ((r->aux = field_typed(in, "update_mask", PROTOBUF_C_TYPE_MESSAGE)) &&
                 r->aux->descriptor != &google__protobuf__field_mask__descriptor)
            r->aux = NULL;
        if (!r->id)
            return "the resource has no string id";
        break;
    default:
        r->main = field_typed(in, "id", PROTOBUF_C_TYPE_STRING);
        r->aux = r->main;
        break;
    }
    return r->main && r->aux ? NULL : "the request lacks a field the operation needs";
}

static const char *check_stmt(const rpc_service *svc, const res_def *def, res_op op, int nparams)
{
    int s = def->stmt[op];
    if (s < 0 || (size_t)s >= svc->nstmts)
        return "no statement";
    if (svc->stmts[s].nparams != nparams)
        return "the statement's parameter count does not fit";
    return NULL;
}

/* Every rule fits its column's kind, sub-messages included. */
static const char *rules_fit(const rowmap *m, const res_rule *rules)
{
    for (size_t i = 0; rules && i < m->ncols; i++) {
        const rowmap_col *col = &m->cols[i];
        const res_rule *r = &rules[i];
        int fits = 0;
        switch (r->check) {
        case RES_ANY:
            fits = 1;
            break;
        case RES_TEXT:
        case RES_UUID:
        case RES_URL:
            fits = col->kind == RM_TEXT;
            break;
        case RES_RANGE:
            fits = col->kind == RM_INT32 || col->kind == RM_DOUBLE;
            break;
        case RES_ENUM:
            fits = col->kind == RM_ENUM;
            break;
        case RES_ITEMS:
            fits = col->kind == RM_TEXT_ARRAY || col->kind == RM_STRUCT_LIST ||
                   (col->kind == RM_MSG_LIST && (!r->sub || !rules_fit(col->sub, r->sub)));
            break;
        case RES_COLORS:
            fits = col->kind == RM_TEXT_ARRAY;
            break;
        }
        if (!fits || !protobuf_c_message_descriptor_get_field_by_name(m->desc, col->field))
            return "a field rule does not fit its column";
    }
    return NULL;
}

static const ProtobufCFieldDescriptor *field_typed(const ProtobufCMessageDescriptor *d,
                                                   const char *name, ProtobufCType type)
{
    const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field_by_name(d, name);
    return fd && fd->type == type && fd->label != PROTOBUF_C_LABEL_REPEATED ? fd : NULL;
}
