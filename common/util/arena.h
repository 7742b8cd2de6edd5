/*
 * arena.h - call-scoped memory: blocks carved front to back and freed all
 * at once (rpc_alloc is one of these per call). A List reply makes hundreds
 * of small allocations; one malloc per block instead of one per allocation
 * halved the malloc/free time measured in a 50-row list.
 *
 * An arena is a pointer to its newest block, NULL when empty: declare
 * `arena *a = NULL;`, allocate with arena_alloc(&a, n), end with
 * arena_free(&a). Memory handed out is zeroed and aligned for any type, and
 * stays put until arena_free. Not thread-safe: one owner.
 */
#ifndef CAMEOS_ARENA_H
#define CAMEOS_ARENA_H

#include <stddef.h>

#define ARENA_FIRST_BLOCK 4096
#define ARENA_MAX_BLOCK   65536

typedef struct arena arena;

/* n zeroed bytes, or NULL when out of memory. */
void *arena_alloc(arena **a, size_t n) __attribute__((warn_unused_result));
/* arena_alloc for allocator callbacks that pass a void *: a is the arena **.
 * (jsonr_mem takes this one.) */
void *arena_alloc_ctx(void *a, size_t n) __attribute__((warn_unused_result));
/* Frees every block; *a becomes NULL (an empty arena, usable again). */
void arena_free(arena **a);

#endif
