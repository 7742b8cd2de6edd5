/*
 * tjson - google.protobuf.Struct from JSON text for request fixtures, built
 * with jansson so that the services' own reader (common/jsonr) is not the
 * one that makes the inputs it is tested on. The tree is malloc'd node by
 * node, as protobuf_c_message_unpack builds one: the caller frees it with
 * protobuf_c_message_free_unpacked. Every number becomes a double.
 */
#ifndef CAMEOS_TESTS_TJSON_H
#define CAMEOS_TESTS_TJSON_H

#include "google/protobuf/struct.pb-c.h"

/* NULL when json is not an object or memory runs out. */
Google__Protobuf__Struct *tj_struct(const char *json) __attribute__((warn_unused_result));

#endif
