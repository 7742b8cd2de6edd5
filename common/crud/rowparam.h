/*
 * rowparam - the writing half of rowmap: a request's resource (the message
 * a rowmap describes) into the text parameters of Create and Update
 * statements, with the update-mask rules (AIP-134). JSON columns are
 * written with pbjson (Structs) and jsonesc (strings), never by hand.
 *
 * Ownership: every parameter returned is the call's (its arena, or freed
 * with it through rpc_defer); the out arrays are the caller's.
 */
#ifndef CAMEOS_ROWPARAM_H
#define CAMEOS_ROWPARAM_H

#include "rowmap.h"

/* The text parameter for column i of msg (a request's resource), or NULL for
 * SQL NULL; call-scoped. Sets *bad when the value cannot be written (e.g. a
 * Struct with NaN) after answering the call INVALID_ARGUMENT naming the field. */
const char *rowparam_value(rpc_call *c, const rowmap *m, const ProtobufCMessage *msg, size_t i,
                           int *bad);

/* Create: one parameter per writable (not RM_OUT) column, in column order,
 * into out (room for m->ncols). Returns how many, or -1 (call answered). */
int rowparam_insert(rpc_call *c, const rowmap *m, const ProtobufCMessage *msg, const char **out)
    __attribute__((warn_unused_result));

/* Update (AIP-134): two parameters per writable column, in column order: "t"
 * or "f" (does this update change it?) then its value, into out (room for
 * 2 * m->ncols). The SQL pairs them as `col = case when $k::bool then $k+1
 * else col end`. A mask path naming an RM_OUT column or no column is
 * INVALID_ARGUMENT; an empty mask selects every field the request sets.
 * Returns the number of parameters written, or -1 (call answered); *changed
 * gets bit i set for each writable column i that changes. */
int rowparam_update(rpc_call *c, const rowmap *m, const ProtobufCMessage *msg,
                    const Google__Protobuf__FieldMask *mask, const char **out,
                    unsigned long long *changed) __attribute__((warn_unused_result));

/* Index of the column for `field`, or -1. */
int rowparam_col_index(const rowmap *m, const char *field);

/* Does the request set this field (non-default value)? For empty update masks
 * (AIP-134: an empty mask means every field the request sets). */
int rowparam_is_set(const rowmap *m, const ProtobufCMessage *msg, size_t i);

#endif
