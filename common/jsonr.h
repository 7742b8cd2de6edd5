/*
 * jsonr - JSON text straight into google.protobuf.Value trees, in one pass
 * and with the caller's allocator (the services use the call's arena, so a
 * 50-row list reads its jsonb columns with no malloc and no intermediate
 * document; jansson did the same work through a hash table per object).
 *
 * The mapping is protobuf's JSON mapping for Struct: objects become Struct,
 * arrays ListValue, every number a double, null NULL_VALUE. Duplicate keys:
 * the last value wins, at the key's first position (as jsonb keeps it).
 * Rejected (-1): anything that is not exactly one JSON value (surrounding
 * whitespace allowed), invalid UTF-8, "\u0000" (jsonb refuses it too), a
 * lone surrogate escape, a number beyond the double range, nesting deeper
 * than JSONR_MAX_DEPTH containers (the outermost is 1), allocation failure.
 *
 * Memory: every node, array and string comes from mem->alloc, which must
 * return zeroed memory aligned for any type, or NULL. Nothing is freed here:
 * on failure what was allocated stays the allocator's (an arena frees it
 * with itself). The parse itself uses a scratch stack from malloc, freed
 * before return. Thread-safe; numbers assume the "C" LC_NUMERIC locale.
 */
#ifndef CAMEOS_JSONR_H
#define CAMEOS_JSONR_H

#include <stddef.h>

#include "google/protobuf/struct.pb-c.h"

#define JSONR_MAX_DEPTH 64

typedef struct jsonr_mem {
    void *(*alloc)(void *ctx, size_t n);
    void *ctx;
} jsonr_mem;

/* len bytes of json (no NUL needed) -> *out. 0, or -1 with *out NULL. */
int jsonr_parse(const char *json, size_t len, const jsonr_mem *mem, Google__Protobuf__Value **out)
    __attribute__((warn_unused_result));

#endif
