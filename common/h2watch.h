/*
 * h2watch - follows the frame headers of one plaintext HTTP/2 connection as
 * its bytes are read, and says when the client resets streams faster than
 * any honest client does (the rapid-reset flood, CVE-2023-44487), or floods
 * PING or SETTINGS frames.
 *
 * gRPC 1.51 makes a call of every HEADERS frame and keeps each one, reset or
 * not, until the flood stops: its connection's work queue only drains when
 * the reads pause, so the calls never reach the application while the flood
 * lasts and memory grows by ~16 KB a stream (200k resets: 3 GB). Only the
 * bytes show the attack in time; connlimit.c feeds each read of an accepted
 * connection here and shuts the socket down when this says so.
 *
 * Only frame headers are read (9 bytes a frame), never payloads. A stream
 * that does not begin with the HTTP/2 client preface (TLS) is not followed.
 * Pure: no allocation, the caller passes the time; one h2watch per
 * connection, used by one thread at a time.
 */
#ifndef CAMEOS_H2WATCH_H
#define CAMEOS_H2WATCH_H

#include <stddef.h>
#include <stdint.h>

/* RST_STREAM frames from a client within one second that end its
 * connection. A client cancels a call when its deadline passes or its user
 * gives up; thousands a second on one connection is an attack. */
#define H2WATCH_RESETS_PER_S 1000
/* PING and SETTINGS frames (not acknowledgements) within one second that end
 * a connection: each is owed an answer the server must queue, and a client
 * sends a handful a minute (keepalive, flow-control probes), not thousands a
 * second (CVE-2019-9512 and CVE-2019-9515). */
#define H2WATCH_CONTROL_PER_S 1000

typedef struct h2watch {
    uint8_t state; /* 0 preface, 1 frame header, 2 payload, 3 not followed */
    uint8_t have;  /* bytes of the preface or header seen */
    uint8_t hdr[9];
    uint32_t skip;   /* payload bytes left */
    uint64_t second; /* now_ms / 1000 that the counts are of */
    uint32_t resets;
    uint32_t control; /* PING and SETTINGS that ask for an answer */
} h2watch;

/* A new connection: expects the preface. */
void h2watch_init(h2watch *w);

/* Follows n more bytes the client sent, read at now_ms. Returns how many of
 * them to hand on: n, or, when a RST_STREAM frame makes the connection reach
 * H2WATCH_RESETS_PER_S within a second (or a PING or SETTINGS frame reaches
 * H2WATCH_CONTROL_PER_S), the bytes before that frame (*flood
 * is then set to 1; the connection is to be closed and the rest dropped, so
 * that gRPC never sees the frames past the line). */
size_t h2watch_feed(h2watch *w, const uint8_t *p, size_t n, uint64_t now_ms, int *flood)
    __attribute__((warn_unused_result));

#endif
