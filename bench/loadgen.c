/*
 * loadgen.c - a closed-loop gRPC load generator for the benchmarks.
 *
 * h2load sends one body and one set of headers for every request; the
 * credits benchmarks need each call to act for another user (GetProfile: a
 * different token; SpendCredits: a different user_id and a fresh
 * request_id, or idempotency would turn every retry into a replay). This
 * keeps `-c` calls in flight over `-n` HTTP/2 connections for `-d` seconds
 * and prints calls/s, latency percentiles and the status code counts.
 *
 *   cameos-loadgen -a ADDR -m METHOD -u USERS_FILE -k JWT_SECRET
 *                  [-c CONCURRENCY] [-n CONNECTIONS] [-d SECONDS] [-P PAGE]
 * METHOD: GetProfile | SpendCredits | GetBalance | ListCreditTransactions (credits),
 * CreateGeneration | ListGenerations | ClaimGenerations (content), GetCampaign |
 * ListStoryboardSequences (planning). GetCampaign asks for the campaign whose
 * id is the user's with 4000-9000 for 4000-8000 (bench/content_planning.sh seeds them).
 * USERS_FILE: one user uuid a line; tokens are minted here (HS256, 1 h).
 * -P N (ListCreditTransactions): first walk to page N of the first user's
 * ledger (pages of 50), then load that same page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>
#include <time.h>

#include "cameos/content/v1/content.pb-c.h"
#include "cameos/credits/v1/credits.pb-c.h"
#include "cameos/planning/v1/planning.pb-c.h"
#include "token.h"

#define MAX_USERS 100000
#define MAX_LAT   (1u << 22)

typedef struct user {
    char id[37];
    /* The authorization header its calls carry, made once: "Bearer <its
     * token>", or the service token's for internal methods (user_call). */
    grpc_slice auth;
} user;

typedef struct slot {
    grpc_call *call;
    grpc_metadata md[1];
    grpc_byte_buffer *send;
    grpc_byte_buffer *recv;
    grpc_metadata_array init_md, trail_md;
    grpc_status_code status;
    grpc_slice details;
    gpr_timespec start;
    int chan;
} slot;

static const char *method = "GetProfile";
static user *users;
static size_t nusers;
static char *page_token;
static long seq;
/* The method, registered once per channel as generated stubs do: no path
 * string is copied or looked up per call. */
static void **registered;

static int load_users(const char *path);
static int start_call(slot *s, grpc_channel *ch, void *reg, grpc_completion_queue *cq);
static grpc_slice bearer(char *token);
static grpc_byte_buffer *make_request(const user *u);
static int cmp_double(const void *a, const void *b);
static int user_call(void);
static const char *service_of(const char *m);
static char *walk_pages(grpc_channel *ch, void *reg, int page);

int main(int argc, char **argv)
{
    const char *addr = "127.0.0.1:50051", *users_path = NULL, *secret = NULL;
    int conc = 64, nconn = 4, seconds = 10, page = 1, opt;
    while ((opt = getopt(argc, argv, "a:m:u:k:c:n:d:P:")) != -1) {
        switch (opt) {
        case 'a':
            addr = optarg;
            break;
        case 'm':
            method = optarg;
            break;
        case 'u':
            users_path = optarg;
            break;
        case 'k':
            secret = optarg;
            break;
        case 'P':
            page = atoi(optarg);
            break;
        case 'c':
            conc = atoi(optarg);
            break;
        case 'n':
            nconn = atoi(optarg);
            break;
        case 'd':
            seconds = atoi(optarg);
            break;
        default:
            fprintf(stderr, "usage: see the comment at the top of bench/loadgen.c\n");
            return 2;
        }
    }
    if (!users_path || !secret || load_users(users_path) != 0 || conc < 1 || nconn < 1 ||
        seconds < 1) {
        fprintf(stderr, "loadgen: need -u USERS_FILE (one uuid a line) and -k JWT_SECRET\n");
        return 2;
    }
    grpc_init();
    grpc_slice service_auth =
        bearer(tt_mint(secret, "00000000-0000-0000-0000-000000000000", "service_role", 3600));
    for (size_t i = 0; i < nusers; i++)
        users[i].auth = user_call() ? bearer(tt_mint(secret, users[i].id, "authenticated", 3600))
                                    : grpc_slice_ref(service_auth);
    grpc_channel_credentials *creds = grpc_insecure_credentials_create();
    grpc_channel **chans = calloc((size_t)nconn, sizeof(*chans));
    for (int i = 0; i < nconn; i++) {
        /* A local subchannel pool per channel: one TCP connection each. */
        /* No retry policy is configured, yet with retries enabled gRPC's
         * retry filter still wraps every call (about 4 us of client CPU a
         * call here, which the client then takes from the two shared cores). */
        grpc_arg a[] = {
            {GRPC_ARG_INTEGER, GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, {.integer = 1}},
            {GRPC_ARG_INTEGER, GRPC_ARG_ENABLE_RETRIES, {.integer = 0}},
        };
        grpc_channel_args args = {2, a};
        chans[i] = grpc_channel_create(addr, creds, &args);
    }
    char path[128];
    snprintf(path, sizeof(path), "/%s/%s", service_of(method), method);
    registered = calloc((size_t)nconn, sizeof(*registered));
    for (int i = 0; i < nconn; i++)
        registered[i] = grpc_channel_register_call(chans[i], path, NULL, NULL);
    grpc_channel_credentials_release(creds);
    page_token = strdup("");
    if (page > 1 && !(page_token = walk_pages(chans[0], registered[0], page))) {
        fprintf(stderr, "loadgen: could not walk to page %d\n", page);
        return 1;
    }
    grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
    slot *slots = calloc((size_t)conc, sizeof(*slots));
    double *lat = malloc(sizeof(double) * MAX_LAT);
    size_t nlat = 0;
    long codes[17] = {0}, total = 0;
    gpr_timespec t0 = gpr_now(GPR_CLOCK_MONOTONIC);
    gpr_timespec end = gpr_time_add(t0, gpr_time_from_seconds(seconds, GPR_TIMESPAN));
    int live = 0;
    for (int i = 0; i < conc; i++) {
        slots[i].chan = i % nconn;
        if (start_call(&slots[i], chans[slots[i].chan], registered[slots[i].chan], cq) == 0)
            live++;
    }
    while (live > 0) {
        grpc_event ev = grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        if (ev.type != GRPC_OP_COMPLETE)
            continue;
        slot *s = ev.tag;
        gpr_timespec now = gpr_now(GPR_CLOCK_MONOTONIC);
        double ms = gpr_timespec_to_micros(gpr_time_sub(now, s->start)) / 1000.0;
        if (nlat < MAX_LAT)
            lat[nlat++] = ms;
        codes[(unsigned)s->status <= 16 ? s->status : 2]++;
        total++;
        grpc_byte_buffer_destroy(s->send);
        grpc_slice_unref(s->md[0].value);
        if (s->recv)
            grpc_byte_buffer_destroy(s->recv);
        grpc_metadata_array_destroy(&s->init_md);
        grpc_metadata_array_destroy(&s->trail_md);
        grpc_slice_unref(s->details);
        grpc_call_unref(s->call);
        live--;
        if (gpr_time_cmp(now, end) < 0 &&
            start_call(s, chans[s->chan], registered[s->chan], cq) == 0)
            live++;
    }
    double secs = gpr_timespec_to_micros(gpr_time_sub(gpr_now(GPR_CLOCK_MONOTONIC), t0)) / 1e6;
    qsort(lat, nlat, sizeof(double), cmp_double);
#define PCT(p) (nlat ? lat[(size_t)((double)(nlat - 1) * (p))] : 0.0)
    if (page > 1)
        printf("(page %d) ", page);
    printf("%s: %ld calls in %.2f s = %.0f calls/s (concurrency %d, %d connections)\n", method,
           total, secs, (double)total / secs, conc, nconn);
    printf("latency ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n", PCT(0.50), PCT(0.90), PCT(0.99),
           PCT(1.0));
    printf("codes:");
    for (int i = 0; i <= 16; i++)
        if (codes[i])
            printf(" %d=%ld", i, codes[i]);
    printf("\n");
    grpc_completion_queue_shutdown(cq);
    while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
           GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(cq);
    for (int i = 0; i < nconn; i++)
        grpc_channel_destroy(chans[i]);
    for (size_t i = 0; i < nusers; i++)
        grpc_slice_unref(users[i].auth);
    grpc_slice_unref(service_auth);
    grpc_shutdown();
    free(users);
    free(page_token);
    free(chans);
    free(registered);
    free(slots);
    free(lat);
    return codes[0] == total ? 0 : 1;
}

static int start_call(slot *s, grpc_channel *ch, void *reg, grpc_completion_queue *cq)
{
    const user *u = &users[(size_t)rand() % nusers];
    s->start = gpr_now(GPR_CLOCK_MONOTONIC);
    s->call = grpc_channel_create_registered_call(
        ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq, reg,
        gpr_time_add(gpr_now(GPR_CLOCK_REALTIME), gpr_time_from_seconds(30, GPR_TIMESPAN)), NULL);
    s->md[0].key = grpc_slice_from_static_string("authorization");
    s->md[0].value = grpc_slice_ref(u->auth);
    s->send = make_request(u);
    s->recv = NULL;
    grpc_metadata_array_init(&s->init_md);
    grpc_metadata_array_init(&s->trail_md);
    grpc_op ops[6];
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[0].data.send_initial_metadata.count = 1;
    ops[0].data.send_initial_metadata.metadata = s->md;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = s->send;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &s->init_md;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &s->recv;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &s->trail_md;
    ops[5].data.recv_status_on_client.status = &s->status;
    ops[5].data.recv_status_on_client.status_details = &s->details;
    if (grpc_call_start_batch(s->call, ops, 6, s, NULL) == GRPC_CALL_OK)
        return 0;
    grpc_slice_unref(s->md[0].value);
    return -1;
}

/* Methods a user calls with their own token; the rest are internal. */
static int user_call(void)
{
    return strcmp(method, "SpendCredits") != 0 && strcmp(method, "GetBalance") != 0 &&
           strcmp(method, "ClaimGenerations") != 0;
}

static const char *service_of(const char *m)
{
    if (strstr(m, "Generation"))
        return "cameos.content.v1.ContentService";
    if (strstr(m, "Campaign") || strstr(m, "Storyboard"))
        return "cameos.planning.v1.PlanningService";
    return "cameos.credits.v1.CreditsService";
}

/* "Bearer <token>"; takes and frees the malloc'd token. */
static grpc_slice bearer(char *token)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "Bearer %s", token ? token : "");
    free(token);
    return grpc_slice_from_copied_string(buf);
}

static grpc_byte_buffer *make_request(const user *u)
{
    uint8_t buf[512];
    size_t n;
    char rid[64];
    if (strcmp(method, "SpendCredits") == 0) {
        Cameos__Credits__V1__SpendCreditsRequest r =
            CAMEOS__CREDITS__V1__SPEND_CREDITS_REQUEST__INIT;
        snprintf(rid, sizeof(rid), "bench-%d-%ld", (int)getpid(), ++seq);
        r.user_id = (char *)u->id;
        r.amount = 1;
        r.description = "benchmark";
        r.request_id = rid;
        n = cameos__credits__v1__spend_credits_request__pack(&r, buf);
    } else if (strcmp(method, "GetBalance") == 0) {
        Cameos__Credits__V1__GetBalanceRequest r = CAMEOS__CREDITS__V1__GET_BALANCE_REQUEST__INIT;
        r.user_id = (char *)u->id;
        n = cameos__credits__v1__get_balance_request__pack(&r, buf);
    } else if (strcmp(method, "ListCreditTransactions") == 0) {
        Cameos__Credits__V1__ListCreditTransactionsRequest r =
            CAMEOS__CREDITS__V1__LIST_CREDIT_TRANSACTIONS_REQUEST__INIT;
        r.page_size = 50;
        r.page_token = (char *)page_token;
        n = cameos__credits__v1__list_credit_transactions_request__pack(&r, buf);
    } else if (strcmp(method, "CreateGeneration") == 0) {
        Cameos__Content__V1__Generation g = CAMEOS__CONTENT__V1__GENERATION__INIT;
        g.prompt = "a lighthouse at dawn, slow dolly in";
        g.model = CAMEOS__CONTENT__V1__MODEL__MODEL_VEO_FAST;
        g.aspect_ratio = CAMEOS__CONTENT__V1__ASPECT_RATIO__ASPECT_RATIO_16_9;
        g.resolution = CAMEOS__CONTENT__V1__RESOLUTION__RESOLUTION_720P;
        g.mode = CAMEOS__CONTENT__V1__GENERATION_MODE__GENERATION_MODE_TEXT_TO_VIDEO;
        Cameos__Content__V1__CreateGenerationRequest r =
            CAMEOS__CONTENT__V1__CREATE_GENERATION_REQUEST__INIT;
        r.generation = &g;
        n = cameos__content__v1__create_generation_request__pack(&r, buf);
    } else if (strcmp(method, "ListGenerations") == 0 ||
               strcmp(method, "ListStoryboardSequences") == 0) {
        /* Both requests start {int32 page_size = 1; string page_token = 2}. */
        Cameos__Content__V1__ListGenerationsRequest r =
            CAMEOS__CONTENT__V1__LIST_GENERATIONS_REQUEST__INIT;
        r.page_size = 50;
        n = cameos__content__v1__list_generations_request__pack(&r, buf);
    } else if (strcmp(method, "ClaimGenerations") == 0) {
        /* A worker's claim of a batch of 10 (bench/queue_claims.sh). */
        Cameos__Content__V1__ClaimGenerationsRequest r =
            CAMEOS__CONTENT__V1__CLAIM_GENERATIONS_REQUEST__INIT;
        r.worker = "loadgen";
        r.max_generations = 10;
        r.lease_seconds = 600;
        n = cameos__content__v1__claim_generations_request__pack(&r, buf);
    } else if (strcmp(method, "GetCampaign") == 0) {
        char cid[37];
        memcpy(cid, u->id, sizeof(cid));
        memcpy(cid + 19, "9000", 4); /* 00000000-0000-4000-9000-<n> */
        Cameos__Planning__V1__GetCampaignRequest r =
            CAMEOS__PLANNING__V1__GET_CAMPAIGN_REQUEST__INIT;
        r.id = cid;
        n = cameos__planning__v1__get_campaign_request__pack(&r, buf);
    } else {
        n = 0; /* GetProfileRequest is empty */
    }
    grpc_slice s = grpc_slice_from_copied_buffer((const char *)buf, n);
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
    grpc_slice_unref(s);
    return bb;
}

static int load_users(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    users = calloc(MAX_USERS, sizeof(*users));
    char id[64];
    while (nusers < MAX_USERS && fscanf(f, "%63s", id) == 1) {
        snprintf(users[nusers].id, sizeof(users[nusers].id), "%.36s", id);
        nusers++;
    }
    fclose(f);
    return nusers ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Follows next_page_token from page 1 to page `page` of users[0], one call
 * at a time; returns the token of that page (malloc'd) or NULL. */
static char *walk_pages(grpc_channel *ch, void *reg, int page)
{
    grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
    char *tok = strdup("");
    for (int p = 1; tok && p < page; p++) {
        slot s;
        memset(&s, 0, sizeof(s));
        page_token = tok;
        if (start_call(&s, ch, reg, cq) != 0)
            break;
        grpc_event ev = grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        (void)ev;
        Cameos__Credits__V1__ListCreditTransactionsResponse *r = NULL;
        if (s.status == GRPC_STATUS_OK && s.recv) {
            grpc_byte_buffer_reader rd;
            grpc_byte_buffer_reader_init(&rd, s.recv);
            grpc_slice all = grpc_byte_buffer_reader_readall(&rd);
            grpc_byte_buffer_reader_destroy(&rd);
            r = cameos__credits__v1__list_credit_transactions_response__unpack(
                NULL, GRPC_SLICE_LENGTH(all), GRPC_SLICE_START_PTR(all));
            grpc_slice_unref(all);
        }
        free(tok);
        tok = (r && r->next_page_token[0]) ? strdup(r->next_page_token) : NULL;
        if (r)
            cameos__credits__v1__list_credit_transactions_response__free_unpacked(r, NULL);
        grpc_byte_buffer_destroy(s.send);
        grpc_slice_unref(s.md[0].value);
        if (s.recv)
            grpc_byte_buffer_destroy(s.recv);
        grpc_metadata_array_destroy(&s.init_md);
        grpc_metadata_array_destroy(&s.trail_md);
        grpc_slice_unref(s.details);
        grpc_call_unref(s.call);
    }
    page_token = NULL;
    grpc_completion_queue_shutdown(cq);
    while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
           GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(cq);
    return tok;
}
