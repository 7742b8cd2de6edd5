/*
 * cameos-example-worker - a reference video worker for the generation queue
 * (docs/queue.md): the loop a real worker runs, with the video model
 * replaced by a timer.
 *
 *   1. wait:      WaitForGenerations; every message is a cue to claim;
 *   2. claim:     ClaimGenerations, up to WORKER_BATCH at a time, each under
 *                 its own lease token, until a claim comes back empty;
 *   3. heartbeat: ExtendGenerationLease whenever a third of the lease has
 *                 passed, for as long as the work goes on;
 *   4. report:    CompleteGeneration or FailGeneration naming the lease
 *                 token. FAILED_PRECONDITION means the lease was lost (it
 *                 ran out and another worker holds the generation now): the
 *                 result is dropped, never reported twice.
 * On SIGINT/SIGTERM it gives back (ReleaseGeneration) what it has not
 * started and stops; a generation it was working on is left to its lease,
 * which runs out and puts it back in the queue. A prompt that starts with
 * "fail:" fails, to show that path (the owner is refunded).
 *
 * Environment: CONTENT_ADDR (127.0.0.1:50052), WORKER_TOKEN (a service_role
 * JWT; required), WORKER_NAME (example-<pid>), WORKER_LEASE_S (30),
 * WORKER_BATCH (2), WORKER_WORK_MS (300), WORKER_MAX_JOBS (0: no limit),
 * WORKER_EXIT_IDLE (0; 1: exit once a claim finds nothing, for tests).
 * Prints one line per event on stdout; exits 0, or 1 on a bad setting.
 *
 * It uses the project's small blocking client (tests/support/client.h):
 * one call at a time, all on this thread, which is all a worker that works
 * on one video at a time needs.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cameos/content/v1/content.pb-c.h"
#include "google/protobuf/empty.pb-c.h"
#include "client.h"

#define SERVICE          "/cameos.content.v1.ContentService/"
#define WAIT_DEADLINE_MS 15000 /* a stream at a time; reopened, so signals are seen */
#define CALL_DEADLINE_MS 10000
#define REPORT_TRIES     5 /* a report that did not get through is repeated */
#define SLICE_MS         50

typedef struct worker {
    tc_chan *ch;
    const char *token;
    char name[64];
    int lease_s, batch, work_ms, max_jobs, exit_idle;
    int reported; /* generations completed or failed */
    int idle;     /* the last claim found nothing */
} worker;

static volatile sig_atomic_t stopping;

static int env_int(const char *name, int def, int lo, int hi, int *out);
static void on_signal(int sig);
static int on_cue(const ProtobufCMessage *m, void *arg);
static int claim_and_work(worker *w);
static void work_one(worker *w, Cameos__Content__V1__GenerationLease *const *batch, size_t n,
                     size_t i, int *lost, long long *last_beat);
static int extend(worker *w, const char *id, const char *token);
static void report(worker *w, const char *id, const char *token, int fail);
static void release(worker *w, const char *id, const char *token);
static int finished(const worker *w);
static void sleep_ms(int ms);
static long long now_ms(void);

int main(void)
{
    worker w = {0};
    const char *addr = getenv("CONTENT_ADDR") ? getenv("CONTENT_ADDR") : "127.0.0.1:50052";
    w.token = getenv("WORKER_TOKEN");
    if (!w.token || !*w.token) {
        fprintf(stderr, "WORKER_TOKEN (a service_role JWT) is required\n");
        return 1;
    }
    if (getenv("WORKER_NAME") && *getenv("WORKER_NAME"))
        snprintf(w.name, sizeof(w.name), "%s", getenv("WORKER_NAME"));
    else
        snprintf(w.name, sizeof(w.name), "example-%ld", (long)getpid());
    if (env_int("WORKER_LEASE_S", 30, 3, 3600, &w.lease_s) != 0 ||
        env_int("WORKER_BATCH", 2, 1, 100, &w.batch) != 0 ||
        env_int("WORKER_WORK_MS", 300, 0, 3600000, &w.work_ms) != 0 ||
        env_int("WORKER_MAX_JOBS", 0, 0, 1000000, &w.max_jobs) != 0 ||
        env_int("WORKER_EXIT_IDLE", 0, 0, 1, &w.exit_idle) != 0)
        return 1;

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    w.ch = tc_connect(addr);
    if (!w.ch) {
        fprintf(stderr, "cannot open a channel to %s\n", addr);
        return 1;
    }
    printf("worker %s: waiting for work on %s\n", w.name, addr);
    fflush(stdout);

    Cameos__Content__V1__WaitForGenerationsRequest req =
        CAMEOS__CONTENT__V1__WAIT_FOR_GENERATIONS_REQUEST__INIT;
    req.worker = w.name;
    int backoff_ms = 100;
    while (!finished(&w)) {
        tc_result res = {0};
        int rc = tc_stream(w.ch, SERVICE "WaitForGenerations", &req.base,
                           &cameos__content__v1__wait_for_generations_response__descriptor, w.token,
                           WAIT_DEADLINE_MS, on_cue, &w, &res);
        int code = res.code;
        if (rc == 0 && code != GRPC_STATUS_OK && code != GRPC_STATUS_DEADLINE_EXCEEDED &&
            code != GRPC_STATUS_CANCELLED && !finished(&w)) {
            /* The service is away or refused us: wait, longer each time. */
            printf("wait: %s (%s); again in %d ms\n", tc_code_name(res.code), res.message,
                   backoff_ms);
            fflush(stdout);
            sleep_ms(backoff_ms);
            backoff_ms = backoff_ms * 2 > 5000 ? 5000 : backoff_ms * 2;
        } else {
            backoff_ms = 100;
        }
        tc_result_free(&res);
        if (code == GRPC_STATUS_PERMISSION_DENIED || code == GRPC_STATUS_UNAUTHENTICATED ||
            code == GRPC_STATUS_INVALID_ARGUMENT)
            break; /* retrying cannot help */
    }
    printf("worker %s: stopped after %d reports\n", w.name, w.reported);
    tc_close(w.ch);
    return 0;
}

/* ---- internals ------------------------------------------------------- */

static int env_int(const char *name, int def, int lo, int hi, int *out)
{
    const char *v = getenv(name);
    *out = def;
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < lo || n > hi) {
        fprintf(stderr, "%s must be a whole number from %d to %d\n", name, lo, hi);
        return -1;
    }
    *out = (int)n;
    return 0;
}

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

/* A cue: claim until the queue has nothing for us. Non-zero ends the stream. */
static int on_cue(const ProtobufCMessage *m, void *arg)
{
    (void)m;
    worker *w = arg;
    while (!finished(w) && claim_and_work(w) > 0)
        ;
    return finished(w);
}

/* Claims a batch and works through it; returns how many were claimed, or
 * 0 when none (or the claim failed: the next cue tries again). */
static int claim_and_work(worker *w)
{
    Cameos__Content__V1__ClaimGenerationsRequest req =
        CAMEOS__CONTENT__V1__CLAIM_GENERATIONS_REQUEST__INIT;
    req.worker = w->name;
    req.max_generations = w->batch;
    req.lease_seconds = w->lease_s;
    tc_result res = {0};
    if (tc_unary(w->ch, SERVICE "ClaimGenerations", &req.base,
                 &cameos__content__v1__claim_generations_response__descriptor, w->token, NULL,
                 CALL_DEADLINE_MS, &res) != 0 ||
        res.code != GRPC_STATUS_OK) {
        printf("claim: %s (%s)\n", tc_code_name(res.code), res.message ? res.message : "");
        fflush(stdout);
        tc_result_free(&res);
        return 0;
    }
    const Cameos__Content__V1__ClaimGenerationsResponse *r = (const void *)res.resp;
    int n = (int)r->n_leases;
    w->idle = n == 0;
    int lost[100] = {0}; /* WORKER_BATCH <= 100 */
    long long last_beat = now_ms();
    for (int i = 0; i < n; i++) {
        const Cameos__Content__V1__GenerationLease *l = r->leases[i];
        if (lost[i])
            continue;
        if (finished(w))
            release(w, l->generation->id, l->lease_token); /* not started: back to the queue */
        else
            work_one(w, r->leases, (size_t)n, (size_t)i, lost, &last_beat);
    }
    tc_result_free(&res);
    return n;
}

/* "Generates" the video of batch[i]: work_ms of waiting. The heartbeats
 * (every third of a lease since *last_beat, the batch's) cover the whole
 * rest of the batch, which waits its turn under the same leases; a lease
 * found lost is marked in lost[] and its work skipped. */
static void work_one(worker *w, Cameos__Content__V1__GenerationLease *const *batch, size_t n,
                     size_t i, int *lost, long long *last_beat)
{
    const Cameos__Content__V1__GenerationLease *l = batch[i];
    const char *id = l->generation->id;
    printf("claimed %s (attempt %d): %s\n", id, (int)l->attempt, l->generation->prompt);
    fflush(stdout);
    long long start = now_ms();
    long long beat_every = (long long)w->lease_s * 1000 / 3;
    while (now_ms() - start < w->work_ms) {
        if (stopping) {
            printf("stopping: %s is left to its lease\n", id);
            fflush(stdout);
            return;
        }
        sleep_ms(SLICE_MS);
        if (now_ms() - *last_beat >= beat_every) {
            for (size_t k = i; k < n; k++)
                if (!lost[k] && extend(w, batch[k]->generation->id, batch[k]->lease_token) != 0)
                    lost[k] = 1;
            if (lost[i])
                return; /* the lease is gone: so is our right to report */
            *last_beat = now_ms();
        }
    }
    report(w, id, l->lease_token, strncmp(l->generation->prompt, "fail:", 5) == 0);
}

/* 0 while the lease is ours; -1 once it is lost. A failed heartbeat for
 * another reason (the service restarting) keeps working: the next beat or
 * the report will tell. */
static int extend(worker *w, const char *id, const char *token)
{
    Cameos__Content__V1__ExtendGenerationLeaseRequest req =
        CAMEOS__CONTENT__V1__EXTEND_GENERATION_LEASE_REQUEST__INIT;
    req.id = (char *)id;
    req.lease_token = (char *)token;
    req.lease_seconds = w->lease_s;
    tc_result res = {0};
    int rc = tc_unary(w->ch, SERVICE "ExtendGenerationLease", &req.base,
                      &cameos__content__v1__extend_generation_lease_response__descriptor, w->token,
                      NULL, CALL_DEADLINE_MS, &res);
    int lost = rc == 0 && res.code == GRPC_STATUS_FAILED_PRECONDITION;
    printf("heartbeat %s: %s\n", id, lost ? "lease lost" : tc_code_name(res.code));
    fflush(stdout);
    tc_result_free(&res);
    return lost ? -1 : 0;
}

/* Completes or fails under the lease token. Repeating a report is safe (the
 * same report again answers OK), so one that did not get through is sent
 * again; FAILED_PRECONDITION means another worker holds it now. */
static void report(worker *w, const char *id, const char *token, int fail)
{
    char url[160];
    snprintf(url, sizeof(url), "https://videos.example/%s.mp4", id);
    for (int attempt = 0; attempt < REPORT_TRIES; attempt++) {
        tc_result res = {0};
        int rc;
        if (fail) {
            Cameos__Content__V1__FailGenerationRequest req =
                CAMEOS__CONTENT__V1__FAIL_GENERATION_REQUEST__INIT;
            req.id = (char *)id;
            req.error_message = "the model refused this prompt";
            req.lease_token = (char *)token;
            rc = tc_unary(w->ch, SERVICE "FailGeneration", &req.base,
                          &cameos__content__v1__generation__descriptor, w->token, NULL,
                          CALL_DEADLINE_MS, &res);
        } else {
            Cameos__Content__V1__CompleteGenerationRequest req =
                CAMEOS__CONTENT__V1__COMPLETE_GENERATION_REQUEST__INIT;
            req.id = (char *)id;
            req.video_url = url;
            req.lease_token = (char *)token;
            rc = tc_unary(w->ch, SERVICE "CompleteGeneration", &req.base,
                          &cameos__content__v1__generation__descriptor, w->token, NULL,
                          CALL_DEADLINE_MS, &res);
        }
        grpc_status_code code = rc == 0 ? res.code : GRPC_STATUS_UNAVAILABLE;
        tc_result_free(&res);
        if (code == GRPC_STATUS_OK) {
            w->reported++;
            printf("%s %s\n", fail ? "failed" : "completed", id);
            fflush(stdout);
            return;
        }
        if (code == GRPC_STATUS_FAILED_PRECONDITION || code == GRPC_STATUS_NOT_FOUND ||
            code == GRPC_STATUS_PERMISSION_DENIED || code == GRPC_STATUS_INVALID_ARGUMENT) {
            printf("report %s: %s, dropped\n", id, tc_code_name(code));
            fflush(stdout);
            return;
        }
        sleep_ms(200 << attempt);
    }
    printf("report %s: gave up; the lease will run out and the generation be retried\n", id);
    fflush(stdout);
}

static void release(worker *w, const char *id, const char *token)
{
    Cameos__Content__V1__ReleaseGenerationRequest req =
        CAMEOS__CONTENT__V1__RELEASE_GENERATION_REQUEST__INIT;
    req.id = (char *)id;
    req.lease_token = (char *)token;
    tc_result res = {0};
    int rc = tc_unary(w->ch, SERVICE "ReleaseGeneration", &req.base,
                      &google__protobuf__empty__descriptor, w->token, NULL, CALL_DEADLINE_MS, &res);
    printf("released %s: %s\n", id, rc == 0 ? tc_code_name(res.code) : "no answer");
    fflush(stdout);
    tc_result_free(&res);
}

static int finished(const worker *w)
{
    return stopping || (w->max_jobs > 0 && w->reported >= w->max_jobs) || (w->exit_idle && w->idle);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !stopping)
        ;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
