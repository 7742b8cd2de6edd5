/*
 * test_content_generations - ContentService generations over a real gRPC
 * channel: CreateGeneration (validation, pricing, the debit, request_id),
 * Get, List (filters, pages, tokens), Delete, and the worker's Complete and
 * Fail, with the ledger checked in the database after each step.
 *
 * Starts nothing: CONTENT_ADDR, JWT_SECRET and DATABASE_URL (superuser)
 * come from the environment. Every test makes its own users, so the
 * database may hold anything else.
 */
#define CT_HELPERS_ONLY
#include "test_content_common.c"

#include <unistd.h>

#define VEO_2      CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_2
#define VEO_FAST   CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_FAST
#define R720       CAMEOS__CONTENT__V1__RESOLUTION__RESOLUTION_720P
#define R1080      CAMEOS__CONTENT__V1__RESOLUTION__RESOLUTION_1080P
#define T2V        CAMEOS__CONTENT__V1__GENERATION_MODE__GENERATION_MODE_TEXT_TO_VIDEO
#define I2V        CAMEOS__CONTENT__V1__GENERATION_MODE__GENERATION_MODE_IMAGE_TO_VIDEO
#define GENERATING CAMEOS__CONTENT__V1__GENERATION_STATUS__GENERATION_STATUS_GENERATING
#define SUCCESS    CAMEOS__CONTENT__V1__GENERATION_STATUS__GENERATION_STATUS_SUCCESS
#define ERROR      CAMEOS__CONTENT__V1__GENERATION_STATUS__GENERATION_STATUS_ERROR

typedef Cameos__Content__V1__Generation Generation;

static Generation gen(const char *prompt, int model, int resolution, int mode, const char *ref);
static tc_result create(const char *tok, const Generation *g, const char *request_id);
static tc_result get(const char *tok, const char *id);
static tc_result complete(const char *tok, const char *id, const char *url);
static tc_result fail(const char *tok, const char *id, const char *message);
static tc_result del(const char *tok, const char *id);
static tc_result list(const char *tok, int size, const char *token, int status, int model);
static long long ledger_count(const char *gid, const char *type);
static long long generations_of(const char *uid);

TestSuite(content_generations, .init = ct_setup, .fini = ct_teardown, .timeout = 120);

Test(content_generations, create_charges_the_price_in_one_transaction)
{
    ct_user u = ct_new_user("gencreate");
    Generation g = gen("a red fox at dawn", VEO_2, R720, T2V, "");
    g.status = SUCCESS; /* output-only: ignored */
    g.credits_used = 1; /* idem */
    g.video_url = "https://x.test/v.mp4";
    tc_result r = create(u.tok, &g, "");
    CT_EXPECT(r, GRPC_STATUS_OK, "CreateGeneration");
    const Generation *out = (const Generation *)r.resp;
    cr_assert_str_eq(out->user_id, u.id);
    cr_assert_str_eq(out->prompt, "a red fox at dawn");
    cr_assert_eq(out->model, VEO_2);
    cr_assert_eq(out->aspect_ratio, CAMEOS__CONTENT__V1__ASPECT_RATIO__ASPECT_RATIO_16_9);
    cr_assert_eq(out->resolution, R720);
    cr_assert_eq(out->mode, T2V);
    cr_assert_eq(out->status, GENERATING);
    cr_assert_eq(out->credits_used, 40);
    cr_assert_str_eq(out->video_url, "");
    cr_assert_not_null(out->created_at);
    cr_assert_null(out->completed_at);
    cr_assert_eq(ct_balance(u.id), 60);
    cr_assert_eq(ledger_count(out->id, "generation"), 1);
    const char *p[1] = {out->id};
    cr_assert_eq(tdb_int(ct_db,
                         "select amount from public.credit_transactions where generation_id = $1",
                         1, p),
                 -40);
    tc_result_free(&r);

    /* veo-fast costs 15 at either resolution. */
    g = gen("fast", VEO_FAST, R1080, T2V, "");
    g.aspect_ratio = CAMEOS__CONTENT__V1__ASPECT_RATIO__ASPECT_RATIO_9_16;
    r = create(u.tok, &g, "");
    CT_EXPECT(r, GRPC_STATUS_OK, "CreateGeneration veo-fast");
    cr_assert_eq(((const Generation *)r.resp)->credits_used, 15);
    cr_assert_eq(((const Generation *)r.resp)->aspect_ratio,
                 CAMEOS__CONTENT__V1__ASPECT_RATIO__ASPECT_RATIO_9_16);
    cr_assert_eq(ct_balance(u.id), 45);
    tc_result_free(&r);
    ct_free_user(&u);
}

Test(content_generations, create_validates_every_field)
{
    ct_user u = ct_new_user("genvalid");
    char *long_prompt = malloc(10002), *wide_prompt = malloc(2 * 10000 + 1);
    cr_assert(long_prompt && wide_prompt);
    memset(long_prompt, 'a', 10001);
    long_prompt[10001] = 0;
    for (int i = 0; i < 10000; i++)
        memcpy(wide_prompt + 2 * i, "\xc3\xa9", 2); /* é: limits count characters */
    wide_prompt[20000] = 0;

    struct {
        const char *what;
        Generation g;
    } bad[] = {
        {"empty prompt", gen("", VEO_2, R720, T2V, "")},
        {"10001-character prompt", gen(long_prompt, VEO_2, R720, T2V, "")},
        {"invalid UTF-8 prompt", gen("\xff\xfe", VEO_2, R720, T2V, "")},
        {"no model", gen("p", 0, R720, T2V, "")},
        {"unknown model", gen("p", 9, R720, T2V, "")},
        {"no resolution", gen("p", VEO_2, 0, T2V, "")},
        {"unknown resolution", gen("p", VEO_2, 7, T2V, "")},
        {"no mode", gen("p", VEO_2, R720, 0, "")},
        {"unknown mode", gen("p", VEO_2, R720, 5, "")},
        {"image_to_video without reference", gen("p", VEO_2, R720, I2V, "")},
        {"image_to_video with an http reference",
         gen("p", VEO_2, R720, I2V, "http://x.test/a.png")},
        {"image_to_video with a non-URL", gen("p", VEO_2, R720, I2V, "not a url")},
        {"text_to_video with a reference", gen("p", VEO_2, R720, T2V, "https://x.test/a.png")},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tc_result r = create(u.tok, &bad[i].g, "");
        CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, bad[i].what);
        tc_result_free(&r);
    }
    Generation g = gen("p", VEO_2, R720, T2V, "");
    g.aspect_ratio = 0;
    tc_result r = create(u.tok, &g, "");
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "no aspect ratio");
    tc_result_free(&r);
    r = create(u.tok, &g, "bad id with spaces");
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "request_id with spaces");
    tc_result_free(&r);

    Cameos__Content__V1__CreateGenerationRequest empty =
        CAMEOS__CONTENT__V1__CREATE_GENERATION_REQUEST__INIT;
    r = ct_call(CT_RPC("CreateGeneration"), &empty.base,
                &cameos__content__v1__generation__descriptor, u.tok);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "no generation");
    tc_result_free(&r);
    cr_assert_eq(generations_of(u.id), 0, "nothing was written");
    cr_assert_eq(ct_balance(u.id), 100);

    g = gen(wide_prompt, VEO_FAST, R720, I2V, "https://img.test/ref.png?x=1");
    r = create(u.tok, &g, "");
    CT_EXPECT(r, GRPC_STATUS_OK, "10000 two-byte characters, image_to_video over https");
    cr_assert_str_eq(((const Generation *)r.resp)->reference_image_url,
                     "https://img.test/ref.png?x=1");
    cr_assert_str_eq(((const Generation *)r.resp)->prompt, wide_prompt);
    tc_result_free(&r);
    free(long_prompt);
    free(wide_prompt);
    ct_free_user(&u);
}

Test(content_generations, insufficient_credits_writes_nothing)
{
    ct_user u = ct_new_user("genpoor");
    free(ct_new_generation(&u, VEO_2));
    free(ct_new_generation(&u, VEO_2));
    cr_assert_eq(ct_balance(u.id), 20);
    long long tx =
        tdb_int(ct_db, "select count(*) from public.credit_transactions where user_id = $1", 1,
                (const char *const *)&u.id);
    Generation g = gen("too expensive", VEO_2, R720, T2V, "");
    tc_result r = create(u.tok, &g, "poor-1");
    CT_EXPECT(r, GRPC_STATUS_FAILED_PRECONDITION, "a third veo-2 with 20 credits");
    cr_assert(strstr(r.message, "insufficient") != NULL, "message: %s", r.message);
    tc_result_free(&r);
    cr_assert_eq(generations_of(u.id), 2);
    cr_assert_eq(ct_balance(u.id), 20);
    cr_assert_eq(tdb_int(ct_db,
                         "select count(*) from public.credit_transactions where user_id = $1", 1,
                         (const char *const *)&u.id),
                 tx);
    /* The failed attempt did not keep its request_id: it may succeed later. */
    g = gen("too expensive", VEO_2, R720, T2V, "");
    cr_assert_eq(tdb_int(ct_db,
                         "select count(*) from public.request_keys where user_id = $1"
                         " and request_id = 'poor-1'",
                         1, (const char *const *)&u.id),
                 0);
    g = gen("cheap", VEO_FAST, R720, T2V, "");
    r = create(u.tok, &g, "");
    CT_EXPECT(r, GRPC_STATUS_OK, "veo-fast still fits");
    tc_result_free(&r);
    cr_assert_eq(ct_balance(u.id), 5);
    ct_free_user(&u);
}

Test(content_generations, request_id_makes_create_idempotent)
{
    ct_user u = ct_new_user("genidem");
    Generation g = gen("same", VEO_FAST, R720, T2V, "");
    tc_result a = create(u.tok, &g, "idem-1");
    CT_EXPECT(a, GRPC_STATUS_OK, "first");
    tc_result b = create(u.tok, &g, "idem-1");
    CT_EXPECT(b, GRPC_STATUS_OK, "retry");
    const Generation *ga = (const Generation *)a.resp, *gb = (const Generation *)b.resp;
    cr_assert_str_eq(ga->id, gb->id);
    cr_assert_eq(gb->credits_used, 15);
    cr_assert_eq(ga->created_at->seconds, gb->created_at->seconds);
    cr_assert_eq(ga->created_at->nanos, gb->created_at->nanos);
    cr_assert_eq(ledger_count(ga->id, "generation"), 1);
    cr_assert_eq(ct_balance(u.id), 85);
    cr_assert_eq(generations_of(u.id), 1);

    /* After the worker failed it, a retry still returns it and charges nothing. */
    tc_result f = fail(ct_service_tok, ga->id, "boom");
    CT_EXPECT(f, GRPC_STATUS_OK, "FailGeneration");
    tc_result_free(&f);
    tc_result c = create(u.tok, &g, "idem-1");
    CT_EXPECT(c, GRPC_STATUS_OK, "retry after failure");
    cr_assert_str_eq(((const Generation *)c.resp)->id, ga->id);
    cr_assert_eq(ct_balance(u.id), 100);
    cr_assert_eq(ledger_count(ga->id, "generation"), 1);
    cr_assert_eq(ledger_count(ga->id, "refund"), 1);
    tc_result_free(&c);

    g.prompt = "different";
    c = create(u.tok, &g, "idem-1");
    CT_EXPECT(c, GRPC_STATUS_FAILED_PRECONDITION, "same request_id, other parameters");
    tc_result_free(&c);
    cr_assert_eq(generations_of(u.id), 1);

    /* Keys are per user: another user may use the same one. */
    ct_user v = ct_new_user("genidem2");
    c = create(v.tok, &g, "idem-1");
    CT_EXPECT(c, GRPC_STATUS_OK, "another user's same request_id");
    cr_assert_str_neq(((const Generation *)c.resp)->id, ga->id);
    tc_result_free(&c);
    tc_result_free(&a);
    tc_result_free(&b);
    ct_free_user(&u);
    ct_free_user(&v);
}

Test(content_generations, get_sees_only_own_generations)
{
    ct_user a = ct_new_user("genget"), b = ct_new_user("gengetb");
    char *id = ct_new_generation(&a, VEO_2);
    tc_result r = get(a.tok, id);
    CT_EXPECT(r, GRPC_STATUS_OK, "own");
    cr_assert_str_eq(((const Generation *)r.resp)->id, id);
    tc_result_free(&r);
    r = get(b.tok, id);
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "another user's");
    tc_result_free(&r);
    r = get(a.tok, "7d1ce2ad-54d1-4d7e-9a3e-3c9f1f1f0000");
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "unknown id");
    tc_result_free(&r);
    r = get(a.tok, "not-a-uuid");
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "malformed id");
    tc_result_free(&r);
    r = get(NULL, id);
    CT_EXPECT(r, GRPC_STATUS_UNAUTHENTICATED, "no token");
    tc_result_free(&r);
    free(id);
    ct_free_user(&a);
    ct_free_user(&b);
}

Test(content_generations, list_filters_and_pages)
{
    ct_user a = ct_new_user("genlist"), b = ct_new_user("genlistb");
    /* 1000 credits so that six generations fit. */
    const char *p[1] = {a.id};
    tdb_exec(ct_db,
             "select public.ledger_grant($1, 900, 'test credits', '') from (select"
             " set_config('request.jwt.claims', '{\"role\":\"service_role\"}', true)) s",
             1, p);
    char *ids[6];
    for (int i = 0; i < 6; i++)
        ids[i] = ct_new_generation(&a, i % 2 ? VEO_FAST : VEO_2);
    tc_result r = fail(ct_service_tok, ids[0], "x");
    tc_result_free(&r);
    r = complete(ct_service_tok, ids[1], "https://v.test/1.mp4");
    tc_result_free(&r);
    free(ct_new_generation(&b, VEO_2));

    /* Pages of 4, newest first, each generation once. */
    char *token = strdup("");
    int seen = 0, pages = 0;
    while (1) {
        r = list(a.tok, 4, token, 0, 0);
        CT_EXPECT(r, GRPC_STATUS_OK, "ListGenerations page");
        const Cameos__Content__V1__ListGenerationsResponse *lr = (const void *)r.resp;
        for (size_t i = 0; i < lr->n_generations; i++, seen++) {
            cr_assert_lt(seen, 6);
            cr_assert_str_eq(lr->generations[i]->id, ids[5 - seen], "newest first");
            cr_assert_str_eq(lr->generations[i]->user_id, a.id);
        }
        pages++;
        free(token);
        token = strdup(lr->next_page_token);
        tc_result_free(&r);
        if (!token[0])
            break;
    }
    cr_assert_eq(seen, 6);
    cr_assert_eq(pages, 2);

    struct {
        int status, model;
        int want;
    } f[] = {
        {ERROR, 0, 1}, {SUCCESS, 0, 1},           {GENERATING, 0, 4},
        {0, VEO_2, 3}, {GENERATING, VEO_FAST, 2},
    };
    for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
        r = list(a.tok, 0, "", f[k].status, f[k].model);
        CT_EXPECT(r, GRPC_STATUS_OK, "filtered list");
        const Cameos__Content__V1__ListGenerationsResponse *lr = (const void *)r.resp;
        cr_assert_eq((int)lr->n_generations, f[k].want, "status %d model %d", f[k].status,
                     f[k].model);
        for (size_t i = 0; i < lr->n_generations; i++) {
            cr_assert(!f[k].status || (int)lr->generations[i]->status == f[k].status);
            cr_assert(!f[k].model || (int)lr->generations[i]->model == f[k].model);
        }
        tc_result_free(&r);
    }

    /* Tokens: bound to the list, the filters and the caller. */
    r = list(a.tok, 2, "", 0, 0);
    char *t2 =
        strdup(((const Cameos__Content__V1__ListGenerationsResponse *)r.resp)->next_page_token);
    tc_result_free(&r);
    cr_assert(t2[0]);
    r = list(a.tok, 2, t2, GENERATING, 0);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "token with other filters");
    tc_result_free(&r);
    r = list(b.tok, 2, t2, 0, 0);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "another user's token");
    tc_result_free(&r);
    r = list(a.tok, 2, "garbage", 0, 0);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "garbage token");
    tc_result_free(&r);
    r = list(a.tok, -1, "", 0, 0);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "negative page_size");
    tc_result_free(&r);
    r = list(a.tok, 0, "", 9, 0);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "unknown status");
    tc_result_free(&r);
    r = list(a.tok, 5000, "", 0, 0);
    CT_EXPECT(r, GRPC_STATUS_OK, "page_size above 1000 is coerced");
    cr_assert_eq(((const Cameos__Content__V1__ListGenerationsResponse *)r.resp)->n_generations, 6);
    tc_result_free(&r);

    /* B sees only B's. */
    r = list(b.tok, 0, "", 0, 0);
    CT_EXPECT(r, GRPC_STATUS_OK, "B's list");
    const Cameos__Content__V1__ListGenerationsResponse *lb = (const void *)r.resp;
    cr_assert_eq(lb->n_generations, 1);
    cr_assert_str_eq(lb->generations[0]->user_id, b.id);
    tc_result_free(&r);
    for (int i = 0; i < 6; i++)
        free(ids[i]);
    free(t2);
    free(token);
    ct_free_user(&a);
    ct_free_user(&b);
}

Test(content_generations, complete_moves_generating_to_success_once)
{
    ct_user u = ct_new_user("gencomplete");
    char *id = ct_new_generation(&u, VEO_2);
    tc_result r = complete(u.tok, id, "https://v.test/a.mp4");
    CT_EXPECT(r, GRPC_STATUS_PERMISSION_DENIED, "a user token");
    tc_result_free(&r);
    r = complete(ct_service_tok, id, "");
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "no video_url");
    tc_result_free(&r);
    r = complete(ct_service_tok, id, "ftp://v.test/a.mp4");
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "not an http(s) URL");
    tc_result_free(&r);
    r = complete(ct_service_tok, "x", "https://v.test/a.mp4");
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "malformed id");
    tc_result_free(&r);
    r = complete(ct_service_tok, "7d1ce2ad-54d1-4d7e-9a3e-3c9f1f1f0001", "https://v.test/a.mp4");
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "unknown id");
    tc_result_free(&r);

    r = complete(ct_service_tok, id, "http://v.test/a.mp4");
    CT_EXPECT(r, GRPC_STATUS_OK, "CompleteGeneration");
    const Generation *g = (const Generation *)r.resp;
    cr_assert_eq(g->status, SUCCESS);
    cr_assert_str_eq(g->video_url, "http://v.test/a.mp4");
    cr_assert_not_null(g->completed_at);
    cr_assert_eq(g->credits_used, 40);
    tc_result again = complete(ct_service_tok, id, "http://v.test/a.mp4");
    CT_EXPECT(again, GRPC_STATUS_OK, "the same call again");
    cr_assert_eq(((const Generation *)again.resp)->completed_at->seconds, g->completed_at->seconds);
    cr_assert_eq(((const Generation *)again.resp)->completed_at->nanos, g->completed_at->nanos);
    tc_result_free(&again);
    again = complete(ct_service_tok, id, "http://v.test/other.mp4");
    CT_EXPECT(again, GRPC_STATUS_FAILED_PRECONDITION, "complete again with another URL");
    tc_result_free(&again);
    again = fail(ct_service_tok, id, "late failure");
    CT_EXPECT(again, GRPC_STATUS_FAILED_PRECONDITION, "fail after success");
    tc_result_free(&again);
    cr_assert_eq(ct_balance(u.id), 60, "success keeps the charge");
    cr_assert_eq(ledger_count(id, "refund"), 0);
    tc_result_free(&r);
    free(id);
    ct_free_user(&u);
}

Test(content_generations, fail_refunds_once)
{
    ct_user u = ct_new_user("genfail");
    char *id = ct_new_generation(&u, VEO_FAST);
    cr_assert_eq(ct_balance(u.id), 85);
    tc_result r = fail(u.tok, id, "boom");
    CT_EXPECT(r, GRPC_STATUS_PERMISSION_DENIED, "a user token");
    tc_result_free(&r);
    r = fail(ct_service_tok, id, "");
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "no error_message");
    tc_result_free(&r);
    r = fail(ct_service_tok, "7d1ce2ad-54d1-4d7e-9a3e-3c9f1f1f0002", "boom");
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "unknown id");
    tc_result_free(&r);

    r = fail(ct_service_tok, id, "model overloaded");
    CT_EXPECT(r, GRPC_STATUS_OK, "FailGeneration");
    const Generation *g = (const Generation *)r.resp;
    cr_assert_eq(g->status, ERROR);
    cr_assert_str_eq(g->error_message, "model overloaded");
    cr_assert_not_null(g->completed_at);
    cr_assert_eq(ct_balance(u.id), 100, "refunded");
    for (int i = 0; i < 3; i++) {
        tc_result again = fail(ct_service_tok, id, i ? "other text" : "model overloaded");
        CT_EXPECT(again, GRPC_STATUS_OK, "repeated FailGeneration");
        cr_assert_str_eq(((const Generation *)again.resp)->error_message, "model overloaded");
        tc_result_free(&again);
    }
    tc_result c = complete(ct_service_tok, id, "https://v.test/late.mp4");
    CT_EXPECT(c, GRPC_STATUS_FAILED_PRECONDITION, "complete after failure");
    tc_result_free(&c);
    cr_assert_eq(ledger_count(id, "refund"), 1);
    cr_assert_eq(ct_balance(u.id), 100);
    const char *p[1] = {id};
    cr_assert_eq(tdb_int(ct_db,
                         "select amount from public.credit_transactions where generation_id = $1"
                         " and transaction_type = 'refund'",
                         1, p),
                 15);
    tc_result_free(&r);
    free(id);
    ct_free_user(&u);
}

Test(content_generations, delete_only_finished_and_keeps_the_ledger)
{
    ct_user a = ct_new_user("gendel"), b = ct_new_user("gendelb");
    char *id = ct_new_generation(&a, VEO_2);
    tc_result r = del(a.tok, id);
    CT_EXPECT(r, GRPC_STATUS_FAILED_PRECONDITION, "delete while generating");
    tc_result_free(&r);
    r = fail(ct_service_tok, id, "boom");
    tc_result_free(&r);
    r = del(b.tok, id);
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "another user's");
    tc_result_free(&r);
    r = del(a.tok, "nope");
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "malformed id");
    tc_result_free(&r);
    r = del(a.tok, id);
    CT_EXPECT(r, GRPC_STATUS_OK, "delete a failed generation");
    tc_result_free(&r);
    r = get(a.tok, id);
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "gone");
    tc_result_free(&r);
    r = del(a.tok, id);
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "delete twice");
    tc_result_free(&r);

    /* Debit and refund stay, unlinked, with the id in their metadata. */
    const char *p[2] = {a.id, id};
    cr_assert_eq(tdb_int(ct_db,
                         "select count(*) from public.credit_transactions where user_id = $1"
                         " and generation_id is null and metadata ->> 'generation_id' = $2",
                         2, p),
                 2);
    cr_assert_eq(ct_balance(a.id), 100);

    char *ok = ct_new_generation(&a, VEO_2);
    r = complete(ct_service_tok, ok, "https://v.test/ok.mp4");
    tc_result_free(&r);
    r = del(a.tok, ok);
    CT_EXPECT(r, GRPC_STATUS_OK, "delete a finished generation");
    tc_result_free(&r);
    free(ok);
    free(id);
    ct_free_user(&a);
    ct_free_user(&b);
}

/* ---- helpers --------------------------------------------------------- */

static Generation gen(const char *prompt, int model, int resolution, int mode, const char *ref)
{
    Generation g = CAMEOS__CONTENT__V1__GENERATION__INIT;
    g.prompt = (char *)prompt;
    g.model = (Cameos__Content__V1__Model)model;
    g.aspect_ratio = CAMEOS__CONTENT__V1__ASPECT_RATIO__ASPECT_RATIO_16_9;
    g.resolution = (Cameos__Content__V1__Resolution)resolution;
    g.mode = (Cameos__Content__V1__GenerationMode)mode;
    g.reference_image_url = (char *)ref;
    return g;
}

static tc_result create(const char *tok, const Generation *g, const char *request_id)
{
    Cameos__Content__V1__CreateGenerationRequest req =
        CAMEOS__CONTENT__V1__CREATE_GENERATION_REQUEST__INIT;
    req.generation = (Generation *)g;
    req.request_id = (char *)request_id;
    return ct_call(CT_RPC("CreateGeneration"), &req.base,
                   &cameos__content__v1__generation__descriptor, tok);
}

static tc_result get(const char *tok, const char *id)
{
    Cameos__Content__V1__GetGenerationRequest req =
        CAMEOS__CONTENT__V1__GET_GENERATION_REQUEST__INIT;
    req.id = (char *)id;
    return ct_call(CT_RPC("GetGeneration"), &req.base, &cameos__content__v1__generation__descriptor,
                   tok);
}

static tc_result complete(const char *tok, const char *id, const char *url)
{
    Cameos__Content__V1__CompleteGenerationRequest req =
        CAMEOS__CONTENT__V1__COMPLETE_GENERATION_REQUEST__INIT;
    req.id = (char *)id;
    req.video_url = (char *)url;
    return ct_call(CT_RPC("CompleteGeneration"), &req.base,
                   &cameos__content__v1__generation__descriptor, tok);
}

static tc_result fail(const char *tok, const char *id, const char *message)
{
    Cameos__Content__V1__FailGenerationRequest req =
        CAMEOS__CONTENT__V1__FAIL_GENERATION_REQUEST__INIT;
    req.id = (char *)id;
    req.error_message = (char *)message;
    return ct_call(CT_RPC("FailGeneration"), &req.base,
                   &cameos__content__v1__generation__descriptor, tok);
}

static tc_result del(const char *tok, const char *id)
{
    Cameos__Content__V1__DeleteGenerationRequest req =
        CAMEOS__CONTENT__V1__DELETE_GENERATION_REQUEST__INIT;
    req.id = (char *)id;
    return ct_call(CT_RPC("DeleteGeneration"), &req.base, &google__protobuf__empty__descriptor,
                   tok);
}

static tc_result list(const char *tok, int size, const char *token, int status, int model)
{
    Cameos__Content__V1__ListGenerationsRequest req =
        CAMEOS__CONTENT__V1__LIST_GENERATIONS_REQUEST__INIT;
    req.page_size = size;
    req.page_token = (char *)token;
    req.status = (Cameos__Content__V1__GenerationStatus)status;
    req.model = (Cameos__Content__V1__Model)model;
    return ct_call(CT_RPC("ListGenerations"), &req.base,
                   &cameos__content__v1__list_generations_response__descriptor, tok);
}

static long long ledger_count(const char *gid, const char *type)
{
    const char *p[2] = {gid, type};
    return tdb_int(ct_db,
                   "select count(*) from public.credit_transactions where generation_id = $1"
                   " and transaction_type = $2",
                   2, p);
}

static long long generations_of(const char *uid)
{
    const char *p[1] = {uid};
    return tdb_int(ct_db, "select count(*) from public.generations where user_id = $1", 1, p);
}
