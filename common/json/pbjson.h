/*
 * pbjson - google.protobuf.Struct / Value as exact JSON text (what
 * PostgreSQL jsonb takes), after protobuf's JSON mapping. The way back is
 * jsonr.h.
 *
 * Output (pbjson_from_*): *out is a malloc'd NUL-terminated string the caller
 * frees with free(). Map entries keep their order; when a key repeats, the
 * last entry wins (protobuf map semantics) and is written at its own position.
 * Numbers are written in the shortest form that parses back to the same
 * double; integral values with |v| <= 2^53 never use an exponent (5, -0,
 * 9007199254740992), others may (1.5, 1e-7, 1e+300). Strings and keys are
 * escaped by jsonesc.h, strictly. Rejected (-1):
 * NaN or infinite numbers, invalid UTF-8 in a string or key, a Value whose
 * kind is not set (a NULL Value counts as one), nesting deeper than
 * PBJSON_MAX_DEPTH. A NULL Struct is "{}", a Value of kind struct/list with a
 * NULL pointer is "{}"/"[]", a NULL string or key is "".
 *
 * Depth counts nested JSON containers (objects and arrays), the outermost
 * being 1; for a struct list the enclosing array is one of them.
 *
 * Every function returns 0 or -1 (invalid input or out of memory) and leaves
 * *out NULL on failure. Thread-safe; numbers assume the "C" LC_NUMERIC
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

#endif
