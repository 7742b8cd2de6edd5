/*
 * profile.c - GetProfile (and, with the credits issue, UpdateProfile).
 */
#include "credits.h"

#include "pgrow.h"

#define PROFILE_COLS                                                                               \
    "id, username, avatar_url, credits, total_spent::text,"                                        \
    " (extract(epoch from created_at) * 1000000)::int8,"                                           \
    " (extract(epoch from updated_at) * 1000000)::int8"

const pgpool_stmt credits_stmts[CREDITS_NSTMTS] = {
    [ST_GET_PROFILE] = {"get_profile",
                        "select " PROFILE_COLS " from public.user_profiles where id = $1", 1},
};

static void profile_loaded(rpc_call *c, pgq *q);

void credits_get_profile(rpc_call *c, const ProtobufCMessage *req)
{
    (void)req;
    pgq *q = rpc_db(c);
    if (!q) {
        rpc_fail(c, GRPC_STATUS_UNAVAILABLE, "database unavailable, try again later");
        return;
    }
    const char *p[1] = {rpc_claims(c)->sub};
    if (rpc_db_add(c, q, ST_GET_PROFILE, 1, p) != 0)
        return;
    rpc_db_run(c, q, profile_loaded);
}

static void profile_loaded(rpc_call *c, pgq *q)
{
    const PGresult *r = pgq_res(q, 0);
    if (PQntuples(r) != 1) {
        rpc_fail(c, GRPC_STATUS_NOT_FOUND, "profile not found");
        return;
    }
    Cameos__Credits__V1__Profile p = CAMEOS__CREDITS__V1__PROFILE__INIT;
    Google__Protobuf__Timestamp created, updated;
    p.id = pgrow_str(r, 0, 0);
    p.username = pgrow_str(r, 0, 1);
    p.avatar_url = pgrow_str(r, 0, 2);
    p.credits = pgrow_i32(r, 0, 3);
    p.total_spent = pgrow_str(r, 0, 4);
    p.created_at = pgrow_ts(r, 0, 5, &created);
    p.updated_at = pgrow_ts(r, 0, 6, &updated);
    rpc_reply(c, &p.base);
}
