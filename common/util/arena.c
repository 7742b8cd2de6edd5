/*
 * arena.c - blocks carved front to back (see arena.h). Each new block
 * doubles the last, up to ARENA_MAX_BLOCK, so a big reply takes a few blocks
 * rather than dozens; an allocation larger than half the current block gets
 * a block of its own behind it, so the current block's free space is not
 * given up. Zeroing is per allocation: only what is handed out is written.
 */
#include "arena.h"

#include <stdlib.h>
#include <string.h>

struct arena {
    struct arena *next; /* older blocks */
    size_t used, cap;
    max_align_t data[];
};

void *arena_alloc(arena **a, size_t n)
{
    const size_t align = _Alignof(max_align_t);
    if (n > (size_t)-1 - sizeof(arena) - align)
        return NULL;
    n = (n + align - 1) / align * align;
    arena *m = *a;
    if (m && m->cap - m->used < n && n > m->cap / 2) {
        arena *own = malloc(sizeof(*own) + n);
        if (!own)
            return NULL;
        own->cap = own->used = n;
        own->next = m->next;
        m->next = own;
        return memset(own->data, 0, n);
    }
    if (!m || m->cap - m->used < n) {
        size_t cap = m ? m->cap * 2 : ARENA_FIRST_BLOCK;
        if (cap > ARENA_MAX_BLOCK)
            cap = ARENA_MAX_BLOCK;
        if (cap < n)
            cap = n;
        if (!(m = malloc(sizeof(*m) + cap)))
            return NULL;
        m->cap = cap;
        m->used = 0;
        m->next = *a;
        *a = m;
    }
    void *p = (char *)m->data + m->used;
    m->used += n;
    return memset(p, 0, n);
}

void *arena_alloc_ctx(void *a, size_t n)
{
    return arena_alloc(a, n);
}

void arena_free(arena **a)
{
    while (*a) {
        arena *m = *a;
        *a = m->next;
        free(m);
    }
}
