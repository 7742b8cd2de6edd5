/*
 * test_guard - requests built to hurt the runtime are refused before
 * protobuf-c unpacks them (common/rpc/pbguard.c), over real gRPC channels to all
 * three services: nesting past 64 levels (5,000 deep killed content and
 * planning before the guard), more values than a request may hold, NUL in
 * text. Each refusal is INVALID_ARGUMENT naming the field, writes nothing,
 * and the service answers the next call.
 *
 * Needs CREDITS_ADDR, CONTENT_ADDR, PLANNING_ADDR, JWT_SECRET and a
 * superuser DATABASE_URL.
 */
#include "client.h"
#include "pbwire.h"
#include "testdb.h"
#include "token.h"

#include "cameos/content/v1/content.pb-c.h"
#include "cameos/credits/v1/credits.pb-c.h"
#include "cameos/planning/v1/planning.pb-c.h"
#include "grpc/health/v1/health.pb-c.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static tc_chan *chan_credits, *chan_content, *chan_planning;
static PGconn *db;

static void setup(void);
static void teardown(void);
static char *new_user_token(char **id);
static uint32_t field_id(const ProtobufCMessageDescriptor *d, const char *name);
static void expect_serving(tc_chan *ch, const char *what);
static tc_result call_raw(tc_chan *ch, const char *path, pbwire w, const char *tok);

#define EXPECT_REFUSED(r, needle, what)                                                            \
    do {                                                                                           \
        cr_assert_eq((r).code, GRPC_STATUS_INVALID_ARGUMENT,                                       \
                     "%s: want INVALID_ARGUMENT, got %s (%s)", (what), tc_code_name((r).code),     \
                     (r).message);                                                                 \
        cr_assert(strstr((r).message, (needle)), "%s: message '%s' lacks '%s'", (what),            \
                  (r).message, (needle));                                                          \
    } while (0)

TestSuite(guard, .init = setup, .fini = teardown, .timeout = 120);

/* 5,000 levels in style_data: a segfault in protobuf-c before the guard. */
Test(guard, deep_style_data_is_refused_and_content_stays_up)
{
    char *uid, *tok = new_user_token(&uid);
    pbwire w = pbwire_nested_struct(5000);
    pbwire_wrap(&w, field_id(&cameos__content__v1__style_preset__descriptor, "style_data"), NULL,
                0);
    pbwire_add(&w,
               "\x1a\x04"
               "deep",
               6); /* name = "deep" */
    pbwire_wrap(
        &w, field_id(&cameos__content__v1__create_style_preset_request__descriptor, "style_preset"),
        NULL, 0);
    tc_result r =
        call_raw(chan_content, "/cameos.content.v1.ContentService/CreateStylePreset", w, tok);
    EXPECT_REFUSED(r, "style_preset: messages nested deeper than 64 levels", "CreateStylePreset");
    tc_result_free(&r);
    const char *p[] = {uid};
    cr_assert_eq(tdb_int(db, "SELECT count(*) FROM public.style_presets WHERE user_id = $1", 1, p),
                 0, "nothing was written");
    expect_serving(chan_content, "content after a deep request");
    free(w.p);
    free(uid);
    free(tok);
}

/* The boundary: style_data's outer object is level 2 below the request
 * (CreateStylePresetRequest > StylePreset > Struct), so 63 nested objects
 * fit in 64 levels and 64 do not. */
Test(guard, depth_limit_is_exact)
{
    char *uid, *tok = new_user_token(&uid);
    for (unsigned levels = 63; levels <= 64; levels++) {
        pbwire w = pbwire_nested_struct(levels);
        pbwire_wrap(&w, field_id(&cameos__content__v1__style_preset__descriptor, "style_data"),
                    NULL, 0);
        pbwire_add(&w,
                   "\x1a\x04"
                   "edge",
                   6);
        pbwire_wrap(
            &w,
            field_id(&cameos__content__v1__create_style_preset_request__descriptor, "style_preset"),
            NULL, 0);
        tc_result r =
            call_raw(chan_content, "/cameos.content.v1.ContentService/CreateStylePreset", w, tok);
        if (levels == 63)
            cr_assert_eq(r.code, GRPC_STATUS_OK, "63 levels: got %s (%s)", tc_code_name(r.code),
                         r.message);
        else
            EXPECT_REFUSED(r, "nested deeper than 64", "64 levels");
        tc_result_free(&r);
        free(w.p);
    }
    const char *p[] = {uid};
    cr_assert_eq(tdb_int(db, "SELECT count(*) FROM public.style_presets WHERE user_id = $1", 1, p),
                 1, "only the request within the limit was written");
    free(uid);
    free(tok);
}

Test(guard, deep_campaign_concepts_are_refused_and_planning_stays_up)
{
    char *uid, *tok = new_user_token(&uid);
    pbwire w = pbwire_nested_struct(5000);
    pbwire_wrap(&w, field_id(&cameos__planning__v1__campaign__descriptor, "concepts"), NULL, 0);
    pbwire_add(&w,
               "\x1a\x04"
               "deep",
               6); /* name = "deep" */
    pbwire_wrap(&w,
                field_id(&cameos__planning__v1__create_campaign_request__descriptor, "campaign"),
                NULL, 0);
    tc_result r =
        call_raw(chan_planning, "/cameos.planning.v1.PlanningService/CreateCampaign", w, tok);
    EXPECT_REFUSED(r, "campaign: messages nested deeper than 64 levels", "CreateCampaign");
    tc_result_free(&r);
    const char *p[] = {uid};
    cr_assert_eq(tdb_int(db, "SELECT count(*) FROM public.campaigns WHERE user_id = $1", 1, p), 0);
    expect_serving(chan_planning, "planning after a deep request");
    free(w.p);
    free(uid);
    free(tok);
}

/* 70,000 nulls in a list: 280 KB that protobuf-c would turn into 70,000
 * allocations. */
Test(guard, too_many_values_are_refused)
{
    char *uid, *tok = new_user_token(&uid);
    size_t n = 70000;
    pbwire w = {malloc(4 * n), 4 * n};
    cr_assert_not_null(w.p);
    for (size_t i = 0; i < n; i++)
        memcpy(w.p + 4 * i, "\x0a\x02\x08\x00", 4);      /* ListValue.values: null */
    pbwire_wrap(&w, 6, NULL, 0);                         /* Value.list_value */
    pbwire_wrap(&w, 2, (const uint8_t *)"\x0a\x01x", 3); /* entry {key "x", value} */
    pbwire_wrap(&w, 1, NULL, 0);                         /* Struct.fields */
    pbwire_wrap(&w, field_id(&cameos__content__v1__style_preset__descriptor, "style_data"), NULL,
                0);
    pbwire_add(&w,
               "\x1a\x04"
               "many",
               6);
    pbwire_wrap(
        &w, field_id(&cameos__content__v1__create_style_preset_request__descriptor, "style_preset"),
        NULL, 0);
    tc_result r =
        call_raw(chan_content, "/cameos.content.v1.ContentService/CreateStylePreset", w, tok);
    EXPECT_REFUSED(r, "request holds more than 65536 values", "CreateStylePreset");
    tc_result_free(&r);
    const char *p[] = {uid};
    cr_assert_eq(tdb_int(db, "SELECT count(*) FROM public.style_presets WHERE user_id = $1", 1, p),
                 0);
    expect_serving(chan_content, "content after a wide request");
    free(w.p);
    free(uid);
    free(tok);
}

/* "k\0a" used to be stored as "k": two different keys collided. */
Test(guard, nul_in_request_id_is_refused_and_nothing_is_spent)
{
    char *uid, *tok = new_user_token(&uid);
    (void)tok;
    char *svc =
        tt_mint(getenv("JWT_SECRET"), "00000000-0000-0000-0000-000000000000", "service_role", 900);
    cr_assert_not_null(svc);
    pbwire w = {NULL, 0};
    pbwire_add(&w, "\x2a\x03k\0a", 5); /* request_id = "k\0a" */
    pbwire_add(&w,
               "\x1a\x04"
               "test",
               6);                 /* description */
    pbwire_add(&w, "\x10\x05", 2); /* amount = 5 */
    uint8_t head[2] = {0x0a, 36};  /* user_id */
    pbwire id = {NULL, 0};
    pbwire_add(&id, head, 2);
    pbwire_add(&id, uid, 36);
    pbwire_add(&id, w.p, w.len);
    const char *p[] = {uid};
    long long txs =
        tdb_int(db, "SELECT count(*) FROM public.credit_transactions WHERE user_id = $1", 1, p);
    tc_result r = call_raw(chan_credits, "/cameos.credits.v1.CreditsService/SpendCredits", id, svc);
    EXPECT_REFUSED(r, "request_id: text must not contain NUL", "SpendCredits");
    tc_result_free(&r);
    cr_assert_eq(tdb_int(db, "SELECT credits FROM public.user_profiles WHERE id = $1", 1, p), 100,
                 "the balance is untouched");
    cr_assert_eq(
        tdb_int(db, "SELECT count(*) FROM public.credit_transactions WHERE user_id = $1", 1, p),
        txs, "no transaction was written");
    expect_serving(chan_credits, "credits after a NUL request");
    free(w.p);
    free(id.p);
    free(svc);
    free(uid);
    free(tok);
}

/* A CreateStylePreset whose style_data is the Struct bytes st. */
static tc_result create_preset(const char *tok, pbwire st)
{
    pbwire_wrap(&st, field_id(&cameos__content__v1__style_preset__descriptor, "style_data"), NULL,
                0);
    pbwire_add(&st,
               "\x1a\x04"
               "caps",
               6);
    pbwire_wrap(
        &st,
        field_id(&cameos__content__v1__create_style_preset_request__descriptor, "style_preset"),
        NULL, 0);
    tc_result r =
        call_raw(chan_content, "/cameos.content.v1.ContentService/CreateStylePreset", st, tok);
    free(st.p);
    return r;
}

/* A Struct {"items": [null x n]}. */
static pbwire nulls_struct(size_t n)
{
    pbwire w = {malloc(4 * n + 1), 4 * n};
    cr_assert_not_null(w.p);
    for (size_t i = 0; i < n; i++)
        memcpy(w.p + 4 * i, "\x0a\x02\x08\x00", 4);
    pbwire_wrap(&w, 6, NULL, 0);
    pbwire_wrap(&w, 2, (const uint8_t *)"\x0a\x05items", 7);
    pbwire_wrap(&w, 1, NULL, 0);
    return w;
}

/* A Struct {"s": "xxx..."} of a string of n bytes. */
static pbwire string_struct(size_t n)
{
    pbwire w = {malloc(n + 1), n};
    cr_assert_not_null(w.p);
    memset(w.p, 'x', n);
    pbwire_wrap(&w, 3, NULL, 0);                         /* Value.string_value */
    pbwire_wrap(&w, 2, (const uint8_t *)"\x0a\x01s", 3); /* entry {key "s", value} */
    pbwire_wrap(&w, 1, NULL, 0);                         /* Struct.fields */
    return w;
}

/* Free-form JSON is capped at write: 64 KiB and 10,000 values. */
Test(guard, struct_fields_are_capped_at_write)
{
    char *uid, *tok = new_user_token(&uid);
    tc_result r = create_preset(tok, nulls_struct(9998)); /* 9,998 nulls + list + object */
    cr_assert_eq(r.code, GRPC_STATUS_OK, "10,000 values: got %s (%s)", tc_code_name(r.code),
                 r.message);
    tc_result_free(&r);
    r = create_preset(tok, nulls_struct(9999));
    EXPECT_REFUSED(r, "style_data is too large", "10,001 values");
    tc_result_free(&r);
    r = create_preset(tok, string_struct(65536 - 8)); /* {"s":"..."} is 65,536 bytes */
    cr_assert_eq(r.code, GRPC_STATUS_OK, "64 KiB: got %s (%s)", tc_code_name(r.code), r.message);
    tc_result_free(&r);
    r = create_preset(tok, string_struct(65536 - 7));
    EXPECT_REFUSED(r, "style_data is too large", "64 KiB + 1");
    tc_result_free(&r);
    const char *p[] = {uid};
    cr_assert_eq(tdb_int(db, "SELECT count(*) FROM public.style_presets WHERE user_id = $1", 1, p),
                 2, "only the two within the caps were written");
    free(uid);
    free(tok);
}

static tc_result list_presets(const char *tok, const char *page_token)
{
    Cameos__Content__V1__ListStylePresetsRequest req =
        CAMEOS__CONTENT__V1__LIST_STYLE_PRESETS_REQUEST__INIT;
    req.page_size = 1000;
    req.page_token = (char *)page_token;
    tc_result r;
    cr_assert_eq(tc_unary(chan_content, "/cameos.content.v1.ContentService/ListStylePresets",
                          &req.base, &cameos__content__v1__list_style_presets_response__descriptor,
                          tok, NULL, 20000, &r),
                 0);
    return r;
}

/* Rows written by other clients may be larger than anything the services
 * write: a page stops before the row that would take its reply past 2 MiB
 * and the next page goes on from there; a row too large for any reply is
 * RESOURCE_EXHAUSTED, without being decoded. */
Test(guard, list_pages_keep_to_the_reply_budget)
{
    char *uid, *tok = new_user_token(&uid);
    const char *p[] = {uid};
    /* 24 presets of ~200 KB each (4.8 MB in all), oldest first. */
    tdb_exec(db,
             "INSERT INTO public.style_presets (user_id, name, style_data, created_at) "
             "SELECT $1, 'big ' || g, jsonb_build_object('s', repeat('y', 200000)), "
             "now() - (100 - g) * interval '1 second' FROM generate_series(1, 24) g",
             1, p);
    int pages = 0, rows = 0;
    char *token = strdup("");
    do {
        tc_result r = list_presets(tok, token);
        cr_assert_eq(r.code, GRPC_STATUS_OK, "page %d: %s (%s)", pages + 1, tc_code_name(r.code),
                     r.message);
        const Cameos__Content__V1__ListStylePresetsResponse *l = (const void *)r.resp;
        cr_assert(r.resp_bytes <= 2u << 20, "page %d is %zu bytes", pages + 1, r.resp_bytes);
        cr_assert_gt(l->n_style_presets, 0, "a page is never empty while rows remain");
        rows += (int)l->n_style_presets;
        pages++;
        free(token);
        token = strdup(l->next_page_token);
        tc_result_free(&r);
    } while (token[0] && pages < 10);
    cr_assert_eq(rows, 24, "every row once (%d)", rows);
    cr_assert_geq(pages, 3, "2 MiB holds at most 10 of them: %d pages", pages);
    free(token);

    /* One row past what may be read (a JSON cell over ROWMAP_JSON_READ_MAX,
     * 1 MiB), older than the rest: the page before it is served, and the
     * one that starts with it is an error. */
    tdb_exec(db,
             "INSERT INTO public.style_presets (user_id, name, style_data, created_at) "
             "VALUES ($1, 'huge', jsonb_build_object('s', repeat('z', 1100000)), "
             "now() - interval '1 hour')",
             1, p);
    char *huge = tdb_scalar(
        db, "SELECT id FROM public.style_presets WHERE user_id = $1 AND name = 'huge'", 1, p);
    Cameos__Content__V1__GetStylePresetRequest g =
        CAMEOS__CONTENT__V1__GET_STYLE_PRESET_REQUEST__INIT;
    g.id = huge;
    tc_result r;
    cr_assert_eq(tc_unary(chan_content, "/cameos.content.v1.ContentService/GetStylePreset", &g.base,
                          NULL, tok, NULL, 20000, &r),
                 0);
    cr_assert_eq(r.code, GRPC_STATUS_RESOURCE_EXHAUSTED, "GetStylePreset of the huge row: %s (%s)",
                 tc_code_name(r.code), r.message);
    tc_result_free(&r);
    token = strdup("");
    int errors = 0;
    rows = 0;
    for (pages = 0; pages < 10; pages++) {
        r = list_presets(tok, token);
        if (r.code != GRPC_STATUS_OK) {
            cr_assert_eq(r.code, GRPC_STATUS_RESOURCE_EXHAUSTED, "%s", r.message);
            errors++;
            tc_result_free(&r);
            break;
        }
        const Cameos__Content__V1__ListStylePresetsResponse *l = (const void *)r.resp;
        rows += (int)l->n_style_presets;
        free(token);
        token = strdup(l->next_page_token);
        tc_result_free(&r);
        if (!token[0])
            break;
    }
    cr_assert_eq(rows, 24, "the rows before the huge one were all served (%d)", rows);
    cr_assert_eq(errors, 1, "the page that starts with the huge row is an error");
    expect_serving(chan_content, "content after the budget tests");
    free(token);
    free(huge);
    free(uid);
    free(tok);
}

/* ---- helpers ---------------------------------------------------------- */

static void setup(void)
{
    const char *names[] = {"CREDITS_ADDR", "CONTENT_ADDR", "PLANNING_ADDR", "JWT_SECRET",
                           "DATABASE_URL"};
    for (size_t i = 0; i < 5; i++)
        if (!getenv(names[i]) || !getenv(names[i])[0])
            cr_assert_fail("%s is not set", names[i]);
    chan_credits = tc_connect(getenv("CREDITS_ADDR"));
    chan_content = tc_connect(getenv("CONTENT_ADDR"));
    chan_planning = tc_connect(getenv("PLANNING_ADDR"));
    cr_assert(chan_credits && chan_content && chan_planning);
    cr_assert_eq(tc_wait_ready(chan_credits, 10000), 0);
    cr_assert_eq(tc_wait_ready(chan_content, 10000), 0);
    cr_assert_eq(tc_wait_ready(chan_planning, 10000), 0);
    db = tdb_connect();
}

static void teardown(void)
{
    if (db)
        PQfinish(db);
    db = NULL;
    tc_close(chan_credits);
    tc_close(chan_content);
    tc_close(chan_planning);
}

static char *new_user_token(char **id)
{
    *id = tdb_new_user(db, "guard");
    char *tok = tt_mint(getenv("JWT_SECRET"), *id, "authenticated", 900);
    cr_assert_not_null(tok);
    return tok;
}

static uint32_t field_id(const ProtobufCMessageDescriptor *d, const char *name)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
    cr_assert_not_null(f, "%s has no field %s", d->name, name);
    return f->id;
}

static void expect_serving(tc_chan *ch, const char *what)
{
    Grpc__Health__V1__HealthCheckRequest req = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
    req.service = "";
    tc_result r;
    cr_assert_eq(tc_unary(ch, "/grpc.health.v1.Health/Check", &req.base,
                          &grpc__health__v1__health_check_response__descriptor, NULL, NULL, 10000,
                          &r),
                 0);
    cr_assert_eq(r.code, GRPC_STATUS_OK, "%s: health answered %s (%s)", what, tc_code_name(r.code),
                 r.message);
    const Grpc__Health__V1__HealthCheckResponse *h = (const void *)r.resp;
    cr_assert_eq(h->status, GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING, "%s",
                 what);
    tc_result_free(&r);
}

static tc_result call_raw(tc_chan *ch, const char *path, pbwire w, const char *tok)
{
    tc_result r;
    cr_assert_eq(tc_unary_raw(ch, path, w.p, w.len, NULL, tok, 20000, &r), 0, "%s failed locally",
                 path);
    return r;
}
