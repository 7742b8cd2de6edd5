/*
 * test_content_metrics - ContentService performance metrics over a real
 * gRPC channel: Create (only for the caller's own generation, request_id),
 * Get, List (generation, platform and character filters, pages), Update
 * (actual_engagement, scores 0-100, improvements; nothing else), isolation.
 *
 * Starts nothing: CONTENT_ADDR, JWT_SECRET and DATABASE_URL (superuser)
 * come from the environment.
 */
#define CT_HELPERS_ONLY
#include "test_content_common.c"

#include <math.h>

typedef Cameos__Content__V1__PerformanceMetric Metric;

static Metric metric(const char *generation_id, const char *platform, const char *character);
static tc_result create(const char *tok, const Metric *m, const char *request_id);
static char *create_ok(const ct_user *u, const char *gid, const char *platform,
                       const char *character);
static tc_result get(const char *tok, const char *id);
static tc_result update(const char *tok, const Metric *m, const char *const *paths, size_t n);
static tc_result list(const char *tok, int size, const char *token, const char *gid,
                      const char *platform, const char *character);

TestSuite(content_metrics, .init = ct_setup, .fini = ct_teardown, .timeout = 120);

Test(content_metrics, create_get_and_update)
{
    ct_user u = ct_new_user("metric");
    char *gid = ct_new_generation(&u, CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_FAST);
    Metric m = metric(gid, "tiktok", "hero");
    m.prompt = "a red fox";
    m.predicted_score = 72.5;
    m.quality_score = 100;
    m.style_consistency = 0;
    m.brand_compliance = 33.25;
    m.actual_engagement = ct_struct("{\"views\":1200,\"likes\":87,\"by_day\":[10,20.5]}");
    m.improvements = ct_struct("{\"tips\":[\"more light\",\"shorter intro\"]}");
    tc_result r = create(u.tok, &m, "metric-key");
    CT_EXPECT(r, GRPC_STATUS_OK, "CreatePerformanceMetric");
    const Metric *got = (const Metric *)r.resp;
    char *id = strdup(got->id);
    cr_assert_str_eq(got->user_id, u.id);
    cr_assert_str_eq(got->generation_id, gid);
    cr_assert_str_eq(got->prompt, "a red fox");
    cr_assert_str_eq(got->platform, "tiktok");
    cr_assert_str_eq(got->character_id, "hero");
    cr_assert_float_eq(got->predicted_score, 72.5, 1e-12);
    cr_assert_float_eq(got->quality_score, 100, 1e-12);
    cr_assert_float_eq(got->brand_compliance, 33.25, 1e-12);
    ct_same_json(got->actual_engagement, "{\"views\":1200,\"likes\":87,\"by_day\":[10,20.5]}");
    ct_same_json(got->improvements, "{\"tips\":[\"more light\",\"shorter intro\"]}");
    cr_assert_not_null(got->created_at);
    tc_result_free(&r);

    r = create(u.tok, &m, "metric-key");
    CT_EXPECT(r, GRPC_STATUS_OK, "retry");
    cr_assert_str_eq(((const Metric *)r.resp)->id, id);
    tc_result_free(&r);
    const char *pu[1] = {u.id};
    cr_assert_eq(
        tdb_int(ct_db, "select count(*) from public.performance_metrics where user_id = $1", 1, pu),
        1);

    r = get(u.tok, id);
    CT_EXPECT(r, GRPC_STATUS_OK, "GetPerformanceMetric");
    cr_assert_float_eq(((const Metric *)r.resp)->style_consistency, 0, 1e-12);
    tc_result_free(&r);

    /* Update: the mask's fields only; a score outside 0-100 or a create-only
     * field is refused. */
    Metric up = CAMEOS__CONTENT__V1__PERFORMANCE_METRIC__INIT;
    up.id = id;
    up.quality_score = 55.5;
    up.predicted_score = 1; /* not in the mask */
    up.actual_engagement = ct_struct("{\"views\":5000,\"nested\":{\"ok\":true,\"x\":null}}");
    const char *paths[] = {"quality_score", "actual_engagement"};
    r = update(u.tok, &up, paths, 2);
    CT_EXPECT(r, GRPC_STATUS_OK, "UpdatePerformanceMetric");
    got = (const Metric *)r.resp;
    cr_assert_float_eq(got->quality_score, 55.5, 1e-12);
    cr_assert_float_eq(got->predicted_score, 72.5, 1e-12);
    ct_same_json(got->actual_engagement, "{\"views\":5000,\"nested\":{\"ok\":true,\"x\":null}}");
    ct_same_json(got->improvements, "{\"tips\":[\"more light\",\"shorter intro\"]}");
    cr_assert_str_eq(got->platform, "tiktok");
    tc_result_free(&r);

    up.brand_compliance = 100.5;
    r = update(u.tok, &up, NULL, 0);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "brand_compliance 100.5 (empty mask)");
    tc_result_free(&r);
    up.brand_compliance = NAN;
    const char *bc[] = {"brand_compliance"};
    r = update(u.tok, &up, bc, 1);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "NaN score");
    tc_result_free(&r);
    static const char *const fixed[] = {"prompt",  "platform",   "generation_id", "character_id",
                                        "user_id", "created_at", "nope"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        r = update(u.tok, &up, &fixed[i], 1);
        CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, fixed[i]);
        tc_result_free(&r);
    }
    const char *pi[1] = {id};
    char *q = tdb_scalar(ct_db,
                         "select quality_score::text from public.performance_metrics"
                         " where id = $1",
                         1, pi);
    cr_assert_str_eq(q, "55.5");
    free(q);

    protobuf_c_message_free_unpacked(&m.actual_engagement->base, NULL);
    protobuf_c_message_free_unpacked(&m.improvements->base, NULL);
    protobuf_c_message_free_unpacked(&up.actual_engagement->base, NULL);
    free(id);
    free(gid);
    ct_free_user(&u);
}

Test(content_metrics, create_checks_the_generation_and_scores)
{
    ct_user a = ct_new_user("metricref"), b = ct_new_user("metricrefb");
    char *ga = ct_new_generation(&a, CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_FAST);
    Metric m = metric(ga, "", "");
    tc_result r = create(b.tok, &m, "");
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "B measuring A's generation");
    tc_result_free(&r);
    m = metric("6b0f3c1e-0000-4000-8000-000000000000", "", "");
    r = create(a.tok, &m, "");
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "an unknown generation");
    tc_result_free(&r);
    m = metric("", "", "");
    r = create(a.tok, &m, "");
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "no generation_id");
    tc_result_free(&r);
    m = metric("not-a-uuid", "", "");
    r = create(a.tok, &m, "");
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "malformed generation_id");
    tc_result_free(&r);
    const double bad[] = {-0.5, 100.01, INFINITY};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        m = metric(ga, "", "");
        m.predicted_score = bad[i];
        r = create(a.tok, &m, "");
        CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "score out of range");
        tc_result_free(&r);
    }
    const char *p[2] = {a.id, b.id};
    cr_assert_eq(tdb_int(ct_db,
                         "select count(*) from public.performance_metrics"
                         " where user_id in ($1, $2)",
                         2, p),
                 0, "nothing was written");
    /* The failed B attempt claimed no request_id: B can still use it. */
    m = metric(ga, "", "");
    r = create(b.tok, &m, "b-key");
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "B again, with a request_id");
    tc_result_free(&r);
    cr_assert_eq(
        tdb_int(ct_db, "select count(*) from public.request_keys where user_id = $1", 1, p + 1), 0);
    free(ga);
    ct_free_user(&a);
    ct_free_user(&b);
}

Test(content_metrics, list_filters_pages_and_isolation)
{
    ct_user a = ct_new_user("metriclist"), b = ct_new_user("metriclistb");
    char *g1 = ct_new_generation(&a, CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_FAST),
         *g2 = ct_new_generation(&a, CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_FAST),
         *gb = ct_new_generation(&b, CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_FAST);
    char *ids[5];
    ids[0] = create_ok(&a, g1, "tiktok", "hero");
    ids[1] = create_ok(&a, g1, "youtube", "hero");
    ids[2] = create_ok(&a, g2, "tiktok", "");
    ids[3] = create_ok(&a, g2, "tiktok", "villain");
    ids[4] = create_ok(&b, gb, "tiktok", "hero");
    const struct {
        const char *gid, *platform, *character;
        int want;
    } f[] = {
        {"", "", "", 4},     {g1, "", "", 2},       {"", "tiktok", "", 3},
        {"", "", "hero", 2}, {g2, "tiktok", "", 2}, {g1, "tiktok", "hero", 1},
        {gb, "", "", 0},     {"", "vimeo", "", 0},
    };
    for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
        tc_result r = list(a.tok, 0, "", f[k].gid, f[k].platform, f[k].character);
        CT_EXPECT(r, GRPC_STATUS_OK, "ListPerformanceMetrics");
        const Cameos__Content__V1__ListPerformanceMetricsResponse *lr = (const void *)r.resp;
        cr_assert_eq((int)lr->n_performance_metrics, f[k].want, "filter %zu", k);
        for (size_t i = 0; i < lr->n_performance_metrics; i++)
            cr_assert_str_eq(lr->performance_metrics[i]->user_id, a.id);
        tc_result_free(&r);
    }
    tc_result r = list(a.tok, 0, "", "bad-uuid", "", "");
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "malformed generation_id filter");
    tc_result_free(&r);

    char *token = strdup("");
    int seen = 0;
    do {
        r = list(a.tok, 3, token, "", "", "");
        CT_EXPECT(r, GRPC_STATUS_OK, "page");
        const Cameos__Content__V1__ListPerformanceMetricsResponse *lr = (const void *)r.resp;
        for (size_t i = 0; i < lr->n_performance_metrics; i++, seen++)
            cr_assert_str_eq(lr->performance_metrics[i]->id, ids[3 - seen], "newest first");
        free(token);
        token = strdup(lr->next_page_token);
        tc_result_free(&r);
    } while (token[0]);
    cr_assert_eq(seen, 4);

    r = get(b.tok, ids[0]);
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "B's Get of A's metric");
    tc_result_free(&r);
    Metric up = CAMEOS__CONTENT__V1__PERFORMANCE_METRIC__INIT;
    up.id = ids[0];
    up.quality_score = 10;
    r = update(b.tok, &up, NULL, 0);
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "B's Update of A's metric");
    tc_result_free(&r);
    r = get(a.tok, "7d1ce2ad-54d1-4d7e-9a3e-3c9f1f1f0003");
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "unknown id");
    tc_result_free(&r);
    free(token);
    for (int i = 0; i < 5; i++)
        free(ids[i]);
    free(g1);
    free(g2);
    free(gb);
    ct_free_user(&a);
    ct_free_user(&b);
}

/* ---- helpers --------------------------------------------------------- */

static Metric metric(const char *generation_id, const char *platform, const char *character)
{
    Metric m = CAMEOS__CONTENT__V1__PERFORMANCE_METRIC__INIT;
    m.generation_id = (char *)generation_id;
    m.platform = (char *)platform;
    m.character_id = (char *)character;
    return m;
}

static tc_result create(const char *tok, const Metric *m, const char *request_id)
{
    Cameos__Content__V1__CreatePerformanceMetricRequest req =
        CAMEOS__CONTENT__V1__CREATE_PERFORMANCE_METRIC_REQUEST__INIT;
    req.performance_metric = (Metric *)m;
    req.request_id = (char *)request_id;
    return ct_call(CT_RPC("CreatePerformanceMetric"), &req.base,
                   &cameos__content__v1__performance_metric__descriptor, tok);
}

static char *create_ok(const ct_user *u, const char *gid, const char *platform,
                       const char *character)
{
    Metric m = metric(gid, platform, character);
    tc_result r = create(u->tok, &m, "");
    CT_EXPECT(r, GRPC_STATUS_OK, "CreatePerformanceMetric");
    char *id = strdup(((const Metric *)r.resp)->id);
    tc_result_free(&r);
    return id;
}

static tc_result get(const char *tok, const char *id)
{
    Cameos__Content__V1__GetPerformanceMetricRequest req =
        CAMEOS__CONTENT__V1__GET_PERFORMANCE_METRIC_REQUEST__INIT;
    req.id = (char *)id;
    return ct_call(CT_RPC("GetPerformanceMetric"), &req.base,
                   &cameos__content__v1__performance_metric__descriptor, tok);
}

static tc_result update(const char *tok, const Metric *m, const char *const *paths, size_t n)
{
    Google__Protobuf__FieldMask mask = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
    mask.n_paths = n;
    mask.paths = (char **)paths;
    Cameos__Content__V1__UpdatePerformanceMetricRequest req =
        CAMEOS__CONTENT__V1__UPDATE_PERFORMANCE_METRIC_REQUEST__INIT;
    req.performance_metric = (Metric *)m;
    req.update_mask = n ? &mask : NULL;
    return ct_call(CT_RPC("UpdatePerformanceMetric"), &req.base,
                   &cameos__content__v1__performance_metric__descriptor, tok);
}

static tc_result list(const char *tok, int size, const char *token, const char *gid,
                      const char *platform, const char *character)
{
    Cameos__Content__V1__ListPerformanceMetricsRequest req =
        CAMEOS__CONTENT__V1__LIST_PERFORMANCE_METRICS_REQUEST__INIT;
    req.page_size = size;
    req.page_token = (char *)token;
    req.generation_id = (char *)gid;
    req.platform = (char *)platform;
    req.character_id = (char *)character;
    return ct_call(CT_RPC("ListPerformanceMetrics"), &req.base,
                   &cameos__content__v1__list_performance_metrics_response__descriptor, tok);
}
