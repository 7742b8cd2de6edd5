/*
 * pbguard - checks an encoded request message against its descriptor before
 * protobuf-c unpacks it.
 *
 * protobuf-c 1.4 unpacks sub-messages by recursion with no depth limit and
 * allocates once per sub-message, string and repeated element, so a small
 * message can exhaust the loop thread's stack (a Struct nested 5,000 deep is
 * 34 KB) or turn 4 MiB of wire into hundreds of MiB of heap. This walk reads
 * the wire with its own recursion bounded by the limits, allocates nothing,
 * and refuses what protobuf-c must not see:
 *
 *   depth  messages nested more than max_depth levels below the request.
 *          google.protobuf.Value and map entries do not count as levels, so
 *          a Struct holding JSON counts one level per object or array, the
 *          same unit as the JSON reader's limit (JSONR_MAX_DEPTH).
 *   nodes  more than max_nodes allocations: every sub-message, string or
 *          bytes value, repeated or packed element and unknown field.
 *   NUL    a string field whose bytes contain NUL (protobuf-c hands strings
 *          over as C strings: everything after the NUL would be lost).
 *
 * Everything else (wrong wire types, bad UTF-8) is left to protobuf-c and the
 * handlers. Pure: no I/O, no allocation; the result names the field.
 */
#ifndef CAMEOS_PBGUARD_H
#define CAMEOS_PBGUARD_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

/* Defaults of the runtime: the JSON reader's depth, and room for a request
 * of the largest legitimate shape (a full storyboard) many times over. */
#define PBGUARD_MAX_DEPTH 64
#define PBGUARD_MAX_NODES 65536

typedef enum pbguard_verdict {
    PBGUARD_OK = 0,
    PBGUARD_TOO_DEEP,  /* field: the top-level field that holds the nesting */
    PBGUARD_TOO_MANY,  /* field: where the count went over */
    PBGUARD_NUL,       /* field: the dotted path of the string field */
    PBGUARD_MALFORMED, /* not a protobuf encoding (truncated, bad varint) */
} pbguard_verdict;

typedef struct pbguard_limits {
    unsigned max_depth;
    size_t max_nodes;
} pbguard_limits;

/* Walks the len bytes at buf as a message of type d. Returns the verdict and,
 * unless OK, writes into field (fieldsz bytes, always NUL-terminated) the
 * dotted field path it concerns, e.g. "style_data.fields.value", cut short
 * when too long. */
pbguard_verdict pbguard_check(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
                              const pbguard_limits *lim, char *field, size_t fieldsz)
    __attribute__((warn_unused_result));

/* One English sentence for the client, e.g. "style_data: nested deeper than
 * 64 levels", written into out (outsz bytes). */
void pbguard_message(pbguard_verdict v, const char *field, const pbguard_limits *lim, char *out,
                     size_t outsz);

#endif
