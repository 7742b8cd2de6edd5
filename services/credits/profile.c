/*
 * profile.c - profiles: GetProfile and UpdateProfile for users; CreateUser
 * and GetBalance for internal callers.
 */
#include "credits.h"

#include <stdlib.h>
#include <string.h>

#include "arg.h"
#include "pbjson.h"
#include "utf8.h"
#include "valid.h"

#define AVATAR_URL_MAX 2048
#define EMAIL_MAX      254

static void reply_profile(rpc_call *c, pgq *q);
static void reply_balance(rpc_call *c, pgq *q);
static int valid_email(const char *s);

void credits_get_profile(rpc_call *c, const ProtobufCMessage *req)
{
    (void)req;
    const char *p[1] = {rpc_claims(c)->sub};
    rpc_db1(c, ST_GET_PROFILE, 1, p, reply_profile);
}

void credits_update_profile(rpc_call *c, const ProtobufCMessage *req)
{
    const Cameos__Credits__V1__UpdateProfileRequest *r = (const void *)req;
    static const char *const allowed[] = {"username", "avatar_url"};
    static const char *const fixed[] = {"id", "credits", "total_spent", "created_at", "updated_at"};
    enum { M_USERNAME = 1u << 0, M_AVATAR = 1u << 1 };
    unsigned bits;
    if (!r->profile) {
        rpc_fail(c, GRPC_STATUS_INVALID_ARGUMENT, "profile is required");
        return;
    }
    if (arg_mask(c, r->update_mask, allowed, 2, fixed, 5, &bits) != 0)
        return;
    if (!r->update_mask || r->update_mask->n_paths == 0) /* AIP-134: the fields that are set */
        bits =
            (r->profile->username[0] ? M_USERNAME : 0) | (r->profile->avatar_url[0] ? M_AVATAR : 0);
    if ((bits & M_USERNAME) && !valid_username(r->profile->username)) {
        rpc_fail(c, GRPC_STATUS_INVALID_ARGUMENT,
                 "username must be 3 to 32 characters of letters, digits, '_', '.' or '-'");
        return;
    }
    if ((bits & M_AVATAR) && arg_url(c, "avatar_url", r->profile->avatar_url, 0, AVATAR_URL_MAX, 0))
        return;
    const char *sub = rpc_claims(c)->sub;
    if (!bits) {
        const char *p[1] = {sub};
        rpc_db1(c, ST_GET_PROFILE, 1, p, reply_profile);
        return;
    }
    const char *p[4] = {sub, (bits & M_USERNAME) ? r->profile->username : NULL,
                        (bits & M_AVATAR) ? "t" : "f", r->profile->avatar_url};
    rpc_db1(c, ST_UPDATE_PROFILE, 4, p, reply_profile);
}

void credits_create_user(rpc_call *c, const ProtobufCMessage *req)
{
    const Cameos__Credits__V1__CreateUserRequest *r = (const void *)req;
    if (!r->user) {
        rpc_fail(c, GRPC_STATUS_INVALID_ARGUMENT, "user is required");
        return;
    }
    const Cameos__Credits__V1__User *u = r->user;
    if (arg_uuid(c, "user.id", u->id, 0) != 0)
        return;
    if (!valid_email(u->email)) {
        rpc_fail(c, GRPC_STATUS_INVALID_ARGUMENT, "user.email must be an email address");
        return;
    }
    char *meta = NULL;
    if (u->raw_user_meta_data && pbjson_from_struct(u->raw_user_meta_data, &meta) != 0) {
        rpc_fail(c, GRPC_STATUS_INVALID_ARGUMENT,
                 "user.raw_user_meta_data is not representable as JSON");
        return;
    }
    pgq *q = rpc_db(c);
    if (!q) {
        free(meta);
        return;
    }
    const char *p1[3] = {u->id[0] ? u->id : NULL, u->email, meta};
    const char *p2[1] = {u->email};
    int rc = rpc_db_add(c, q, ST_CREATE_USER, 3, p1);
    free(meta);
    if (rc != 0 || rpc_db_add(c, q, ST_PROFILE_BY_EMAIL, 1, p2) != 0)
        return;
    rpc_db_run(c, q, reply_profile);
}

void credits_get_balance(rpc_call *c, const ProtobufCMessage *req)
{
    const Cameos__Credits__V1__GetBalanceRequest *r = (const void *)req;
    if (arg_uuid(c, "user_id", r->user_id, 1) != 0)
        return;
    const char *p[1] = {r->user_id};
    rpc_db1(c, ST_GET_BALANCE, 1, p, reply_balance);
}

/* The profile is the last statement's single row (CreateUser sends two). */
static void reply_profile(rpc_call *c, pgq *q)
{
    rowmap_reply_one(c, &credits_profile_map, q, "profile not found");
}

static void reply_balance(rpc_call *c, pgq *q)
{
    rowmap_reply_one(c, &credits_balance_map, q, "user not found");
}

/* Deliberately loose (one '@', a dot in the domain, no spaces or controls):
 * the address is verified by mail, not by us. */
static int valid_email(const char *s)
{
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n < 3 || n > EMAIL_MAX || !at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.') ||
        at[1] == '.' || s[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return 0;
    return utf8_chars(s, n) >= 0;
}
