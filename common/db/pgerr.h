/*
 * pgerr - maps PostgreSQL SQLSTATEs to gRPC status codes (docs/API.md §3).
 *
 * Pure and allocation-free: every string returned is static. The messages
 * are generic English sentences that never carry SQL or server detail; only
 * for our own CMxxx errors (raised by our functions with a message written
 * for people) may the caller pass the database's primary message on.
 */
#ifndef CAMEOS_PGERR_H
#define CAMEOS_PGERR_H

#include <grpc/status.h>

typedef struct pgerr_map {
    grpc_status_code code;
    int retryable;       /* serialization failure or deadlock: rerun the transaction */
    int use_db_message;  /* CMxxx: the database's primary message is safe to show */
    const char *message; /* generic message; always set, the fallback for CMxxx */
} pgerr_map;

/* What a cancelled statement (57014) was cancelled for. */
enum { PGERR_CANCEL_UNKNOWN = 0, PGERR_CANCEL_DEADLINE = 1, PGERR_CANCEL_CLIENT = 2 };

/* Classifies sqlstate (NULL when the connection was lost without a result).
 * cancel_reason is one of PGERR_CANCEL_* and only matters for 57014. */
pgerr_map pgerr_classify(const char *sqlstate, int cancel_reason);

/* pgerr_classify with the database's primary message (may be NULL), for the
 * internal errors that are known to be transient: PostgreSQL 15 can fail a
 * row update with XX000 "new multixact has more than one updating member"
 * when a transaction that holds a key-share lock on a row (a foreign key
 * check) updates it just after another transaction's update committed. The
 * transaction is rolled back whole, so it reads as a conflict (ABORTED,
 * retryable) rather than INTERNAL. */
pgerr_map pgerr_classify_error(const char *sqlstate, const char *message, int cancel_reason);

/* 1 when rerunning the whole transaction may succeed: serialization
 * failure, deadlock, and the transient internal errors above. */
int pgerr_transient(const char *sqlstate, const char *message);

/* The canonical name of a status code as gRPC spells it ("OK", "CANCELLED",
 * ..., "UNAUTHENTICATED"); "UNKNOWN" for numbers outside 0..16. */
const char *pgerr_code_name(grpc_status_code code);

/* The label value go-grpc-prometheus puts in grpc_code (Go's codes.Code
 * String(): "OK", "Canceled", "InvalidArgument", ...); "Unknown" outside
 * 0..16. */
const char *pgerr_code_label(grpc_status_code code);

#endif
