/*
 * test_planning_chain - tool preset chains over a real channel: typed steps
 * with Struct settings round trip through jsonb, at least one step and each
 * with a tool name, is_favorite through the mask, and UseToolPresetChain
 * counting every one of many concurrent uses exactly once.
 *
 * Needs PLANNING_ADDR, JWT_SECRET and a superuser DATABASE_URL.
 */
#define TP_HELPERS_ONLY
#include "test_planning_common.c"

#include <pthread.h>

#define USERS_THREADS 8
#define USES_EACH     25

typedef Cameos__Planning__V1__ToolStep ch_step;

TestSuite(planning_chain, .init = tp_setup, .fini = tp_teardown, .timeout = 120);

static tc_result ch_create(const tp_user *u, tp_chain_t *c);
static tc_result ch_update(const tp_user *u, tp_chain_t *c, Google__Protobuf__FieldMask *mask);
static void *ch_user(void *arg);

Test(planning_chain, steps_round_trip)
{
    tp_user u = tp_new_user("chain");
    static const char *const settings[] = {
        "{\"scale\":2,\"model\":\"esrgan\",\"tiles\":[256,512],\"opts\":{\"denoise\":0.25}}",
        "{\"nested\":{\"a\":{\"b\":{\"c\":[true,false,null]}}},\"s\":\"ünï\"}",
    };
    Google__Protobuf__Struct *st0 = tp_struct(settings[0]), *st1 = tp_struct(settings[1]);
    ch_step s[3] = {CAMEOS__PLANNING__V1__TOOL_STEP__INIT, CAMEOS__PLANNING__V1__TOOL_STEP__INIT,
                    CAMEOS__PLANNING__V1__TOOL_STEP__INIT};
    ch_step *sp[3] = {&s[0], &s[1], &s[2]};
    s[0].tool_name = "upscale";
    s[0].settings = st0;
    s[1].tool_name = "color-grade";
    s[1].settings = st1;
    s[2].tool_name = "export"; /* no settings */
    tp_chain_t c = CAMEOS__PLANNING__V1__TOOL_PRESET_CHAIN__INIT;
    c.name = "Finishing";
    c.description = "Upscale, grade, export";
    c.n_tools = 3;
    c.tools = sp;
    c.is_favorite = 1;
    c.usage_count = 77; /* output-only: ignored */
    tc_result r = ch_create(&u, &c);
    TP_EXPECT(r, GRPC_STATUS_OK, "CreateToolPresetChain");
    const tp_chain_t *got = (const tp_chain_t *)r.resp;
    cr_assert_eq(got->usage_count, 0);
    cr_assert(got->is_favorite);
    cr_assert_str_eq(got->description, "Upscale, grade, export");
    cr_assert_eq(got->n_tools, 3);
    cr_assert_str_eq(got->tools[0]->tool_name, "upscale");
    cr_assert_str_eq(got->tools[1]->tool_name, "color-grade");
    cr_assert_str_eq(got->tools[2]->tool_name, "export");
    cr_assert(tp_struct_is(got->tools[0]->settings, settings[0]));
    cr_assert(tp_struct_is(got->tools[1]->settings, settings[1]));
    cr_assert(got->tools[2]->settings == NULL || got->tools[2]->settings->n_fields == 0);
    char *id = strdup(got->id);
    tc_result_free(&r);

    char *denoise = tp_sql("SELECT tools -> 0 -> 'settings' -> 'opts' ->> 'denoise' FROM"
                           " public.tool_preset_chains WHERE id = $1",
                           id);
    cr_assert_str_eq(denoise, "0.25");
    free(denoise);

    r = tp_by_id("Get", &tp_kinds[3], id, &u);
    TP_EXPECT(r, GRPC_STATUS_OK, "GetToolPresetChain");
    cr_assert(tp_struct_is(((tp_chain_t *)r.resp)->tools[1]->settings, settings[1]));
    tc_result_free(&r);

    /* is_favorite off takes the mask (false is not "set"). */
    tp_chain_t up = CAMEOS__PLANNING__V1__TOOL_PRESET_CHAIN__INIT;
    up.id = id;
    r = ch_update(&u, &up, NULL);
    TP_EXPECT(r, GRPC_STATUS_OK, "no change");
    cr_assert(((tp_chain_t *)r.resp)->is_favorite);
    tc_result_free(&r);
    TP_MASK(m, "is_favorite");
    r = ch_update(&u, &up, &m);
    TP_EXPECT(r, GRPC_STATUS_OK, "unfavourite");
    cr_assert_not(((tp_chain_t *)r.resp)->is_favorite);
    cr_assert_eq(((tp_chain_t *)r.resp)->n_tools, 3);
    tc_result_free(&r);

    /* Replacing the steps. */
    up.n_tools = 1;
    up.tools = &sp[2];
    TP_MASK(mt, "tools", "description");
    r = ch_update(&u, &up, &mt);
    TP_EXPECT(r, GRPC_STATUS_OK, "replace steps");
    cr_assert_eq(((tp_chain_t *)r.resp)->n_tools, 1);
    cr_assert_str_eq(((tp_chain_t *)r.resp)->tools[0]->tool_name, "export");
    cr_assert_str_eq(((tp_chain_t *)r.resp)->description, "");
    tc_result_free(&r);
    protobuf_c_message_free_unpacked(&st0->base, NULL);
    protobuf_c_message_free_unpacked(&st1->base, NULL);
    free(id);
    tp_user_free(&u);
}

/* Settings numbers are doubles: beyond int64 they must still come back. */
Test(planning_chain, settings_numbers_round_trip)
{
    tp_user u = tp_new_user("chainnum");
    static const char *const json = "{\"big\":1e21,\"huge\":-1e300,\"frac\":0.1}";
    Google__Protobuf__Struct *settings = tp_struct(json);
    ch_step s = CAMEOS__PLANNING__V1__TOOL_STEP__INIT;
    ch_step *sp = &s;
    s.tool_name = "scale";
    s.settings = settings;
    tp_chain_t c = CAMEOS__PLANNING__V1__TOOL_PRESET_CHAIN__INIT;
    c.name = "Numbers";
    c.n_tools = 1;
    c.tools = &sp;
    tc_result r = ch_create(&u, &c);
    TP_EXPECT(r, GRPC_STATUS_OK, "create with large numbers");
    cr_assert(tp_struct_is(((tp_chain_t *)r.resp)->tools[0]->settings, json));
    tc_result_free(&r);
    protobuf_c_message_free_unpacked(&settings->base, NULL);
    tp_user_free(&u);
}

Test(planning_chain, steps_are_required_and_named)
{
    tp_user u = tp_new_user("chainbad");
    tp_chain_t c = CAMEOS__PLANNING__V1__TOOL_PRESET_CHAIN__INIT;
    c.name = "No steps";
    tc_result r = ch_create(&u, &c);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "no steps");
    cr_assert(strstr(r.message, "tools"), "%s", r.message);
    tc_result_free(&r);

    ch_step s[2] = {CAMEOS__PLANNING__V1__TOOL_STEP__INIT, CAMEOS__PLANNING__V1__TOOL_STEP__INIT};
    ch_step *sp[2] = {&s[0], &s[1]};
    s[0].tool_name = "ok";
    c.n_tools = 2;
    c.tools = sp;
    r = ch_create(&u, &c);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "a step without tool_name");
    cr_assert(strstr(r.message, "tools[1].tool_name"), "%s", r.message);
    tc_result_free(&r);

    static ch_step many[101];
    static ch_step *manyp[101];
    for (int i = 0; i < 101; i++) {
        cameos__planning__v1__tool_step__init(&many[i]);
        many[i].tool_name = "t";
        manyp[i] = &many[i];
    }
    c.n_tools = 101;
    c.tools = manyp;
    r = ch_create(&u, &c);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "101 steps");
    tc_result_free(&r);
    c.n_tools = 100;
    r = ch_create(&u, &c);
    TP_EXPECT(r, GRPC_STATUS_OK, "100 steps");
    char *id = strdup(((tp_chain_t *)r.resp)->id);
    tc_result_free(&r);

    /* Emptying the steps through the mask is refused as well. */
    tp_chain_t up = CAMEOS__PLANNING__V1__TOOL_PRESET_CHAIN__INIT;
    up.id = id;
    TP_MASK(m, "tools");
    r = ch_update(&u, &up, &m);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "no steps on update");
    tc_result_free(&r);
    free(id);
    tp_user_free(&u);
}

typedef struct ch_worker {
    pthread_t thread;
    const char *token;
    const char *id;
    int ok;
    int failed;
    int last_seen_max;
} ch_worker;

Test(planning_chain, use_counts_every_concurrent_use)
{
    tp_user u = tp_new_user("chainuse");
    char *id = tp_create(&tp_kinds[3], &u, "Popular");
    tc_result r = tp_by_id("Use", &tp_kinds[3], id, &u);
    TP_EXPECT(r, GRPC_STATUS_OK, "UseToolPresetChain");
    cr_assert_eq(((tp_chain_t *)r.resp)->usage_count, 1);
    cr_assert_str_eq(((tp_chain_t *)r.resp)->name, "Popular");
    tc_result_free(&r);

    ch_worker w[USERS_THREADS];
    for (int i = 0; i < USERS_THREADS; i++) {
        w[i] = (ch_worker){.token = u.token, .id = id};
        cr_assert_eq(pthread_create(&w[i].thread, NULL, ch_user, &w[i]), 0);
    }
    int ok = 0, top = 0;
    for (int i = 0; i < USERS_THREADS; i++) {
        pthread_join(w[i].thread, NULL);
        cr_assert_eq(w[i].failed, 0, "worker %d saw failures", i);
        ok += w[i].ok;
        if (w[i].last_seen_max > top)
            top = w[i].last_seen_max;
    }
    cr_assert_eq(ok, USERS_THREADS * USES_EACH);
    cr_assert_eq(top, 1 + USERS_THREADS * USES_EACH, "the last use saw every other one");
    char *count = tp_sql("SELECT usage_count FROM public.tool_preset_chains WHERE id = $1", id);
    cr_assert_eq(atoi(count), 1 + USERS_THREADS * USES_EACH);
    free(count);
    free(id);
    tp_user_free(&u);
}

/* ---- helpers ---------------------------------------------------------- */

static tc_result ch_create(const tp_user *u, tp_chain_t *c)
{
    Cameos__Planning__V1__CreateToolPresetChainRequest req =
        CAMEOS__PLANNING__V1__CREATE_TOOL_PRESET_CHAIN_REQUEST__INIT;
    req.tool_preset_chain = c;
    return tp_call("CreateToolPresetChain", &req.base,
                   &cameos__planning__v1__tool_preset_chain__descriptor, u->token);
}

static tc_result ch_update(const tp_user *u, tp_chain_t *c, Google__Protobuf__FieldMask *mask)
{
    Cameos__Planning__V1__UpdateToolPresetChainRequest req =
        CAMEOS__PLANNING__V1__UPDATE_TOOL_PRESET_CHAIN_REQUEST__INIT;
    req.tool_preset_chain = c;
    req.update_mask = mask;
    return tp_call("UpdateToolPresetChain", &req.base,
                   &cameos__planning__v1__tool_preset_chain__descriptor, u->token);
}

/* No Criterion asserts here (another thread): count instead. */
static void *ch_user(void *arg)
{
    ch_worker *w = arg;
    Cameos__Planning__V1__UseToolPresetChainRequest req =
        CAMEOS__PLANNING__V1__USE_TOOL_PRESET_CHAIN_REQUEST__INIT;
    req.id = (char *)w->id;
    for (int i = 0; i < USES_EACH; i++) {
        tc_result r;
        if (tc_unary(tp_chan, TP_RPC("UseToolPresetChain"), &req.base,
                     &cameos__planning__v1__tool_preset_chain__descriptor, w->token, NULL, 30000,
                     &r) != 0 ||
            r.code != GRPC_STATUS_OK) {
            w->failed++;
        } else {
            w->ok++;
            int seen = ((tp_chain_t *)r.resp)->usage_count;
            if (seen > w->last_seen_max)
                w->last_seen_max = seen;
        }
        tc_result_free(&r);
    }
    return NULL;
}
