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
 * HEADERS and CONTINUATION: gRPC 1.51 parses a header block split over
 * CONTINUATION frames again from the start of the unfinished field at each
 * frame, so a block's CPU grows with the square of its size (1 MiB of
 * metadata: about 30 MiB scanned), and all of it on the thread that serves
 * every other call. gRPC refuses such a call only once the block has been
 * parsed. A block past its bound (h2watch_init) closes the connection
 * before gRPC reads the frame that crosses it.
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

/* Each kind of frame draws on a bucket that holds BURST frames and refills
 * at RATE a second, as time passes on the server's clock. A count per
 * second would let a flood through whenever the server is too starved of
 * CPU to read BURST frames within one second: the calls piled up all the
 * same (166 MiB in a rapid-reset attack against a process held to a tenth
 * of a core). With a bucket, a connection that keeps sending faster than
 * RATE crosses the line however slowly it is read.
 *
 * RST_STREAM: a client cancels a call when its deadline passes or its user
 * gives up. A burst (every call of a connection timing out at once) is
 * honest; a hundred a second, second after second, is a client whose every
 * call fails, and thousands are an attack (CVE-2023-44487). */
#define H2WATCH_RESET_BURST 1000
#define H2WATCH_RESET_RATE  100
/* PING and SETTINGS frames that ask for an answer (CVE-2019-9512,
 * CVE-2019-9515): each is owed an acknowledgement the server must queue. A
 * client sends a handful a minute (keepalive, flow-control probes); the
 * rate is kept high because an acknowledgement is a few bytes, not a call. */
#define H2WATCH_CONTROL_BURST 1000
#define H2WATCH_CONTROL_RATE  1000

/* The bound on a header block's bytes on the wire, for a server that
 * refuses more than metadata_max bytes of metadata: a field's wire form is
 * at most a few bytes longer than the 32 + name + value gRPC counts, and
 * Huffman coding only shortens it, so twice the metadata and one frame
 * more is past anything gRPC would accept. */
#define H2WATCH_BLOCK_MAX(metadata_max) (2u * (uint32_t)(metadata_max) + 16384u)

typedef struct h2watch {
    uint8_t state; /* 0 preface, 1 frame header, 2 payload, 3 not followed */
    uint8_t have;  /* bytes of the preface or header seen */
    uint8_t hdr[9];
    uint32_t skip;    /* payload bytes left */
    uint64_t last_ms; /* when the buckets were last refilled */
    /* What the buckets hold, in thousandths of a frame (a frame takes
     * 1000; RATE thousandths come back each millisecond). */
    uint32_t reset_credit;
    uint32_t control_credit; /* PING and SETTINGS that ask for an answer */
    uint32_t block;          /* bytes of the header block under way */
    uint32_t block_max;      /* its bound; 0: none */
    uint8_t in_block;        /* HEADERS came without END_HEADERS */
} h2watch;

/* A new connection: expects the preface; both buckets full; header blocks
 * of at most block_max bytes (0: any size). */
void h2watch_init(h2watch *w, uint32_t block_max);

/* Follows n more bytes the client sent, read at now_ms (a monotonic clock).
 * Returns how many of them to hand on: n, or, when a RST_STREAM frame finds
 * its bucket empty (or a PING or SETTINGS frame finds its own empty), or a
 * HEADERS or CONTINUATION frame takes its header block past block_max, the
 * bytes before that frame (*flood is then set to 1; the connection is to be
 * closed and the rest dropped, so that gRPC never sees the frames past the
 * line). */
size_t h2watch_feed(h2watch *w, const uint8_t *p, size_t n, uint64_t now_ms, int *flood)
    __attribute__((warn_unused_result));

#endif
