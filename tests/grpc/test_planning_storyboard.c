/*
 * test_planning_storyboard - storyboard sequences over a real channel: typed
 * frames round trip through jsonb, total_duration follows the frames (and
 * ignores what the client sends), frame checks name the frame, campaign_id
 * must be the caller's, list filters, and deleting a campaign leaves its
 * storyboards with campaign_id unset; frames written behind the service's
 * back read as the field types allow, or INTERNAL without a crash.
 *
 * Needs PLANNING_ADDR, JWT_SECRET and a superuser DATABASE_URL.
 */
#define TP_HELPERS_ONLY
#include "test_planning_common.c"

typedef Cameos__Planning__V1__Frame sb_frame;

TestSuite(planning_storyboard, .init = tp_setup, .fini = tp_teardown, .timeout = 120);

static tc_result sb_create(const tp_user *u, tp_storyboard_t *s);
static tc_result sb_update(const tp_user *u, tp_storyboard_t *s, Google__Protobuf__FieldMask *mask);
static void sb_frames(sb_frame *f, sb_frame **ptrs, const int *durations, size_t n);
static size_t sb_list(const tp_user *u, const char *campaign_id, const char *character_id,
                      char **ids);

Test(planning_storyboard, frames_round_trip_and_total_duration)
{
    tp_user u = tp_new_user("story");
    sb_frame f[3];
    sb_frame *fp[3];
    static const int d[] = {3, 5, 12};
    sb_frames(f, fp, d, 3);
    f[0].shot = "wide";
    f[0].camera = "dolly in";
    f[1].description = "Close-up «quote» ✓";
    tp_storyboard_t s = CAMEOS__PLANNING__V1__STORYBOARD_SEQUENCE__INIT;
    s.name = "Opening";
    s.n_frames = 3;
    s.frames = fp;
    s.character_id = "hero-1";
    s.total_duration = 999; /* output-only: ignored */
    tc_result r = sb_create(&u, &s);
    TP_EXPECT(r, GRPC_STATUS_OK, "CreateStoryboardSequence");
    const tp_storyboard_t *got = (const tp_storyboard_t *)r.resp;
    cr_assert_eq(got->total_duration, 20);
    cr_assert_eq(got->n_frames, 3);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(got->frames[i]->index, i);
        cr_assert_eq(got->frames[i]->duration_seconds, d[i]);
        cr_assert_str_eq(got->frames[i]->description, f[i].description);
    }
    cr_assert_str_eq(got->frames[0]->shot, "wide");
    cr_assert_str_eq(got->frames[0]->camera, "dolly in");
    cr_assert_str_eq(got->frames[2]->shot, "");
    cr_assert_str_eq(got->character_id, "hero-1");
    cr_assert_str_eq(got->campaign_id, "");
    char *id = strdup(got->id);
    tc_result_free(&r);

    /* jsonb: an array of objects keyed by the Frame field names. */
    char *dur = tp_sql("SELECT frames -> 2 ->> 'duration_seconds' FROM"
                       " public.storyboard_sequences WHERE id = $1",
                       id);
    cr_assert_str_eq(dur, "12");
    free(dur);
    char *total =
        tp_sql("SELECT total_duration FROM public.storyboard_sequences WHERE id = $1", id);
    cr_assert_str_eq(total, "20");
    free(total);

    /* Replacing the frames recomputes the total; other updates keep it. */
    sb_frame g[2];
    sb_frame *gp[2];
    static const int d2[] = {1, 1};
    sb_frames(g, gp, d2, 2);
    tp_storyboard_t up = CAMEOS__PLANNING__V1__STORYBOARD_SEQUENCE__INIT;
    up.id = id;
    up.n_frames = 2;
    up.frames = gp;
    r = sb_update(&u, &up, NULL);
    TP_EXPECT(r, GRPC_STATUS_OK, "replace frames");
    cr_assert_eq(((tp_storyboard_t *)r.resp)->total_duration, 2);
    cr_assert_str_eq(((tp_storyboard_t *)r.resp)->name, "Opening");
    tc_result_free(&r);
    tp_storyboard_t rename = CAMEOS__PLANNING__V1__STORYBOARD_SEQUENCE__INIT;
    rename.id = id;
    rename.name = "Renamed";
    r = sb_update(&u, &rename, NULL);
    TP_EXPECT(r, GRPC_STATUS_OK, "rename");
    cr_assert_eq(((tp_storyboard_t *)r.resp)->total_duration, 2);
    cr_assert_eq(((tp_storyboard_t *)r.resp)->n_frames, 2);
    tc_result_free(&r);
    TP_MASK(m, "frames", "character_id");
    r = sb_update(&u, &rename, &m);
    TP_EXPECT(r, GRPC_STATUS_OK, "clear frames");
    cr_assert_eq(((tp_storyboard_t *)r.resp)->total_duration, 0);
    cr_assert_eq(((tp_storyboard_t *)r.resp)->n_frames, 0);
    cr_assert_str_eq(((tp_storyboard_t *)r.resp)->character_id, "");
    cr_assert_str_eq(((tp_storyboard_t *)r.resp)->name, "Renamed", "the mask leaves name alone");
    tc_result_free(&r);
    free(id);
    tp_user_free(&u);
}

/* Frames stored by another writer (SQL, not the service): a null resets a
 * field, unknown keys are ignored, a value the Frame type cannot hold (a
 * number for text, an index beyond int32) reads as the field's default, an
 * element that is no object is left out, and a lone object reads as a list
 * of one. Never an error, in Get and List alike. */
Test(planning_storyboard, frames_written_behind_the_service)
{
    tp_user u = tp_new_user("behind");
    char *id = tp_create(&tp_kinds[2], &u, "Behind");
    static const struct {
        const char *frames;
        const char *description; /* of the one frame read back */
        int index;
    } cases[] = {
        {"[{\"index\": 0, \"description\": null, \"duration_seconds\": 2, \"shot\": \"x\"}]", "",
         0},
        {"[{\"index\": 3, \"description\": \"a\", \"duration_seconds\": 2, \"zoom\": [1]}]", "a",
         3},
        {"[{\"index\": 0, \"description\": 5, \"duration_seconds\": 2}]", "", 0},
        {"[{\"index\": 1e10, \"description\": \"a\", \"duration_seconds\": 2}]", "a", 0},
        {"[{\"index\": -2147483648, \"description\": \"a\", \"duration_seconds\": 2}]", "a",
         -2147483647 - 1},
        {"[7, {\"index\": 1, \"description\": \"b\", \"duration_seconds\": 2}, \"x\", null]", "b",
         1},
        {"{\"index\": 2, \"description\": \"c\", \"duration_seconds\": 2}", "c", 2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char sql[512];
        snprintf(sql, sizeof(sql),
                 "UPDATE public.storyboard_sequences SET frames = '%s'::jsonb"
                 " WHERE id = $1 RETURNING id",
                 cases[i].frames);
        free(tp_sql(sql, id));
        tc_result r = tp_by_id("Get", &tp_kinds[2], id, &u);
        cr_assert_eq(r.code, GRPC_STATUS_OK, "Get with frames %s: %d %s", cases[i].frames, r.code,
                     r.message);
        const tp_storyboard_t *got = (const tp_storyboard_t *)r.resp;
        cr_assert_eq(got->n_frames, 1, "frames %s: one frame", cases[i].frames);
        cr_assert_eq(got->frames[0]->duration_seconds, 2);
        cr_assert_str_eq(got->frames[0]->description, cases[i].description, "%s", cases[i].frames);
        cr_assert_eq(got->frames[0]->index, cases[i].index, "%s", cases[i].frames);
        if (i == 0)
            cr_assert_str_eq(got->frames[0]->shot, "x");
        tc_result_free(&r);
        Cameos__Planning__V1__ListStoryboardSequencesRequest list =
            CAMEOS__PLANNING__V1__LIST_STORYBOARD_SEQUENCES_REQUEST__INIT;
        r = tp_call("ListStoryboardSequences", &list.base, tp_kinds[2].list_resp, u.token);
        cr_assert_eq(r.code, GRPC_STATUS_OK, "List with frames %s: %d %s", cases[i].frames, r.code,
                     r.message);
        tc_result_free(&r);
    }
    free(id);
    tp_user_free(&u);
}

Test(planning_storyboard, frame_checks)
{
    tp_user u = tp_new_user("frames");
    static const int bad[] = {0, -5, 3601};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sb_frame f[2];
        sb_frame *fp[2];
        const int d[] = {4, bad[i]};
        sb_frames(f, fp, d, 2);
        tp_storyboard_t s = CAMEOS__PLANNING__V1__STORYBOARD_SEQUENCE__INIT;
        s.name = "Bad frame";
        s.n_frames = 2;
        s.frames = fp;
        tc_result r = sb_create(&u, &s);
        TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "bad duration");
        cr_assert(strstr(r.message, "frames[1].duration_seconds"), "%s", r.message);
        tc_result_free(&r);
    }
    sb_frame f[1];
    sb_frame *fp[1];
    static const int one[] = {2};
    sb_frames(f, fp, one, 1);
    f[0].index = -1;
    tp_storyboard_t s = CAMEOS__PLANNING__V1__STORYBOARD_SEQUENCE__INIT;
    s.name = "Bad index";
    s.n_frames = 1;
    s.frames = fp;
    tc_result r = sb_create(&u, &s);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "negative index");
    tc_result_free(&r);

    /* 500 frames at most. */
    enum { MANY = 501 };
    static sb_frame many[MANY];
    static sb_frame *manyp[MANY];
    static int durations[MANY];
    for (int i = 0; i < MANY; i++)
        durations[i] = 3600;
    sb_frames(many, manyp, durations, MANY);
    s.name = "Long";
    s.n_frames = MANY;
    s.frames = manyp;
    r = sb_create(&u, &s);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "501 frames");
    tc_result_free(&r);
    s.n_frames = MANY - 1;
    r = sb_create(&u, &s);
    TP_EXPECT(r, GRPC_STATUS_OK, "500 frames of an hour");
    cr_assert_eq(((tp_storyboard_t *)r.resp)->total_duration, 500 * 3600);
    tc_result_free(&r);
    const char *up[1] = {u.id};
    cr_assert_eq(tdb_int(tp_db,
                         "SELECT count(*) FROM public.storyboard_sequences WHERE user_id = $1", 1,
                         up),
                 1);
    tp_user_free(&u);
}

Test(planning_storyboard, campaign_reference_and_campaign_delete)
{
    tp_user u = tp_new_user("storycamp");
    char *campaign = tp_create(&tp_kinds[1], &u, "Holder");
    char *random_id = tp_sql("SELECT gen_random_uuid()::text", NULL);
    tp_storyboard_t s = CAMEOS__PLANNING__V1__STORYBOARD_SEQUENCE__INIT;
    s.name = "In campaign";
    s.campaign_id = random_id;
    tc_result r = sb_create(&u, &s);
    TP_EXPECT(r, GRPC_STATUS_NOT_FOUND, "unknown campaign");
    tc_result_free(&r);
    s.campaign_id = "zzz";
    r = sb_create(&u, &s);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "malformed campaign_id");
    tc_result_free(&r);
    char *in = tp_create_in(&u, "In campaign", campaign);
    char *in2 = tp_create_in(&u, "Also in", campaign);
    char *out = tp_create_in(&u, "Loose", "");

    /* Moving a loose one in, and one out again. */
    tp_storyboard_t up = CAMEOS__PLANNING__V1__STORYBOARD_SEQUENCE__INIT;
    up.id = out;
    up.campaign_id = campaign;
    r = sb_update(&u, &up, NULL);
    TP_EXPECT(r, GRPC_STATUS_OK, "move in");
    cr_assert_str_eq(((tp_storyboard_t *)r.resp)->campaign_id, campaign);
    tc_result_free(&r);
    up.campaign_id = random_id;
    r = sb_update(&u, &up, NULL);
    TP_EXPECT(r, GRPC_STATUS_NOT_FOUND, "move to an unknown campaign");
    tc_result_free(&r);
    up.campaign_id = "";
    TP_MASK(m, "campaign_id");
    r = sb_update(&u, &up, &m);
    TP_EXPECT(r, GRPC_STATUS_OK, "move out");
    cr_assert_str_eq(((tp_storyboard_t *)r.resp)->campaign_id, "");
    tc_result_free(&r);

    r = tp_by_id("Delete", &tp_kinds[1], campaign, &u);
    TP_EXPECT(r, GRPC_STATUS_OK, "delete the campaign");
    tc_result_free(&r);
    const char *ids[2] = {in, in2};
    for (int i = 0; i < 2; i++) {
        r = tp_by_id("Get", &tp_kinds[2], ids[i], &u);
        TP_EXPECT(r, GRPC_STATUS_OK, "storyboard outlives its campaign");
        cr_assert_str_eq(((tp_storyboard_t *)r.resp)->campaign_id, "");
        tc_result_free(&r);
    }
    char *null = tp_sql("SELECT campaign_id FROM public.storyboard_sequences WHERE id = $1", in);
    cr_assert_null(null);
    free(campaign);
    free(random_id);
    free(in);
    free(in2);
    free(out);
    tp_user_free(&u);
}

Test(planning_storyboard, list_filters)
{
    tp_user u = tp_new_user("storylist"), v = tp_new_user("storylist2");
    char *c1 = tp_create(&tp_kinds[1], &u, "One");
    char *c2 = tp_create(&tp_kinds[1], &u, "Two");
    char *v_c = tp_create(&tp_kinds[1], &v, "Theirs");
    free(tp_create_in(&v, "Theirs", v_c));
    char *s1 = tp_create_in(&u, "s1", c1);
    free(tp_create_in(&u, "s2", c1));
    free(tp_create_in(&u, "s3", c2));
    free(tp_create_in(&u, "s4", ""));
    tp_storyboard_t s = CAMEOS__PLANNING__V1__STORYBOARD_SEQUENCE__INIT;
    s.name = "hero";
    s.campaign_id = c1;
    s.character_id = "hero";
    tc_result r = sb_create(&u, &s);
    TP_EXPECT(r, GRPC_STATUS_OK, "with a character");
    char *hero = strdup(((tp_storyboard_t *)r.resp)->id);
    tc_result_free(&r);

    char *ids[16];
    size_t n = sb_list(&u, "", "", ids);
    cr_assert_eq(n, 5);
    cr_assert_str_eq(ids[0], hero, "newest first");
    tp_free_ids(ids, n);
    n = sb_list(&u, c1, "", ids);
    cr_assert_eq(n, 3);
    cr_assert_eq(tp_has(ids, n, s1), 1);
    tp_free_ids(ids, n);
    cr_assert_eq(sb_list(&u, c2, "", ids), 1);
    tp_free_ids(ids, 1);
    n = sb_list(&u, "", "hero", ids);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(ids[0], hero);
    tp_free_ids(ids, n);
    n = sb_list(&u, c1, "hero", ids);
    cr_assert_eq(n, 1);
    tp_free_ids(ids, n);
    cr_assert_eq(sb_list(&u, c2, "hero", ids), 0);
    cr_assert_eq(sb_list(&u, v_c, "", ids), 0, "another user's campaign lists nothing");
    /* Upper-case campaign_id filters the same. */
    char upper[37];
    for (int i = 0; i < 37; i++)
        upper[i] = (char)(c1[i] >= 'a' && c1[i] <= 'f' ? c1[i] - 32 : c1[i]);
    n = sb_list(&u, upper, "", ids);
    cr_assert_eq(n, 3);
    tp_free_ids(ids, n);

    Cameos__Planning__V1__ListStoryboardSequencesRequest req =
        CAMEOS__PLANNING__V1__LIST_STORYBOARD_SEQUENCES_REQUEST__INIT;
    req.campaign_id = "not-a-uuid";
    r = tp_call("ListStoryboardSequences", &req.base,
                &cameos__planning__v1__list_storyboard_sequences_response__descriptor, u.token);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "malformed campaign_id filter");
    cr_assert(strstr(r.message, "campaign_id"), "%s", r.message);
    tc_result_free(&r);
    free(hero);
    free(c1);
    free(c2);
    free(v_c);
    free(s1);
    tp_user_free(&u);
    tp_user_free(&v);
}

/* ---- helpers ---------------------------------------------------------- */

static tc_result sb_create(const tp_user *u, tp_storyboard_t *s)
{
    Cameos__Planning__V1__CreateStoryboardSequenceRequest req =
        CAMEOS__PLANNING__V1__CREATE_STORYBOARD_SEQUENCE_REQUEST__INIT;
    req.storyboard_sequence = s;
    return tp_call("CreateStoryboardSequence", &req.base,
                   &cameos__planning__v1__storyboard_sequence__descriptor, u->token);
}

static tc_result sb_update(const tp_user *u, tp_storyboard_t *s, Google__Protobuf__FieldMask *mask)
{
    Cameos__Planning__V1__UpdateStoryboardSequenceRequest req =
        CAMEOS__PLANNING__V1__UPDATE_STORYBOARD_SEQUENCE_REQUEST__INIT;
    req.storyboard_sequence = s;
    req.update_mask = mask;
    return tp_call("UpdateStoryboardSequence", &req.base,
                   &cameos__planning__v1__storyboard_sequence__descriptor, u->token);
}

/* n frames indexed 0.. with the given durations and a description each. */
static void sb_frames(sb_frame *f, sb_frame **ptrs, const int *durations, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cameos__planning__v1__frame__init(&f[i]);
        f[i].index = (int32_t)i;
        f[i].duration_seconds = durations[i];
        f[i].description = "A frame";
        ptrs[i] = &f[i];
    }
}

/* Ids of the caller's sequences with the filters, at most 16 kept. */
static size_t sb_list(const tp_user *u, const char *campaign_id, const char *character_id,
                      char **ids)
{
    Cameos__Planning__V1__ListStoryboardSequencesRequest req =
        CAMEOS__PLANNING__V1__LIST_STORYBOARD_SEQUENCES_REQUEST__INIT;
    req.campaign_id = (char *)campaign_id;
    req.character_id = (char *)character_id;
    return tp_list_all(&tp_kinds[2], &req.base, u, 2, ids, 16);
}
