/*
 * rowmap_expect.h - what fuzz_rowmap holds rowmap.c's replies to: a field
 * of a message read through its descriptor, and, for TYPED cells
 * (rowmap_cells.h), what the message read from a row must hold and whether
 * rowmap may refuse the row. A broken expectation is a FUZZ_CHECK (abort).
 *
 * Ownership: everything here only reads the messages and cells it is given;
 * the only allocations are the JSON trees expect_check_row parses for
 * comparison, from mem (the caller's arena).
 */
#ifndef CAMEOS_FUZZ_ROWMAP_EXPECT_H
#define CAMEOS_FUZZ_ROWMAP_EXPECT_H

#include <stdbool.h>
#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

#include "jsonr.h"
#include "rowmap.h"
#include "rowmap_cells.h"

/* The field fd of msg as a type (a singular field, or a repeated field's
 * array), and a repeated field's count. */
#define EXPECT_AT(msg, fd, type) (*(type const *)((const char *)(msg) + (fd)->offset))
#define EXPECT_COUNT_OF(msg, fd) (*(const size_t *)((const char *)(msg) + (fd)->quantifier_offset))

/* The field of d named name; FUZZ_CHECKs that there is one (the rowmaps are
 * derived from their descriptors). */
const ProtobufCFieldDescriptor *expect_field_of(const ProtobufCMessageDescriptor *d,
                                                const char *name);

/* Every field of msg, read by m, against the TYPED cells of its row (m's
 * ncols of them); JSON fields are compared with the cell's doc. */
void expect_check_row(const rowmap *m, const ProtobufCMessage *msg, const cells_value *row,
                      const jsonr_mem *mem);

/* Would rowmap refuse to read this row (RESOURCE_EXHAUSTED, or the page
 * cut before it)? A free-form JSON cell too deep for jsonr, or the
 * statement's stand-in for one too large. */
bool expect_row_over(const rowmap *m, const cells_value *row);

#endif
