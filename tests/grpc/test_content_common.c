/*
 * test_content_common - ContentService behaviour every RPC or resource
 * shares, swept over the service descriptor so that a new RPC is covered
 * too: tokens and roles, malformed and unknown ids, page sizes and tokens,
 * update masks naming output-only or unknown fields, and isolation between
 * users (B can neither read, list, change, use nor delete what A owns).
 *
 * The first part is the helpers of every test_content_*.c: those files
 * define CT_HELPERS_ONLY and include this one (the build makes one
 * executable per file, and this keeps a single copy of the helpers).
 *
 * Needs CONTENT_ADDR, JWT_SECRET and a superuser DATABASE_URL. Every test
 * makes its own users and looks only at their rows.
 */
#include "client.h"
#include "pbjson.h"
#include "tjson.h"
#include "testdb.h"
#include "token.h"

#include "cameos/content/v1/content.pb-c.h"
#include "google/protobuf/empty.pb-c.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CT_RPC(m)     "/cameos.content.v1.ContentService/" m
#define CT_NIL_ID     "00000000-0000-0000-0000-000000000000"
#define CT_UNKNOWN_ID "7d1ce2ad-54d1-4d7e-9a3e-3c9f1f1f0000"

typedef struct ct_user {
    char *id;
    char *tok;
} ct_user;

static tc_chan *ct_chan;
static PGconn *ct_db;
static const char *ct_secret;
static char *ct_service_tok; /* role service_role, for the worker's RPCs */

/* Checks a call's status; an OK call must carry a response, a failed one a
 * message for people. */
#define CT_EXPECT(r, want, what)                                                                   \
    do {                                                                                           \
        cr_assert_eq((r).code, (want), "%s: want %s, got %s (%s)", (what), tc_code_name(want),     \
                     tc_code_name((r).code), (r).message);                                         \
        if ((want) == GRPC_STATUS_OK)                                                              \
            cr_assert_not_null((r).resp, "%s: no response", (what));                               \
        else                                                                                       \
            cr_assert((r).message[0], "%s: the status carries a message", (what));                 \
    } while (0)

static void ct_setup(void);
static void ct_teardown(void);
static ct_user ct_new_user(const char *prefix) __attribute__((unused));
static void ct_free_user(ct_user *u) __attribute__((unused));
static tc_result ct_call(const char *rpc, const ProtobufCMessage *req,
                         const ProtobufCMessageDescriptor *resp, const char *tok);
static tc_result ct_by_id(const char *rpc, const char *tok, const char *id,
                          const ProtobufCMessageDescriptor *resp) __attribute__((unused));
static Google__Protobuf__FieldMask ct_mask(const char *const *paths, size_t n)
    __attribute__((unused));
static Google__Protobuf__Struct *ct_struct(const char *json) __attribute__((unused));
static void ct_same_json(const Google__Protobuf__Struct *got, const char *want)
    __attribute__((unused));
static char *ct_new_generation(const ct_user *u, int model) __attribute__((unused));
static long long ct_count(const char *sql, const char *param) __attribute__((unused));
static long long ct_balance(const char *uid) __attribute__((unused));
static void ct_check_ledger(const char *uids_array) __attribute__((unused));

/* ---- helpers ---------------------------------------------------------- */

static void ct_setup(void)
{
    const char *names[] = {"CONTENT_ADDR", "JWT_SECRET", "DATABASE_URL"};
    for (size_t i = 0; i < 3; i++)
        if (!getenv(names[i]) || !getenv(names[i])[0])
            cr_assert_fail("%s is not set: source .stack/env (or export it)", names[i]);
    ct_secret = getenv("JWT_SECRET");
    ct_chan = tc_connect(getenv("CONTENT_ADDR"));
    cr_assert_not_null(ct_chan);
    cr_assert_eq(tc_wait_ready(ct_chan, 10000), 0, "content service at %s is not reachable",
                 getenv("CONTENT_ADDR"));
    ct_db = tdb_connect();
    ct_service_tok = tt_mint(ct_secret, CT_NIL_ID, "service_role", 900);
    cr_assert_not_null(ct_service_tok);
}

static void ct_teardown(void)
{
    free(ct_service_tok);
    ct_service_tok = NULL;
    if (ct_db)
        PQfinish(ct_db);
    ct_db = NULL;
    tc_close(ct_chan);
    ct_chan = NULL;
}

/* A new user (100 credits) and a token for it. */
static ct_user ct_new_user(const char *prefix)
{
    ct_user u = {tdb_new_user(ct_db, prefix), NULL};
    u.tok = tt_mint(ct_secret, u.id, "authenticated", 900);
    cr_assert_not_null(u.tok);
    return u;
}

static void ct_free_user(ct_user *u)
{
    free(u->id);
    free(u->tok);
}

static tc_result ct_call(const char *rpc, const ProtobufCMessage *req,
                         const ProtobufCMessageDescriptor *resp, const char *tok)
{
    tc_result r;
    cr_assert_eq(tc_unary(ct_chan, rpc, req, resp, tok, NULL, 0, &r), 0, "%s failed locally", rpc);
    return r;
}

/* Get, Delete and Use requests all have the shape {id}. */
static tc_result ct_by_id(const char *rpc, const char *tok, const char *id,
                          const ProtobufCMessageDescriptor *resp)
{
    Cameos__Content__V1__GetGenerationRequest req =
        CAMEOS__CONTENT__V1__GET_GENERATION_REQUEST__INIT;
    req.id = (char *)id;
    return ct_call(rpc, &req.base, resp, tok);
}

/* A mask over the caller's paths (not copied). */
static Google__Protobuf__FieldMask ct_mask(const char *const *paths, size_t n)
{
    Google__Protobuf__FieldMask m = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
    m.n_paths = n;
    m.paths = (char **)paths;
    return m;
}

/* A Struct from JSON text; free with protobuf_c_message_free_unpacked. */
static Google__Protobuf__Struct *ct_struct(const char *json)
{
    Google__Protobuf__Struct *s = tj_struct(json);
    cr_assert_not_null(s, "bad test JSON: %s", json);
    return s;
}

/* Equal as JSON values: key order is kept neither by jsonb nor by Struct. */
static void ct_same_json(const Google__Protobuf__Struct *got, const char *want)
{
    char *text = NULL;
    cr_assert_not_null(got, "no Struct in the response");
    cr_assert_eq(pbjson_from_struct(got, &text), 0);
    json_t *a = json_loads(text, 0, NULL), *b = json_loads(want, 0, NULL);
    cr_assert(a && b);
    cr_assert(json_equal(a, b), "got %s\nwant %s", text, want);
    json_decref(a);
    json_decref(b);
    free(text);
}

/* A new text-to-video generation of u at 720p, through the service; its id. */
static char *ct_new_generation(const ct_user *u, int model)
{
    Cameos__Content__V1__Generation g = CAMEOS__CONTENT__V1__GENERATION__INIT;
    g.prompt = "a prompt";
    g.model = (Cameos__Content__V1__Model)model;
    g.aspect_ratio = CAMEOS__CONTENT__V1__ASPECT_RATIO__ASPECT_RATIO_16_9;
    g.resolution = CAMEOS__CONTENT__V1__RESOLUTION__RESOLUTION_720P;
    g.mode = CAMEOS__CONTENT__V1__GENERATION_MODE__GENERATION_MODE_TEXT_TO_VIDEO;
    Cameos__Content__V1__CreateGenerationRequest req =
        CAMEOS__CONTENT__V1__CREATE_GENERATION_REQUEST__INIT;
    req.generation = &g;
    tc_result r = ct_call(CT_RPC("CreateGeneration"), &req.base,
                          &cameos__content__v1__generation__descriptor, u->tok);
    CT_EXPECT(r, GRPC_STATUS_OK, "CreateGeneration");
    char *id = strdup(((const Cameos__Content__V1__Generation *)r.resp)->id);
    tc_result_free(&r);
    return id;
}

/* An integer from SQL with one text parameter (NULL: none). */
static long long ct_count(const char *sql, const char *param)
{
    const char *p[1] = {param};
    return tdb_int(ct_db, sql, param ? 1 : 0, p);
}

/* The user's credits as stored. */
static long long ct_balance(const char *uid)
{
    return ct_count("select credits from public.user_profiles where id = $1", uid);
}

/* The ledger invariants of docs/API.md §4 for the users in uids_array (a uuid[]
 * literal): one debit per generation, one refund per failed one and none
 * else, balances equal to their ledger, terminal statuses complete. */
static void ct_check_ledger(const char *uids_array)
{
    const char *p[1] = {uids_array};
    cr_assert_eq(
        tdb_int(ct_db,
                "select count(*) from public.generations g where g.user_id = any ($1::uuid[])"
                " and (select count(*) from public.credit_transactions t"
                "      where t.generation_id = g.id and t.transaction_type = 'generation'"
                "        and t.amount = -g.credits_used and t.user_id = g.user_id) <> 1",
                1, p),
        0, "every generation has exactly one debit of its credits_used");
    cr_assert_eq(tdb_int(ct_db,
                         "select count(*) from public.credit_transactions t"
                         " where t.user_id = any ($1::uuid[]) and t.transaction_type = 'generation'"
                         "   and t.generation_id is null",
                         1, p),
                 0, "no debit without its generation");
    cr_assert_eq(
        tdb_int(ct_db,
                "select count(*) from public.generations g where g.user_id = any ($1::uuid[])"
                " and (select count(*) from public.credit_transactions t"
                "      where t.generation_id = g.id and t.transaction_type = 'refund'"
                "        and t.amount = g.credits_used)"
                "     <> case when g.status = 'error' then 1 else 0 end",
                1, p),
        0, "every failed generation has exactly one refund equal to its debit, others none");
    cr_assert_eq(tdb_int(ct_db,
                         "select count(*) from public.credit_transactions t"
                         " where t.user_id = any ($1::uuid[]) and t.transaction_type = 'refund'"
                         "   and not exists (select 1 from public.generations g"
                         "                   where g.id = t.generation_id and g.status = 'error')",
                         1, p),
                 0, "refunds only for failed generations");
    cr_assert_eq(tdb_int(ct_db,
                         "select count(*) from public.user_profiles u where u.id = any ($1::uuid[])"
                         " and (u.credits < 0"
                         "      or u.credits <> (select coalesce(sum(amount), 0)"
                         "                       from public.credit_transactions t"
                         "                       where t.user_id = u.id)"
                         "      or u.total_spent <> (select coalesce(-sum(amount) filter"
                         "                             (where transaction_type = 'generation'), 0)"
                         "                             - coalesce(sum(amount) filter"
                         "                             (where transaction_type = 'refund'), 0)"
                         "                           from public.credit_transactions t"
                         "                           where t.user_id = u.id))",
                         1, p),
                 0, "credits = sum(amount), total_spent = debits - refunds, credits >= 0");
    cr_assert_eq(
        tdb_int(ct_db,
                "select count(*) from public.generations g where g.user_id = any ($1::uuid[])"
                " and ((g.status = 'generating') <> (g.completed_at is null)"
                "      or (g.status = 'success' and g.video_url is null)"
                "      or (g.status = 'error' and g.error_message is null))",
                1, p),
        0, "terminal statuses carry their fields");
}

#ifndef CT_HELPERS_ONLY

static const ProtobufCServiceDescriptor *const svc =
    &cameos__content__v1__content_service__descriptor;

static int is_internal(const char *rpc);
static int takes_only_id(const ProtobufCMessageDescriptor *d);
static ProtobufCMessage *new_msg(const ProtobufCMessageDescriptor *d);
static void set_str(ProtobufCMessage *m, const char *field, const char *v);
static void set_int(ProtobufCMessage *m, const char *field, int32_t v);
static void set_msg(ProtobufCMessage *m, const char *field, ProtobufCMessage *v);
static tc_result call_method(const ProtobufCMethodDescriptor *md, const ProtobufCMessage *req,
                             const char *tok);
static char **own_one_of_each(const ct_user *u);

TestSuite(content_common, .init = ct_setup, .fini = ct_teardown, .timeout = 120);

Test(content_common, every_rpc_needs_a_valid_token_and_role)
{
    ct_user u = ct_new_user("ctauth");
    char *expired = tt_mint(ct_secret, u.id, "authenticated", -3600);
    char *foreign = tt_mint("another-secret-another-secret-0123456789", u.id, "authenticated", 300);
    for (unsigned i = 0; i < svc->n_methods; i++) {
        const ProtobufCMethodDescriptor *md = &svc->methods[i];
        if (strcmp(md->name, "WatchGeneration") == 0)
            continue; /* a stream, not served yet */
        ProtobufCMessage *req = new_msg(md->input);
        tc_result r = call_method(md, req, NULL);
        CT_EXPECT(r, GRPC_STATUS_UNAUTHENTICATED, md->name);
        tc_result_free(&r);
        r = call_method(md, req, expired);
        CT_EXPECT(r, GRPC_STATUS_UNAUTHENTICATED, md->name);
        tc_result_free(&r);
        r = call_method(md, req, foreign);
        CT_EXPECT(r, GRPC_STATUS_UNAUTHENTICATED, md->name);
        tc_result_free(&r);
        if (is_internal(md->name)) {
            r = call_method(md, req, u.tok);
            CT_EXPECT(r, GRPC_STATUS_PERMISSION_DENIED, md->name);
            tc_result_free(&r);
        }
        free(req);
    }
    free(expired);
    free(foreign);
    ct_free_user(&u);
}

Test(content_common, ids_are_checked_by_every_rpc_that_takes_one)
{
    ct_user u = ct_new_user("ctids");
    int swept = 0;
    for (unsigned i = 0; i < svc->n_methods; i++) {
        const ProtobufCMethodDescriptor *md = &svc->methods[i];
        if (!takes_only_id(md->input) || strcmp(md->name, "WatchGeneration") == 0)
            continue;
        ProtobufCMessage *req = new_msg(md->input);
        static const char *const bad[] = {"", "42", "7d1ce2ad-54d1-4d7e-9a3e-3c9f1f1f00zz",
                                          "7d1ce2ad54d14d7e9a3e3c9f1f1f0000x"};
        for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
            set_str(req, "id", bad[k]);
            tc_result r = call_method(md, req, u.tok);
            CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, md->name);
            cr_assert(strstr(r.message, "id"), "%s: the message names the field: %s", md->name,
                      r.message);
            tc_result_free(&r);
        }
        set_str(req, "id", CT_UNKNOWN_ID);
        tc_result r = call_method(md, req, u.tok);
        CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, md->name);
        tc_result_free(&r);
        free(req);
        swept++;
    }
    cr_assert_eq(swept, 12, "Get x5, Delete x4, Use x2, Cancel (%d)", swept);
    ct_free_user(&u);
}

Test(content_common, lists_check_page_size_and_token)
{
    ct_user u = ct_new_user("ctlists");
    int swept = 0;
    for (unsigned i = 0; i < svc->n_methods; i++) {
        const ProtobufCMethodDescriptor *md = &svc->methods[i];
        if (strncmp(md->name, "List", 4) != 0)
            continue;
        ProtobufCMessage *req = new_msg(md->input);
        tc_result r = call_method(md, req, u.tok);
        CT_EXPECT(r, GRPC_STATUS_OK, md->name);
        tc_result_free(&r);
        set_int(req, "page_size", -1);
        r = call_method(md, req, u.tok);
        CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, md->name);
        cr_assert(strstr(r.message, "page_size"), "%s: %s", md->name, r.message);
        tc_result_free(&r);
        set_int(req, "page_size", 2000);
        set_str(req, "page_token", "bm90IGEgdG9rZW4");
        r = call_method(md, req, u.tok);
        CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, md->name);
        cr_assert(strstr(r.message, "page_token"), "%s: %s", md->name, r.message);
        tc_result_free(&r);
        free(req);
        swept++;
    }
    cr_assert_eq(swept, 5);
    ct_free_user(&u);
}

Test(content_common, updates_refuse_output_only_and_unknown_paths)
{
    ct_user u = ct_new_user("ctmasks");
    char **ids = own_one_of_each(&u);
    int swept = 0;
    for (unsigned i = 0; i < svc->n_methods; i++) {
        const ProtobufCMethodDescriptor *md = &svc->methods[i];
        if (strncmp(md->name, "Update", 6) != 0)
            continue;
        const ProtobufCFieldDescriptor *rf = &md->input->fields[0]; /* the resource */
        ProtobufCMessage *req = new_msg(md->input), *res = new_msg(rf->descriptor);
        set_msg(req, rf->name, NULL);
        tc_result r = call_method(md, req, u.tok);
        CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, md->name);
        tc_result_free(&r);
        set_msg(req, rf->name, res);
        r = call_method(md, req, u.tok);
        CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "no id");
        tc_result_free(&r);
        /* Any of the caller's rows will do: the mask is refused first. */
        set_str(res, "id", ids[0]);
        static const char *const paths[] = {"id", "user_id", "created_at", "no_such_field",
                                            "generation.prompt"};
        for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++) {
            Google__Protobuf__FieldMask mask = ct_mask(&paths[k], 1);
            set_msg(req, "update_mask", &mask.base);
            r = call_method(md, req, u.tok);
            CT_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, paths[k]);
            cr_assert(strstr(r.message, "update_mask"), "%s: %s", md->name, r.message);
            tc_result_free(&r);
        }
        free(res);
        free(req);
        swept++;
    }
    cr_assert_eq(swept, 4);
    for (int i = 0; i < 5; i++)
        free(ids[i]);
    free(ids);
    ct_free_user(&u);
}

Test(content_common, other_users_rows_do_not_exist)
{
    ct_user a = ct_new_user("ctisoa"), b = ct_new_user("ctisob");
    char **ids = own_one_of_each(&a);
    /* Every RPC that takes just an id, on each of A's rows, as B. */
    for (unsigned i = 0; i < svc->n_methods; i++) {
        const ProtobufCMethodDescriptor *md = &svc->methods[i];
        if (!takes_only_id(md->input) || strcmp(md->name, "WatchGeneration") == 0)
            continue;
        ProtobufCMessage *req = new_msg(md->input);
        for (int k = 0; k < 5; k++) {
            set_str(req, "id", ids[k]);
            tc_result r = call_method(md, req, b.tok);
            CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, md->name);
            tc_result_free(&r);
        }
        free(req);
    }
    /* Updates of A's rows, and B's lists. */
    for (unsigned i = 0; i < svc->n_methods; i++) {
        const ProtobufCMethodDescriptor *md = &svc->methods[i];
        if (strncmp(md->name, "Update", 6) == 0) {
            const ProtobufCFieldDescriptor *rf = &md->input->fields[0];
            ProtobufCMessage *req = new_msg(md->input), *res = new_msg(rf->descriptor);
            set_msg(req, rf->name, res);
            for (int k = 0; k < 5; k++) {
                set_str(res, "id", ids[k]);
                tc_result r = call_method(md, req, b.tok);
                CT_EXPECT(r, GRPC_STATUS_NOT_FOUND, md->name);
                tc_result_free(&r);
            }
            free(res);
            free(req);
        } else if (strncmp(md->name, "List", 4) == 0) {
            ProtobufCMessage *req = new_msg(md->input);
            tc_result r = call_method(md, req, b.tok);
            CT_EXPECT(r, GRPC_STATUS_OK, md->name);
            const ProtobufCFieldDescriptor *items = &md->output->fields[0];
            cr_assert_eq(*(size_t *)((char *)r.resp + items->quantifier_offset), 0,
                         "%s: B sees none of A's rows", md->name);
            tc_result_free(&r);
            r = call_method(md, req, a.tok);
            cr_assert_eq(*(size_t *)((char *)r.resp + items->quantifier_offset), 1, "%s: A's own",
                         md->name);
            tc_result_free(&r);
            free(req);
        }
    }
    /* A's rows are all still there, unchanged in number. */
    cr_assert_eq(ct_count("select (select count(*) from public.generations where user_id = $1)"
                          " + (select count(*) from public.performance_metrics where user_id = $1)"
                          " + (select count(*) from public.style_presets where user_id = $1)"
                          " + (select count(*) from public.tool_configurations where user_id = $1)"
                          " + (select count(*) from public.platform_configurations"
                          " where user_id = $1)",
                          a.id),
                 5);
    for (int i = 0; i < 5; i++)
        free(ids[i]);
    free(ids);
    ct_free_user(&a);
    ct_free_user(&b);
}

/* ---- sweep helpers ---------------------------------------------------- */

static int is_internal(const char *rpc)
{
    static const char *const internal[] = {"CompleteGeneration", "FailGeneration",
                                           "ClaimGenerations",   "ExtendGenerationLease",
                                           "ReleaseGeneration",  "WaitForGenerations"};
    for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
        if (strcmp(rpc, internal[i]) == 0)
            return 1;
    return 0;
}

static int takes_only_id(const ProtobufCMessageDescriptor *d)
{
    return d->n_fields == 1 && strcmp(d->fields[0].name, "id") == 0;
}

static ProtobufCMessage *new_msg(const ProtobufCMessageDescriptor *d)
{
    ProtobufCMessage *m = calloc(1, d->sizeof_message);
    cr_assert_not_null(m);
    protobuf_c_message_init(d, m);
    return m;
}

static void set_str(ProtobufCMessage *m, const char *field, const char *v)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, field);
    cr_assert(fd && fd->type == PROTOBUF_C_TYPE_STRING, "%s has no string %s", m->descriptor->name,
              field);
    *(const char **)((char *)m + fd->offset) = v;
}

static void set_int(ProtobufCMessage *m, const char *field, int32_t v)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, field);
    cr_assert(fd && fd->type == PROTOBUF_C_TYPE_INT32);
    *(int32_t *)((char *)m + fd->offset) = v;
}

static void set_msg(ProtobufCMessage *m, const char *field, ProtobufCMessage *v)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, field);
    cr_assert(fd && fd->type == PROTOBUF_C_TYPE_MESSAGE);
    *(ProtobufCMessage **)((char *)m + fd->offset) = v;
}

static tc_result call_method(const ProtobufCMethodDescriptor *md, const ProtobufCMessage *req,
                             const char *tok)
{
    char path[128];
    snprintf(path, sizeof(path), CT_RPC("%s"), md->name);
    return ct_call(path, req, md->output, tok);
}

/* One generation, performance metric, style preset, tool configuration and
 * platform configuration of u, in that order (malloc'd ids). */
static char **own_one_of_each(const ct_user *u)
{
    char **ids = calloc(5, sizeof(*ids));
    cr_assert_not_null(ids);
    ids[0] = ct_new_generation(u, CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_FAST);

    Cameos__Content__V1__PerformanceMetric m = CAMEOS__CONTENT__V1__PERFORMANCE_METRIC__INIT;
    m.generation_id = ids[0];
    Cameos__Content__V1__CreatePerformanceMetricRequest mr =
        CAMEOS__CONTENT__V1__CREATE_PERFORMANCE_METRIC_REQUEST__INIT;
    mr.performance_metric = &m;
    Cameos__Content__V1__StylePreset s = CAMEOS__CONTENT__V1__STYLE_PRESET__INIT;
    s.name = "preset";
    Cameos__Content__V1__CreateStylePresetRequest sr =
        CAMEOS__CONTENT__V1__CREATE_STYLE_PRESET_REQUEST__INIT;
    sr.style_preset = &s;
    Cameos__Content__V1__ToolConfiguration t = CAMEOS__CONTENT__V1__TOOL_CONFIGURATION__INIT;
    t.tool_name = "tool";
    Cameos__Content__V1__CreateToolConfigurationRequest tr =
        CAMEOS__CONTENT__V1__CREATE_TOOL_CONFIGURATION_REQUEST__INIT;
    tr.tool_configuration = &t;
    Cameos__Content__V1__PlatformConfiguration p =
        CAMEOS__CONTENT__V1__PLATFORM_CONFIGURATION__INIT;
    p.platform = "tiktok";
    Cameos__Content__V1__CreatePlatformConfigurationRequest pr =
        CAMEOS__CONTENT__V1__CREATE_PLATFORM_CONFIGURATION_REQUEST__INIT;
    pr.platform_configuration = &p;

    const struct {
        const char *rpc;
        const ProtobufCMessage *req;
        const ProtobufCMessageDescriptor *resp;
    } creates[] = {
        {CT_RPC("CreatePerformanceMetric"), &mr.base,
         &cameos__content__v1__performance_metric__descriptor},
        {CT_RPC("CreateStylePreset"), &sr.base, &cameos__content__v1__style_preset__descriptor},
        {CT_RPC("CreateToolConfiguration"), &tr.base,
         &cameos__content__v1__tool_configuration__descriptor},
        {CT_RPC("CreatePlatformConfiguration"), &pr.base,
         &cameos__content__v1__platform_configuration__descriptor},
    };
    for (int i = 0; i < 4; i++) {
        tc_result r = ct_call(creates[i].rpc, creates[i].req, creates[i].resp, u->tok);
        CT_EXPECT(r, GRPC_STATUS_OK, creates[i].rpc);
        const ProtobufCFieldDescriptor *fd =
            protobuf_c_message_descriptor_get_field_by_name(r.resp->descriptor, "id");
        ids[i + 1] = strdup(*(const char **)((char *)r.resp + fd->offset));
        tc_result_free(&r);
    }
    return ids;
}

#endif
