/*
 * rpc.h - what a service sees of the runtime: its method table, the call
 * object handed to each handler, and the database glue.
 *
 * A service is a table of handlers plus its prepared statements;
 * server_main (server.h) does the rest (configuration, gRPC server, libuv loop, PostgreSQL pool,
 * health, reflection, logging, drain on SIGTERM, `migrate` subcommand).
 *
 * Threading: every function here runs on the loop thread, and every handler
 * and callback is called there.
 *
 * Ownership: the runtime owns the rpc_call and the decoded request; both live
 * until the call has finished and its last gRPC batch completed. A handler
 * must end each call exactly once (rpc_reply, rpc_fail or rpc_finish) and must
 * not touch the call after that. Messages passed to rpc_reply/rpc_send are
 * serialised at once and stay the caller's.
 */
#ifndef CAMEOS_RPC_H
#define CAMEOS_RPC_H

#include <stddef.h>
#include <stdint.h>
#include <grpc/status.h>
#include <protobuf-c/protobuf-c.h>

#include "auth.h"
#include "metrics.h"
#include "pgpool.h"

typedef struct rpc_call rpc_call;
typedef struct rpc_server rpc_server;
typedef void (*rpc_handler_fn)(rpc_call *c, const ProtobufCMessage *req);
/* A NOTIFY on the service's listen_channel; payload NULL after every
 * (re)connect of the listening connection: resynchronise. */
typedef void (*rpc_notify_fn)(rpc_server *s, const char *payload);

typedef enum rpc_auth {
    RPC_AUTH_NONE = 0,     /* health, reflection */
    RPC_AUTH_USER = 1,     /* any valid token; acts as its sub */
    RPC_AUTH_INTERNAL = 2, /* role service_role only, else PERMISSION_DENIED */
} rpc_auth;

typedef enum rpc_kind {
    RPC_UNARY = 0,
    RPC_SERVER_STREAM = 1, /* one request, a stream of responses */
    RPC_BIDI = 2,          /* requests read with rpc_recv */
} rpc_kind;

/* One row of a service's method table. Methods of the service descriptor
 * that have no row (or a NULL handler) answer UNIMPLEMENTED. */
typedef struct rpc_method {
    const char *name; /* as in the proto, e.g. "GetProfile" */
    rpc_handler_fn handler;
    rpc_auth auth;
    rpc_kind kind;
    /* What a shared handler serves, fixed at registration: the resource
     * (a res_def) for the resource engine's res_* handlers; else NULL. */
    const void *arg;
} rpc_method;

/* How a violated constraint reads to the client, e.g. a taken username:
 * {"user_profiles_username_key", GRPC_STATUS_ALREADY_EXISTS, "username is taken"}. */
typedef struct rpc_constraint {
    const char *name;
    grpc_status_code code;
    const char *message;
} rpc_constraint;

/* Statement parameters built as text, for calls without a request to
 * borrow strings from (the janitor's). */
#define RPC_ARGS_MAX 8
typedef struct rpc_args {
    int n;
    const char *values[RPC_ARGS_MAX];
    char text[RPC_ARGS_MAX][24];
} rpc_args;
/* Appends v; past RPC_ARGS_MAX it is dropped and the statement then fails. */
void rpc_args_int(rpc_args *a, long long v);

typedef struct rpc_service {
    const char *binary; /* "cameos-credits": logs, application_name */
    const ProtobufCServiceDescriptor *desc;
    const rpc_method *methods;
    size_t nmethods;
    const pgpool_stmt *stmts;
    size_t nstmts;
    const rpc_constraint *constraints; /* may be NULL */
    size_t nconstraints;
    /* Housekeeping: statement janitor_stmt runs every janitor_every_s
     * seconds as service_role (0 disables it), with the parameters
     * janitor_args writes (NULL: none); janitor_done, when set, reads its
     * one result (e.g. into the series below). A failure is only logged:
     * the next tick tries again. */
    int janitor_stmt;
    int janitor_every_s;
    void (*janitor_args)(rpc_server *s, rpc_args *a);
    void (*janitor_done)(rpc_server *s, const PGresult *r);
    /* The service's own metrics (metrics.h), set through rpc_server_metrics. */
    const metrics_series *series;
    size_t nseries;
    const char *listen_channel; /* NULL: no LISTEN connection */
    rpc_notify_fn on_notify;
    /* What the service keeps per loop (rpc_server_data), e.g. the streams a
     * notification cues: loop_data_new makes it as the loop is set up,
     * before any call or notification reaches the loop (NULL: out of
     * memory, and the process does not start); loop_data_free gets it once
     * the loop has run dry, when no call, notification or statement of the
     * loop is left. Calls and notifications are handled on their loop's
     * thread, so it needs no lock. Both NULL: none. */
    void *(*loop_data_new)(rpc_server *s);
    void (*loop_data_free)(void *data);
    const unsigned char *fds; /* embedded FileDescriptorSet for reflection */
    size_t fds_len;
    const char *default_grpc_listen;
    const char *default_metrics_listen;
} rpc_service;

/* The process a call belongs to. */
rpc_server *rpc_call_server(const rpc_call *c);
/* Its metrics, for the service's series (NULL when metrics are off). */
metrics *rpc_server_metrics(rpc_server *s);
/* The loop's own data (rpc_service.loop_data_new), or NULL when the
 * service keeps none. The server's. */
void *rpc_server_data(const rpc_server *s);
/* Its configuration (config.h), read-only, valid while the process runs. */
const struct config *rpc_server_config(const rpc_server *s);
/* A transaction not tied to a call (e.g. re-reading a row after a NOTIFY);
 * the caller submits it with pgpool_submit and frees it. NULL when out of
 * memory or while the pool is closed. */
pgq *rpc_server_db(rpc_server *s, const char *claims_json) __attribute__((warn_unused_result));

/* The verified token of the caller; NULL on RPC_AUTH_NONE methods. */
const auth_claims *rpc_claims(const rpc_call *c);
/* The decoded request (also passed to the handler). */
const ProtobufCMessage *rpc_request(const rpc_call *c);
/* The key of page tokens (list.h), RPC_PAGE_KEY_LEN bytes derived from
 * JWT_SECRET (a token never doubles as a signature), or with previous set
 * the one from JWT_SECRET_PREVIOUS (NULL when none is set). The server's. */
#define RPC_PAGE_KEY_LEN 32
const unsigned char *rpc_page_key(const rpc_call *c, int previous);
/* The index of the call's row in the service's method table (rpc_service
 * .methods), or -1 for a method that has none (health, reflection). */
int rpc_method_index(const rpc_call *c);

/* Unary success: sends resp and status OK. */
void rpc_reply(rpc_call *c, const ProtobufCMessage *resp);
/* rpc_reply when the caller knows an upper bound of resp's packed size
 * (0: it does not): the message is packed once into that much room instead
 * of being sized first. A bound that is too small is a memory error; the
 * sanitizer builds check every bound against the real size and abort. */
void rpc_reply_within(rpc_call *c, const ProtobufCMessage *resp, size_t bound);
/* Any failure: status code with a short English message for a person. */
void rpc_fail(rpc_call *c, grpc_status_code code, const char *msg);
/* printf-style rpc_fail. */
void rpc_failf(rpc_call *c, grpc_status_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Streams: queue one message; messages go out in order. A stream whose
 * client leaves RPC_STREAM_QUEUE_MAX messages unsent (it stopped reading) is
 * ended RESOURCE_EXHAUSTED and its queue dropped. */
#define RPC_STREAM_QUEUE_MAX 64
void rpc_send(rpc_call *c, const ProtobufCMessage *msg);
/* Streams: end the call once every queued message is out. */
void rpc_finish(rpc_call *c, grpc_status_code code, const char *msg);
/* True once the call has ended or the client has gone. */
int rpc_is_over(const rpc_call *c);
/* Streams: messages queued or on their way, not yet taken by gRPC's
 * transport. A stream of cues can skip a cue while one is still pending. */
int rpc_send_backlog(const rpc_call *c);

/* Bidi: ask for the next request message; cb gets NULL/0/eof=1 when the client
 * half-closes. The bytes are valid during the callback only, and have passed
 * the shape checks of every request message (pbguard.h: depth, count,
 * field numbers; a message that fails them ends the call INVALID_ARGUMENT
 * and cb is not called). The read starts
 * once every message queued before has been sent: a client answered one
 * request at a time cannot pile up answers it does not read. */
typedef void (*rpc_recv_fn)(rpc_call *c, const uint8_t *buf, size_t len, int eof);
void rpc_recv(rpc_call *c, rpc_recv_fn cb);

/* Zeroed memory that lives as long as the call (state a handler needs when
 * its database results come back). NULL when out of memory. */
void *rpc_alloc(rpc_call *c, size_t n) __attribute__((warn_unused_result));

/* Runs fn(p) when the call is freed (e.g. to free a decoded Struct). -1 when
 * out of memory, in which case fn(p) has already run. */
int rpc_defer(rpc_call *c, void (*fn)(void *p), void *p) __attribute__((warn_unused_result));

/* Per-call state of a handler; cleanup (may be NULL) runs when the call is freed. */
void rpc_set_data(rpc_call *c, void *data, void (*cleanup)(rpc_call *c, void *data));
void *rpc_data(const rpc_call *c);

/* Database: a transaction that runs with the caller's claims. NULL when it
 * cannot be had; the call is then already answered UNAVAILABLE. */
pgq *rpc_db(rpc_call *c) __attribute__((warn_unused_result));
/* Appends a statement; a wrong count is a bug: the call fails INTERNAL and
 * -1 is returned so the handler stops. */
int rpc_db_add(rpc_call *c, pgq *q, int stmt, int nparams, const char *const *values)
    __attribute__((warn_unused_result));
/* Runs q. ok runs only on success, and q is freed after it returns; every
 * failure is answered here with the status docs/API.md §3 gives its SQLSTATE
 * (serialization failures are retried first). */
typedef void (*rpc_db_fn)(rpc_call *c, pgq *q);
void rpc_db_run(rpc_call *c, pgq *q, rpc_db_fn ok);
/* The common case: a transaction of one statement. On any failure the call
 * is already answered; either way the handler has nothing left to do. */
void rpc_db1(rpc_call *c, int stmt, int nparams, const char *const *values, rpc_db_fn ok);

#endif
