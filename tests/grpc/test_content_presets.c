/*
 * test_content_presets - ContentService style presets over a real gRPC
 * channel: Create (request_id), Get, List (tag, character and favourite
 * filters, pages), Update (masks), Delete, Use (100 concurrent uses add
 * exactly 100), isolation between users, and jsonb <-> Struct round trips.
 *
 * Starts nothing: CONTENT_ADDR, JWT_SECRET and DATABASE_URL (superuser)
 * come from the environment.
 */
#define CT_HELPERS_ONLY
#include "test_content_common.c"

#include <pthread.h>

#define USE_THREADS 10
#define USES_EACH   10

typedef Cameos__Content__V1__StylePreset Preset;

/* Every JSON shape a Struct can hold, unicode and escapes included. */
static const char *const rich_json =
    "{\"text\":\"h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac "
    "\xf0\x9f\x98\x80\","
    "\"esc\":\"quote\\\" backslash\\\\ newline\\n tab\\t ctl\\u0001\","
    "\"int\":42,\"neg\":-17,\"frac\":3.25,\"big\":1e+300,\"tiny\":1.5e-300,"
    "\"max_safe\":9007199254740991,\"zero\":0,\"t\":true,\"f\":false,\"nil\":null,"
    "\"list\":[1,\"two\",[3,[4]],{\"five\":5},null,false,[]],"
    "\"nested\":{\"a\":{\"b\":{\"c\":{\"d\":[]}}}},\"empty\":{},\"\":\"empty key\"}";

static tc_result create(const char *tok, const Preset *p, const char *request_id);
static char *create_named(const ct_user *u, const char *name, const char *character, int fav,
                          const char *tag);
static tc_result update(const char *tok, const Preset *p, const char *const *paths, size_t n);
static tc_result list(const char *tok, int size, const char *token, const char *tag,
                      const char *character, int fav);
static void *use_worker(void *arg);

TestSuite(content_presets, .init = ct_setup, .fini = ct_teardown, .timeout = 120);

Test(content_presets, crud_round_trip)
{
    ct_user u = ct_new_user("presetcrud");
    Preset p = CAMEOS__CONTENT__V1__STYLE_PRESET__INIT;
    char *tags[] = {"noir", "b&w", "\xe6\x98\xa0\xe7\x94\xbb"};
    p.name = "Film noir";
    p.character_id = "char-7";
    p.style_data = ct_struct(rich_json);
    p.thumbnail_url = "https://img.test/noir.png";
    p.is_favorite = 1;
    p.usage_count = 99; /* output-only: ignored */
    p.n_tags = 3;
    p.tags = tags;
    tc_result r = create(u.tok, &p, "");
    CT_EXPECT(r, GRPC_STATUS_OK, "CreateStylePreset");
    const Preset *got = (const Preset *)r.resp;
    char *id = strdup(got->id);
    cr_assert_str_eq(got->user_id, u.id);
    cr_assert_str_eq(got->name, "Film noir");
    cr_assert_str_eq(got->character_id, "char-7");
    cr_assert_str_eq(got->thumbnail_url, "https://img.test/noir.png");
    cr_assert(got->is_favorite);
    cr_assert_eq(got->usage_count, 0);
    cr_assert_eq(got->n_tags, 3);
    for (size_t i = 0; i < 3; i++)
        cr_assert_str_eq(got->tags[i], tags[i], "tags keep their order");
    ct_same_json(got->style_data, rich_json);
    cr_assert_not_null(got->created_at);
    cr_assert_not_null(got->updated_at);
    tc_result_free(&r);

    r = ct_by_id(CT_RPC("GetStylePreset"), u.tok, id,
                 &cameos__content__v1__style_preset__descriptor);
    CT_EXPECT(r, GRPC_STATUS_OK, "GetStylePreset");
    ct_same_json(((const Preset *)r.resp)->style_data, rich_json);
    cr_assert_eq(((const Preset *)r.resp)->n_tags, 3);
    tc_result_free(&r);

    /* A mask changes only what it names; '' clears a nullable text. */
    Preset up = CAMEOS__CONTENT__V1__STYLE_PRESET__INIT;
    char *one[] = {"solo"};
    up.id = id;
    up.name = "Noir 2";
    up.character_id = "ignored: not in the mask";
    up.n_tags = 1;
    up.tags = one;
    const char *paths[] = {"name", "tags", "thumbnail_url"};
    r = update(u.tok, &up, paths, 3);
    CT_EXPECT(r, GRPC_STATUS_OK, "UpdateStylePreset with a mask");
    got = (const Preset *)r.resp;
    cr_assert_str_eq(got->name, "Noir 2");
    cr_assert_str_eq(got->character_id, "char-7");
    cr_assert_str_eq(got->thumbnail_url, "");
    cr_assert_eq(got->n_tags, 1);
    cr_assert_str_eq(got->tags[0], "solo");
    ct_same_json(got->style_data, rich_json);
    tc_result_free(&r);

    /* An empty mask: every field the request sets. */
    Preset up2 = CAMEOS__CONTENT__V1__STYLE_PRESET__INIT;
    up2.id = id;
    up2.style_data = ct_struct("{\"only\":[1,2]}");
    r = update(u.tok, &up2, NULL, 0);
    CT_EXPECT(r, GRPC_STATUS_OK, "UpdateStylePreset without a mask");
    got = (const Preset *)r.resp;
    cr_assert_str_eq(got->name, "Noir 2");
    cr_assert(got->is_favorite, "unset fields are left alone");
    ct_same_json(got->style_data, "{\"only\":[1,2]}");
    tc_result_free(&r);

    static const char *const bad_masks[][2] = {
        {"usage_count", "an output-only field"},
        {"id", "the id"},
        {"created_at", "a timestamp"},
        {"no_such_field", "an unknown field"},
    };
    for (size_t i = 0; i < sizeof(bad_masks) / sizeof(bad_masks[0]); i++) {
        r = update(u.tok, &up, &bad_masks[i][0], 1);
        CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, bad_masks[i][1]);
        tc_result_free(&r);
    }
    const char *name_only[] = {"name"};
    up.name = "";
    r = update(u.tok, &up, name_only, 1);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "name cleared");
    tc_result_free(&r);
    up.id = "";
    r = update(u.tok, &up, NULL, 0);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "no id");
    tc_result_free(&r);

    r = ct_by_id(CT_RPC("DeleteStylePreset"), u.tok, id, &google__protobuf__empty__descriptor);
    CT_EXPECT(r, GRPC_STATUS_OK, "DeleteStylePreset");
    tc_result_free(&r);
    r = ct_by_id(CT_RPC("GetStylePreset"), u.tok, id,
                 &cameos__content__v1__style_preset__descriptor);
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "deleted");
    tc_result_free(&r);
    r = ct_by_id(CT_RPC("DeleteStylePreset"), u.tok, id, &google__protobuf__empty__descriptor);
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "deleted twice");
    tc_result_free(&r);
    protobuf_c_message_free_unpacked(&p.style_data->base, NULL);
    protobuf_c_message_free_unpacked(&up2.style_data->base, NULL);
    free(id);
    ct_free_user(&u);
}

Test(content_presets, create_validates_and_is_idempotent)
{
    ct_user u = ct_new_user("presetval");
    char name201[202];
    memset(name201, 'n', 201);
    name201[201] = 0;
    char *many[101], *empty_tag[] = {""};
    for (int i = 0; i < 101; i++)
        many[i] = "t";
    struct {
        const char *what, *name, *thumb;
        size_t ntags;
        char **tags;
    } bad[] = {
        {"empty name", "", "", 0, NULL},
        {"201-character name", name201, "", 0, NULL},
        {"thumbnail not a URL", "n", "thumb.png", 0, NULL},
        {"101 tags", "n", "", 101, many},
        {"an empty tag", "n", "", 1, empty_tag},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        Preset p = CAMEOS__CONTENT__V1__STYLE_PRESET__INIT;
        p.name = (char *)bad[i].name;
        p.thumbnail_url = (char *)bad[i].thumb;
        p.n_tags = bad[i].ntags;
        p.tags = bad[i].tags;
        tc_result r = create(u.tok, &p, "");
        CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, bad[i].what);
        tc_result_free(&r);
    }
    Cameos__Content__V1__CreateStylePresetRequest none =
        CAMEOS__CONTENT__V1__CREATE_STYLE_PRESET_REQUEST__INIT;
    tc_result r = ct_call(CT_RPC("CreateStylePreset"), &none.base,
                          &cameos__content__v1__style_preset__descriptor, u.tok);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "no style_preset");
    tc_result_free(&r);
    const char *p1[1] = {u.id};
    cr_assert_eq(
        tdb_int(ct_db, "select count(*) from public.style_presets where user_id = $1", 1, p1), 0);

    Preset p = CAMEOS__CONTENT__V1__STYLE_PRESET__INIT;
    p.name = "once";
    tc_result a = create(u.tok, &p, "preset-key");
    tc_result b = create(u.tok, &p, "preset-key");
    CT_EXPECT(a, GRPC_STATUS_OK, "first");
    CT_EXPECT(b, GRPC_STATUS_OK, "retry");
    cr_assert_str_eq(((const Preset *)a.resp)->id, ((const Preset *)b.resp)->id);
    cr_assert_eq(
        tdb_int(ct_db, "select count(*) from public.style_presets where user_id = $1", 1, p1), 1);
    p.name = "twice";
    r = create(u.tok, &p, "preset-key");
    CT_EXPECT(r, GRPC_STATUS_FAILED_PRECONDITION, "same request_id, other parameters");
    tc_result_free(&r);
    tc_result_free(&a);
    tc_result_free(&b);
    ct_free_user(&u);
}

Test(content_presets, list_filters_and_pages)
{
    ct_user u = ct_new_user("presetlist"), other = ct_new_user("presetlistb");
    char *ids[7];
    ids[0] = create_named(&u, "a", "hero", 1, "warm");
    ids[1] = create_named(&u, "b", "hero", 0, "cold");
    ids[2] = create_named(&u, "c", "", 1, "warm");
    ids[3] = create_named(&u, "d", "villain", 0, "");
    ids[4] = create_named(&u, "e", "hero", 1, "warm");
    ids[5] = create_named(&u, "f", "", 0, "cold");
    ids[6] = create_named(&other, "x", "hero", 1, "warm");

    struct {
        const char *tag, *character;
        int fav; /* -1: unset */
        const char *want;
    } f[] = {
        {"", "", -1, "fedcba"}, {"warm", "", -1, "eca"}, {"", "hero", -1, "eba"},
        {"", "", 1, "eca"},     {"", "", 0, "fdb"},      {"warm", "hero", 1, "ea"},
        {"cold", "", 1, ""},    {"nope", "", -1, ""},
    };
    for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
        tc_result r = list(u.tok, 0, "", f[k].tag, f[k].character, f[k].fav);
        CT_EXPECT(r, GRPC_STATUS_OK, "ListStylePresets");
        const Cameos__Content__V1__ListStylePresetsResponse *lr = (const void *)r.resp;
        char names[16] = "";
        for (size_t i = 0; i < lr->n_style_presets && i < 15; i++)
            names[i] = lr->style_presets[i]->name[0];
        cr_assert_str_eq(names, f[k].want, "tag '%s' character '%s' favourite %d", f[k].tag,
                         f[k].character, f[k].fav);
        cr_assert_str_eq(lr->next_page_token, "");
        tc_result_free(&r);
    }

    /* Pages of two: every preset once, newest first, tokens bound to the list. */
    char *token = strdup(""), *first_token = NULL;
    char names[16] = "";
    int n = 0;
    do {
        tc_result r = list(u.tok, 2, token, "", "", -1);
        CT_EXPECT(r, GRPC_STATUS_OK, "page");
        const Cameos__Content__V1__ListStylePresetsResponse *lr = (const void *)r.resp;
        cr_assert_leq(lr->n_style_presets, 2);
        for (size_t i = 0; i < lr->n_style_presets; i++)
            names[n++] = lr->style_presets[i]->name[0];
        free(token);
        token = strdup(lr->next_page_token);
        if (!first_token)
            first_token = strdup(token);
        tc_result_free(&r);
    } while (token[0]);
    cr_assert_str_eq(names, "fedcba");
    tc_result r = list(u.tok, 2, first_token, "warm", "", -1);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "a token of another filter");
    tc_result_free(&r);
    r = list(other.tok, 2, first_token, "", "", -1);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "another user's token");
    tc_result_free(&r);
    r = list(u.tok, -5, "", "", "", -1);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "negative page_size");
    tc_result_free(&r);
    free(first_token);
    free(token);
    for (int i = 0; i < 7; i++)
        free(ids[i]);
    ct_free_user(&u);
    ct_free_user(&other);
}

typedef struct use_arg {
    pthread_t t;
    const char *tok, *id;
    int ok, bad;
} use_arg;

Test(content_presets, use_counts_atomically)
{
    ct_user u = ct_new_user("presetuse"), other = ct_new_user("presetuseb");
    char *id = create_named(&u, "used", "", 0, "");
    use_arg a[USE_THREADS];
    for (int i = 0; i < USE_THREADS; i++) {
        a[i] = (use_arg){.tok = u.tok, .id = id};
        cr_assert_eq(pthread_create(&a[i].t, NULL, use_worker, &a[i]), 0);
    }
    int ok = 0;
    for (int i = 0; i < USE_THREADS; i++) {
        pthread_join(a[i].t, NULL);
        cr_assert_eq(a[i].bad, 0, "thread %d saw a failed Use", i);
        ok += a[i].ok;
    }
    cr_assert_eq(ok, USE_THREADS * USES_EACH);
    tc_result r = ct_by_id(CT_RPC("GetStylePreset"), u.tok, id,
                           &cameos__content__v1__style_preset__descriptor);
    CT_EXPECT(r, GRPC_STATUS_OK, "GetStylePreset");
    cr_assert_eq(((const Preset *)r.resp)->usage_count, USE_THREADS * USES_EACH);
    tc_result_free(&r);
    r = ct_by_id(CT_RPC("UseStylePreset"), other.tok, id,
                 &cameos__content__v1__style_preset__descriptor);
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "another user's preset");
    tc_result_free(&r);
    r = ct_by_id(CT_RPC("UseStylePreset"), u.tok, "bad",
                 &cameos__content__v1__style_preset__descriptor);
    CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "malformed id");
    tc_result_free(&r);
    const char *p[1] = {id};
    cr_assert_eq(tdb_int(ct_db, "select usage_count from public.style_presets where id = $1", 1, p),
                 USE_THREADS * USES_EACH);
    free(id);
    ct_free_user(&u);
    ct_free_user(&other);
}

Test(content_presets, other_users_rows_do_not_exist)
{
    ct_user a = ct_new_user("presetiso"), b = ct_new_user("presetisob");
    char *id = create_named(&a, "mine", "hero", 1, "warm");
    tc_result r = ct_by_id(CT_RPC("GetStylePreset"), b.tok, id,
                           &cameos__content__v1__style_preset__descriptor);
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "Get");
    tc_result_free(&r);
    Preset up = CAMEOS__CONTENT__V1__STYLE_PRESET__INIT;
    up.id = id;
    up.name = "stolen";
    r = update(b.tok, &up, NULL, 0);
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "Update");
    tc_result_free(&r);
    r = ct_by_id(CT_RPC("DeleteStylePreset"), b.tok, id, &google__protobuf__empty__descriptor);
    CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, "Delete");
    tc_result_free(&r);
    r = list(b.tok, 0, "", "", "", -1);
    CT_EXPECT(r, GRPC_STATUS_OK, "List");
    cr_assert_eq(((const Cameos__Content__V1__ListStylePresetsResponse *)r.resp)->n_style_presets,
                 0);
    tc_result_free(&r);
    const char *p[1] = {id};
    char *name = tdb_scalar(ct_db, "select name from public.style_presets where id = $1", 1, p);
    cr_assert_str_eq(name, "mine");
    free(name);
    free(id);
    ct_free_user(&a);
    ct_free_user(&b);
}

/* ---- helpers --------------------------------------------------------- */

static tc_result create(const char *tok, const Preset *p, const char *request_id)
{
    Cameos__Content__V1__CreateStylePresetRequest req =
        CAMEOS__CONTENT__V1__CREATE_STYLE_PRESET_REQUEST__INIT;
    req.style_preset = (Preset *)p;
    req.request_id = (char *)request_id;
    return ct_call(CT_RPC("CreateStylePreset"), &req.base,
                   &cameos__content__v1__style_preset__descriptor, tok);
}

static char *create_named(const ct_user *u, const char *name, const char *character, int fav,
                          const char *tag)
{
    Preset p = CAMEOS__CONTENT__V1__STYLE_PRESET__INIT;
    char *tags[2] = {(char *)tag, "common"};
    p.name = (char *)name;
    p.character_id = (char *)character;
    p.is_favorite = fav;
    p.n_tags = tag[0] ? 2 : 1;
    p.tags = tag[0] ? tags : tags + 1;
    tc_result r = create(u->tok, &p, "");
    CT_EXPECT(r, GRPC_STATUS_OK, "CreateStylePreset");
    char *id = strdup(((const Preset *)r.resp)->id);
    tc_result_free(&r);
    return id;
}

static tc_result update(const char *tok, const Preset *p, const char *const *paths, size_t n)
{
    Google__Protobuf__FieldMask mask = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
    mask.n_paths = n;
    mask.paths = (char **)paths;
    Cameos__Content__V1__UpdateStylePresetRequest req =
        CAMEOS__CONTENT__V1__UPDATE_STYLE_PRESET_REQUEST__INIT;
    req.style_preset = (Preset *)p;
    req.update_mask = n ? &mask : NULL;
    return ct_call(CT_RPC("UpdateStylePreset"), &req.base,
                   &cameos__content__v1__style_preset__descriptor, tok);
}

static tc_result list(const char *tok, int size, const char *token, const char *tag,
                      const char *character, int fav)
{
    Google__Protobuf__BoolValue b = GOOGLE__PROTOBUF__BOOL_VALUE__INIT;
    b.value = fav == 1;
    Cameos__Content__V1__ListStylePresetsRequest req =
        CAMEOS__CONTENT__V1__LIST_STYLE_PRESETS_REQUEST__INIT;
    req.page_size = size;
    req.page_token = (char *)token;
    req.tag = (char *)tag;
    req.character_id = (char *)character;
    req.is_favorite = fav >= 0 ? &b : NULL;
    return ct_call(CT_RPC("ListStylePresets"), &req.base,
                   &cameos__content__v1__list_style_presets_response__descriptor, tok);
}

/* Worker thread: no Criterion asserts here. */
static void *use_worker(void *arg)
{
    use_arg *a = arg;
    Cameos__Content__V1__UseStylePresetRequest req =
        CAMEOS__CONTENT__V1__USE_STYLE_PRESET_REQUEST__INIT;
    req.id = (char *)a->id;
    for (int i = 0; i < USES_EACH; i++) {
        tc_result r;
        if (tc_unary(ct_chan, CT_RPC("UseStylePreset"), &req.base,
                     &cameos__content__v1__style_preset__descriptor, a->tok, NULL, 30000,
                     &r) != 0) {
            a->bad++;
            continue;
        }
        if (r.code == GRPC_STATUS_OK)
            a->ok++;
        else
            a->bad++;
        tc_result_free(&r);
    }
    return NULL;
}
