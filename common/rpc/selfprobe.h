/*
 * selfprobe - the process checks that its own gRPC listener still accepts.
 *
 * gRPC 1.51 ends its listener for good on the first accept error it does
 * not expect (CVE-2023-4785 for EMFILE; connlimit.c keeps those away, but
 * an EINVAL from a listening socket that was shut down, or whatever else a
 * later kernel returns, still does it). The process would then serve its
 * open connections and never another while its health looks fine from
 * inside. Every `every_ms` the probe opens `width` connections to the
 * listener from the loop, sends the HTTP/2 client preface on each, and
 * waits for any answer: bytes (the server's SETTINGS, a TLS alert) or the
 * connection closed (at MAX_CONNECTIONS) both mean the listener accepted
 * it. A connection refused, or silent for `timeout_ms` (it waits in a
 * backlog nobody reads), makes the round a miss; after `misses` misses in a
 * row the callback says so, and the server drains and exits non-zero so
 * that the orchestrator starts a new process.
 *
 * Several loops listen on one port (SO_REUSEPORT), and the kernel hands
 * each connection to one of their sockets, by its source port: a probe of
 * one connection reaches a given one of L listeners only one time in L. A
 * round of `width` connections misses a dead one with odds of
 * ((L-1)/L)^width: 1 in 256 for 2 loops and 8 connections.
 *
 * Owns its handles; selfprobe_close frees everything once they are closed.
 */
#ifndef CAMEOS_SELFPROBE_H
#define CAMEOS_SELFPROBE_H

#include <uv.h>

typedef struct selfprobe selfprobe;
typedef void (*selfprobe_dead_fn)(void *arg);

/* At most this many connections a round. */
#define SELFPROBE_WIDTH_MAX 32

/* Probes host_port (GRPC_LISTEN: a wildcard address is probed on loopback)
 * with rounds of width connections (1..SELFPROBE_WIDTH_MAX). NULL when the
 * address does not parse or out of memory. */
selfprobe *selfprobe_start(uv_loop_t *loop, const char *host_port, int every_ms, int timeout_ms,
                           int width, int misses, selfprobe_dead_fn dead, void *arg)
    __attribute__((warn_unused_result));

/* Stops probing; the memory goes once the handles are closed. NULL is fine. */
void selfprobe_close(selfprobe *p);

#endif
