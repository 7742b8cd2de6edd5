/*
 * check.c - request fields against the limits each resource declares beside
 * its rowmap (planning_limit), so that the four resources share one checker.
 * Fields are reached through the message's descriptors, as rowmap does.
 */
#include "planning.h"

#include <stdio.h>
#include <string.h>

#include "args.h"
#include "validate.h"

/* Longest field name in a message: "storyboard_sequence.frames[499].duration_seconds". */
#define NAME_SIZE 128

static int check_msg(rpc_call *c, const char *prefix, const rowmap *m, const planning_limit *lim,
                     const ProtobufCMessage *msg, unsigned long long cols, int creating);
static int check_col(rpc_call *c, const char *name, const rowmap_col *col, const planning_limit *l,
                     const void *field, size_t n, int creating);
static int check_items(rpc_call *c, const char *name, const rowmap_col *col,
                       const planning_limit *l, void *const *items, size_t n);
static int check_count(rpc_call *c, const char *name, const planning_limit *l, size_t n);

int planning_check(rpc_call *c, const planning_res *res, const ProtobufCMessage *msg,
                   unsigned long long cols, int creating)
{
    if (check_msg(c, res->field, res->map, res->limits, msg, cols, creating) != 0)
        return -1;
    return res->extra ? res->extra(c, msg, cols) : 0;
}

/* ---- internals ------------------------------------------------------- */

static int check_msg(rpc_call *c, const char *prefix, const rowmap *m, const planning_limit *lim,
                     const ProtobufCMessage *msg, unsigned long long cols, int creating)
{
    for (size_t i = 0; i < m->ncols; i++) {
        const rowmap_col *col = &m->cols[i];
        if (!(cols & PL_COL(i)) || (col->flags & RM_OUT))
            continue;
        const ProtobufCFieldDescriptor *fd =
            protobuf_c_message_descriptor_get_field_by_name(m->desc, col->field);
        if (!fd) {
            rpc_fail(c, GRPC_STATUS_INTERNAL, "internal error");
            return -1;
        }
        const char *base = (const char *)msg;
        size_t n = fd->label == PROTOBUF_C_LABEL_REPEATED
                       ? *(const size_t *)(const void *)(base + fd->quantifier_offset)
                       : 0;
        char name[NAME_SIZE];
        if (snprintf(name, sizeof(name), "%s.%s", prefix, col->field) >= (int)sizeof(name))
            name[sizeof(name) - 2] = '~'; /* cut: still names the place */
        if (check_col(c, name, col, &lim[i], base + fd->offset, n, creating) != 0)
            return -1;
    }
    return 0;
}

/* field points at the column's storage in the message; n is its item count
 * when repeated. */
static int check_col(rpc_call *c, const char *name, const rowmap_col *col, const planning_limit *l,
                     const void *field, size_t n, int creating)
{
    switch (col->kind) {
    case RM_TEXT: {
        const char *v = *(char *const *)field;
        if (l->form & PL_UUID)
            return arg_uuid(c, name, v, l->min > 0);
        return arg_text(c, name, v, (size_t)l->min, (size_t)l->max);
    }
    case RM_INT32: {
        int32_t v = *(const int32_t *)field;
        if (v >= l->min && v <= l->max)
            return 0;
        rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s must be %lld to %lld", name, l->min, l->max);
        return -1;
    }
    case RM_ENUM: {
        int v = *(const int *)field;
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
    case RM_TEXT_ARRAY:
    case RM_STRUCT_LIST:
    case RM_MSG_LIST:
        if (check_count(c, name, l, n) != 0)
            return -1;
        return check_items(c, name, col, l, *(void *const *)field, n);
    default:
        return 0;
    }
}

static int check_items(rpc_call *c, const char *name, const rowmap_col *col,
                       const planning_limit *l, void *const *items, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        char item[NAME_SIZE];
        if (snprintf(item, sizeof(item), "%s[%zu]", name, k) >= (int)sizeof(item))
            item[sizeof(item) - 2] = '~';
        if (col->kind == RM_TEXT_ARRAY) {
            if (arg_text(c, item, items[k], 1, (size_t)l->item_max) != 0)
                return -1;
            if ((l->form & PL_COLORS) && !valid_hex_color(items[k])) {
                rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT,
                          "%s must be a colour written #RGB or #RRGGBB", item);
                return -1;
            }
        } else if (col->kind == RM_MSG_LIST) {
            /* Every field of an item is its own: check them all. */
            if (check_msg(c, item, col->sub, l->sub, items[k], ~0ull, 1) != 0)
                return -1;
        }
    }
    return 0;
}

static int check_count(rpc_call *c, const char *name, const planning_limit *l, size_t n)
{
    if ((long long)n > l->max) {
        rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s must have at most %lld items", name, l->max);
        return -1;
    }
    if ((long long)n < l->min) {
        rpc_failf(c, GRPC_STATUS_INVALID_ARGUMENT, "%s must have at least %lld item%s", name,
                  l->min, l->min == 1 ? "" : "s");
        return -1;
    }
    return 0;
}
