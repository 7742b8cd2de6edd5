/*
 * pbwire - protobuf wire bytes built by hand for the tests that need shapes
 * no encoder would make (a Struct 5,000 levels deep, 70,000 nulls).
 *
 * A pbwire grows from the inside out: pbwire_wrap puts a length-delimited
 * field around everything so far. The caller owns p (free). Out of memory
 * aborts: these are tests.
 */
#ifndef CAMEOS_TESTS_PBWIRE_H
#define CAMEOS_TESTS_PBWIRE_H

#include <stddef.h>
#include <stdint.h>

typedef struct pbwire {
    uint8_t *p;
    size_t len;
} pbwire;

/* w = prefix bytes, then field id (wire type 2) holding the old w. */
void pbwire_wrap(pbwire *w, uint32_t id, const void *prefix, size_t plen);
/* Appends n bytes (a whole field written by hand) to w. */
void pbwire_add(pbwire *w, const void *bytes, size_t n);
/* A google.protobuf.Struct of `levels` nested objects {"a": {"a": ... {}}}. */
pbwire pbwire_nested_struct(unsigned levels);
/* A google.protobuf.ListValue of `levels` nested arrays [[...[]]]. */
pbwire pbwire_nested_list(unsigned levels);

#endif
