/* Unit tests for readgate: slots, a share per caller, arrival order, and
 * leaving from either list. */
#include "readgate.h"

#include <criterion/criterion.h>
#include <string.h>

Test(readgate, open_until_the_slots_are_taken)
{
    readgate g;
    readgate_init(&g, 3, 3);
    readgate_entry e[4];
    memset(e, 0, sizeof(e));
    cr_assert_eq(readgate_enter(&g, &e[0], "a", 0), 1);
    cr_assert_eq(readgate_enter(&g, &e[1], "b", 0), 1);
    cr_assert_eq(readgate_enter(&g, &e[2], "c", 0), 1);
    cr_assert_eq(readgate_enter(&g, &e[3], "d", 0), 0, "the fourth waits");
    cr_assert_eq(e[3].state, READGATE_WAITING);
    cr_assert_null(readgate_next(&g, 1), "no slot is free yet");
    readgate_leave(&g, &e[1]);
    cr_assert_eq(readgate_next(&g, 1), &e[3], "the freed slot goes to the waiting one");
    cr_assert_eq(e[3].state, READGATE_ACTIVE);
    cr_assert_null(readgate_next(&g, 1));
    cr_assert_eq(g.active, 3);
    cr_assert_eq(g.waiting, 0);
}

Test(readgate, one_caller_gets_its_share_and_others_pass_it)
{
    readgate g;
    readgate_init(&g, 8, 2);
    readgate_entry a[5], b;
    memset(a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    for (int i = 0; i < 5; i++)
        cr_assert_eq(readgate_enter(&g, &a[i], "attacker", 0), i < 2, "entry %d", i);
    cr_assert_eq(readgate_enter(&g, &b, "honest", 0), 1, "another caller is not held up");
    cr_assert_eq(g.waiting, 3);
    /* A slot of another caller frees: the attacker is still at its share. */
    readgate_leave(&g, &b);
    cr_assert_null(readgate_next(&g, 1));
    /* One of its own frees: its oldest waiting entry goes. */
    readgate_leave(&g, &a[0]);
    cr_assert_eq(readgate_next(&g, 1), &a[2]);
    cr_assert_null(readgate_next(&g, 1));
}

Test(readgate, waiting_entries_can_leave_from_anywhere)
{
    readgate g;
    readgate_init(&g, 1, 1);
    readgate_entry e[4];
    memset(e, 0, sizeof(e));
    cr_assert_eq(readgate_enter(&g, &e[0], "x", 0), 1);
    for (int i = 1; i < 4; i++)
        cr_assert_eq(readgate_enter(&g, &e[i], "y", 0), 0);
    readgate_leave(&g, &e[3]); /* the tail */
    readgate_leave(&g, &e[1]); /* the head */
    cr_assert_eq(g.waiting, 1);
    readgate_entry late;
    memset(&late, 0, sizeof(late));
    cr_assert_eq(readgate_enter(&g, &late, "z", 0), 0, "queued behind e[2]");
    readgate_leave(&g, &e[0]);
    cr_assert_eq(readgate_next(&g, 5), &e[2], "arrival order");
    readgate_leave(&g, &e[2]);
    cr_assert_eq(readgate_next(&g, 6), &late, "the tail was kept right after removals");
    readgate_leave(&g, &late);
    readgate_leave(&g, &late); /* leaving twice is harmless */
    cr_assert_eq(g.active, 0);
    cr_assert_eq(g.waiting, 0);
}

Test(readgate, overdue_reads_are_found_in_turn)
{
    readgate g;
    readgate_init(&g, 4, 4);
    readgate_entry e[3];
    memset(e, 0, sizeof(e));
    cr_assert_eq(readgate_enter(&g, &e[0], "a", 1000), 1);
    cr_assert_eq(readgate_enter(&g, &e[1], "a", 5000), 1);
    cr_assert_eq(readgate_enter(&g, &e[2], "a", 1500), 1);
    int found = 0;
    for (readgate_entry *o = NULL; (o = readgate_overdue(&g, o, 11000, 9000));) {
        cr_assert(o == &e[0] || o == &e[2], "only the reads older than 9 s");
        found++;
    }
    cr_assert_eq(found, 2);
}

Test(readgate, long_keys_are_cut_not_overrun)
{
    readgate g;
    readgate_init(&g, 1, 1);
    char key[200];
    memset(key, 'k', sizeof(key) - 1);
    key[sizeof(key) - 1] = 0;
    readgate_entry e;
    memset(&e, 0, sizeof(e));
    cr_assert_eq(readgate_enter(&g, &e, key, 0), 1);
    cr_assert_eq(strlen(e.key), READGATE_KEY_MAX - 1);
}
