/*
 * test_planning_brand - brand guidelines over a real channel: the text
 * arrays round trip in order, colours are #RGB / #RRGGBB, text limits count
 * characters, update masks change exactly what they name, request_id makes
 * Create idempotent, Delete lets go of the campaigns that used them.
 *
 * Needs PLANNING_ADDR, JWT_SECRET and a superuser DATABASE_URL.
 */
#define TP_HELPERS_ONLY
#include "test_planning_common.c"

TestSuite(planning_brand, .init = tp_setup, .fini = tp_teardown, .timeout = 120);

static tc_result bg_create(const tp_user *u, tp_brand_t *b, const char *request_id);
static tc_result bg_update(const tp_user *u, tp_brand_t *b, Google__Protobuf__FieldMask *mask);
static void bg_expect_strings(char **got, size_t n, const char *const *want, size_t wn);

#define N(a) (sizeof(a) / sizeof(a[0]))

Test(planning_brand, create_get_round_trip)
{
    tp_user u = tp_new_user("brand");
    char *values[] = {"Honesty", "Craft", "Ünïcödé ✓", "Craft"};
    char *tone[] = {"warm", "direct"};
    char *dos[] = {"Show real people"};
    char *colors[] = {"#1A2B3C", "#fff", "#abcdef"};
    tp_brand_t b = CAMEOS__PLANNING__V1__BRAND_GUIDELINE__INIT;
    b.brand_name = "Acme — Studio";
    b.n_values = N(values);
    b.values = values;
    b.n_tone_of_voice = N(tone);
    b.tone_of_voice = tone;
    b.visual_style = "Muted film grain";
    b.n_do_list = N(dos);
    b.do_list = dos;
    b.n_color_palette = N(colors);
    b.color_palette = colors;
    b.fonts = "Inter, Georgia";
    b.id = "ffffffff-ffff-ffff-ffff-ffffffffffff"; /* output-only: ignored */
    b.user_id = TP_NIL_ID;
    tc_result r = bg_create(&u, &b, NULL);
    TP_EXPECT(r, GRPC_STATUS_OK, "CreateBrandGuideline");
    const tp_brand_t *got = (const tp_brand_t *)r.resp;
    cr_assert_str_neq(got->id, b.id);
    cr_assert_str_eq(got->user_id, u.id);
    cr_assert_str_eq(got->brand_name, "Acme — Studio");
    bg_expect_strings(got->values, got->n_values, (const char *const *)values, N(values));
    bg_expect_strings(got->tone_of_voice, got->n_tone_of_voice, (const char *const *)tone, N(tone));
    bg_expect_strings(got->do_list, got->n_do_list, (const char *const *)dos, N(dos));
    cr_assert_eq(got->n_dont_list, 0);
    bg_expect_strings(got->color_palette, got->n_color_palette, (const char *const *)colors,
                      N(colors));
    cr_assert_str_eq(got->visual_style, "Muted film grain");
    cr_assert_str_eq(got->fonts, "Inter, Georgia");
    cr_assert_not_null(got->created_at);
    cr_assert_not_null(got->updated_at);
    char *id = strdup(got->id);
    tc_result_free(&r);

    /* Stored as text[] in the database, as the seed schema has it. */
    char *arr = tp_sql("SELECT \"values\"::text FROM public.brand_guidelines WHERE id = $1", id);
    cr_assert_str_eq(arr, "{Honesty,Craft,\"Ünïcödé ✓\",Craft}");
    free(arr);
    char *dont =
        tp_sql("SELECT cardinality(dont_list) FROM public.brand_guidelines WHERE id = $1", id);
    cr_assert_str_eq(dont, "0");
    free(dont);

    r = tp_by_id("Get", &tp_kinds[0], id, &u);
    TP_EXPECT(r, GRPC_STATUS_OK, "GetBrandGuideline");
    got = (const tp_brand_t *)r.resp;
    bg_expect_strings(got->values, got->n_values, (const char *const *)values, N(values));
    cr_assert_str_eq(got->fonts, "Inter, Georgia");
    tc_result_free(&r);
    free(id);
    tp_user_free(&u);
}

Test(planning_brand, empty_optional_text_reads_back_empty)
{
    tp_user u = tp_new_user("brandmin");
    tp_brand_t b = CAMEOS__PLANNING__V1__BRAND_GUIDELINE__INIT;
    b.brand_name = "Minimal";
    tc_result r = bg_create(&u, &b, NULL);
    TP_EXPECT(r, GRPC_STATUS_OK, "minimal create");
    const tp_brand_t *got = (const tp_brand_t *)r.resp;
    cr_assert_str_eq(got->visual_style, "");
    cr_assert_str_eq(got->fonts, "");
    cr_assert_eq(got->n_values + got->n_tone_of_voice + got->n_do_list + got->n_dont_list +
                     got->n_color_palette,
                 0);
    char *vs = tp_sql("SELECT visual_style FROM public.brand_guidelines WHERE id = $1", got->id);
    cr_assert_null(vs, "empty optional text is stored as NULL");
    tc_result_free(&r);
    tp_user_free(&u);
}

Test(planning_brand, colours_are_checked)
{
    tp_user u = tp_new_user("colours");
    static const char *const bad[] = {"red", "#12345", "#ggg", "123456", "#1234567", "# fff", ""};
    static const char *const good[] = {"#000", "#FfF", "#a1B2c3"};
    for (size_t i = 0; i < N(bad); i++) {
        char *colors[] = {"#000000", (char *)bad[i]};
        tp_brand_t b = CAMEOS__PLANNING__V1__BRAND_GUIDELINE__INIT;
        b.brand_name = "Colours";
        b.n_color_palette = 2;
        b.color_palette = colors;
        tc_result r = bg_create(&u, &b, NULL);
        TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, bad[i]);
        cr_assert(strstr(r.message, "color_palette[1]"), "names the item: %s", r.message);
        tc_result_free(&r);
    }
    char *colors[N(good)];
    for (size_t i = 0; i < N(good); i++)
        colors[i] = (char *)good[i];
    tp_brand_t b = CAMEOS__PLANNING__V1__BRAND_GUIDELINE__INIT;
    b.brand_name = "Colours";
    b.n_color_palette = N(good);
    b.color_palette = colors;
    tc_result r = bg_create(&u, &b, NULL);
    TP_EXPECT(r, GRPC_STATUS_OK, "valid colours");
    tc_result_free(&r);
    const char *up[1] = {u.id};
    cr_assert_eq(
        tdb_int(tp_db, "SELECT count(*) FROM public.brand_guidelines WHERE user_id = $1", 1, up), 1,
        "refused creates wrote nothing");
    tp_user_free(&u);
}

Test(planning_brand, text_and_array_limits)
{
    tp_user u = tp_new_user("limits");
    /* 200 characters of 2-byte UTF-8 pass (limits count characters)... */
    char name[1024] = "";
    for (int i = 0; i < 200; i++)
        strcat(name, "é");
    tp_brand_t b = CAMEOS__PLANNING__V1__BRAND_GUIDELINE__INIT;
    b.brand_name = name;
    tc_result r = bg_create(&u, &b, NULL);
    TP_EXPECT(r, GRPC_STATUS_OK, "200 characters");
    tc_result_free(&r);
    /* ...201 do not. */
    strcat(name, "x");
    r = bg_create(&u, &b, NULL);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "201 characters");
    cr_assert(strstr(r.message, "brand_name"), "%s", r.message);
    tc_result_free(&r);
    b.brand_name = "\xff\xfe invalid UTF-8";
    r = bg_create(&u, &b, NULL);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "invalid UTF-8");
    tc_result_free(&r);

    b.brand_name = "Arrays";
    char *many[101];
    for (int i = 0; i < 101; i++)
        many[i] = "v";
    b.n_values = 101;
    b.values = many;
    r = bg_create(&u, &b, NULL);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "101 values");
    cr_assert(strstr(r.message, "values"), "%s", r.message);
    tc_result_free(&r);
    b.n_values = 100;
    r = bg_create(&u, &b, NULL);
    TP_EXPECT(r, GRPC_STATUS_OK, "100 values");
    cr_assert_eq(((tp_brand_t *)r.resp)->n_values, 100);
    tc_result_free(&r);

    char *empty_item[] = {"ok", ""};
    b.n_values = 0;
    b.n_dont_list = 2;
    b.dont_list = empty_item;
    r = bg_create(&u, &b, NULL);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "an empty item");
    cr_assert(strstr(r.message, "dont_list[1]"), "%s", r.message);
    tc_result_free(&r);

    char long_style[5100];
    memset(long_style, 's', 5001);
    long_style[5001] = '\0';
    b.n_dont_list = 0;
    b.visual_style = long_style;
    r = bg_create(&u, &b, NULL);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "visual_style of 5001 characters");
    tc_result_free(&r);
    tp_user_free(&u);
}

Test(planning_brand, update_mask_changes_only_what_it_names)
{
    tp_user u = tp_new_user("brandupd");
    char *values[] = {"one", "two"};
    char *colors[] = {"#111"};
    tp_brand_t b = CAMEOS__PLANNING__V1__BRAND_GUIDELINE__INIT;
    b.brand_name = "Before";
    b.n_values = 2;
    b.values = values;
    b.n_color_palette = 1;
    b.color_palette = colors;
    b.visual_style = "grainy";
    b.fonts = "Inter";
    tc_result r = bg_create(&u, &b, NULL);
    TP_EXPECT(r, GRPC_STATUS_OK, "create");
    char *id = strdup(((tp_brand_t *)r.resp)->id);
    tc_result_free(&r);

    /* The mask names fonts only: brand_name and values sent along are ignored. */
    tp_brand_t up = CAMEOS__PLANNING__V1__BRAND_GUIDELINE__INIT;
    char *new_values[] = {"three"};
    up.id = id;
    up.brand_name = "Ignored";
    up.n_values = 1;
    up.values = new_values;
    up.fonts = "Georgia";
    TP_MASK(m1, "fonts");
    r = bg_update(&u, &up, &m1);
    TP_EXPECT(r, GRPC_STATUS_OK, "update fonts");
    const tp_brand_t *got = (const tp_brand_t *)r.resp;
    cr_assert_str_eq(got->fonts, "Georgia");
    cr_assert_str_eq(got->brand_name, "Before");
    cr_assert_eq(got->n_values, 2);
    cr_assert_str_eq(got->visual_style, "grainy");
    tc_result_free(&r);

    /* Named with an empty value: cleared (arrays emptied, text to NULL). */
    tp_brand_t clear = CAMEOS__PLANNING__V1__BRAND_GUIDELINE__INIT;
    clear.id = id;
    TP_MASK(m2, "values", "visual_style", "color_palette");
    r = bg_update(&u, &clear, &m2);
    TP_EXPECT(r, GRPC_STATUS_OK, "clear");
    got = (const tp_brand_t *)r.resp;
    cr_assert_eq(got->n_values, 0);
    cr_assert_eq(got->n_color_palette, 0);
    cr_assert_str_eq(got->visual_style, "");
    cr_assert_str_eq(got->fonts, "Georgia");
    tc_result_free(&r);
    char *vs = tp_sql("SELECT visual_style FROM public.brand_guidelines WHERE id = $1", id);
    cr_assert_null(vs);

    /* An empty mask changes every field the request sets, and only those. */
    tp_brand_t set = CAMEOS__PLANNING__V1__BRAND_GUIDELINE__INIT;
    char *tone[] = {"calm"};
    set.id = id;
    set.brand_name = "After";
    set.n_tone_of_voice = 1;
    set.tone_of_voice = tone;
    r = bg_update(&u, &set, NULL);
    TP_EXPECT(r, GRPC_STATUS_OK, "empty mask");
    got = (const tp_brand_t *)r.resp;
    cr_assert_str_eq(got->brand_name, "After");
    cr_assert_eq(got->n_tone_of_voice, 1);
    cr_assert_str_eq(got->fonts, "Georgia");
    cr_assert(got->updated_at->seconds * 1000000000LL + got->updated_at->nanos >
                  got->created_at->seconds * 1000000000LL + got->created_at->nanos,
              "updated_at moves");
    tc_result_free(&r);

    /* Nothing set and no mask: the guidelines as they are. */
    tp_brand_t none = CAMEOS__PLANNING__V1__BRAND_GUIDELINE__INIT;
    none.id = id;
    r = bg_update(&u, &none, NULL);
    TP_EXPECT(r, GRPC_STATUS_OK, "no change");
    cr_assert_str_eq(((tp_brand_t *)r.resp)->brand_name, "After");
    tc_result_free(&r);

    /* Values are checked for what the mask names. */
    TP_MASK(m3, "brand_name");
    r = bg_update(&u, &none, &m3);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "brand_name cleared");
    tc_result_free(&r);
    char *bad_color[] = {"blue"};
    none.n_color_palette = 1;
    none.color_palette = bad_color;
    TP_MASK(m4, "color_palette");
    r = bg_update(&u, &none, &m4);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "bad colour on update");
    tc_result_free(&r);
    free(id);
    tp_user_free(&u);
}

Test(planning_brand, request_id_makes_create_idempotent)
{
    tp_user u = tp_new_user("brandrid"), v = tp_new_user("brandrid2");
    char rid[40];
    tp_rid(rid);
    tp_brand_t b = CAMEOS__PLANNING__V1__BRAND_GUIDELINE__INIT;
    b.brand_name = "Once";
    tc_result r1 = bg_create(&u, &b, rid);
    TP_EXPECT(r1, GRPC_STATUS_OK, "first");
    const tp_brand_t *first = (const tp_brand_t *)r1.resp;

    /* The retry returns the original, even after it changed. */
    tp_brand_t up = CAMEOS__PLANNING__V1__BRAND_GUIDELINE__INIT;
    up.id = first->id;
    up.brand_name = "Renamed";
    tc_result r = bg_update(&u, &up, NULL);
    TP_EXPECT(r, GRPC_STATUS_OK, "rename");
    tc_result_free(&r);
    tc_result r2 = bg_create(&u, &b, rid);
    TP_EXPECT(r2, GRPC_STATUS_OK, "retry");
    const tp_brand_t *second = (const tp_brand_t *)r2.resp;
    cr_assert_str_eq(second->id, first->id);
    cr_assert_str_eq(second->brand_name, "Once");
    cr_assert_eq(second->created_at->seconds, first->created_at->seconds);
    cr_assert_eq(second->created_at->nanos, first->created_at->nanos);
    const char *up1[1] = {u.id};
    cr_assert_eq(
        tdb_int(tp_db, "SELECT count(*) FROM public.brand_guidelines WHERE user_id = $1", 1, up1),
        1);

    /* Same key, other parameters: refused. */
    b.brand_name = "Twice";
    r = bg_create(&u, &b, rid);
    TP_EXPECT(r, GRPC_STATUS_FAILED_PRECONDITION, "reuse with other parameters");
    tc_result_free(&r);
    /* Keys are per user. */
    r = bg_create(&v, &b, rid);
    TP_EXPECT(r, GRPC_STATUS_OK, "another user, same key");
    tc_result_free(&r);
    /* Malformed keys. */
    r = bg_create(&u, &b, "has space");
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "request_id with a space");
    tc_result_free(&r);
    tc_result_free(&r1);
    tc_result_free(&r2);
    tp_user_free(&u);
    tp_user_free(&v);
}

Test(planning_brand, delete_lets_go_of_campaigns)
{
    tp_user u = tp_new_user("branddel");
    char *brand = tp_create(&tp_kinds[0], &u, "Short-lived");
    tp_campaign_t c = CAMEOS__PLANNING__V1__CAMPAIGN__INIT;
    c.name = "Uses it";
    c.brand_guidelines_id = brand;
    Cameos__Planning__V1__CreateCampaignRequest cc =
        CAMEOS__PLANNING__V1__CREATE_CAMPAIGN_REQUEST__INIT;
    cc.campaign = &c;
    tc_result r =
        tp_call("CreateCampaign", &cc.base, &cameos__planning__v1__campaign__descriptor, u.token);
    TP_EXPECT(r, GRPC_STATUS_OK, "campaign");
    char *campaign = strdup(((tp_campaign_t *)r.resp)->id);
    cr_assert_str_eq(((tp_campaign_t *)r.resp)->brand_guidelines_id, brand);
    tc_result_free(&r);

    r = tp_by_id("Delete", &tp_kinds[0], brand, &u);
    TP_EXPECT(r, GRPC_STATUS_OK, "delete");
    tc_result_free(&r);
    r = tp_by_id("Get", &tp_kinds[0], brand, &u);
    TP_EXPECT(r, GRPC_STATUS_NOT_FOUND, "gone");
    tc_result_free(&r);
    r = tp_by_id("Delete", &tp_kinds[0], brand, &u);
    TP_EXPECT(r, GRPC_STATUS_NOT_FOUND, "delete twice");
    tc_result_free(&r);
    r = tp_by_id("Get", &tp_kinds[1], campaign, &u);
    TP_EXPECT(r, GRPC_STATUS_OK, "campaign stays");
    cr_assert_str_eq(((tp_campaign_t *)r.resp)->brand_guidelines_id, "");
    tc_result_free(&r);
    free(campaign);
    free(brand);
    tp_user_free(&u);
}

/* ---- helpers ---------------------------------------------------------- */

static tc_result bg_create(const tp_user *u, tp_brand_t *b, const char *request_id)
{
    Cameos__Planning__V1__CreateBrandGuidelineRequest req =
        CAMEOS__PLANNING__V1__CREATE_BRAND_GUIDELINE_REQUEST__INIT;
    req.brand_guideline = b;
    if (request_id)
        req.request_id = (char *)request_id;
    return tp_call("CreateBrandGuideline", &req.base,
                   &cameos__planning__v1__brand_guideline__descriptor, u->token);
}

static tc_result bg_update(const tp_user *u, tp_brand_t *b, Google__Protobuf__FieldMask *mask)
{
    Cameos__Planning__V1__UpdateBrandGuidelineRequest req =
        CAMEOS__PLANNING__V1__UPDATE_BRAND_GUIDELINE_REQUEST__INIT;
    req.brand_guideline = b;
    req.update_mask = mask;
    return tp_call("UpdateBrandGuideline", &req.base,
                   &cameos__planning__v1__brand_guideline__descriptor, u->token);
}

static void bg_expect_strings(char **got, size_t n, const char *const *want, size_t wn)
{
    cr_assert_eq(n, wn, "%zu items, want %zu", n, wn);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(got[i], want[i], "item %zu", i);
}
