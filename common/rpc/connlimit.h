/*
 * connlimit - a cap on the connections a process keeps, and a listener that
 * survives a full descriptor table.
 *
 * gRPC core accepts its connections itself and has no connection cap; the
 * 1.51 that Debian 12 ships also stops its listener for good the first time
 * accept4 fails with EMFILE or ENFILE (CVE-2023-4785): after that the
 * process serves the connections it has and never another. So this module
 * defines accept4 in the executable, where the dynamic linker binds every
 * library's call to it (gRPC's and libuv's alike), and calls the kernel's
 * itself:
 *
 *   - a connection given a descriptor number at or above the limit is closed
 *     at once, and so is the rest of the backlog; the caller then sees
 *     EAGAIN. Linux hands out the lowest free number, so a number at the
 *     limit means every number below it is taken: the connections kept never
 *     exceed the limit, and the descriptors above it stay free for the
 *     database, the metrics port and gRPC's own pipes.
 *   - EMFILE and ENFILE never reach the caller: a reserved descriptor is let
 *     go for a moment to take the waiting connection off the backlog and
 *     close it, then EAGAIN.
 *   - the errors accept(2) says to retry (ENOBUFS, EPROTO, ...) reach the
 *     caller as ECONNABORTED, which gRPC 1.51 retries and does not treat as
 *     the end of its listener.
 *
 * Before connlimit_init the wrapper passes every call through unchanged.
 * The state is process-wide and thread-safe (gRPC accepts on its own
 * threads).
 */
#ifndef CAMEOS_CONNLIMIT_H
#define CAMEOS_CONNLIMIT_H

#include <stddef.h>
#include <stdint.h>

/* Descriptors kept free above the connection limit. */
#define CONNLIMIT_HEADROOM 128
/* The cap when none is configured and the descriptor limit allows more:
 * what a 128 MiB pod holds with room to serve (SECURITY.md). */
#define CONNLIMIT_DEFAULT 1024

/* Raises the soft RLIMIT_NOFILE to the hard one, reserves one descriptor,
 * and sets the limit: max_conns connections (0: CONNLIMIT_DEFAULT), fewer
 * when the descriptor limit leaves less than CONNLIMIT_HEADROOM above them.
 * Header blocks of more than block_max bytes close their connection (0:
 * no bound; see h2watch.h). 0 with the connections allowed in *allowed, or
 * -1 when the descriptor limit leaves no room for a single connection (why
 * in err). */
int connlimit_init(int max_conns, uint32_t block_max, int *allowed, char *err, size_t errsz)
    __attribute__((warn_unused_result));

/* Connections closed at the limit (or for want of descriptors) so far. */
unsigned long long connlimit_refused(void);

/* Connections shut down for resetting streams too fast, flooding PING or
 * SETTINGS, or a header block past its bound (h2watch.h). This
 * module also defines recvmsg, which gRPC reads its connections with: the
 * bytes of every connection accepted after connlimit_init pass through an
 * h2watch, and a connection it flags is shut down under gRPC. */
unsigned long long connlimit_reset_floods(void);

#endif
