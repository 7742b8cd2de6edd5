/*
 * readgate.c - slots for receiving request messages (see readgate.h).
 * Lists are short: at most `slots` entries run, and the queue only grows
 * under a flood, when scanning it for an eligible caller is the point.
 */
#include "readgate.h"

#include <string.h>

static int key_count(const readgate *g, const char *key);
static void unlink_entry(readgate_entry *e);
static void run(readgate *g, readgate_entry *e, uint64_t now_ms);

void readgate_init(readgate *g, int slots, int per_key)
{
    memset(g, 0, sizeof(*g));
    g->slots = slots > 0 ? slots : 1;
    g->per_key = per_key > 0 ? per_key : 1;
    g->queue_tail = &g->queue;
}

int readgate_enter(readgate *g, readgate_entry *e, const char *key, uint64_t now_ms)
{
    size_t n = strlen(key);
    if (n >= READGATE_KEY_MAX)
        n = READGATE_KEY_MAX - 1;
    memcpy(e->key, key, n);
    e->key[n] = 0;
    /* Whoever waits is either behind a full gate or at its caller's share
     * (a slot that frees goes to the oldest eligible one at once), so a
     * caller under its share may take a free slot without overtaking
     * anyone who could have had it. */
    if (g->active < g->slots && key_count(g, e->key) < g->per_key) {
        run(g, e, now_ms);
        return 1;
    }
    e->state = READGATE_WAITING;
    e->next = NULL;
    e->prev = g->queue_tail;
    *g->queue_tail = e;
    g->queue_tail = &e->next;
    g->waiting++;
    return 0;
}

void readgate_leave(readgate *g, readgate_entry *e)
{
    if (e->state == READGATE_ACTIVE) {
        unlink_entry(e);
        g->active--;
    } else if (e->state == READGATE_WAITING) {
        if (g->queue_tail == &e->next)
            g->queue_tail = e->prev;
        unlink_entry(e);
        g->waiting--;
    }
    e->state = READGATE_IDLE;
}

readgate_entry *readgate_next(readgate *g, uint64_t now_ms)
{
    if (g->active >= g->slots)
        return NULL;
    for (readgate_entry *e = g->queue; e; e = e->next) {
        if (key_count(g, e->key) >= g->per_key)
            continue;
        readgate_leave(g, e);
        run(g, e, now_ms);
        return e;
    }
    return NULL;
}

readgate_entry *readgate_overdue(readgate *g, readgate_entry *after, uint64_t now_ms,
                                 uint64_t timeout_ms)
{
    for (readgate_entry *e = after ? after->next : g->running; e; e = e->next)
        if (now_ms - e->since_ms >= timeout_ms)
            return e;
    return NULL;
}

/* ---- internals ------------------------------------------------------- */

static int key_count(const readgate *g, const char *key)
{
    int n = 0;
    for (const readgate_entry *e = g->running; e; e = e->next)
        n += strcmp(e->key, key) == 0;
    return n;
}

static void unlink_entry(readgate_entry *e)
{
    *e->prev = e->next;
    if (e->next)
        e->next->prev = e->prev;
    e->next = NULL;
    e->prev = NULL;
}

static void run(readgate *g, readgate_entry *e, uint64_t now_ms)
{
    e->state = READGATE_ACTIVE;
    e->since_ms = now_ms;
    e->next = g->running;
    e->prev = &g->running;
    if (g->running)
        g->running->prev = &e->next;
    g->running = e;
    g->active++;
}
