/*
 * rowmap_cells.h - fuzz_rowmap's synthetic results: the fuzzer's input read
 * as column types and formats and as cells, RAW (any bytes, any type OID)
 * or TYPED (a valid value of the column's kind in a type and format the
 * real statements use, with what its field must then read as), and the
 * PGresult made of them with libpq's public constructors. fuzz_rowmap.c's
 * header comment says which input bytes mean what; rowmap_expect.h checks
 * a reply against TYPED cells.
 *
 * Ownership: a cells_in points into the fuzzer's input and copies nothing.
 * An array of cells comes from cells_alloc and goes to cells_free, which
 * frees each cell's bytes and text too (malloc'd, the cell's). A TYPED JSON
 * cell's doc lives in the jsonr_mem given to cells_typed (the caller's
 * arena, freed by the caller). cells_result copies the cells into a new
 * PGresult, the caller's (PQclear).
 */
#ifndef CAMEOS_FUZZ_ROWMAP_CELLS_H
#define CAMEOS_FUZZ_ROWMAP_CELLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "jsonr.h"
#include "rowmap.h"

#include "google/protobuf/struct.pb-c.h"

/* The most columns a rowmap (and so a result) has. */
#define CELLS_MAX_COLS 48

/* The unread rest of the input. */
typedef struct cells_in {
    const uint8_t *p;
    size_t n;
} cells_in;

/* How a column is sent. */
typedef struct cells_spec {
    unsigned oid;
    int format;  /* 0 text, 1 binary */
    int variant; /* TYPED: how the kind is sent */
} cells_spec;

/* One cell, and (TYPED) what its field must read as. */
typedef struct cells_value {
    char *bytes; /* malloc'd; NULL for "" */
    int len;     /* -1: SQL NULL */
    /* TYPED: what the field should hold */
    char *text;                   /* RM_TEXT, RM_ENUM; malloc'd */
    long long i;                  /* RM_INT32, RM_BOOL, RM_ENUM; RM_TS: unix microseconds */
    double d;                     /* RM_DOUBLE */
    size_t depth;                 /* JSON: nesting */
    bool marker;                  /* JSON: ROWMAP_JSON_TOO_LARGE */
    Google__Protobuf__Value *doc; /* JSON: the text as jsonr reads it; NULL when too deep */
} cells_value;

/* The next input byte, 0 past the end. */
unsigned cells_take(cells_in *s);

/* RAW: a column of any type OID (pgbin's, a few it does not know, or any 4
 * bytes) in either format, from s. */
cells_spec cells_raw_spec(cells_in *s);
/* TYPED: one of the ways a column of kind k is sent, picked by sel. */
cells_spec cells_typed_spec(rowmap_kind k, unsigned sel);

/* RAW: a cell of arbitrary bytes, or SQL NULL, from s. */
void cells_raw(cells_in *s, cells_value *cv);
/* TYPED: a valid value of col's kind sent as cs says, or SQL NULL, from s;
 * JSON trees (cv->doc) are allocated from mem. */
void cells_typed(cells_in *s, const rowmap_col *col, const cells_spec *cs, cells_value *cv,
                 const jsonr_mem *mem);

/* A PGRES_TUPLES_OK result of nrows rows of ncols columns named after m's
 * first ncols columns: cells row by row. */
PGresult *cells_result(const rowmap *m, const cells_spec *specs, size_t ncols,
                       const cells_value *cells, int nrows);

/* n zeroed cells (at least one); cells_free frees them and what they hold. */
cells_value *cells_alloc(size_t n);
void cells_free(cells_value *cells, size_t n);

/* jsonr_mem's alloc over an arena: ctx is an arena ** (arena.h). */
void *cells_arena_mem(void *ctx, size_t n);

#endif
