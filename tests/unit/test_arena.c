/*
 * Unit tests for arena (common/arena): zeroed, aligned, non-overlapping
 * memory that stays put; big requests; reuse after arena_free; overflow.
 * LeakSanitizer (ASan build) checks that arena_free frees every block.
 */
#include "arena.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

static int all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

Test(arena, zeroed_aligned_and_apart)
{
    arena *a = NULL;
    enum { N = 3000 };
    static unsigned char *ptr[N];
    static size_t len[N];
    for (size_t i = 0; i < N; i++) {
        len[i] = (i * 7919) % 700; /* 0 .. 699, some over half a first block */
        if (i % 97 == 0)
            len[i] = 5000 + i; /* larger than a whole first block */
        ptr[i] = arena_alloc(&a, len[i]);
        cr_assert_not_null(ptr[i]);
        cr_assert_eq((uintptr_t)ptr[i] % _Alignof(max_align_t), 0, "allocation %zu aligned", i);
        cr_assert(all_zero(ptr[i], len[i]), "allocation %zu zeroed", i);
        memset(ptr[i], (int)(i % 251) + 1, len[i]);
    }
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < len[i]; k++)
            cr_assert_eq(ptr[i][k], (unsigned char)(i % 251 + 1), "allocation %zu kept its bytes",
                         i);
    arena_free(&a);
    cr_assert_null(a);
}

/* A request larger than half the current block gets its own block; the
 * current one keeps serving small requests from where it was. */
Test(arena, big_request_keeps_the_current_block)
{
    arena *a = NULL;
    unsigned char *x = arena_alloc(&a, 16);
    unsigned char *big = arena_alloc(&a, ARENA_FIRST_BLOCK);
    unsigned char *y = arena_alloc(&a, 16);
    cr_assert(x && big && y);
    cr_assert_eq(y, x + 16, "the small one follows in the same block");
    cr_assert(all_zero(big, ARENA_FIRST_BLOCK));
    unsigned char *huge = arena_alloc(&a, 10 * ARENA_MAX_BLOCK);
    cr_assert_not_null(huge);
    cr_assert(all_zero(huge, 10 * ARENA_MAX_BLOCK));
    arena_free(&a);
}

Test(arena, reusable_after_free_and_refuses_overflow)
{
    arena *a = NULL;
    cr_assert_null(arena_alloc(&a, SIZE_MAX));
    cr_assert_null(arena_alloc(&a, SIZE_MAX - 8));
    cr_assert_null(a, "a refused request allocates nothing");
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 100; i++)
            cr_assert_not_null(arena_alloc(&a, 1000));
        arena_free(&a);
        cr_assert_null(a);
    }
    arena_free(&a); /* freeing an empty arena is fine */
    cr_assert_not_null(arena_alloc(&a, 0));
    arena_free(&a);
}
