/* testdb - libpq helpers for the integration tests' database assertions. */
#include "testdb.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest prefix kept in a test email: with "_" and 16 hex digits the local
 * part stays within the 32 characters a username may have. */
#define TDB_PREFIX_MAX 15

static PGresult *tdb_run(PGconn *db, const char *sql, int nparams, const char *const *params);

PGconn *tdb_connect(void)
{
    const char *url = getenv("DATABASE_URL");
    if (url == NULL || *url == '\0')
        cr_assert_fail("tdb: DATABASE_URL is not set (source .stack/env first)");
    PGconn *db = PQconnectdb(url);
    if (db == NULL)
        cr_assert_fail("tdb: out of memory connecting to the database");
    if (PQstatus(db) != CONNECTION_OK) {
        char why[512];
        snprintf(why, sizeof(why), "%s", PQerrorMessage(db));
        PQfinish(db);
        cr_assert_fail("tdb: cannot connect with DATABASE_URL: %s", why);
    }
    return db;
}

char *tdb_scalar(PGconn *db, const char *sql, int nparams, const char *const *params)
{
    PGresult *res = tdb_run(db, sql, nparams, params);
    char *v = NULL;
    int oom = 0;
    if (PQntuples(res) > 0 && PQnfields(res) > 0 && !PQgetisnull(res, 0, 0)) {
        v = strdup(PQgetvalue(res, 0, 0));
        oom = v == NULL;
    }
    PQclear(res);
    if (oom)
        cr_assert_fail("tdb: out of memory\n  sql: %s", sql);
    return v;
}

long long tdb_int(PGconn *db, const char *sql, int nparams, const char *const *params)
{
    char *v = tdb_scalar(db, sql, nparams, params);
    if (v == NULL)
        cr_assert_fail("tdb: no row or NULL where an integer was expected\n  sql: %s", sql);
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    int bad = errno != 0 || end == v || *end != '\0';
    if (bad) {
        char text[128];
        snprintf(text, sizeof(text), "%s", v);
        free(v);
        cr_assert_fail("tdb: \"%s\" is not an integer\n  sql: %s", text, sql);
    }
    free(v);
    return n;
}

void tdb_exec(PGconn *db, const char *sql, int nparams, const char *const *params)
{
    PQclear(tdb_run(db, sql, nparams, params));
}

char *tdb_new_user(PGconn *db, const char *email_prefix)
{
    char prefix[TDB_PREFIX_MAX + 1];
    const char *src = email_prefix ? email_prefix : "user";
    size_t n = 0;
    for (; src[n] != '\0' && n < TDB_PREFIX_MAX; n++) {
        char ch = src[n];
        int ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                 ch == '_' || ch == '.' || ch == '-';
        prefix[n] = ok ? ch : '_';
    }
    prefix[n] = '\0';
    const char *params[] = {prefix};
    char *id = tdb_scalar(db,
                          "INSERT INTO auth.users (email) VALUES ($1 || '_' || "
                          "substr(md5(gen_random_uuid()::text), 1, 16) || '@example.test') "
                          "RETURNING id",
                          1, params);
    if (id == NULL)
        cr_assert_fail("tdb: inserting a user returned no id");
    return id;
}

/* Executes sql; on failure clears the result and fails the test. */
static PGresult *tdb_run(PGconn *db, const char *sql, int nparams, const char *const *params)
{
    if (db == NULL || sql == NULL)
        cr_assert_fail("tdb: no connection or no SQL");
    PGresult *res = PQexecParams(db, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return res;
    char why[1024];
    snprintf(why, sizeof(why), "%s", res ? PQresultErrorMessage(res) : PQerrorMessage(db));
    PQclear(res);
    cr_assert_fail("tdb: SQL failed: %s  sql: %s", why, sql);
    return NULL; /* not reached: the failure above ends the test */
}
