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
 * Memory: every node, array and string that is handed back (all but the
 * member keys of jsonr_parse_objects) comes from mem->alloc, which must
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

/* As jsonr_parse, but an object that repeats a key, at any depth, fails the
 * parse (-1) instead of keeping the last value: for text where a repeated
 * member smells of an attack, such as a token's header and claims (RFC 7519
 * section 4 lets a reader refuse them). */
int jsonr_parse_unique(const char *json, size_t len, const jsonr_mem *mem,
                       Google__Protobuf__Value **out) __attribute__((warn_unused_result));

/* The value of key in s, or NULL (s NULL too). A parsed object holds each
 * key once, so the first match is the only one. */
const Google__Protobuf__Value *jsonr_member(const Google__Protobuf__Struct *s, const char *key);
/* The member's text when it is a string, else NULL. */
const char *jsonr_member_string(const Google__Protobuf__Struct *s, const char *key);

/* A JSON array of objects read straight into the caller's records (the
 * typed sub-messages of a jsonb column) without a Value per object. For each
 * element, begin(ctx, index) returns the record (or NULL to fail); then
 * member(ctx, record, key, value) runs for each of its members in text
 * order (a repeated key comes twice: the later call should win). The
 * strings and containers inside value live in mem; key and value themselves
 * are the parser's and gone after the call: copy out what you keep. member
 * returns 0 or -1 (fail). */
typedef struct jsonr_objects {
    void *(*begin)(void *ctx, size_t index);
    int (*member)(void *ctx, void *record, const char *key, const Google__Protobuf__Value *value);
    void *ctx;
} jsonr_objects;

/* len bytes of json, which must be an array of objects -> *items, an array
 * (in mem) of the records begin returned, and *n, their count; the same
 * syntax, limits and rejections as jsonr_parse. 0, or -1 with *items NULL
 * and *n 0. */
int jsonr_parse_objects(const char *json, size_t len, const jsonr_mem *mem, const jsonr_objects *cb,
                        void ***items, size_t *n) __attribute__((warn_unused_result));

#endif
