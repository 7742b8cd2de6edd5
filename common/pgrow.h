/*
 * pgrow.h - reading text-format PostgreSQL results into protobuf-c fields.
 *
 * Strings returned point into the PGresult (owned by the pgq, valid until
 * the handler returns); protobuf-c messages built from them must be sent
 * (serialised) before then, which rpc_reply does at once.
 * Timestamps come from SQL as microseconds since the epoch (int8), which
 * keeps them exact and independent of the session's DateStyle.
 */
#ifndef CAMEOS_PGROW_H
#define CAMEOS_PGROW_H

#include <libpq-fe.h>

#include "google/protobuf/timestamp.pb-c.h"

/* "" for SQL NULL. The cast drops const because protobuf-c fields are char *. */
char *pgrow_str(const PGresult *r, int row, int col);
int pgrow_is_null(const PGresult *r, int row, int col);
long long pgrow_i64(const PGresult *r, int row, int col);
int pgrow_i32(const PGresult *r, int row, int col);
double pgrow_f64(const PGresult *r, int row, int col);
int pgrow_bool(const PGresult *r, int row, int col);
/* Fills *ts from an epoch-microseconds column; returns ts, or NULL for SQL NULL. */
Google__Protobuf__Timestamp *pgrow_ts(const PGresult *r, int row, int col,
                                      Google__Protobuf__Timestamp *ts);

#endif
