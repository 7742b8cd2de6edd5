/*
 * test_content_configs - ContentService tool configurations and platform
 * configurations over a real gRPC channel: CRUD with update masks, list
 * filters and pages, UseToolConfiguration under concurrency, one platform
 * configuration per (user, platform) (ALREADY_EXISTS), and isolation.
 *
 * Starts nothing: CONTENT_ADDR, JWT_SECRET and DATABASE_URL (superuser)
 * come from the environment.
 */
#define CT_HELPERS_ONLY
#include "test_content_common.c"

#include <pthread.h>

#define USE_THREADS 10
#define USES_EACH   10

#define AR_16_9 CAMEOS__CONTENT__V1__ASPECT_RATIO__ASPECT_RATIO_16_9
#define AR_9_16 CAMEOS__CONTENT__V1__ASPECT_RATIO__ASPECT_RATIO_9_16

typedef Cameos__Content__V1__ToolConfiguration Tool;
typedef Cameos__Content__V1__PlatformConfiguration Platform;

typedef struct use_arg {
    pthread_t t;
    const char *tok, *id;
    int ok;
} use_arg;

static tc_result create_tool(const char *tok, const char *name, const char *character, int fav);
static tc_result create_platform(const char *tok, const char *platform, int aspect);
static void *use_worker(void *arg);

TestSuite(content_configs, .init = ct_setup, .fini = ct_teardown, .timeout = 120);

Test(content_configs, tool_configuration_crud)
{
    ct_user u = ct_new_user("toolcrud"), other = ct_new_user("toolcrudb");
    tc_result r = create_tool(u.tok, "upscaler", "hero", 1);
    CT_EXPECT(r, GRPC_STATUS_OK, "CreateToolConfiguration");
    const Tool *t = (const Tool *)r.resp;
    char *id = strdup(t->id);
    cr_assert_str_eq(t->user_id, u.id);
    cr_assert_str_eq(t->tool_name, "upscaler");
    cr_assert_str_eq(t->character_id, "hero");
    cr_assert(t->is_favorite);
    cr_assert_eq(t->usage_count, 0);
    ct_same_json(t->configuration, "{\"scale\":4,\"denoise\":{\"on\":true,\"level\":0.35}}");
    tc_result_free(&r);

    r = create_tool(u.tok, "", "", 0);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "empty tool_name");
    tc_result_free(&r);

    Tool up = CAMEOS__CONTENT__V1__TOOL_CONFIGURATION__INIT;
    up.id = id;
    up.tool_name = "upscaler-v2";
    up.configuration = ct_struct("{\"scale\":2}");
    const char *paths[] = {"configuration", "is_favorite", "character_id"};
    Google__Protobuf__FieldMask mask = ct_mask(paths, 3);
    Cameos__Content__V1__UpdateToolConfigurationRequest ureq =
        CAMEOS__CONTENT__V1__UPDATE_TOOL_CONFIGURATION_REQUEST__INIT;
    ureq.tool_configuration = &up;
    ureq.update_mask = &mask;
    r = ct_call(CT_RPC("UpdateToolConfiguration"), &ureq.base,
                &cameos__content__v1__tool_configuration__descriptor, u.tok);
    CT_EXPECT(r, GRPC_STATUS_OK, "UpdateToolConfiguration");
    t = (const Tool *)r.resp;
    cr_assert_str_eq(t->tool_name, "upscaler", "not in the mask");
    cr_assert_str_eq(t->character_id, "", "cleared");
    cr_assert(!t->is_favorite);
    ct_same_json(t->configuration, "{\"scale\":2}");
    tc_result_free(&r);
    r = ct_call(CT_RPC("UpdateToolConfiguration"), &ureq.base,
                &cameos__content__v1__tool_configuration__descriptor, other.tok);
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "another user's");
    tc_result_free(&r);
    const char *bad[] = {"usage_count"};
    mask = ct_mask(bad, 1);
    r = ct_call(CT_RPC("UpdateToolConfiguration"), &ureq.base,
                &cameos__content__v1__tool_configuration__descriptor, u.tok);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "mask on usage_count");
    tc_result_free(&r);

    /* 100 concurrent uses add exactly 100. */
    use_arg w[USE_THREADS];
    for (int i = 0; i < USE_THREADS; i++) {
        w[i].tok = u.tok;
        w[i].id = id;
        w[i].ok = 0;
        cr_assert_eq(pthread_create(&w[i].t, NULL, use_worker, &w[i]), 0);
    }
    int ok = 0;
    for (int i = 0; i < USE_THREADS; i++) {
        pthread_join(w[i].t, NULL);
        ok += w[i].ok;
    }
    cr_assert_eq(ok, USE_THREADS * USES_EACH);
    r = ct_by_id(CT_RPC("UseToolConfiguration"), u.tok, id,
                 &cameos__content__v1__tool_configuration__descriptor);
    CT_EXPECT(r, GRPC_STATUS_OK, "one more use");
    cr_assert_eq(((const Tool *)r.resp)->usage_count, USE_THREADS * USES_EACH + 1);
    tc_result_free(&r);
    r = ct_by_id(CT_RPC("UseToolConfiguration"), other.tok, id,
                 &cameos__content__v1__tool_configuration__descriptor);
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "another user's Use");
    tc_result_free(&r);

    r = ct_by_id(CT_RPC("GetToolConfiguration"), other.tok, id,
                 &cameos__content__v1__tool_configuration__descriptor);
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "another user's Get");
    tc_result_free(&r);
    r = ct_by_id(CT_RPC("DeleteToolConfiguration"), other.tok, id,
                 &google__protobuf__empty__descriptor);
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "another user's Delete");
    tc_result_free(&r);
    r = ct_by_id(CT_RPC("DeleteToolConfiguration"), u.tok, id,
                 &google__protobuf__empty__descriptor);
    CT_EXPECT(r, GRPC_STATUS_OK, "Delete");
    tc_result_free(&r);
    r = ct_by_id(CT_RPC("GetToolConfiguration"), u.tok, id,
                 &cameos__content__v1__tool_configuration__descriptor);
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "deleted");
    tc_result_free(&r);
    protobuf_c_message_free_unpacked(&up.configuration->base, NULL);
    free(id);
    ct_free_user(&u);
    ct_free_user(&other);
}

Test(content_configs, tool_configuration_list_filters)
{
    ct_user u = ct_new_user("toollist"), other = ct_new_user("toollistb");
    const struct {
        const char *name, *character;
        int fav;
    } rows[] = {
        {"upscaler", "hero", 1},
        {"upscaler", "", 0},
        {"relight", "hero", 0},
        {"relight", "x", 1},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        tc_result r = create_tool(u.tok, rows[i].name, rows[i].character, rows[i].fav);
        CT_EXPECT(r, GRPC_STATUS_OK, "create");
        tc_result_free(&r);
    }
    tc_result r = create_tool(other.tok, "upscaler", "hero", 1);
    tc_result_free(&r);
    const struct {
        const char *name, *character;
        int fav, want;
    } f[] = {
        {"", "", -1, 4},       {"upscaler", "", -1, 2},    {"", "hero", -1, 2}, {"", "", 1, 2},
        {"relight", "", 0, 1}, {"upscaler", "hero", 1, 1}, {"none", "", -1, 0},
    };
    for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
        Google__Protobuf__BoolValue b = GOOGLE__PROTOBUF__BOOL_VALUE__INIT;
        b.value = f[k].fav == 1;
        Cameos__Content__V1__ListToolConfigurationsRequest req =
            CAMEOS__CONTENT__V1__LIST_TOOL_CONFIGURATIONS_REQUEST__INIT;
        req.tool_name = (char *)f[k].name;
        req.character_id = (char *)f[k].character;
        req.is_favorite = f[k].fav >= 0 ? &b : NULL;
        r = ct_call(CT_RPC("ListToolConfigurations"), &req.base,
                    &cameos__content__v1__list_tool_configurations_response__descriptor, u.tok);
        CT_EXPECT(r, GRPC_STATUS_OK, "ListToolConfigurations");
        const Cameos__Content__V1__ListToolConfigurationsResponse *lr = (const void *)r.resp;
        cr_assert_eq((int)lr->n_tool_configurations, f[k].want, "filter %zu", k);
        for (size_t i = 0; i < lr->n_tool_configurations; i++)
            cr_assert_str_eq(lr->tool_configurations[i]->user_id, u.id);
        tc_result_free(&r);
    }

    /* Pages of one: the four rows once each, newest first. */
    Cameos__Content__V1__ListToolConfigurationsRequest req =
        CAMEOS__CONTENT__V1__LIST_TOOL_CONFIGURATIONS_REQUEST__INIT;
    req.page_size = 1;
    char *token = strdup(""), *seen[4] = {0};
    int n = 0;
    do {
        req.page_token = token;
        r = ct_call(CT_RPC("ListToolConfigurations"), &req.base,
                    &cameos__content__v1__list_tool_configurations_response__descriptor, u.tok);
        CT_EXPECT(r, GRPC_STATUS_OK, "page");
        const Cameos__Content__V1__ListToolConfigurationsResponse *lr = (const void *)r.resp;
        cr_assert_eq(lr->n_tool_configurations, 1);
        cr_assert_lt(n, 4);
        seen[n++] = strdup(lr->tool_configurations[0]->tool_name);
        free(token);
        token = strdup(lr->next_page_token);
        tc_result_free(&r);
    } while (token[0]);
    cr_assert_eq(n, 4);
    for (int i = 0; i < 4; i++) {
        cr_assert_str_eq(seen[i], rows[3 - i].name, "page %d", i);
        free(seen[i]);
    }
    free(token);
    ct_free_user(&u);
    ct_free_user(&other);
}

Test(content_configs, platform_configuration_one_per_platform)
{
    ct_user u = ct_new_user("platform"), other = ct_new_user("platformb");
    tc_result r = create_platform(u.tok, "tiktok", AR_9_16);
    CT_EXPECT(r, GRPC_STATUS_OK, "CreatePlatformConfiguration");
    const Platform *p = (const Platform *)r.resp;
    char *tiktok = strdup(p->id);
    cr_assert_str_eq(p->platform, "tiktok");
    cr_assert_eq(p->aspect_ratio, AR_9_16);
    ct_same_json(p->preferred_style, "{\"mood\":\"bright\",\"cuts\":[1,2,3]}");
    ct_same_json(p->prompt_templates, "{\"intro\":\"Hi {name}!\"}");
    ct_same_json(p->character_preferences, "{}");
    tc_result_free(&r);

    r = create_platform(u.tok, "tiktok", AR_16_9);
    CT_EXPECT(r, GRPC_STATUS_ALREADY_EXISTS, "a second tiktok configuration");
    tc_result_free(&r);
    r = create_platform(other.tok, "tiktok", 0);
    CT_EXPECT(r, GRPC_STATUS_OK, "another user's tiktok");
    cr_assert_eq(((const Platform *)r.resp)->aspect_ratio, 0, "no aspect ratio");
    tc_result_free(&r);
    r = create_platform(u.tok, "", 0);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "empty platform");
    tc_result_free(&r);
    r = create_platform(u.tok, "vimeo", 42);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "unknown aspect ratio");
    tc_result_free(&r);
    r = create_platform(u.tok, "youtube", AR_16_9);
    CT_EXPECT(r, GRPC_STATUS_OK, "youtube");
    char *youtube = strdup(((const Platform *)r.resp)->id);
    tc_result_free(&r);

    /* Renaming onto an existing platform is ALREADY_EXISTS; clearing the
     * aspect ratio takes a mask. */
    Platform up = CAMEOS__CONTENT__V1__PLATFORM_CONFIGURATION__INIT;
    up.id = youtube;
    up.platform = "tiktok";
    Cameos__Content__V1__UpdatePlatformConfigurationRequest ureq =
        CAMEOS__CONTENT__V1__UPDATE_PLATFORM_CONFIGURATION_REQUEST__INIT;
    ureq.platform_configuration = &up;
    r = ct_call(CT_RPC("UpdatePlatformConfiguration"), &ureq.base,
                &cameos__content__v1__platform_configuration__descriptor, u.tok);
    CT_EXPECT(r, GRPC_STATUS_ALREADY_EXISTS, "rename onto tiktok");
    tc_result_free(&r);
    const char *paths[] = {"aspect_ratio", "platform"};
    Google__Protobuf__FieldMask mask = ct_mask(paths, 2);
    ureq.update_mask = &mask;
    up.platform = "youtube-shorts";
    r = ct_call(CT_RPC("UpdatePlatformConfiguration"), &ureq.base,
                &cameos__content__v1__platform_configuration__descriptor, u.tok);
    CT_EXPECT(r, GRPC_STATUS_OK, "rename and clear");
    cr_assert_str_eq(((const Platform *)r.resp)->platform, "youtube-shorts");
    cr_assert_eq(((const Platform *)r.resp)->aspect_ratio, 0);
    ct_same_json(((const Platform *)r.resp)->preferred_style,
                 "{\"mood\":\"bright\",\"cuts\":[1,2,3]}");
    tc_result_free(&r);

    Cameos__Content__V1__ListPlatformConfigurationsRequest lreq =
        CAMEOS__CONTENT__V1__LIST_PLATFORM_CONFIGURATIONS_REQUEST__INIT;
    lreq.platform = "tiktok";
    r = ct_call(CT_RPC("ListPlatformConfigurations"), &lreq.base,
                &cameos__content__v1__list_platform_configurations_response__descriptor, u.tok);
    CT_EXPECT(r, GRPC_STATUS_OK, "list by platform");
    const Cameos__Content__V1__ListPlatformConfigurationsResponse *lr = (const void *)r.resp;
    cr_assert_eq(lr->n_platform_configurations, 1);
    cr_assert_str_eq(lr->platform_configurations[0]->id, tiktok);
    tc_result_free(&r);
    lreq.platform = "";
    lreq.page_size = 1;
    r = ct_call(CT_RPC("ListPlatformConfigurations"), &lreq.base,
                &cameos__content__v1__list_platform_configurations_response__descriptor, u.tok);
    CT_EXPECT(r, GRPC_STATUS_OK, "first page of one");
    lr = (const void *)r.resp;
    cr_assert_eq(lr->n_platform_configurations, 1);
    cr_assert_str_eq(lr->platform_configurations[0]->id, youtube, "newest first");
    char *next = strdup(lr->next_page_token);
    tc_result_free(&r);
    lreq.page_token = next;
    r = ct_call(CT_RPC("ListPlatformConfigurations"), &lreq.base,
                &cameos__content__v1__list_platform_configurations_response__descriptor, u.tok);
    CT_EXPECT(r, GRPC_STATUS_OK, "second page");
    lr = (const void *)r.resp;
    cr_assert_eq(lr->n_platform_configurations, 1);
    cr_assert_str_eq(lr->platform_configurations[0]->id, tiktok);
    cr_assert_str_eq(lr->next_page_token, "");
    tc_result_free(&r);

    r = ct_by_id(CT_RPC("GetPlatformConfiguration"), other.tok, tiktok,
                 &cameos__content__v1__platform_configuration__descriptor);
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "another user's Get");
    tc_result_free(&r);
    r = ct_by_id(CT_RPC("DeletePlatformConfiguration"), u.tok, tiktok,
                 &google__protobuf__empty__descriptor);
    CT_EXPECT(r, GRPC_STATUS_OK, "Delete");
    tc_result_free(&r);
    r = create_platform(u.tok, "tiktok", AR_16_9);
    CT_EXPECT(r, GRPC_STATUS_OK, "tiktok again after the delete");
    tc_result_free(&r);
    free(next);
    free(tiktok);
    free(youtube);
    ct_free_user(&u);
    ct_free_user(&other);
}

/* ---- helpers --------------------------------------------------------- */

static tc_result create_tool(const char *tok, const char *name, const char *character, int fav)
{
    Tool t = CAMEOS__CONTENT__V1__TOOL_CONFIGURATION__INIT;
    t.tool_name = (char *)name;
    t.character_id = (char *)character;
    t.is_favorite = fav;
    t.configuration = ct_struct("{\"scale\":4,\"denoise\":{\"on\":true,\"level\":0.35}}");
    Cameos__Content__V1__CreateToolConfigurationRequest req =
        CAMEOS__CONTENT__V1__CREATE_TOOL_CONFIGURATION_REQUEST__INIT;
    req.tool_configuration = &t;
    tc_result r = ct_call(CT_RPC("CreateToolConfiguration"), &req.base,
                          &cameos__content__v1__tool_configuration__descriptor, tok);
    protobuf_c_message_free_unpacked(&t.configuration->base, NULL);
    return r;
}

static tc_result create_platform(const char *tok, const char *platform, int aspect)
{
    Platform p = CAMEOS__CONTENT__V1__PLATFORM_CONFIGURATION__INIT;
    p.platform = (char *)platform;
    p.aspect_ratio = (Cameos__Content__V1__AspectRatio)aspect;
    p.preferred_style = ct_struct("{\"mood\":\"bright\",\"cuts\":[1,2,3]}");
    p.prompt_templates = ct_struct("{\"intro\":\"Hi {name}!\"}");
    Cameos__Content__V1__CreatePlatformConfigurationRequest req =
        CAMEOS__CONTENT__V1__CREATE_PLATFORM_CONFIGURATION_REQUEST__INIT;
    req.platform_configuration = &p;
    tc_result r = ct_call(CT_RPC("CreatePlatformConfiguration"), &req.base,
                          &cameos__content__v1__platform_configuration__descriptor, tok);
    protobuf_c_message_free_unpacked(&p.preferred_style->base, NULL);
    protobuf_c_message_free_unpacked(&p.prompt_templates->base, NULL);
    return r;
}

/* Worker thread (no Criterion asserts): USES_EACH uses, counting successes. */
static void *use_worker(void *arg)
{
    use_arg *w = arg;
    Cameos__Content__V1__UseToolConfigurationRequest req =
        CAMEOS__CONTENT__V1__USE_TOOL_CONFIGURATION_REQUEST__INIT;
    req.id = (char *)w->id;
    for (int i = 0; i < USES_EACH; i++) {
        tc_result r;
        if (tc_unary(ct_chan, CT_RPC("UseToolConfiguration"), &req.base,
                     &cameos__content__v1__tool_configuration__descriptor, w->tok, NULL, 30000,
                     &r) != 0)
            continue;
        if (r.code == GRPC_STATUS_OK)
            w->ok++;
        tc_result_free(&r);
    }
    return NULL;
}
