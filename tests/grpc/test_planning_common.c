/*
 * test_planning_common - PlanningService behaviour every resource shares,
 * tried on all four (brand guidelines, campaigns, storyboard sequences, tool
 * preset chains) over a real channel: tokens, malformed and unknown ids,
 * update masks naming output-only or unknown fields, page sizes and tokens,
 * keyset pages, and isolation between users (B can neither read, list,
 * change, delete nor reference what A owns).
 *
 * The first part is the helpers of every test_planning_*.c: those files
 * define TP_HELPERS_ONLY and include this one (the build makes one
 * executable per file, and this keeps a single copy of the helpers).
 *
 * Needs PLANNING_ADDR, JWT_SECRET and a superuser DATABASE_URL. Every test
 * makes its own users and looks only at their rows.
 */
#include "client.h"
#include "pbjson.h"
#include "tjson.h"
#include "testdb.h"
#include "token.h"

#include "cameos/planning/v1/planning.pb-c.h"
#include "google/protobuf/empty.pb-c.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define TP_RPC(m)  "/cameos.planning.v1.PlanningService/" m
#define TP_NIL_ID  "00000000-0000-0000-0000-000000000000"
#define TP_MAX_IDS 4096

typedef Cameos__Planning__V1__BrandGuideline tp_brand_t;
typedef Cameos__Planning__V1__Campaign tp_campaign_t;
typedef Cameos__Planning__V1__StoryboardSequence tp_storyboard_t;
typedef Cameos__Planning__V1__ToolPresetChain tp_chain_t;

typedef struct tp_user {
    char *id;
    char *token;
} tp_user;

/* One resource type, for tests that treat the four alike. */
typedef struct tp_kind {
    const char *name;       /* "Campaign": RPC names are <Verb><name>, lists List<plural> */
    const char *plural;     /* "Campaigns" */
    const char *field;      /* the resource's field in Create/Update requests */
    const char *name_field; /* its required name field */
    const ProtobufCMessageDescriptor *msg;
    const ProtobufCMessageDescriptor *get_req, *list_req, *list_resp, *create_req, *update_req,
        *delete_req;
} tp_kind;

static tc_chan *tp_chan;
static PGconn *tp_db;
static const char *tp_secret;

#define TP_EXPECT(r, want, what)                                                                   \
    cr_assert_eq((r).code, (want), "%s: want %s, got %s (%s)", (what), tc_code_name(want),         \
                 tc_code_name((r).code), (r).message)

/* The field mask of the paths given (at most 8), on the caller's stack. */
#define TP_MASK(var, ...)                                                                          \
    char *var##_paths[] = {__VA_ARGS__};                                                           \
    Google__Protobuf__FieldMask var = GOOGLE__PROTOBUF__FIELD_MASK__INIT;                          \
    var.n_paths = sizeof(var##_paths) / sizeof(var##_paths[0]);                                    \
    var.paths = var##_paths

static const tp_kind tp_kinds[] = {
    {"BrandGuideline", "BrandGuidelines", "brand_guideline", "brand_name",
     &cameos__planning__v1__brand_guideline__descriptor,
     &cameos__planning__v1__get_brand_guideline_request__descriptor,
     &cameos__planning__v1__list_brand_guidelines_request__descriptor,
     &cameos__planning__v1__list_brand_guidelines_response__descriptor,
     &cameos__planning__v1__create_brand_guideline_request__descriptor,
     &cameos__planning__v1__update_brand_guideline_request__descriptor,
     &cameos__planning__v1__delete_brand_guideline_request__descriptor},
    {"Campaign", "Campaigns", "campaign", "name", &cameos__planning__v1__campaign__descriptor,
     &cameos__planning__v1__get_campaign_request__descriptor,
     &cameos__planning__v1__list_campaigns_request__descriptor,
     &cameos__planning__v1__list_campaigns_response__descriptor,
     &cameos__planning__v1__create_campaign_request__descriptor,
     &cameos__planning__v1__update_campaign_request__descriptor,
     &cameos__planning__v1__delete_campaign_request__descriptor},
    {"StoryboardSequence", "StoryboardSequences", "storyboard_sequence", "name",
     &cameos__planning__v1__storyboard_sequence__descriptor,
     &cameos__planning__v1__get_storyboard_sequence_request__descriptor,
     &cameos__planning__v1__list_storyboard_sequences_request__descriptor,
     &cameos__planning__v1__list_storyboard_sequences_response__descriptor,
     &cameos__planning__v1__create_storyboard_sequence_request__descriptor,
     &cameos__planning__v1__update_storyboard_sequence_request__descriptor,
     &cameos__planning__v1__delete_storyboard_sequence_request__descriptor},
    {"ToolPresetChain", "ToolPresetChains", "tool_preset_chain", "name",
     &cameos__planning__v1__tool_preset_chain__descriptor,
     &cameos__planning__v1__get_tool_preset_chain_request__descriptor,
     &cameos__planning__v1__list_tool_preset_chains_request__descriptor,
     &cameos__planning__v1__list_tool_preset_chains_response__descriptor,
     &cameos__planning__v1__create_tool_preset_chain_request__descriptor,
     &cameos__planning__v1__update_tool_preset_chain_request__descriptor,
     &cameos__planning__v1__delete_tool_preset_chain_request__descriptor},
};
#define TP_NKINDS (sizeof(tp_kinds) / sizeof(tp_kinds[0]))

static void tp_setup(void);
static void tp_teardown(void);
static tp_user tp_new_user(const char *prefix);
static void tp_user_free(tp_user *u);
static tc_result tp_call(const char *rpc, const ProtobufCMessage *req,
                         const ProtobufCMessageDescriptor *resp, const char *token);
static void tp_rid(char *out) __attribute__((unused));
static ProtobufCMessage *tp_new(const ProtobufCMessageDescriptor *d);
static void *tp_at(const ProtobufCMessage *m, const char *field);
static char *tp_create(const tp_kind *k, const tp_user *u, const char *name)
    __attribute__((unused));
static char *tp_create_in(const tp_user *u, const char *name, const char *campaign_id)
    __attribute__((unused));
static tc_result tp_by_id(const char *verb, const tp_kind *k, const char *id, const tp_user *u)
    __attribute__((unused));
static size_t tp_list_all(const tp_kind *k, ProtobufCMessage *req, const tp_user *u, int page_size,
                          char **ids, size_t max) __attribute__((unused));
static int tp_has(char *const *ids, size_t n, const char *id) __attribute__((unused));
static void tp_free_ids(char **ids, size_t n) __attribute__((unused));
static Google__Protobuf__Struct *tp_struct(const char *json) __attribute__((unused));
static int tp_struct_is(const Google__Protobuf__Struct *s, const char *json)
    __attribute__((unused));
static char *tp_sql(const char *sql, const char *param) __attribute__((unused));

/* ---- helpers ---------------------------------------------------------- */

static void tp_setup(void)
{
    const char *names[] = {"PLANNING_ADDR", "JWT_SECRET", "DATABASE_URL"};
    for (size_t i = 0; i < 3; i++)
        if (!getenv(names[i]) || !getenv(names[i])[0])
            cr_assert_fail("%s is not set: source .stack/env (or export it)", names[i]);
    tp_secret = getenv("JWT_SECRET");
    tp_chan = tc_connect(getenv("PLANNING_ADDR"));
    cr_assert_not_null(tp_chan, "tc_connect(%s)", getenv("PLANNING_ADDR"));
    cr_assert_eq(tc_wait_ready(tp_chan, 10000), 0, "planning service at %s is not reachable",
                 getenv("PLANNING_ADDR"));
    tp_db = tdb_connect();
}

static void tp_teardown(void)
{
    if (tp_db)
        PQfinish(tp_db);
    tp_db = NULL;
    tc_close(tp_chan);
    tp_chan = NULL;
}

static tp_user tp_new_user(const char *prefix)
{
    tp_user u;
    u.id = tdb_new_user(tp_db, prefix);
    u.token = tt_mint(tp_secret, u.id, "authenticated", 600);
    cr_assert_not_null(u.token);
    return u;
}

static void tp_user_free(tp_user *u)
{
    free(u->id);
    free(u->token);
}

static tc_result tp_call(const char *rpc, const ProtobufCMessage *req,
                         const ProtobufCMessageDescriptor *resp, const char *token)
{
    char path[128];
    snprintf(path, sizeof(path), TP_RPC("%s"), rpc);
    tc_result r;
    cr_assert_eq(tc_unary(tp_chan, path, req, resp, token, NULL, 0, &r), 0, "%s failed locally",
                 rpc);
    return r;
}

static void tp_rid(char *out)
{
    unsigned char b[16];
    cr_assert_eq(getrandom(b, sizeof(b), 0), (ssize_t)sizeof(b));
    for (int i = 0; i < 16; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

/* A zeroed message of type d; free() it (its fields are the caller's). */
static ProtobufCMessage *tp_new(const ProtobufCMessageDescriptor *d)
{
    ProtobufCMessage *m = calloc(1, d->sizeof_message);
    cr_assert_not_null(m);
    protobuf_c_message_init(d, m);
    return m;
}

/* Storage of field `field` of m. */
static void *tp_at(const ProtobufCMessage *m, const char *field)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, field);
    cr_assert_not_null(fd, "%s has no field %s", m->descriptor->name, field);
    return (char *)m + fd->offset;
}

/* Creates the smallest valid resource of kind k named name; its id, malloc'd. */
static char *tp_create(const tp_kind *k, const tp_user *u, const char *name)
{
    static const char *const steps[] = {"upscale"};
    ProtobufCMessage *msg = tp_new(k->msg);
    ProtobufCMessage *req = tp_new(k->create_req);
    Cameos__Planning__V1__ToolStep step = CAMEOS__PLANNING__V1__TOOL_STEP__INIT;
    Cameos__Planning__V1__ToolStep *stepp = &step;
    *(const char **)tp_at(msg, k->name_field) = name;
    if (k->msg == &cameos__planning__v1__tool_preset_chain__descriptor) {
        step.tool_name = (char *)steps[0];
        ((tp_chain_t *)msg)->n_tools = 1;
        ((tp_chain_t *)msg)->tools = &stepp;
    }
    *(ProtobufCMessage **)tp_at(req, k->field) = msg;
    char rpc[64];
    snprintf(rpc, sizeof(rpc), "Create%s", k->name);
    tc_result r = tp_call(rpc, req, k->msg, u->token);
    TP_EXPECT(r, GRPC_STATUS_OK, rpc);
    char *id = strdup(*(char **)tp_at(r.resp, "id"));
    tc_result_free(&r);
    free(req);
    free(msg);
    return id;
}

/* A storyboard sequence in campaign_id ("" for none); its id, malloc'd. */
static char *tp_create_in(const tp_user *u, const char *name, const char *campaign_id)
{
    tp_storyboard_t s = CAMEOS__PLANNING__V1__STORYBOARD_SEQUENCE__INIT;
    Cameos__Planning__V1__CreateStoryboardSequenceRequest req =
        CAMEOS__PLANNING__V1__CREATE_STORYBOARD_SEQUENCE_REQUEST__INIT;
    s.name = (char *)name;
    s.campaign_id = (char *)campaign_id;
    req.storyboard_sequence = &s;
    tc_result r = tp_call("CreateStoryboardSequence", &req.base,
                          &cameos__planning__v1__storyboard_sequence__descriptor, u->token);
    TP_EXPECT(r, GRPC_STATUS_OK, "CreateStoryboardSequence");
    char *id = strdup(((tp_storyboard_t *)r.resp)->id);
    tc_result_free(&r);
    return id;
}

/* Get<name>, Delete<name> or Use<name> of id. */
static tc_result tp_by_id(const char *verb, const tp_kind *k, const char *id, const tp_user *u)
{
    const ProtobufCMessageDescriptor *rd = strcmp(verb, "Get") == 0      ? k->get_req
                                           : strcmp(verb, "Delete") == 0 ? k->delete_req
                                                                         : NULL;
    if (!rd)
        rd = &cameos__planning__v1__use_tool_preset_chain_request__descriptor;
    ProtobufCMessage *req = tp_new(rd);
    *(const char **)tp_at(req, "id") = id;
    char rpc[64];
    snprintf(rpc, sizeof(rpc), "%s%s", verb, k->name);
    tc_result r = tp_call(
        rpc, req, strcmp(verb, "Delete") == 0 ? &google__protobuf__empty__descriptor : k->msg,
        u ? u->token : NULL);
    free(req);
    return r;
}

/* Walks every page of List<plural> with req's filters (req: a List request
 * of kind k, or NULL), checking each page's size and that rows come newest
 * first by (created_at, id), and that a non-last page is full. Keeps up to
 * max ids (malloc'd) in ids; returns how many rows were listed. */
static size_t tp_list_all(const tp_kind *k, ProtobufCMessage *req, const tp_user *u, int page_size,
                          char **ids, size_t max)
{
    ProtobufCMessage *own = req ? NULL : tp_new(k->list_req);
    if (own)
        req = own;
    char rpc[64], token[128] = "";
    snprintf(rpc, sizeof(rpc), "List%s", k->plural);
    size_t n = 0;
    long long last_s = 0;
    int last_ns = 0;
    char last_id[37] = "";
    for (int pages = 0;; pages++) {
        cr_assert_lt(pages, 10000, "List%s never ends", k->plural);
        *(int32_t *)tp_at(req, "page_size") = page_size;
        *(char **)tp_at(req, "page_token") = token;
        tc_result r = tp_call(rpc, req, k->list_resp, u->token);
        TP_EXPECT(r, GRPC_STATUS_OK, rpc);
        /* Field 1 of every List response: the repeated resources. */
        const ProtobufCFieldDescriptor *fd =
            protobuf_c_message_descriptor_get_field(k->list_resp, 1);
        if (!fd || !r.resp)
            cr_assert_fail("List%s: no rows field", k->plural);
        size_t count = *(size_t *)((char *)r.resp + fd->quantifier_offset);
        ProtobufCMessage **items = *(ProtobufCMessage ***)((char *)r.resp + fd->offset);
        const char *next = *(char **)tp_at(r.resp, "next_page_token");
        cr_assert_leq(count, (size_t)page_size, "a page holds at most page_size rows");
        if (next[0])
            cr_assert_eq(count, (size_t)page_size, "only the last page may be short");
        for (size_t i = 0; i < count; i++) {
            const char *id = *(char **)tp_at(items[i], "id");
            const Google__Protobuf__Timestamp *ts =
                *(Google__Protobuf__Timestamp **)tp_at(items[i], "created_at");
            cr_assert_not_null(ts);
            if (last_id[0])
                cr_assert(
                    ts->seconds < last_s || (ts->seconds == last_s && ts->nanos < last_ns) ||
                        (ts->seconds == last_s && ts->nanos == last_ns && strcmp(id, last_id) < 0),
                    "rows come newest first, each once");
            last_s = ts->seconds;
            last_ns = ts->nanos;
            snprintf(last_id, sizeof(last_id), "%s", id);
            if (n < max)
                ids[n] = strdup(id);
            n++;
        }
        snprintf(token, sizeof(token), "%s", next);
        tc_result_free(&r);
        if (!token[0])
            break;
    }
    free(own);
    return n;
}

static int tp_has(char *const *ids, size_t n, const char *id)
{
    int seen = 0;
    for (size_t i = 0; i < n; i++)
        seen += strcmp(ids[i], id) == 0;
    return seen;
}

static void tp_free_ids(char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
}

/* A Struct from JSON object text; free with protobuf_c_message_free_unpacked. */
static Google__Protobuf__Struct *tp_struct(const char *json)
{
    Google__Protobuf__Struct *s = tj_struct(json);
    cr_assert_not_null(s, "bad test JSON %s", json);
    return s;
}

/* Does s hold the same JSON value as json (key order aside)? */
static int tp_struct_is(const Google__Protobuf__Struct *s, const char *json)
{
    char *text = NULL;
    if (pbjson_from_struct(s, &text) != 0)
        return 0;
    json_t *a = json_loads(text, JSON_DECODE_ANY, NULL), *b = json_loads(json, 0, NULL);
    int same = a && b && json_equal(a, b);
    if (!same)
        cr_log_error("struct %s, want %s", text, json);
    json_decref(a);
    json_decref(b);
    free(text);
    return same;
}

/* First column of the first row of sql with $1 = param; malloc'd or NULL. */
static char *tp_sql(const char *sql, const char *param)
{
    const char *p[1] = {param};
    return tdb_scalar(tp_db, sql, param ? 1 : 0, param ? p : NULL);
}

#ifndef TP_HELPERS_ONLY

/* ---- tests ------------------------------------------------------------ */

TestSuite(planning_common, .init = tp_setup, .fini = tp_teardown, .timeout = 240);

static const char *const all_rpcs[] = {
    "CreateBrandGuideline",
    "GetBrandGuideline",
    "ListBrandGuidelines",
    "UpdateBrandGuideline",
    "DeleteBrandGuideline",
    "CreateCampaign",
    "GetCampaign",
    "ListCampaigns",
    "UpdateCampaign",
    "DeleteCampaign",
    "CreateStoryboardSequence",
    "GetStoryboardSequence",
    "ListStoryboardSequences",
    "UpdateStoryboardSequence",
    "DeleteStoryboardSequence",
    "CreateToolPresetChain",
    "GetToolPresetChain",
    "ListToolPresetChains",
    "UpdateToolPresetChain",
    "DeleteToolPresetChain",
    "UseToolPresetChain",
};

Test(planning_common, every_rpc_needs_a_valid_token)
{
    char *uid = tdb_new_user(tp_db, "tokens");
    char *expired = tt_mint(tp_secret, uid, "authenticated", -3600);
    char *foreign = tt_mint("another-secret-another-secret-0123", uid, "authenticated", 600);
    const char *bad[] = {NULL, "not-a-jwt", expired, foreign};
    for (size_t i = 0; i < sizeof(all_rpcs) / sizeof(all_rpcs[0]); i++)
        for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
            char path[128];
            snprintf(path, sizeof(path), TP_RPC("%s"), all_rpcs[i]);
            tc_result r;
            cr_assert_eq(tc_unary_raw(tp_chan, path, NULL, 0, NULL, bad[b], 0, &r), 0);
            TP_EXPECT(r, GRPC_STATUS_UNAUTHENTICATED, all_rpcs[i]);
            tc_result_free(&r);
        }
    free(expired);
    free(foreign);
    free(uid);
}

Test(planning_common, ids_are_checked_and_unknown_ids_are_not_found)
{
    tp_user u = tp_new_user("ids");
    char *random_id = tp_sql("SELECT gen_random_uuid()::text", NULL);
    static const char *const verbs[] = {"Get", "Delete"};
    for (size_t k = 0; k < TP_NKINDS; k++)
        for (size_t v = 0; v < 2; v++) {
            const char *what = tp_kinds[k].name;
            tc_result r = tp_by_id(verbs[v], &tp_kinds[k], "", &u);
            TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, what);
            tc_result_free(&r);
            r = tp_by_id(verbs[v], &tp_kinds[k], "not-a-uuid", &u);
            TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, what);
            cr_assert(strstr(r.message, "id"), "the message names the field: %s", r.message);
            tc_result_free(&r);
            r = tp_by_id(verbs[v], &tp_kinds[k], random_id, &u);
            TP_EXPECT(r, GRPC_STATUS_NOT_FOUND, what);
            tc_result_free(&r);
        }
    tc_result r = tp_by_id("Use", &tp_kinds[3], "1234", &u);
    TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "UseToolPresetChain bad id");
    tc_result_free(&r);
    r = tp_by_id("Use", &tp_kinds[3], random_id, &u);
    TP_EXPECT(r, GRPC_STATUS_NOT_FOUND, "UseToolPresetChain unknown id");
    tc_result_free(&r);
    /* Upper-case UUIDs are UUIDs too. */
    char *id = tp_create(&tp_kinds[0], &u, "Upper");
    for (char *p = id; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    r = tp_by_id("Get", &tp_kinds[0], id, &u);
    TP_EXPECT(r, GRPC_STATUS_OK, "upper-case id");
    tc_result_free(&r);
    free(id);
    free(random_id);
    tp_user_free(&u);
}

Test(planning_common, creates_and_updates_need_their_resource)
{
    tp_user u = tp_new_user("empties");
    for (size_t k = 0; k < TP_NKINDS; k++) {
        const tp_kind *kd = &tp_kinds[k];
        char rpc[64];
        ProtobufCMessage *req = tp_new(kd->create_req);
        snprintf(rpc, sizeof(rpc), "Create%s", kd->name);
        tc_result r = tp_call(rpc, req, kd->msg, u.token);
        TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, rpc);
        cr_assert(strstr(r.message, kd->field), "names %s: %s", kd->field, r.message);
        tc_result_free(&r);
        free(req);

        /* A resource without its name is refused too. */
        ProtobufCMessage *msg = tp_new(kd->msg);
        req = tp_new(kd->create_req);
        *(ProtobufCMessage **)tp_at(req, kd->field) = msg;
        r = tp_call(rpc, req, kd->msg, u.token);
        TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, rpc);
        tc_result_free(&r);
        free(req);

        req = tp_new(kd->update_req);
        snprintf(rpc, sizeof(rpc), "Update%s", kd->name);
        r = tp_call(rpc, req, kd->msg, u.token);
        TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, rpc);
        tc_result_free(&r);
        *(ProtobufCMessage **)tp_at(req, kd->field) = msg; /* without an id */
        r = tp_call(rpc, req, kd->msg, u.token);
        TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, rpc);
        cr_assert(strstr(r.message, "id"), "names the id: %s", r.message);
        tc_result_free(&r);
        free(req);
        free(msg);
    }
    tp_user_free(&u);
}

Test(planning_common, update_masks_refuse_output_only_and_unknown_fields)
{
    tp_user u = tp_new_user("masks");
    static const char *const fixed[] = {"id", "user_id", "created_at", "updated_at"};
    static const char *const unknown[] = {"nope", "", "name.first", "frames.index"};
    for (size_t k = 0; k < TP_NKINDS; k++) {
        const tp_kind *kd = &tp_kinds[k];
        char *id = tp_create(kd, &u, "Masked");
        char rpc[64];
        snprintf(rpc, sizeof(rpc), "Update%s", kd->name);
        for (size_t i = 0; i < 8; i++) {
            const char *path = i < 4 ? fixed[i] : unknown[i - 4];
            ProtobufCMessage *msg = tp_new(kd->msg);
            ProtobufCMessage *req = tp_new(kd->update_req);
            *(const char **)tp_at(msg, "id") = id;
            *(const char **)tp_at(msg, kd->name_field) = "Changed";
            char *paths[2] = {(char *)kd->name_field, (char *)path};
            Google__Protobuf__FieldMask mask = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
            mask.n_paths = 2;
            mask.paths = paths;
            *(ProtobufCMessage **)tp_at(req, kd->field) = msg;
            *(Google__Protobuf__FieldMask **)tp_at(req, "update_mask") = &mask;
            tc_result r = tp_call(rpc, req, kd->msg, u.token);
            TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, path);
            tc_result_free(&r);
            free(req);
            free(msg);
        }
        /* Kind-specific output-only fields. */
        const char *out = k == 1   ? "completed_at"
                          : k == 2 ? "total_duration"
                          : k == 3 ? "usage_count"
                                   : NULL;
        if (out) {
            ProtobufCMessage *msg = tp_new(kd->msg);
            ProtobufCMessage *req = tp_new(kd->update_req);
            *(const char **)tp_at(msg, "id") = id;
            char *paths[1] = {(char *)out};
            Google__Protobuf__FieldMask mask = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
            mask.n_paths = 1;
            mask.paths = paths;
            *(ProtobufCMessage **)tp_at(req, kd->field) = msg;
            *(Google__Protobuf__FieldMask **)tp_at(req, "update_mask") = &mask;
            tc_result r = tp_call(rpc, req, kd->msg, u.token);
            TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, out);
            tc_result_free(&r);
            free(req);
            free(msg);
        }
        /* Nothing changed by any refused mask. */
        tc_result r = tp_by_id("Get", kd, id, &u);
        TP_EXPECT(r, GRPC_STATUS_OK, "get after refused updates");
        cr_assert_str_eq(*(char **)tp_at(r.resp, kd->name_field), "Masked");
        tc_result_free(&r);
        free(id);
    }
    tp_user_free(&u);
}

Test(planning_common, page_sizes_and_tokens)
{
    tp_user u = tp_new_user("pages"), v = tp_new_user("pages2");
    for (size_t k = 0; k < TP_NKINDS; k++) {
        const tp_kind *kd = &tp_kinds[k];
        char *ids[8];
        for (int i = 0; i < 5; i++)
            free(tp_create(kd, &u, "Paged"));
        free(tp_create(kd, &v, "Other"));
        char rpc[64];
        snprintf(rpc, sizeof(rpc), "List%s", kd->plural);
        ProtobufCMessage *req = tp_new(kd->list_req);
        *(int32_t *)tp_at(req, "page_size") = -1;
        tc_result r = tp_call(rpc, req, kd->list_resp, u.token);
        TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "negative page_size");
        cr_assert(strstr(r.message, "page_size"), "%s", r.message);
        tc_result_free(&r);

        /* 0 means the default (50): all five in one page; above 1000 is 1000. */
        for (int size = 0; size <= 5000; size += 5000) {
            *(int32_t *)tp_at(req, "page_size") = size;
            r = tp_call(rpc, req, kd->list_resp, u.token);
            TP_EXPECT(r, GRPC_STATUS_OK, "page_size 0 / 5000");
            cr_assert_str_eq(*(char **)tp_at(r.resp, "next_page_token"), "");
            tc_result_free(&r);
        }
        cr_assert_eq(tp_list_all(kd, NULL, &u, 2, ids, 8), 5, "%s pages of 2", kd->plural);
        tp_free_ids(ids, 5);

        /* A token is for its own list and user only. */
        *(int32_t *)tp_at(req, "page_size") = 2;
        r = tp_call(rpc, req, kd->list_resp, u.token);
        TP_EXPECT(r, GRPC_STATUS_OK, "first page");
        char *token = strdup(*(char **)tp_at(r.resp, "next_page_token"));
        tc_result_free(&r);
        cr_assert_neq(token[0], '\0');
        *(char **)tp_at(req, "page_token") = token;
        r = tp_call(rpc, req, kd->list_resp, v.token);
        TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "another user's token");
        tc_result_free(&r);
        const tp_kind *other = &tp_kinds[(k + 1) % TP_NKINDS];
        ProtobufCMessage *oreq = tp_new(other->list_req);
        *(char **)tp_at(oreq, "page_token") = token;
        char orpc[64];
        snprintf(orpc, sizeof(orpc), "List%s", other->plural);
        r = tp_call(orpc, oreq, other->list_resp, u.token);
        TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "another list's token");
        tc_result_free(&r);
        free(oreq);
        token[3] = token[3] == 'A' ? 'B' : 'A';
        r = tp_call(rpc, req, kd->list_resp, u.token);
        TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "a tampered token");
        tc_result_free(&r);
        *(char **)tp_at(req, "page_token") = "garbage";
        r = tp_call(rpc, req, kd->list_resp, u.token);
        TP_EXPECT(r, GRPC_STATUS_INVALID_ARGUMENT, "a garbage token");
        tc_result_free(&r);
        free(token);
        free(req);
    }
    tp_user_free(&u);
    tp_user_free(&v);
}

/* B can neither see, list, change nor delete what A owns, and A's rows are
 * untouched afterwards. */
Test(planning_common, users_are_isolated)
{
    tp_user a = tp_new_user("owner"), b = tp_new_user("intruder");
    for (size_t k = 0; k < TP_NKINDS; k++) {
        const tp_kind *kd = &tp_kinds[k];
        char *id = tp_create(kd, &a, "Private");
        free(tp_create(kd, &b, "Mine"));
        tc_result r = tp_by_id("Get", kd, id, &b);
        TP_EXPECT(r, GRPC_STATUS_NOT_FOUND, "B gets A's");
        tc_result_free(&r);
        r = tp_by_id("Delete", kd, id, &b);
        TP_EXPECT(r, GRPC_STATUS_NOT_FOUND, "B deletes A's");
        tc_result_free(&r);
        if (k == 3) {
            r = tp_by_id("Use", kd, id, &b);
            TP_EXPECT(r, GRPC_STATUS_NOT_FOUND, "B uses A's chain");
            tc_result_free(&r);
        }
        /* Update, with a mask and without. */
        for (int masked = 0; masked < 2; masked++) {
            ProtobufCMessage *msg = tp_new(kd->msg);
            ProtobufCMessage *req = tp_new(kd->update_req);
            *(const char **)tp_at(msg, "id") = id;
            *(const char **)tp_at(msg, kd->name_field) = "Hijacked";
            char *paths[1] = {(char *)kd->name_field};
            Google__Protobuf__FieldMask mask = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
            mask.n_paths = 1;
            mask.paths = paths;
            *(ProtobufCMessage **)tp_at(req, kd->field) = msg;
            if (masked)
                *(Google__Protobuf__FieldMask **)tp_at(req, "update_mask") = &mask;
            char rpc[64];
            snprintf(rpc, sizeof(rpc), "Update%s", kd->name);
            r = tp_call(rpc, req, kd->msg, b.token);
            TP_EXPECT(r, GRPC_STATUS_NOT_FOUND, "B updates A's");
            tc_result_free(&r);
            free(req);
            free(msg);
        }
        char *ids[4];
        size_t n = tp_list_all(kd, NULL, &b, 50, ids, 4);
        cr_assert_eq(n, 1, "B lists only its own %s", kd->plural);
        cr_assert_eq(tp_has(ids, n, id), 0);
        tp_free_ids(ids, n);

        r = tp_by_id("Get", kd, id, &a);
        TP_EXPECT(r, GRPC_STATUS_OK, "A still has it");
        cr_assert_str_eq(*(char **)tp_at(r.resp, kd->name_field), "Private");
        cr_assert_str_eq(*(char **)tp_at(r.resp, "user_id"), a.id);
        tc_result_free(&r);
        free(id);
    }
    tp_user_free(&a);
    tp_user_free(&b);
}

/* References must be the caller's: B cannot hang its campaign on A's brand
 * guidelines nor its storyboard on A's campaign, on create or update. */
Test(planning_common, references_to_another_users_rows_are_not_found)
{
    tp_user a = tp_new_user("refowner"), b = tp_new_user("refthief");
    char *brand = tp_create(&tp_kinds[0], &a, "A brand");
    char *campaign = tp_create(&tp_kinds[1], &a, "A campaign");
    char *b_campaign = tp_create(&tp_kinds[1], &b, "B campaign");
    char *b_story = tp_create_in(&b, "B story", "");

    tp_campaign_t c = CAMEOS__PLANNING__V1__CAMPAIGN__INIT;
    c.name = "Borrowing";
    c.brand_guidelines_id = brand;
    Cameos__Planning__V1__CreateCampaignRequest cc =
        CAMEOS__PLANNING__V1__CREATE_CAMPAIGN_REQUEST__INIT;
    cc.campaign = &c;
    tc_result r =
        tp_call("CreateCampaign", &cc.base, &cameos__planning__v1__campaign__descriptor, b.token);
    TP_EXPECT(r, GRPC_STATUS_NOT_FOUND, "create with A's brand");
    cr_assert(strstr(r.message, "brand_guidelines_id"), "%s", r.message);
    tc_result_free(&r);

    c.id = b_campaign;
    TP_MASK(cm, "brand_guidelines_id");
    Cameos__Planning__V1__UpdateCampaignRequest uc =
        CAMEOS__PLANNING__V1__UPDATE_CAMPAIGN_REQUEST__INIT;
    uc.campaign = &c;
    uc.update_mask = &cm;
    r = tp_call("UpdateCampaign", &uc.base, &cameos__planning__v1__campaign__descriptor, b.token);
    TP_EXPECT(r, GRPC_STATUS_NOT_FOUND, "update to A's brand");
    tc_result_free(&r);

    tp_storyboard_t s = CAMEOS__PLANNING__V1__STORYBOARD_SEQUENCE__INIT;
    s.name = "Borrowing";
    s.campaign_id = campaign;
    Cameos__Planning__V1__CreateStoryboardSequenceRequest cs =
        CAMEOS__PLANNING__V1__CREATE_STORYBOARD_SEQUENCE_REQUEST__INIT;
    cs.storyboard_sequence = &s;
    r = tp_call("CreateStoryboardSequence", &cs.base,
                &cameos__planning__v1__storyboard_sequence__descriptor, b.token);
    TP_EXPECT(r, GRPC_STATUS_NOT_FOUND, "create in A's campaign");
    cr_assert(strstr(r.message, "campaign_id"), "%s", r.message);
    tc_result_free(&r);

    s.id = b_story;
    TP_MASK(sm, "campaign_id");
    Cameos__Planning__V1__UpdateStoryboardSequenceRequest us =
        CAMEOS__PLANNING__V1__UPDATE_STORYBOARD_SEQUENCE_REQUEST__INIT;
    us.storyboard_sequence = &s;
    us.update_mask = &sm;
    r = tp_call("UpdateStoryboardSequence", &us.base,
                &cameos__planning__v1__storyboard_sequence__descriptor, b.token);
    TP_EXPECT(r, GRPC_STATUS_NOT_FOUND, "move into A's campaign");
    tc_result_free(&r);

    /* Nothing of B's points at A's rows. */
    const char *bp[1] = {b.id};
    cr_assert_eq(tdb_int(tp_db,
                         "SELECT count(*) FROM public.campaigns WHERE user_id = $1"
                         " AND brand_guidelines_id IS NOT NULL",
                         1, bp),
                 0);
    cr_assert_eq(tdb_int(tp_db,
                         "SELECT count(*) FROM public.storyboard_sequences WHERE user_id = $1"
                         " AND campaign_id IS NOT NULL",
                         1, bp),
                 0);
    free(brand);
    free(campaign);
    free(b_campaign);
    free(b_story);
    tp_user_free(&a);
    tp_user_free(&b);
}

#endif
