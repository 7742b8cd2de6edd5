/*
 * migrate.c - applies the embedded migrations (db/migrations/NNNN_*.sql) in name
 * order, each once and in its own transaction, under a session advisory lock
 * so that any number of pods or jobs may run it at the same time: the first
 * applies, the others wait and then find nothing to do. A migration edited
 * after it was applied is refused rather than silently skipped.
 *
 * Blocking libpq on purpose: it runs before (or instead of) serving.
 */
#include "rpc_int.h"

#include <stdio.h>
#include <libpq-fe.h>

#include "embed.h"
#include "log.h"

/* "cameos" in ASCII: the one advisory lock key of this project. */
#define MIGRATE_LOCK_KEY "109521543868531"

static int exec_ok(PGconn *pg, PGresult *r, const char *what);
static void notice_ignore(void *arg, const char *msg);

int migrate_run(const char *conninfo)
{
    PGconn *pg = PQconnectdb(conninfo);
    if (PQstatus(pg) != CONNECTION_OK) {
        log_msg(CONFIG_LOG_ERROR, "migrate: cannot connect: %s", PQerrorMessage(pg));
        PQfinish(pg);
        return -1;
    }
    PQsetNoticeProcessor(pg, notice_ignore, NULL);
    int rc = -1, applied = 0;
    if (!exec_ok(pg, PQexec(pg, "select pg_advisory_lock(" MIGRATE_LOCK_KEY ")"), "lock"))
        goto out;
    if (!exec_ok(pg,
                 PQexec(pg, "create table if not exists public.schema_migrations ("
                            " version text primary key,"
                            " checksum text not null,"
                            " applied_at timestamptz not null default now())"),
                 "bookkeeping table"))
        goto unlock;
    for (size_t i = 0; i < embed_migrations_count; i++) {
        const embed_file *m = &embed_migrations[i];
        const char *params[2] = {m->name, m->data};
        PGresult *r = PQexecParams(pg,
                                   "select checksum = md5($2) from public.schema_migrations"
                                   " where version = $1",
                                   2, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            exec_ok(pg, r, m->name);
            goto unlock;
        }
        if (PQntuples(r) == 1) {
            int same = PQgetvalue(r, 0, 0)[0] == 't';
            PQclear(r);
            if (!same) {
                log_msg(CONFIG_LOG_ERROR,
                        "migrate: %s was changed after it was applied; add a new migration",
                        m->name);
                goto unlock;
            }
            continue;
        }
        PQclear(r);
        if (!exec_ok(pg, PQexec(pg, "begin"), "begin"))
            goto unlock;
        if (!exec_ok(pg, PQexec(pg, m->data), m->name) ||
            !exec_ok(pg,
                     PQexecParams(pg,
                                  "insert into public.schema_migrations(version, checksum)"
                                  " values ($1, md5($2))",
                                  2, NULL, params, NULL, NULL, 0),
                     m->name) ||
            !exec_ok(pg, PQexec(pg, "commit"), "commit")) {
            PQclear(PQexec(pg, "rollback"));
            goto unlock;
        }
        applied++;
        log_msg(CONFIG_LOG_INFO, "migrate: applied %s", m->name);
    }
    log_msg(CONFIG_LOG_INFO, "migrate: %d applied, %zu known", applied, embed_migrations_count);
    rc = 0;
unlock:
    PQclear(PQexec(pg, "select pg_advisory_unlock(" MIGRATE_LOCK_KEY ")"));
out:
    PQfinish(pg);
    return rc;
}

/* Consumes r; logs the server's message when the command failed. */
static int exec_ok(PGconn *pg, PGresult *r, const char *what)
{
    ExecStatusType st = PQresultStatus(r);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        log_msg(CONFIG_LOG_ERROR, "migrate: %s failed: %s", what,
                r ? PQresultErrorMessage(r) : PQerrorMessage(pg));
    PQclear(r);
    return ok;
}

/* NOTICEs (e.g. "policy ... does not exist, skipping") are not for our logs. */
static void notice_ignore(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}
