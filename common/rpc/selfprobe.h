/*
 * selfprobe - the process checks that its own gRPC listener still accepts.
 *
 * gRPC 1.51 ends its listener for good on the first accept error it does
 * not expect (CVE-2023-4785 for EMFILE; connlimit.c keeps those away, but
 * an EINVAL from a listening socket that was shut down, or whatever else a
 * later kernel returns, still does it). The process would then serve its
 * open connections and never another while its health looks fine from
 * inside. Every `every_ms` the probe opens a connection to the listener from
 * the loop, sends the HTTP/2 client preface, and waits for any answer:
 * bytes (the server's SETTINGS, a TLS alert) or the connection closed (at
 * MAX_CONNECTIONS) both mean the listener accepted it. A connection refused,
 * or silence for `timeout_ms` (it waits in a backlog nobody reads), is a
 * miss; after `misses` misses in a row the callback says so, and the server
 * drains and exits non-zero so that the orchestrator starts a new process.
 *
 * Owns its handles; selfprobe_close frees everything once they are closed.
 */
#ifndef CAMEOS_SELFPROBE_H
#define CAMEOS_SELFPROBE_H

#include <uv.h>

typedef struct selfprobe selfprobe;
typedef void (*selfprobe_dead_fn)(void *arg);

/* Probes host_port (GRPC_LISTEN: a wildcard address is probed on loopback).
 * NULL when the address does not parse or out of memory. */
selfprobe *selfprobe_start(uv_loop_t *loop, const char *host_port, int every_ms, int timeout_ms,
                           int misses, selfprobe_dead_fn dead, void *arg)
    __attribute__((warn_unused_result));

/* Stops probing; the memory goes once the handles are closed. NULL is fine. */
void selfprobe_close(selfprobe *p);

#endif
