/*
 * test_credits_profile - CreditsService profiles over a real channel:
 * GetProfile, UpdateProfile, CreateUser, GetBalance, authentication and the
 * internal-only rule for every internal CF_RPC.
 *
 * Needs CREDITS_ADDR, JWT_SECRET and a superuser DATABASE_URL. Every test
 * makes its own users and looks only at them: the database is shared.
 */
#include "credits_fixture.h"
#include "token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AVATAR_MAX 2048

static tc_result pf_get(const char *tok) __attribute__((warn_unused_result));
static tc_result pf_update(const char *tok, const char *username, const char *avatar,
                           const char *const *paths, size_t npaths)
    __attribute__((warn_unused_result));
static tc_result pf_create(const char *id, const char *email, const char *meta_username,
                           const char *tok) __attribute__((warn_unused_result));

TestSuite(credits_profile, .init = cf_setup, .fini = cf_teardown, .timeout = 120);

Test(credits_profile, get_profile_returns_own_profile)
{
    char *uid = tdb_new_user(cf_db, "getprof");
    char *tok = cf_user_tok(uid);
    tc_result r = pf_get(tok);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "GetProfile");
    const Cameos__Credits__V1__Profile *p = (const void *)r.resp;
    const char *params[] = {uid};
    char *name =
        tdb_scalar(cf_db, "SELECT username FROM public.user_profiles WHERE id = $1", 1, params);
    cr_assert_str_eq(p->id, uid);
    cr_assert_str_eq(p->username, name);
    cr_assert_str_eq(p->avatar_url, "");
    cr_assert_eq(p->credits, 100);
    cr_assert_str_eq(p->total_spent, "0");
    cr_assert_not_null(p->created_at);
    cr_assert_not_null(p->updated_at);
    long long created = tdb_int(cf_db,
                                "SELECT floor(extract(epoch FROM created_at))::int8 FROM "
                                "public.user_profiles WHERE id = $1",
                                1, params);
    cr_assert_eq(p->created_at->seconds, created);
    free(name);
    tc_result_free(&r);
    free(tok);
    free(uid);
}

Test(credits_profile, get_profile_without_profile_is_not_found)
{
    char *ghost = tdb_scalar(cf_db, "SELECT gen_random_uuid()::text", 0, NULL);
    char *tok = cf_user_tok(ghost);
    tc_result r = pf_get(tok);
    CF_EXPECT_CODE(r, GRPC_STATUS_NOT_FOUND, "GetProfile for a sub with no profile");
    cr_assert_null(r.resp);
    tc_result_free(&r);
    free(tok);
    free(ghost);
}

Test(credits_profile, missing_or_bad_token_is_unauthenticated)
{
    char *uid = tdb_new_user(cf_db, "badtok");
    char payload[256];
    snprintf(payload, sizeof(payload), "{\"sub\":\"%s\",\"role\":\"authenticated\"}", uid);
    char *tokens[] = {
        NULL,
        strdup("not-a-jwt"),
        strdup("aaaa.bbbb.cccc"),
        tt_mint(cf_secret, uid, "authenticated", -3600),
        tt_mint("another-cf_secret-another-cf_secret-0123456789", uid, "authenticated", 300),
        tt_mint_claims(NULL, "{\"alg\":\"none\",\"typ\":\"JWT\"}", payload),
        tt_mint_claims(cf_secret, NULL, payload), /* no exp */
        tt_mint(cf_secret, "not-a-uuid", "authenticated", 300),
    };
    size_t n = sizeof(tokens) / sizeof(tokens[0]);
    for (size_t i = 1; i < n; i++)
        cr_assert_not_null(tokens[i]);
    for (size_t i = 0; i < n; i++) {
        tc_result r = pf_get(tokens[i]);
        char what[64];
        snprintf(what, sizeof(what), "GetProfile with bad token #%zu", i);
        CF_EXPECT_CODE(r, GRPC_STATUS_UNAUTHENTICATED, what);
        tc_result_free(&r);
        free(tokens[i]);
    }
    /* Every CF_RPC authenticates before it looks at the request. */
    static const char *const all[] = {"GetProfile",       "UpdateProfile", "ListCreditTransactions",
                                      "ListPricingTiers", "CreateUser",    "PurchaseCredits",
                                      "SpendCredits",     "RefundCredits", "GrantCredits",
                                      "GetBalance"};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        char path[128];
        snprintf(path, sizeof(path), CF_RPC("%s"), all[i]);
        tc_result r;
        cr_assert_eq(tc_unary_raw(cf_chan, path, NULL, 0, NULL, NULL, 0, &r), 0);
        CF_EXPECT_CODE(r, GRPC_STATUS_UNAUTHENTICATED, all[i]);
        tc_result_free(&r);
    }
    free(uid);
}

Test(credits_profile, update_username_and_avatar_with_masks)
{
    char *uid = tdb_new_user(cf_db, "upd");
    char *tok = cf_user_tok(uid);
    char name[40], other[40];
    cf_hex(name + snprintf(name, sizeof(name), "u_"), 20);
    cf_hex(other + snprintf(other, sizeof(other), "v."), 20);
    const char *p_user[] = {"username"}, *p_avatar[] = {"avatar_url"},
               *p_both[] = {"username", "avatar_url"};

    tc_result r = pf_update(tok, name, "https://ignored.example/a.png", p_user, 1);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "UpdateProfile username");
    const Cameos__Credits__V1__Profile *p = (const void *)r.resp;
    cr_assert_str_eq(p->username, name);
    cr_assert_str_eq(p->avatar_url, "", "avatar_url is not in the mask: unchanged");
    cr_assert_eq(p->credits, 100);
    cr_assert_str_eq(p->total_spent, "0");
    tc_result_free(&r);

    r = pf_update(tok, "ignored_name", "http://cdn.example/p.png", p_avatar, 1);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "UpdateProfile avatar_url (http)");
    p = (const void *)r.resp;
    cr_assert_str_eq(p->username, name);
    cr_assert_str_eq(p->avatar_url, "http://cdn.example/p.png");
    tc_result_free(&r);

    r = pf_update(tok, other, "https://cdn.example/q.png?s=64", p_both, 2);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "UpdateProfile both");
    p = (const void *)r.resp;
    cr_assert_str_eq(p->username, other);
    cr_assert_str_eq(p->avatar_url, "https://cdn.example/q.png?s=64");
    cr_assert_eq(p->credits, 100);
    tc_result_free(&r);

    /* The mask names avatar_url and the value is empty: it is cleared. */
    r = pf_update(tok, "", "", p_avatar, 1);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "UpdateProfile clearing avatar_url");
    cr_assert_str_eq(((const Cameos__Credits__V1__Profile *)r.resp)->avatar_url, "");
    cr_assert_str_eq(((const Cameos__Credits__V1__Profile *)r.resp)->username, other);
    tc_result_free(&r);

    const char *params[] = {uid};
    char *db_row = tdb_scalar(cf_db,
                              "SELECT concat_ws('|', username, coalesce(avatar_url, '<null>'),"
                              " credits, total_spent) FROM public.user_profiles WHERE id = $1",
                              1, params);
    char want[128];
    snprintf(want, sizeof(want), "%s|<null>|100|0", other);
    cr_assert_str_eq(db_row, want);
    free(db_row);
    cr_assert_eq(cf_rows(uid), 1, "profile updates write no ledger rows");
    free(tok);
    free(uid);
}

Test(credits_profile, empty_mask_updates_the_fields_that_are_set)
{
    char *uid = tdb_new_user(cf_db, "emptymask");
    char *tok = cf_user_tok(uid);
    char name[40], name2[40];
    cf_hex(name + snprintf(name, sizeof(name), "em_"), 16);
    cf_hex(name2 + snprintf(name2, sizeof(name2), "em2-"), 16);

    tc_result r = pf_update(tok, NULL, "https://img.example/1.png", NULL, 0);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "empty mask, avatar set");
    const Cameos__Credits__V1__Profile *p = (const void *)r.resp;
    cr_assert_str_eq(p->avatar_url, "https://img.example/1.png");
    char *orig_name = strdup(p->username);
    tc_result_free(&r);

    r = pf_update(tok, name, NULL, NULL, 0);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "empty mask, username set");
    p = (const void *)r.resp;
    cr_assert_str_eq(p->username, name);
    cr_assert_str_eq(p->avatar_url, "https://img.example/1.png", "unset avatar_url is kept");
    cr_assert_str_neq(orig_name, name);
    tc_result_free(&r);

    r = pf_update(tok, name2, "https://img.example/2.png", NULL, 0);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "empty mask, both set");
    p = (const void *)r.resp;
    cr_assert_str_eq(p->username, name2);
    cr_assert_str_eq(p->avatar_url, "https://img.example/2.png");
    tc_result_free(&r);

    /* Nothing set, nothing masked: a no-op that returns the profile. */
    char *before = cf_state(uid);
    r = pf_update(tok, NULL, NULL, NULL, 0);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "empty mask, nothing set");
    p = (const void *)r.resp;
    cr_assert_str_eq(p->username, name2);
    cr_assert_str_eq(p->avatar_url, "https://img.example/2.png");
    cr_assert_eq(p->credits, 100);
    tc_result_free(&r);
    char *after = cf_state(uid);
    cr_assert_str_eq(after, before);
    free(before);
    free(after);
    free(orig_name);
    free(tok);
    free(uid);
}

Test(credits_profile, invalid_updates_change_nothing)
{
    char *uid = tdb_new_user(cf_db, "badupd");
    char *tok = cf_user_tok(uid);
    char long33[34], long_url[AVATAR_MAX + 2];
    memset(long33, 'a', 33);
    long33[33] = '\0';
    size_t pre = (size_t)snprintf(long_url, sizeof(long_url), "https://img.example/");
    memset(long_url + pre, 'x', sizeof(long_url) - 1 - pre);
    long_url[AVATAR_MAX + 1] = '\0'; /* 2049 characters */
    static const char *const bad_names[] = {"ab",           "",           "bad name",   "bad!",
                                            "na\xc3\xafve", "semi;colon", "slash/name", "x"};
    static const char *const bad_urls[] = {"ftp://img.example/a.png", "javascript:alert(1)",
                                           "img.example/a.png",       "https://",
                                           "file:///etc/passwd",      "https://bad host/a.png"};
    const char *p_user[] = {"username"}, *p_avatar[] = {"avatar_url"};
    char *before = cf_state(uid);

    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]) + 1; i++) {
        const char *n = i < sizeof(bad_names) / sizeof(bad_names[0]) ? bad_names[i] : long33;
        tc_result r = pf_update(tok, n, NULL, p_user, 1);
        char what[96];
        snprintf(what, sizeof(what), "username \"%.40s\"", n);
        CF_EXPECT_CODE(r, GRPC_STATUS_INVALID_ARGUMENT, what);
        cr_assert(strstr(r.message, "username") != NULL, "message names the field: %s", r.message);
        tc_result_free(&r);
    }
    for (size_t i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]) + 1; i++) {
        const char *u = i < sizeof(bad_urls) / sizeof(bad_urls[0]) ? bad_urls[i] : long_url;
        tc_result r = pf_update(tok, NULL, u, p_avatar, 1);
        char what[96];
        snprintf(what, sizeof(what), "avatar_url \"%.40s\" (%zu chars)", u, strlen(u));
        CF_EXPECT_CODE(r, GRPC_STATUS_INVALID_ARGUMENT, what);
        cr_assert(strstr(r.message, "avatar_url") != NULL, "message names the field: %s",
                  r.message);
        tc_result_free(&r);
        /* Through the empty-mask path too. */
        r = pf_update(tok, NULL, u, NULL, 0);
        CF_EXPECT_CODE(r, GRPC_STATUS_INVALID_ARGUMENT, what);
        tc_result_free(&r);
    }
    /* A good username beside a bad avatar_url: the whole update is refused. */
    const char *p_both[] = {"username", "avatar_url"};
    tc_result r = pf_update(tok, "perfectly_fine_name", "ftp://x.example/a", p_both, 2);
    CF_EXPECT_CODE(r, GRPC_STATUS_INVALID_ARGUMENT, "good username, bad avatar");
    tc_result_free(&r);

    /* Masks naming output-only or unknown fields. */
    static const char *const bad_paths[] = {
        "credits", "total_spent", "id", "created_at", "updated_at", "nope", "profile.username", ""};
    for (size_t i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++) {
        const char *paths[] = {"username", bad_paths[i]};
        Cameos__Credits__V1__Profile prof = CAMEOS__CREDITS__V1__PROFILE__INIT;
        prof.username = "sneaky_name";
        prof.credits = 1000000;
        prof.total_spent = (char *)"0";
        prof.id = (char *)CF_NIL_UUID;
        Google__Protobuf__FieldMask mask = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
        mask.n_paths = 2;
        mask.paths = (char **)paths;
        Cameos__Credits__V1__UpdateProfileRequest req =
            CAMEOS__CREDITS__V1__UPDATE_PROFILE_REQUEST__INIT;
        req.profile = &prof;
        req.update_mask = &mask;
        r = cf_call(CF_RPC("UpdateProfile"), &req.base, &cameos__credits__v1__profile__descriptor,
                    tok);
        char what[64];
        snprintf(what, sizeof(what), "mask path \"%s\"", bad_paths[i]);
        CF_EXPECT_CODE(r, GRPC_STATUS_INVALID_ARGUMENT, what);
        tc_result_free(&r);
    }
    /* Credits in the request body with an empty mask are output-only: ignored. */
    Cameos__Credits__V1__Profile prof = CAMEOS__CREDITS__V1__PROFILE__INIT;
    prof.credits = 999999;
    prof.total_spent = (char *)"-5";
    Cameos__Credits__V1__UpdateProfileRequest req =
        CAMEOS__CREDITS__V1__UPDATE_PROFILE_REQUEST__INIT;
    req.profile = &prof;
    r = cf_call(CF_RPC("UpdateProfile"), &req.base, &cameos__credits__v1__profile__descriptor, tok);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "credits in the body, empty mask");
    cr_assert_eq(((const Cameos__Credits__V1__Profile *)r.resp)->credits, 100);
    tc_result_free(&r);
    /* No profile at all. */
    Cameos__Credits__V1__UpdateProfileRequest empty =
        CAMEOS__CREDITS__V1__UPDATE_PROFILE_REQUEST__INIT;
    r = cf_call(CF_RPC("UpdateProfile"), &empty.base, &cameos__credits__v1__profile__descriptor,
                tok);
    CF_EXPECT_CODE(r, GRPC_STATUS_INVALID_ARGUMENT, "no profile in the request");
    tc_result_free(&r);

    char *after = cf_state(uid);
    cr_assert_str_eq(after, before, "refused updates changed the profile");
    free(before);
    free(after);

    /* The limits themselves are accepted: 32-character name, 2048-character URL. */
    char name32[33];
    memcpy(name32, "lim_", 4);
    cf_hex(name32 + 4, 28);
    long_url[AVATAR_MAX] = '\0';
    const char *p_both2[] = {"username", "avatar_url"};
    r = pf_update(tok, name32, long_url, p_both2, 2);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "32-character username and 2048-character avatar_url");
    cr_assert_str_eq(((const Cameos__Credits__V1__Profile *)r.resp)->username, name32);
    cr_assert_eq(strlen(((const Cameos__Credits__V1__Profile *)r.resp)->avatar_url), AVATAR_MAX);
    tc_result_free(&r);
    free(tok);
    free(uid);
}

Test(credits_profile, taken_username_is_already_exists)
{
    char *a = tdb_new_user(cf_db, "owner");
    char *b = tdb_new_user(cf_db, "taker");
    char *ta = cf_user_tok(a), *tb = cf_user_tok(b);
    char name[40];
    cf_hex(name + snprintf(name, sizeof(name), "Taken."), 20);
    const char *p_user[] = {"username"};
    tc_result r = pf_update(ta, name, NULL, p_user, 1);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "A takes the name");
    tc_result_free(&r);

    char *before = cf_state(b);
    r = pf_update(tb, name, "https://img.example/b.png", NULL, 0);
    CF_EXPECT_CODE(r, GRPC_STATUS_ALREADY_EXISTS, "B takes A's name");
    cr_assert(strstr(r.message, "username") != NULL, "%s", r.message);
    tc_result_free(&r);
    char *after = cf_state(b);
    cr_assert_str_eq(after, before, "B's profile changed although the update failed");

    /* Setting one's own current name again is no conflict. */
    r = pf_update(ta, name, NULL, p_user, 1);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "A sets its own name again");
    tc_result_free(&r);
    free(before);
    free(after);
    free(ta);
    free(tb);
    free(a);
    free(b);
}

Test(credits_profile, update_without_profile_is_not_found)
{
    char *ghost = tdb_scalar(cf_db, "SELECT gen_random_uuid()::text", 0, NULL);
    char *tok = cf_user_tok(ghost);
    char name[40];
    cf_hex(name + snprintf(name, sizeof(name), "ghost_"), 16);
    tc_result r = pf_update(tok, name, NULL, NULL, 0);
    CF_EXPECT_CODE(r, GRPC_STATUS_NOT_FOUND, "UpdateProfile for a sub with no profile");
    tc_result_free(&r);
    const char *params[] = {name};
    cr_assert_eq(
        tdb_int(cf_db, "SELECT count(*) FROM public.user_profiles WHERE username = $1", 1, params),
        0);
    free(tok);
    free(ghost);
}

Test(credits_profile, create_user_makes_profile_and_bonus)
{
    char hex[17], email[64], name[40];
    cf_hex(hex, 16);
    snprintf(email, sizeof(email), "create_%s@example.test", hex);
    snprintf(name, sizeof(name), "meta_%s", hex);
    tc_result r = pf_create(NULL, email, name, cf_svc_tok);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "CreateUser");
    const Cameos__Credits__V1__Profile *p = (const void *)r.resp;
    cr_assert_str_eq(p->username, name, "username comes from the metadata");
    cr_assert_eq(p->credits, 100);
    cr_assert_str_eq(p->total_spent, "0");
    cr_assert_eq(strlen(p->id), 36);
    const char *params[] = {p->id};
    char *row = tdb_scalar(cf_db, "SELECT email FROM auth.users WHERE id = $1", 1, params);
    cr_assert_str_eq(row, email);
    free(row);
    row = tdb_scalar(cf_db,
                     "SELECT string_agg(concat_ws('|', amount, transaction_type), ',')"
                     " FROM public.credit_transactions WHERE user_id = $1",
                     1, params);
    cr_assert_str_eq(row, "100|bonus", "exactly one +100 bonus row");
    free(row);

    /* The new user's own token sees the same profile. */
    char *tok = cf_user_tok(p->id);
    tc_result g = pf_get(tok);
    CF_EXPECT_CODE(g, GRPC_STATUS_OK, "GetProfile of the created user");
    cr_assert_str_eq(((const Cameos__Credits__V1__Profile *)g.resp)->username, name);
    tc_result_free(&g);
    free(tok);
    tc_result_free(&r);
}

Test(credits_profile, create_user_derives_username_from_email)
{
    char hex[17], email[64], email2[64], local[40], chosen[37];
    cf_hex(hex, 16);
    snprintf(local, sizeof(local), "derive.%s", hex);
    snprintf(email, sizeof(email), "%s@example.test", local);
    snprintf(email2, sizeof(email2), "%s@other.example", local);
    char *id = tdb_scalar(cf_db, "SELECT gen_random_uuid()::text", 0, NULL);
    snprintf(chosen, sizeof(chosen), "%s", id);
    free(id);

    tc_result r = pf_create(chosen, email, NULL, cf_svc_tok);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "CreateUser without metadata");
    cr_assert_str_eq(((const Cameos__Credits__V1__Profile *)r.resp)->username, local);
    cr_assert_str_eq(((const Cameos__Credits__V1__Profile *)r.resp)->id, chosen,
                     "the caller's id is kept");
    tc_result_free(&r);

    /* Same local part, invalid metadata name: derived again, made unique. */
    r = pf_create(NULL, email2, "x", cf_svc_tok);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "CreateUser with a clashing local part");
    const char *n2 = ((const Cameos__Credits__V1__Profile *)r.resp)->username;
    cr_assert_str_neq(n2, local);
    cr_assert_eq(strncmp(n2, local, strlen(local) - 2), 0, "\"%s\" derives from \"%s\"", n2, local);
    tc_result_free(&r);
}

Test(credits_profile, create_user_errors)
{
    char hex[17], email[64], chosen[37];
    cf_hex(hex, 16);
    snprintf(email, sizeof(email), "dup_%s@example.test", hex);
    char *id = tdb_scalar(cf_db, "SELECT gen_random_uuid()::text", 0, NULL);
    snprintf(chosen, sizeof(chosen), "%s", id);
    free(id);
    tc_result r = pf_create(chosen, email, NULL, cf_svc_tok);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "first CreateUser");
    tc_result_free(&r);

    r = pf_create(NULL, email, NULL, cf_svc_tok);
    CF_EXPECT_CODE(r, GRPC_STATUS_ALREADY_EXISTS, "duplicate email");
    tc_result_free(&r);
    char email2[64];
    snprintf(email2, sizeof(email2), "dupid_%s@example.test", hex);
    r = pf_create(chosen, email2, NULL, cf_svc_tok);
    CF_EXPECT_CODE(r, GRPC_STATUS_ALREADY_EXISTS, "duplicate id");
    tc_result_free(&r);

    static const char *const bad_emails[] = {"",           "plain",       "@example.test",
                                             "a@b",        "a b@ex.test", "a@@ex.test",
                                             "a@ex.test.", "a@.ex.test",  "a\x01@ex.test"};
    for (size_t i = 0; i < sizeof(bad_emails) / sizeof(bad_emails[0]); i++) {
        r = pf_create(NULL, bad_emails[i], NULL, cf_svc_tok);
        char what[64];
        snprintf(what, sizeof(what), "email \"%s\"", bad_emails[i]);
        CF_EXPECT_CODE(r, GRPC_STATUS_INVALID_ARGUMENT, what);
        tc_result_free(&r);
    }
    static const char *const bad_ids[] = {"not-a-uuid", "1234", "' OR 1=1 --",
                                          "123e4567-e89b-12d3-a456-42661417400g",
                                          "123e4567-e89b-12d3-a456-4266141740000"};
    char email3[64];
    snprintf(email3, sizeof(email3), "badid_%s@example.test", hex);
    for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
        r = pf_create(bad_ids[i], email3, NULL, cf_svc_tok);
        CF_EXPECT_CODE(r, GRPC_STATUS_INVALID_ARGUMENT, bad_ids[i]);
        cr_assert(strstr(r.message, "id") != NULL, "%s", r.message);
        tc_result_free(&r);
    }
    Cameos__Credits__V1__CreateUserRequest none = CAMEOS__CREDITS__V1__CREATE_USER_REQUEST__INIT;
    r = cf_call(CF_RPC("CreateUser"), &none.base, &cameos__credits__v1__profile__descriptor,
                cf_svc_tok);
    CF_EXPECT_CODE(r, GRPC_STATUS_INVALID_ARGUMENT, "no user");
    tc_result_free(&r);

    /* An authenticated user may not create users. */
    char *uid = tdb_new_user(cf_db, "notsvc");
    char *tok = cf_user_tok(uid);
    r = pf_create(NULL, email3, NULL, tok);
    CF_EXPECT_CODE(r, GRPC_STATUS_PERMISSION_DENIED, "CreateUser with a user token");
    tc_result_free(&r);
    const char *params[] = {email3};
    cr_assert_eq(tdb_int(cf_db, "SELECT count(*) FROM auth.users WHERE email = $1", 1, params), 0,
                 "a refused CreateUser inserted the user");
    free(tok);
    free(uid);
}

Test(credits_profile, get_balance)
{
    char *uid = tdb_new_user(cf_db, "balance");
    const char *params[] = {uid};
    tdb_exec(cf_db, "UPDATE public.user_profiles SET credits = 77, total_spent = 23 WHERE id = $1",
             1, params);
    Cameos__Credits__V1__GetBalanceRequest req = CAMEOS__CREDITS__V1__GET_BALANCE_REQUEST__INIT;
    req.user_id = uid;
    tc_result r = cf_call(CF_RPC("GetBalance"), &req.base,
                          &cameos__credits__v1__get_balance_response__descriptor, cf_svc_tok);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "GetBalance");
    const Cameos__Credits__V1__GetBalanceResponse *b = (const void *)r.resp;
    cr_assert_eq(b->credits, 77);
    cr_assert_str_eq(b->total_spent, "23");
    tc_result_free(&r);

    char *ghost = tdb_scalar(cf_db, "SELECT gen_random_uuid()::text", 0, NULL);
    req.user_id = ghost;
    r = cf_call(CF_RPC("GetBalance"), &req.base,
                &cameos__credits__v1__get_balance_response__descriptor, cf_svc_tok);
    CF_EXPECT_CODE(r, GRPC_STATUS_NOT_FOUND, "GetBalance of an unknown user");
    tc_result_free(&r);
    static const char *const bad[] = {"", "nope", "123e4567-e89b-12d3-a456-42661417400"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        req.user_id = (char *)bad[i];
        r = cf_call(CF_RPC("GetBalance"), &req.base,
                    &cameos__credits__v1__get_balance_response__descriptor, cf_svc_tok);
        CF_EXPECT_CODE(r, GRPC_STATUS_INVALID_ARGUMENT, bad[i]);
        tc_result_free(&r);
    }
    free(ghost);
    free(uid);
}

Test(credits_profile, internal_rpcs_refuse_user_tokens)
{
    char *uid = tdb_new_user(cf_db, "intern");
    char *tok = cf_user_tok(uid);
    char *tier = cf_tier("Starter");
    char *gen = cf_gen(uid, "error");
    char *before = cf_state(uid);

    Cameos__Credits__V1__PurchaseCreditsRequest pur =
        CAMEOS__CREDITS__V1__PURCHASE_CREDITS_REQUEST__INIT;
    pur.user_id = uid;
    pur.tier_id = tier;
    pur.request_id = "perm-purchase";
    Cameos__Credits__V1__SpendCreditsRequest sp = CAMEOS__CREDITS__V1__SPEND_CREDITS_REQUEST__INIT;
    sp.user_id = uid;
    sp.amount = 10;
    sp.generation_id = gen;
    sp.request_id = "perm-spend";
    Cameos__Credits__V1__RefundCreditsRequest rf =
        CAMEOS__CREDITS__V1__REFUND_CREDITS_REQUEST__INIT;
    rf.user_id = uid;
    rf.generation_id = gen;
    rf.request_id = "perm-refund";
    Cameos__Credits__V1__GrantCreditsRequest gr = CAMEOS__CREDITS__V1__GRANT_CREDITS_REQUEST__INIT;
    gr.user_id = uid;
    gr.amount = 1000;
    gr.request_id = "perm-grant";
    Cameos__Credits__V1__GetBalanceRequest gb = CAMEOS__CREDITS__V1__GET_BALANCE_REQUEST__INIT;
    gb.user_id = uid;
    Cameos__Credits__V1__User u = CAMEOS__CREDITS__V1__USER__INIT;
    u.email = "perm_denied_user@example.test";
    Cameos__Credits__V1__CreateUserRequest cu = CAMEOS__CREDITS__V1__CREATE_USER_REQUEST__INIT;
    cu.user = &u;
    const struct {
        const char *method;
        const ProtobufCMessage *req;
    } calls[] = {
        {CF_RPC("PurchaseCredits"), &pur.base}, {CF_RPC("SpendCredits"), &sp.base},
        {CF_RPC("RefundCredits"), &rf.base},    {CF_RPC("GrantCredits"), &gr.base},
        {CF_RPC("GetBalance"), &gb.base},       {CF_RPC("CreateUser"), &cu.base},
    };
    for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
        tc_result r = cf_call(calls[i].method, calls[i].req, NULL, tok);
        CF_EXPECT_CODE(r, GRPC_STATUS_PERMISSION_DENIED, calls[i].method);
        tc_result_free(&r);
    }
    char *after = cf_state(uid);
    cr_assert_str_eq(after, before, "a refused internal call changed the account");
    free(before);
    free(after);
    free(gen);
    free(tier);
    free(tok);
    free(uid);
}

Test(credits_profile, each_user_sees_only_their_profile)
{
    char *a = tdb_new_user(cf_db, "iso_a");
    char *b = tdb_new_user(cf_db, "iso_b");
    const char *pa[] = {a};
    tdb_exec(cf_db, "UPDATE public.user_profiles SET credits = 4321 WHERE id = $1", 1, pa);
    char *ta = cf_user_tok(a), *tb = cf_user_tok(b);
    tc_result r = pf_get(tb);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "B's GetProfile");
    cr_assert_str_eq(((const Cameos__Credits__V1__Profile *)r.resp)->id, b);
    cr_assert_eq(((const Cameos__Credits__V1__Profile *)r.resp)->credits, 100);
    tc_result_free(&r);
    r = pf_get(ta);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "A's GetProfile");
    cr_assert_str_eq(((const Cameos__Credits__V1__Profile *)r.resp)->id, a);
    cr_assert_eq(((const Cameos__Credits__V1__Profile *)r.resp)->credits, 4321);
    tc_result_free(&r);
    /* profile.id in an update is ignored: B's update lands on B. */
    char name[40];
    cf_hex(name + snprintf(name, sizeof(name), "isob_"), 16);
    Cameos__Credits__V1__Profile prof = CAMEOS__CREDITS__V1__PROFILE__INIT;
    prof.id = a;
    prof.username = name;
    Cameos__Credits__V1__UpdateProfileRequest req =
        CAMEOS__CREDITS__V1__UPDATE_PROFILE_REQUEST__INIT;
    req.profile = &prof;
    char *a_before = cf_state(a);
    r = cf_call(CF_RPC("UpdateProfile"), &req.base, &cameos__credits__v1__profile__descriptor, tb);
    CF_EXPECT_CODE(r, GRPC_STATUS_OK, "B updates with A's id in the body");
    cr_assert_str_eq(((const Cameos__Credits__V1__Profile *)r.resp)->id, b);
    tc_result_free(&r);
    char *a_after = cf_state(a);
    cr_assert_str_eq(a_after, a_before, "A's profile changed");
    free(a_before);
    free(a_after);
    free(ta);
    free(tb);
    free(a);
    free(b);
}

static tc_result pf_get(const char *tok)
{
    Cameos__Credits__V1__GetProfileRequest req = CAMEOS__CREDITS__V1__GET_PROFILE_REQUEST__INIT;
    return cf_call(CF_RPC("GetProfile"), &req.base, &cameos__credits__v1__profile__descriptor, tok);
}

/* NULL username/avatar leave the field unset (""). */
static tc_result pf_update(const char *tok, const char *username, const char *avatar,
                           const char *const *paths, size_t npaths)
{
    Cameos__Credits__V1__Profile prof = CAMEOS__CREDITS__V1__PROFILE__INIT;
    if (username != NULL)
        prof.username = (char *)username;
    if (avatar != NULL)
        prof.avatar_url = (char *)avatar;
    Google__Protobuf__FieldMask mask = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
    mask.n_paths = npaths;
    mask.paths = (char **)paths;
    Cameos__Credits__V1__UpdateProfileRequest req =
        CAMEOS__CREDITS__V1__UPDATE_PROFILE_REQUEST__INIT;
    req.profile = &prof;
    req.update_mask = npaths ? &mask : NULL;
    return cf_call(CF_RPC("UpdateProfile"), &req.base, &cameos__credits__v1__profile__descriptor,
                   tok);
}

static tc_result pf_create(const char *id, const char *email, const char *meta_username,
                           const char *tok)
{
    Google__Protobuf__Value v = GOOGLE__PROTOBUF__VALUE__INIT;
    v.kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
    v.string_value = (char *)meta_username;
    Google__Protobuf__Value src = GOOGLE__PROTOBUF__VALUE__INIT;
    src.kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
    src.string_value = "criterion";
    Google__Protobuf__Struct__FieldsEntry e1 = GOOGLE__PROTOBUF__STRUCT__FIELDS_ENTRY__INIT;
    e1.key = "username";
    e1.value = &v;
    Google__Protobuf__Struct__FieldsEntry e2 = GOOGLE__PROTOBUF__STRUCT__FIELDS_ENTRY__INIT;
    e2.key = "source";
    e2.value = &src;
    Google__Protobuf__Struct__FieldsEntry *ents[] = {&e2, &e1};
    Google__Protobuf__Struct meta = GOOGLE__PROTOBUF__STRUCT__INIT;
    meta.n_fields = meta_username ? 2 : 1;
    meta.fields = ents;
    Cameos__Credits__V1__User u = CAMEOS__CREDITS__V1__USER__INIT;
    if (id != NULL)
        u.id = (char *)id;
    u.email = (char *)email;
    u.raw_user_meta_data = &meta;
    Cameos__Credits__V1__CreateUserRequest req = CAMEOS__CREDITS__V1__CREATE_USER_REQUEST__INIT;
    req.user = &u;
    return cf_call(CF_RPC("CreateUser"), &req.base, &cameos__credits__v1__profile__descriptor, tok);
}
