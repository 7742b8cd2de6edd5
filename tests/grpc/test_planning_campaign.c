/*
 * test_planning_campaign - campaigns over a real channel: defaults, concepts
 * (repeated Struct) round trips, the status transition table (every pair of
 * statuses, completed_at set on reaching COMPLETED), the video counters,
 * brand_guidelines_id references, list filters with their page tokens,
 * keyset pages while other campaigns are being created, and request_id.
 *
 * Needs PLANNING_ADDR, JWT_SECRET and a superuser DATABASE_URL.
 */
#define TP_HELPERS_ONLY
#include "test_planning_common.c"

#include <pthread.h>

#define CA_DRAFT     CAMEOS__PLANNING__V1__CAMPAIGN_STATUS__CAMPAIGN_STATUS_DRAFT
#define CA_ACTIVE    CAMEOS__PLANNING__V1__CAMPAIGN_STATUS__CAMPAIGN_STATUS_ACTIVE
#define CA_COMPLETED CAMEOS__PLANNING__V1__CAMPAIGN_STATUS__CAMPAIGN_STATUS_COMPLETED
#define PAGE_ROWS    40
#define WRITERS      3

TestSuite(planning_campaign, .init = tp_setup, .fini = tp_teardown, .timeout = 180);

static tc_result ca_create(const tp_user *u, tp_campaign_t *c, const char *request_id);
static tc_result ca_update(const tp_user *u, tp_campaign_t *c, Google__Protobuf__FieldMask *mask);
static char *ca_new(const tp_user *u, const char *name, int status, char *platform);
static tc_result ca_list(const tp_user *u, int status, const char *platform, int page_size,
                         const char *token);
static void *ca_writer(void *arg);

Test(planning_campaign, create_defaults_and_concepts_round_trip)
{
    tp_user u = tp_new_user("campaign");
    static const char *const concept_json[] = {
        ("{\"title\":\"Launch\",\"shots\":[1,2.5,\"three\",null,true],\"meta\":{\"deep\":{\"x\":-0}"
         "}"
         "}"),
        "{}",
        "{\"emoji\":\"🎬\",\"n\":1e-7,\"big\":9007199254740992}",
    };
    Google__Protobuf__Struct *concepts[3];
    for (int i = 0; i < 3; i++)
        concepts[i] = tp_struct(concept_json[i]);
    char *platforms[] = {"tiktok", "instagram"};
    tp_campaign_t c = CAMEOS__PLANNING__V1__CAMPAIGN__INIT;
    c.name = "Spring launch";
    c.description = "Three short videos";
    c.target_audience = "Students";
    c.n_platform = 2;
    c.platform = platforms;
    c.total_videos = 3;
    c.completed_videos = 1;
    c.n_concepts = 3;
    c.concepts = concepts;
    tc_result r = ca_create(&u, &c, NULL);
    TP_EXPECT(r, GRPC_STATUS_OK, "CreateCampaign");
    tp_campaign_t *got = (tp_campaign_t *)r.resp;
    cr_assert_eq(got->status, CA_DRAFT, "DRAFT unless status says otherwise");
    cr_assert_null(got->completed_at);
    cr_assert_eq(got->total_videos, 3);
    cr_assert_eq(got->completed_videos, 1);
    cr_assert_eq(got->n_platform, 2);
    cr_assert_str_eq(got->platform[1], "instagram");
    cr_assert_str_eq(got->target_audience, "Students");
    cr_assert_str_eq(got->brand_guidelines_id, "");
    cr_assert_eq(got->n_concepts, 3);
    for (int i = 0; i < 3; i++)
        cr_assert(tp_struct_is(got->concepts[i], concept_json[i]), "concept %d", i);
    char *id = strdup(got->id);
    tc_result_free(&r);

    /* jsonb holds the concepts as plain JSON. */
    char *title =
        tp_sql("SELECT concepts -> 0 ->> 'title' FROM public.campaigns WHERE id = $1", id);
    cr_assert_str_eq(title, "Launch");
    free(title);
    char *status = tp_sql("SELECT status FROM public.campaigns WHERE id = $1", id);
    cr_assert_str_eq(status, "draft");
    free(status);

    r = tp_by_id("Get", &tp_kinds[1], id, &u);
    TP_EXPECT(r, GRPC_STATUS_OK, "GetCampaign");
    got = (tp_campaign_t *)r.resp;
    for (int i = 0; i < 3; i++)
        cr_assert(tp_struct_is(got->concepts[i], concept_json[i]), "concept %d after Get", i);
    tc_result_free(&r);

    /* Replacing the concepts through the mask. */
    Google__Protobuf__Struct *one = tp_struct("{\"k\":[{\"a\":[]}]}");
    tp_campaign_t up = CAMEOS__PLANNING__V1__CAMPAIGN__INIT;
    up.id = id;
    up.n_concepts = 1;
    up.concepts = &one;
    TP_MASK(m, "concepts");
    r = ca_update(&u, &up, &m);
    TP_EXPECT(r, GRPC_STATUS_OK, "replace concepts");
    got = (tp_campaign_t *)r.resp;
    cr_assert_eq(got->n_concepts, 1);
    cr_assert(tp_struct_is(got->concepts[0], "{\"k\":[{\"a\":[]}]}"));
    cr_assert_eq(got->n_platform, 2, "platform untouched");
    tc_result_free(&r);

    protobuf_c_message_free_unpacked(&one->base, NULL);
    for (int i = 0; i < 3; i++)
        protobuf_c_message_free_unpacked(&concepts[i]->base, NULL);
    free(id);
    tp_user_free(&u);
}

/* Struct numbers are doubles: any finite one must come back, and jsonb
 * should hold what the client sent (0.1, not 0.10000000000000001). */
Test(planning_campaign, concept_numbers_round_trip)
{
    tp_user u = tp_new_user("numbers");
    static const char *const json =
        "{\"big\":1e21,\"huge\":1.5e300,\"tiny\":1e-300,\"frac\":0.1,\"neg\":-2.5e-8}";
    Google__Protobuf__Struct *concept = tp_struct(json);
    tp_campaign_t c = CAMEOS__PLANNING__V1__CAMPAIGN__INIT;
    c.name = "Numbers";
    c.n_concepts = 1;
    c.concepts = &concept;
    tc_result r = ca_create(&u, &c, NULL);
    TP_EXPECT(r, GRPC_STATUS_OK, "create with large and fractional numbers");
    cr_assert(tp_struct_is(((tp_campaign_t *)r.resp)->concepts[0], json));
    char *id = strdup(((tp_campaign_t *)r.resp)->id);
    tc_result_free(&r);
    r = tp_by_id("Get", &tp_kinds[1], id, &u);
    TP_EXPECT(r, GRPC_STATUS_OK, "get it back");
    cr_assert(tp_struct_is(((tp_campaign_t *)r.resp)->concepts[0], json));
    tc_result_free(&r);
    char *frac = tp_sql("SELECT concepts -> 0 ->> 'frac' FROM public.campaigns WHERE id = $1", id);
    cr_assert_str_eq(frac, "0.1", "jsonb holds the number as sent");
    free(frac);
    protobuf_c_message_free_unpacked(&concept->base, NULL);
    free(id);
    tp_user_free(&u);
}

/* Every (from, to) pair: same status passes (no move), the two forward steps
 * pass, everything else is FAILED_PRECONDITION and changes nothing. */
Test(planning_campaign, status_transition_table)
{
    tp_user u = tp_new_user("status");
    static const int st[] = {CA_DRAFT, CA_ACTIVE, CA_COMPLETED};
    static const char *const text[] = {"", "draft", "active", "completed"};
    for (int f = 0; f < 3; f++)
        for (int t = 0; t < 3; t++) {
            char *id = ca_new(&u, "Transitions", st[f], NULL);
            tc_result g = tp_by_id("Get", &tp_kinds[1], id, &u);
            TP_EXPECT(g, GRPC_STATUS_OK, "get before");
            const Google__Protobuf__Timestamp *before = ((tp_campaign_t *)g.resp)->completed_at;
            cr_assert_eq(before != NULL, st[f] == CA_COMPLETED,
                         "completed_at is set exactly when created COMPLETED");
            tp_campaign_t up = CAMEOS__PLANNING__V1__CAMPAIGN__INIT;
            up.id = id;
            up.status = st[t];
            TP_MASK(m, "status");
            tc_result r = ca_update(&u, &up, &m);
            int legal = t == f || t == f + 1;
            char what[64];
            snprintf(what, sizeof(what), "%s -> %s", text[st[f]], text[st[t]]);
            TP_EXPECT(r, legal ? GRPC_STATUS_OK : GRPC_STATUS_FAILED_PRECONDITION, what);
            char *stored = tp_sql("SELECT status FROM public.campaigns WHERE id = $1", id);
            cr_assert_str_eq(stored, text[legal ? st[t] : st[f]], "%s: stored", what);
            free(stored);
            if (legal) {
                const tp_campaign_t *got = (const tp_campaign_t *)r.resp;
                cr_assert_eq((int)got->status, st[t], "%s", what);
                cr_assert_eq(got->completed_at != NULL, st[t] == CA_COMPLETED, "%s", what);
                if (before && got->completed_at) /* already COMPLETED: the time stays */
                    cr_assert(got->completed_at->seconds == before->seconds &&
                                  got->completed_at->nanos == before->nanos,
                              "%s keeps completed_at", what);
            } else {
                cr_assert(strstr(r.message, "status"), "%s: %s", what, r.message);
            }
            tc_result_free(&r);
            tc_result_free(&g);
            free(id);
        }

    /* The whole lifecycle one step at a time, then UNSPECIFIED and unknown numbers. */
    char *id = ca_new(&u, "Lifecycle", 0, NULL);
    for (int t = 1; t < 3; t++) {
        tp_campaign_t up = CAMEOS__PLANNING__V1__CAMPAIGN__INIT;
        up.id = id;
        up.status = st[t];
        tc_result r = ca_update(&u, &up, NULL); /* empty mask: the set status */
        TP_EXPECT(r, GRPC_STATUS_OK, "forward");
        tc_result_free(&r);
    }
    char *done = tp_sql("SELECT completed_at IS NOT NULL FROM public.campaigns WHERE id = $1", id);
    cr_assert_str_eq(done, "t");
    free(done);
    tp_campaign_t up = CAMEOS__PLANNING__V1__CAMPAIGN__INIT;
    up.id = id;
    TP_MASK(m, "status");
    tc_result r = ca_update(&u, &up, &m);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "status UNSPECIFIED in the mask");
    tc_result_free(&r);
    up.status = 7;
    r = ca_update(&u, &up, &m);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "unknown status number");
    tc_result_free(&r);
    tp_campaign_t bad = CAMEOS__PLANNING__V1__CAMPAIGN__INIT;
    bad.name = "Bad status";
    bad.status = 42;
    r = ca_create(&u, &bad, NULL);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "create with an unknown status");
    tc_result_free(&r);
    free(id);
    tp_user_free(&u);
}

Test(planning_campaign, video_counters)
{
    tp_user u = tp_new_user("videos");
    static const int bad[][2] = {{2, 3}, {-1, 0}, {5, -1}, {-3, -4}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tp_campaign_t c = CAMEOS__PLANNING__V1__CAMPAIGN__INIT;
        c.name = "Counters";
        c.total_videos = bad[i][0];
        c.completed_videos = bad[i][1];
        tc_result r = ca_create(&u, &c, NULL);
        TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "bad counters");
        cr_assert(strstr(r.message, "videos"), "%s", r.message);
        tc_result_free(&r);
    }
    tp_campaign_t c = CAMEOS__PLANNING__V1__CAMPAIGN__INIT;
    c.name = "Counters";
    c.total_videos = 4;
    c.completed_videos = 4;
    tc_result r = ca_create(&u, &c, NULL);
    TP_EXPECT(r, GRPC_STATUS_OK, "completed == total");
    char *id = strdup(((tp_campaign_t *)r.resp)->id);
    tc_result_free(&r);

    /* Lowering only the total below completed: the table refuses it. */
    tp_campaign_t up = CAMEOS__PLANNING__V1__CAMPAIGN__INIT;
    up.id = id;
    up.total_videos = 3;
    TP_MASK(mt, "total_videos");
    r = ca_update(&u, &up, &mt);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "total below completed");
    cr_assert(strstr(r.message, "completed_videos"), "%s", r.message);
    tc_result_free(&r);
    /* Both at once is fine; to zero needs the mask. */
    up.completed_videos = 0;
    TP_MASK(mb, "total_videos", "completed_videos");
    r = ca_update(&u, &up, &mb);
    TP_EXPECT(r, GRPC_STATUS_OK, "both counters");
    cr_assert_eq(((tp_campaign_t *)r.resp)->completed_videos, 0);
    cr_assert_eq(((tp_campaign_t *)r.resp)->total_videos, 3);
    tc_result_free(&r);
    up.total_videos = 1;
    up.completed_videos = 2;
    r = ca_update(&u, &up, &mb);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "completed above total");
    tc_result_free(&r);
    up.completed_videos = -1;
    TP_MASK(mc, "completed_videos");
    r = ca_update(&u, &up, &mc);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "negative completed");
    tc_result_free(&r);
    free(id);
    tp_user_free(&u);
}

Test(planning_campaign, brand_guidelines_reference)
{
    tp_user u = tp_new_user("camprefs");
    char *brand = tp_create(&tp_kinds[0], &u, "Own brand");
    char *random_id = tp_sql("SELECT gen_random_uuid()::text", NULL);
    tp_campaign_t c = CAMEOS__PLANNING__V1__CAMPAIGN__INIT;
    c.name = "Branded";
    c.brand_guidelines_id = random_id;
    tc_result r = ca_create(&u, &c, NULL);
    TP_EXPECT(r, GRPC_STATUS_NOT_FOUND, "unknown brand");
    tc_result_free(&r);
    c.brand_guidelines_id = "nope";
    r = ca_create(&u, &c, NULL);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "malformed brand id");
    cr_assert(strstr(r.message, "brand_guidelines_id"), "%s", r.message);
    tc_result_free(&r);
    c.brand_guidelines_id = brand;
    r = ca_create(&u, &c, NULL);
    TP_EXPECT(r, GRPC_STATUS_OK, "own brand");
    cr_assert_str_eq(((tp_campaign_t *)r.resp)->brand_guidelines_id, brand);
    char *id = strdup(((tp_campaign_t *)r.resp)->id);
    tc_result_free(&r);

    tp_campaign_t up = CAMEOS__PLANNING__V1__CAMPAIGN__INIT;
    up.id = id;
    up.brand_guidelines_id = random_id;
    r = ca_update(&u, &up, NULL);
    TP_EXPECT(r, GRPC_STATUS_NOT_FOUND, "update to an unknown brand");
    tc_result_free(&r);
    up.brand_guidelines_id = "";
    TP_MASK(m, "brand_guidelines_id");
    r = ca_update(&u, &up, &m);
    TP_EXPECT(r, GRPC_STATUS_OK, "unset the brand");
    cr_assert_str_eq(((tp_campaign_t *)r.resp)->brand_guidelines_id, "");
    tc_result_free(&r);
    up.brand_guidelines_id = brand;
    r = ca_update(&u, &up, &m);
    TP_EXPECT(r, GRPC_STATUS_OK, "set it again");
    cr_assert_str_eq(((tp_campaign_t *)r.resp)->brand_guidelines_id, brand);
    tc_result_free(&r);
    free(id);
    free(brand);
    free(random_id);
    tp_user_free(&u);
}

Test(planning_campaign, list_filters_by_status_and_platform)
{
    tp_user u = tp_new_user("campfilter");
    char *d_tt = ca_new(&u, "d-tiktok", CA_DRAFT, "tiktok");
    char *a_tt = ca_new(&u, "a-tiktok", CA_ACTIVE, "tiktok");
    char *a_yt = ca_new(&u, "a-youtube", CA_ACTIVE, "youtube");
    char *c_none = ca_new(&u, "c-none", CA_COMPLETED, NULL);
    static const struct {
        int status;
        const char *platform;
        size_t n;
    } cases[] = {{0, "", 4},         {CA_DRAFT, "", 1},
                 {CA_ACTIVE, "", 2}, {CA_COMPLETED, "", 1},
                 {0, "tiktok", 2},   {CA_ACTIVE, "tiktok", 1},
                 {0, "TikTok", 0},   {CA_COMPLETED, "youtube", 0}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        Cameos__Planning__V1__ListCampaignsRequest req =
            CAMEOS__PLANNING__V1__LIST_CAMPAIGNS_REQUEST__INIT;
        req.status = cases[i].status;
        req.platform = (char *)cases[i].platform;
        char *ids[8];
        size_t n = tp_list_all(&tp_kinds[1], &req.base, &u, 1, ids, 8);
        cr_assert_eq(n, cases[i].n, "status %d platform '%s': %zu rows", cases[i].status,
                     cases[i].platform, n);
        if (i == 5)
            cr_assert_str_eq(ids[0], a_tt);
        tp_free_ids(ids, n < 8 ? n : 8);
    }
    /* Newest first: the last created leads. */
    tc_result r = ca_list(&u, 0, "", 10, "");
    TP_EXPECT(r, GRPC_STATUS_OK, "list all");
    const Cameos__Planning__V1__ListCampaignsResponse *page = (const void *)r.resp;
    cr_assert_eq(page->n_campaigns, 4);
    cr_assert_str_eq(page->campaigns[0]->id, c_none);
    cr_assert_str_eq(page->campaigns[3]->id, d_tt);
    tc_result_free(&r);

    /* A token is bound to its filters. */
    r = ca_list(&u, CA_ACTIVE, "", 1, "");
    TP_EXPECT(r, GRPC_STATUS_OK, "first active page");
    char *token =
        strdup(((const Cameos__Planning__V1__ListCampaignsResponse *)r.resp)->next_page_token);
    tc_result_free(&r);
    r = ca_list(&u, CA_DRAFT, "", 1, token);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "token with another status");
    tc_result_free(&r);
    r = ca_list(&u, CA_ACTIVE, "tiktok", 1, token);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "token with another platform");
    tc_result_free(&r);
    r = ca_list(&u, CA_ACTIVE, "", 1, token);
    TP_EXPECT(r, GRPC_STATUS_OK, "token with its filters");
    cr_assert_str_eq(
        ((const Cameos__Planning__V1__ListCampaignsResponse *)r.resp)->campaigns[0]->id, a_tt);
    tc_result_free(&r);
    r = ca_list(&u, 9, "", 1, "");
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "unknown status filter");
    tc_result_free(&r);
    free(token);
    free(d_tt);
    free(a_tt);
    free(a_yt);
    free(c_none);
    tp_user_free(&u);
}

typedef struct ca_writer_arg {
    pthread_t thread;
    const tp_user *u;
    volatile int *stop;
    int made;
    int failed;
} ca_writer_arg;

/* Pages of 7 while other campaigns keep arriving: every campaign that was
 * there before the walk shows up exactly once, in order. */
Test(planning_campaign, keyset_pages_under_concurrent_inserts)
{
    tp_user u = tp_new_user("camppages");
    char *before[PAGE_ROWS];
    for (int i = 0; i < PAGE_ROWS; i++)
        before[i] = ca_new(&u, "Existing", 0, NULL);
    volatile int stop = 0;
    ca_writer_arg w[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (ca_writer_arg){.u = &u, .stop = &stop};
        cr_assert_eq(pthread_create(&w[i].thread, NULL, ca_writer, &w[i]), 0);
    }
    static char *seen[TP_MAX_IDS];
    size_t n = tp_list_all(&tp_kinds[1], NULL, &u, 7, seen, TP_MAX_IDS);
    stop = 1;
    int made = 0;
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(w[i].thread, NULL);
        cr_assert_eq(w[i].failed, 0, "writer %d failed", i);
        made += w[i].made;
    }
    cr_assert_gt(made, 0, "campaigns were created during the walk");
    for (int i = 0; i < PAGE_ROWS; i++)
        cr_assert_eq(tp_has(seen, n, before[i]), 1, "campaign %d listed once", i);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(tp_has(seen, n, seen[i]), 1, "no row twice");
    tp_free_ids(seen, n);
    for (int i = 0; i < PAGE_ROWS; i++)
        free(before[i]);
    tp_user_free(&u);
}

Test(planning_campaign, request_id_and_rolled_back_claims)
{
    tp_user u = tp_new_user("camprid");
    char rid[40];
    tp_rid(rid);
    char *random_id = tp_sql("SELECT gen_random_uuid()::text", NULL);
    tp_campaign_t c = CAMEOS__PLANNING__V1__CAMPAIGN__INIT;
    c.name = "Idempotent";
    c.brand_guidelines_id = random_id;
    /* A refused create keeps nothing, not even its key... */
    tc_result r = ca_create(&u, &c, rid);
    TP_EXPECT(r, GRPC_STATUS_NOT_FOUND, "unknown brand");
    tc_result_free(&r);
    /* ...so the same key works with fixed parameters, once. */
    c.brand_guidelines_id = "";
    c.status = CA_COMPLETED;
    tc_result r1 = ca_create(&u, &c, rid);
    TP_EXPECT(r1, GRPC_STATUS_OK, "first");
    tc_result r2 = ca_create(&u, &c, rid);
    TP_EXPECT(r2, GRPC_STATUS_OK, "retry");
    const tp_campaign_t *a = (const void *)r1.resp, *b = (const void *)r2.resp;
    cr_assert_str_eq(a->id, b->id);
    cr_assert_eq(b->status, CA_COMPLETED);
    cr_assert_not_null(b->completed_at);
    cr_assert_eq(a->completed_at->nanos, b->completed_at->nanos);
    const char *up[1] = {u.id};
    cr_assert_eq(tdb_int(tp_db, "SELECT count(*) FROM public.campaigns WHERE user_id = $1", 1, up),
                 1);
    c.total_videos = 1;
    r = ca_create(&u, &c, rid);
    TP_EXPECT(r, GRPC_STATUS_FAILED_PRECONDITION, "same key, other parameters");
    tc_result_free(&r);
    /* The key is per RPC as well: a brand create with it is "other parameters". */
    tp_brand_t bg = CAMEOS__PLANNING__V1__BRAND_GUIDELINE__INIT;
    bg.brand_name = "Idempotent";
    Cameos__Planning__V1__CreateBrandGuidelineRequest bq =
        CAMEOS__PLANNING__V1__CREATE_BRAND_GUIDELINE_REQUEST__INIT;
    bq.brand_guideline = &bg;
    bq.request_id = rid;
    r = tp_call("CreateBrandGuideline", &bq.base,
                &cameos__planning__v1__brand_guideline__descriptor, u.token);
    TP_EXPECT(r, GRPC_STATUS_FAILED_PRECONDITION, "same key, other RPC");
    tc_result_free(&r);
    tc_result_free(&r1);
    tc_result_free(&r2);
    free(random_id);
    tp_user_free(&u);
}

/* ---- helpers ---------------------------------------------------------- */

static tc_result ca_create(const tp_user *u, tp_campaign_t *c, const char *request_id)
{
    Cameos__Planning__V1__CreateCampaignRequest req =
        CAMEOS__PLANNING__V1__CREATE_CAMPAIGN_REQUEST__INIT;
    req.campaign = c;
    if (request_id)
        req.request_id = (char *)request_id;
    return tp_call("CreateCampaign", &req.base, &cameos__planning__v1__campaign__descriptor,
                   u->token);
}

static tc_result ca_update(const tp_user *u, tp_campaign_t *c, Google__Protobuf__FieldMask *mask)
{
    Cameos__Planning__V1__UpdateCampaignRequest req =
        CAMEOS__PLANNING__V1__UPDATE_CAMPAIGN_REQUEST__INIT;
    req.campaign = c;
    req.update_mask = mask;
    return tp_call("UpdateCampaign", &req.base, &cameos__planning__v1__campaign__descriptor,
                   u->token);
}

/* A campaign in status (0: the default) on platform (NULL: none); its id. */
static char *ca_new(const tp_user *u, const char *name, int status, char *platform)
{
    tp_campaign_t c = CAMEOS__PLANNING__V1__CAMPAIGN__INIT;
    c.name = (char *)name;
    c.status = status;
    if (platform) {
        c.n_platform = 1;
        c.platform = &platform;
    }
    tc_result r = ca_create(u, &c, NULL);
    TP_EXPECT(r, GRPC_STATUS_OK, "CreateCampaign");
    char *id = strdup(((tp_campaign_t *)r.resp)->id);
    tc_result_free(&r);
    return id;
}

static tc_result ca_list(const tp_user *u, int status, const char *platform, int page_size,
                         const char *token)
{
    Cameos__Planning__V1__ListCampaignsRequest req =
        CAMEOS__PLANNING__V1__LIST_CAMPAIGNS_REQUEST__INIT;
    req.status = status;
    req.platform = (char *)platform;
    req.page_size = page_size;
    req.page_token = (char *)token;
    return tp_call("ListCampaigns", &req.base,
                   &cameos__planning__v1__list_campaigns_response__descriptor, u->token);
}

/* No Criterion asserts here (another thread): count instead. */
static void *ca_writer(void *arg)
{
    ca_writer_arg *w = arg;
    while (!*w->stop && w->made < 500) {
        tp_campaign_t c = CAMEOS__PLANNING__V1__CAMPAIGN__INIT;
        c.name = "Concurrent";
        Cameos__Planning__V1__CreateCampaignRequest req =
            CAMEOS__PLANNING__V1__CREATE_CAMPAIGN_REQUEST__INIT;
        req.campaign = &c;
        tc_result r;
        if (tc_unary(tp_chan, TP_RPC("CreateCampaign"), &req.base,
                     &cameos__planning__v1__campaign__descriptor, w->u->token, NULL, 0, &r) != 0 ||
            r.code != GRPC_STATUS_OK)
            w->failed++;
        else
            w->made++;
        tc_result_free(&r);
    }
    return NULL;
}
