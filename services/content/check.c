/*
 * check.c - the declarative field rules of the resources (content_rule):
 * each rule reads its field through the message's descriptor, so one loop
 * checks every resource.
 */
#include "content.h"

#include <stdio.h>
#include <string.h>

#include "args.h"

#define FIELD(msg, fd, type) ((type *)((char *)(msg) + (fd)->offset))
#define COUNT(msg, fd)       ((size_t *)((char *)(msg) + (fd)->quantifier_offset))

static int check_rule(rpc_call *c, const content_rule *r, const rowmap_col *col, const char *name,
                      const ProtobufCFieldDescriptor *fd, const ProtobufCMessage *msg);

int content_check_rules(rpc_call *c, const content_res *res, const ProtobufCMessage *msg,
                        unsigned long long cols)
{
    for (size_t i = 0; i < res->nrules; i++) {
        const content_rule *r = &res->rules[i];
        if (!((cols >> r->col) & 1))
            continue;
        const rowmap_col *col = &res->map->cols[r->col];
        const char *field = col->field;
        const ProtobufCFieldDescriptor *fd =
            protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, field);
        if (!fd) {
            rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
            return -1;
        }
        char name[96];
        snprintf(name, sizeof(name), "%s.%s", res->field, field);
        if (check_rule(c, r, col, name, fd, msg) != 0)
            return -1;
    }
    return 0;
}

static int check_rule(rpc_call *c, const content_rule *r, const rowmap_col *col, const char *name,
                      const ProtobufCFieldDescriptor *fd, const ProtobufCMessage *msg)
{
    switch (r->kind) {
    case CR_TEXT:
        return arg_text(c, name, *FIELD(msg, fd, const char *), r->min, r->max);
    case CR_URL:
        return arg_url(c, name, *FIELD(msg, fd, const char *), 0, r->max, r->min > 0);
    case CR_UUID:
        return arg_uuid(c, name, *FIELD(msg, fd, const char *), r->min > 0);
    case CR_SCORE: {
        double v = *FIELD(msg, fd, double);
        if (v >= 0 && v <= 100) /* false for NaN too */
            return 0;
        rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s must be between 0 and 100", name);
        return -1;
    }
    case CR_ENUM_SET: {
        int v = *FIELD(msg, fd, int);
        if (v == 0) {
            rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s is required", name);
            return -1;
        }
        if (valid_enum_text(col->enums, col->nenums, v))
            return 0;
        rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s has an unknown value", name);
        return -1;
    }
    case CR_TEXTS: {
        size_t n = *COUNT(msg, fd);
        char *const *items = *FIELD(msg, fd, char *const *);
        if (n > r->items) {
            rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s may hold at most %zu items", name,
                      r->items);
            return -1;
        }
        for (size_t k = 0; k < n; k++)
            if (arg_text(c, name, items[k], 1, r->max) != 0)
                return -1;
        return 0;
    }
    }
    rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
    return -1;
}
