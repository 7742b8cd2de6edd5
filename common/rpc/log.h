/*
 * log.h - structured logs: one JSON object per line on stderr.
 *
 * log_rpc writes the line every finished RPC gets; log_msg is for process
 * events (start, drain, database up/down). Lines are built in a stack
 * buffer and never interleave. RPC lines wait in a process buffer (one
 * write(2) per loop turn instead of one per call: a sixth of a point read's
 * service time went to that write); log_flush writes them, and log_msg
 * writes them before its own line, so the order stays the order of events.
 * No allocation; nothing to free.
 */
#ifndef CAMEOS_LOG_H
#define CAMEOS_LOG_H

#include "config.h"

/* Set once at start; service names every line. */
void log_init(const char *service, int level);
int log_enabled(int level);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* log_msg for lines a flood could multiply (gRPC's own messages): at most
 * 100 a second, the rest counted and reported in one line. Failed calls'
 * log_rpc lines share that rule (each kind its own budget; the server's
 * own faults, INTERNAL and the like, have a budget of their own). */
void log_msg_limited(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* log_msg for a line a call writes before its RPC line: it carries the
 * call's trace_id and span_id, so it can be tied to the call. */
void log_call_msg(int level, const char *trace_id, const char *span_id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

typedef struct log_rpc_line {
    const char *method; /* full path "/pkg.Service/Method" */
    const char *code;   /* "OK", "NOT_FOUND", ... */
    long long duration_us;
    const char *user;         /* sub of the caller, or NULL */
    const char *peer;         /* or NULL */
    const char *sqlstate;     /* set when a database error decided the code */
    const char *message;      /* status message when not OK */
    int fault;                /* the server's fault, not the caller's: level error */
    const char *detail;       /* for a fault: the database's own message, or NULL */
    const char *trace_id;     /* W3C trace id: the caller's traceparent's, or fresh */
    const char *span_id;      /* this call's span id, or NULL */
    const char *parent_id;    /* the caller's span id (traceparent), or NULL */
    const char *x_request_id; /* the caller's x-request-id header, or NULL */
    const char *request_id;   /* the request's idempotency key, or NULL */
} log_rpc_line;
void log_rpc(const log_rpc_line *l);
/* Writes the buffered RPC lines: the server calls it before its loop waits
 * for I/O, and on exit. Any thread. */
void log_flush(void);

#endif
