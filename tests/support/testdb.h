/*
 * testdb - libpq helpers for the integration tests' database assertions.
 *
 * Connects with DATABASE_URL from the environment (a superuser URL, as the
 * stack's .stack/env gives it) and runs parameterised SQL in text format.
 * Any failure (no DATABASE_URL, connection refused, SQL error, a value that
 * is not what the helper promises) fails the current Criterion test with a
 * message naming the statement, so call these from the test's own thread,
 * never from threads a test spawns. A PGconn is not shared between threads.
 *
 * Ownership: the caller frees strings with free() and the PGconn with
 * PQfinish(). params are text values (NULL is SQL NULL) and stay the caller's.
 */
#ifndef CAMEOS_TESTS_TESTDB_H
#define CAMEOS_TESTS_TESTDB_H

#include <libpq-fe.h>

/* A new connection to DATABASE_URL. Never NULL (the test fails instead). */
PGconn *tdb_connect(void) __attribute__((warn_unused_result));

/* First column of the first row as malloc'd text; NULL for no row or NULL. */
char *tdb_scalar(PGconn *db, const char *sql, int nparams, const char *const *params)
    __attribute__((warn_unused_result));

/* Like tdb_scalar, as an integer; no row, NULL or non-integer text fail the test. */
long long tdb_int(PGconn *db, const char *sql, int nparams, const char *const *params);

/* Runs a statement, ignoring any rows it returns. */
void tdb_exec(PGconn *db, const char *sql, int nparams, const char *const *params);

/* Inserts an auth.users row, whose trigger makes the profile (100 credits);
 * returns the new user's id, malloc'd. The email is
 * "<prefix>_<16 hex>@example.test" with prefix cut to 15 characters of
 * [A-Za-z0-9_.-] (others become '_'; NULL means "user"), so the derived
 * username is the local part unless that name was already taken. */
char *tdb_new_user(PGconn *db, const char *email_prefix) __attribute__((warn_unused_result));

#endif
