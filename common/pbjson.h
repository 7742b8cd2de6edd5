/*
 * pbjson - exact conversion between google.protobuf.Struct / Value and JSON
 * text (what PostgreSQL jsonb takes and prints), after protobuf's JSON mapping.
 *
 * Output (pbjson_from_*): *out is a malloc'd NUL-terminated string the caller
 * frees with free(). Map entries keep their order; when a key repeats, the
 * last entry wins (protobuf map semantics) and is written at its own position.
 * Numbers are written in the shortest form that parses back to the same
 * double; integral values with |v| <= 2^53 never use an exponent (5, -0,
 * 9007199254740992), others may (1.5, 1e-7, 1e+300). Only '"', '\' and control
 * characters are escaped; everything else is written as UTF-8. Rejected (-1):
 * NaN or infinite numbers, invalid UTF-8 in a string or key, a Value whose
 * kind is not set (a NULL Value counts as one), nesting deeper than
 * PBJSON_MAX_DEPTH. A NULL Struct is "{}", a Value of kind struct/list with a
 * NULL pointer is "{}"/"[]", a NULL string or key is "".
 *
 * Input (pbjson_to_*): the tree is built with malloc exactly as
 * protobuf_c_message_unpack would build it (every string, pointer array,
 * submessage and map entry allocated on its own), so one
 * protobuf_c_message_free_unpacked(&msg->base, NULL) frees all of it. Any
 * JSON number becomes a double: integers beyond 2^53 lose precision (Struct's
 * nature), magnitudes beyond the double range are rejected. Duplicate keys:
 * the last value wins, as in jsonb. Rejected (-1): invalid JSON or UTF-8,
 * "\u0000" anywhere (jsonb refuses it too), lone surrogates, the wrong
 * top-level type, nesting deeper than PBJSON_MAX_DEPTH.
 *
 * Depth counts nested JSON containers (objects and arrays), the outermost
 * being 1; for a struct list the enclosing array is one of them.
 *
 * Every function returns 0 or -1 (invalid input or out of memory) and leaves
 * its outputs NULL/0 on failure. Thread-safe; numbers assume the "C" LC_NUMERIC
 * locale (the services never call setlocale).
 */
#ifndef CAMEOS_PBJSON_H
#define CAMEOS_PBJSON_H

#include <stddef.h>

#include "google/protobuf/struct.pb-c.h"

#define PBJSON_MAX_DEPTH 64

/* Struct -> JSON object text. */
int pbjson_from_struct(const Google__Protobuf__Struct *s, char **out)
    __attribute__((warn_unused_result));

/* Value -> any JSON value text ("null", "1.5", "\"x\"", "{...}", "[...]"). */
int pbjson_from_value(const Google__Protobuf__Value *v, char **out)
    __attribute__((warn_unused_result));

/* ListValue -> JSON array text. NULL l is "[]". */
int pbjson_from_list(const Google__Protobuf__ListValue *l, char **out)
    __attribute__((warn_unused_result));

/* repeated Struct (n items; items may be NULL when n is 0) -> JSON array of
 * objects text. A NULL item is "{}". */
int pbjson_from_struct_list(Google__Protobuf__Struct *const *items, size_t n, char **out)
    __attribute__((warn_unused_result));

/* JSON object text (len bytes, no NUL needed) -> new Struct. */
int pbjson_to_struct(const char *json, size_t len, Google__Protobuf__Struct **out)
    __attribute__((warn_unused_result));

/* Any JSON value text -> new Value. */
int pbjson_to_value(const char *json, size_t len, Google__Protobuf__Value **out)
    __attribute__((warn_unused_result));

/* JSON array text -> new ListValue. */
int pbjson_to_list(const char *json, size_t len, Google__Protobuf__ListValue **out)
    __attribute__((warn_unused_result));

/* JSON array of objects text -> *n new Structs in a malloc'd array (NULL when
 * *n is 0), the shape of a protobuf-c repeated message field. Free each item
 * with protobuf_c_message_free_unpacked, then free(*items). */
int pbjson_to_struct_list(const char *json, size_t len, Google__Protobuf__Struct ***items,
                          size_t *n) __attribute__((warn_unused_result));

/* Frees what pbjson_to_struct_list returned (or any array of n unpacked
 * Structs allocated with malloc). NULL items is a no-op. */
void pbjson_struct_list_free(Google__Protobuf__Struct **items, size_t n);

#endif
