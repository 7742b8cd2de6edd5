/*
 * readgate - decides when a call may receive its request message.
 *
 * gRPC receives a message whole before it completes the read, so each read
 * in flight may hold up to MAX_RECV_BYTES, and a body sent a byte at a time
 * holds its read for as long as the sender likes. The gate admits at most
 * `slots` reads at once and at most `per_key` of them for one caller (the
 * token's subject, or the peer address when there is no token), so that one
 * caller cannot take every slot; the others wait in arrival order, and the
 * first waiting entry whose caller is under its share goes next. A small
 * message is received within the loop turn that asked for it, so under
 * honest traffic the gate is open and nobody waits.
 *
 * The gate does not own its entries: a call embeds one (readgate_entry) and
 * keeps it until the gate is done with it. Pure; loop thread only.
 */
#ifndef CAMEOS_READGATE_H
#define CAMEOS_READGATE_H

#include <stdint.h>

#define READGATE_KEY_MAX 64

typedef enum readgate_state {
    READGATE_IDLE = 0,
    READGATE_WAITING,
    READGATE_ACTIVE,
} readgate_state;

typedef struct readgate_entry {
    struct readgate_entry *next, **prev; /* in the active list or the queue */
    readgate_state state;
    uint64_t since_ms; /* when it became active */
    char key[READGATE_KEY_MAX];
} readgate_entry;

typedef struct readgate {
    int slots, per_key, active, waiting;
    readgate_entry *running;             /* active entries */
    readgate_entry *queue, **queue_tail; /* waiting entries, oldest first */
} readgate;

/* An open gate of slots reads, per_key of them per caller (both >= 1). */
void readgate_init(readgate *g, int slots, int per_key);

/* Enters e (IDLE) for caller key (cut to READGATE_KEY_MAX - 1 bytes): 1 when
 * it may read now (ACTIVE), 0 when it waits (WAITING). */
int readgate_enter(readgate *g, readgate_entry *e, const char *key, uint64_t now_ms)
    __attribute__((warn_unused_result));

/* Takes e out of the gate, whatever its state (IDLE does nothing). */
void readgate_leave(readgate *g, readgate_entry *e);

/* After a leave: the next waiting entry that may read, now ACTIVE, or NULL.
 * Call it until NULL. */
readgate_entry *readgate_next(readgate *g, uint64_t now_ms) __attribute__((warn_unused_result));

/* The first active entry that has been reading for timeout_ms or more, from
 * after `after` (NULL: from the start), or NULL. */
readgate_entry *readgate_overdue(readgate *g, readgate_entry *after, uint64_t now_ms,
                                 uint64_t timeout_ms);

#endif
