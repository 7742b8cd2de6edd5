/*
 * credits_fixture - what every test_credits_*.c shares: the suite fixture (a
 * channel to CREDITS_ADDR, a superuser connection to DATABASE_URL and a
 * service_role token), calls of the CreditsService RPCs, and the database
 * reads their assertions need.
 *
 * Every function may fail the running Criterion test (they assert), so call
 * them from the test's own thread, never from threads a test spawns; those
 * may read the cf_ variables once cf_setup has run.
 *
 * Ownership: returned strings are malloc'd and the caller's to free(), and
 * every tc_result is the caller's (tc_result_free). cf_chan, cf_db,
 * cf_secret and cf_svc_tok are the fixture's: cf_setup sets them,
 * cf_teardown releases them.
 */
#ifndef CAMEOS_TESTS_CREDITS_FIXTURE_H
#define CAMEOS_TESTS_CREDITS_FIXTURE_H

#include "client.h"
#include "testdb.h"

#include "cameos/credits/v1/credits.pb-c.h"

#include <criterion/criterion.h>
#include <stddef.h>
#include <stdlib.h>

#define CF_RPC(m)   "/cameos.credits.v1.CreditsService/" m
#define CF_NIL_UUID "00000000-0000-0000-0000-000000000000"

/* Asserts a call's status code, naming the call and what came back. */
#define CF_EXPECT_CODE(r, want, what)                                                              \
    cr_assert_eq((r).code, (want), "%s: want %s, got %s (%s)", (what), tc_code_name(want),         \
                 tc_code_name((r).code), (r).message)

/* Runs expr (a tc_result), asserts its code, that it carries no response and
 * that the account of uid did not change (cf_state before and after). */
#define CF_EXPECT_REFUSED(uid, expr, want, what)                                                   \
    do {                                                                                           \
        char *before_ = cf_state(uid);                                                             \
        tc_result r_ = (expr);                                                                     \
        CF_EXPECT_CODE(r_, want, what);                                                            \
        cr_assert_null(r_.resp);                                                                   \
        tc_result_free(&r_);                                                                       \
        char *after_ = cf_state(uid);                                                              \
        cr_assert_str_eq(after_, before_, "%s changed the account", (what));                       \
        free(before_);                                                                             \
        free(after_);                                                                              \
    } while (0)

extern tc_chan *cf_chan;
extern PGconn *cf_db;
extern const char *cf_secret;
extern char *cf_svc_tok; /* role service_role, for the internal RPCs */

/* Criterion .init and .fini of a suite. cf_setup needs CREDITS_ADDR,
 * JWT_SECRET and DATABASE_URL and waits (10 s at most) for the service. */
void cf_setup(void);
void cf_teardown(void);

/* The value of an environment variable; unset or empty fails the test. */
const char *cf_env(const char *name);

/* n random lowercase hex digits and a NUL into out (n + 1 bytes, n <= 128). */
void cf_hex(char *out, size_t n);

/* A fresh request id, "rid-" and 32 random hex digits (size >= 37). */
void cf_rid(char *out, size_t size);

/* An "authenticated" token for uid, valid for an hour. */
char *cf_user_tok(const char *uid) __attribute__((warn_unused_result));

/* Everything about an account that a refused call must leave alone, as one
 * text: credits, total_spent, username, avatar_url, updated_at and the
 * numbers of ledger rows and request keys. */
char *cf_state(const char *uid) __attribute__((warn_unused_result));

/* A generation of uid in status, charged 40 credits; returns its id. */
char *cf_gen(const char *uid, const char *status) __attribute__((warn_unused_result));

/* The id of the pricing tier called name (the test fails when none is). */
char *cf_tier(const char *name) __attribute__((warn_unused_result));

/* How many ledger rows uid has. */
long long cf_rows(const char *uid) __attribute__((warn_unused_result));

/* Unary call of method with tok (NULL: none) and a 30 s deadline; a local
 * failure of the client fails the test, any status is returned. */
tc_result cf_call(const char *method, const ProtobufCMessage *req,
                  const ProtobufCMessageDescriptor *resp_desc, const char *tok)
    __attribute__((warn_unused_result));

/* The ledger RPCs with the service token. NULL desc, gen or ref send "". */
tc_result cf_grant(const char *uid, int amount, const char *desc, const char *rid)
    __attribute__((warn_unused_result));
tc_result cf_spend(const char *uid, int amount, const char *desc, const char *gen, const char *rid)
    __attribute__((warn_unused_result));
tc_result cf_refund(const char *uid, const char *gen, const char *rid)
    __attribute__((warn_unused_result));
tc_result cf_purchase(const char *uid, const char *tier, const char *ref, const char *rid)
    __attribute__((warn_unused_result));

/* The transaction of any of the four ledger responses in r, and its balance
 * into *balance unless that is NULL. Points into r->resp. */
const Cameos__Credits__V1__CreditTransaction *cf_tx(const tc_result *r, int *balance);

#endif
