/*
 * watch.c - WatchGeneration: the current row at once, then the row again
 * after every change, until a terminal status (then OK) or the client's
 * deadline.
 *
 * Changes come from the generations trigger's NOTIFY on the loop's LISTEN
 * connection (no polling). Watchers are kept per generation id; a
 * notification re-reads the row once per id, as its owner, and the result
 * goes to every watcher of that id. A watcher first gets its own initial
 * read (which also proves the row is the caller's: NOT_FOUND otherwise);
 * notifications that arrive before that read has been sent mark it dirty,
 * and it re-reads once after. One re-read per id is in flight at a time;
 * more notifications meanwhile ask for one more after it.
 */
#include "content.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "arg.h"
#include "jsonr.h"

typedef struct watcher {
    struct watcher *next; /* in its bucket */
    rpc_call *call;
    char id[37];
    char user[37];
    int ready;          /* initial row sent */
    int dirty;          /* changed before it was ready */
    int sent;           /* a row went out */
    uint64_t sent_hash; /* of the last row sent (packed): a re-read that finds
                         * the row as it was sends nothing */
} watcher;

/* A re-read in flight for one id; `again` asks for another after it. */
typedef struct reread {
    struct reread *next;
    content_loop *loop;
    char id[37];
    int again;
} reread;

static unsigned bucket_of(const char *id);
static void watch_first_row(rpc_call *c, pgq *q);
static void watch_cleanup(rpc_call *c, void *data);
static void send_row(watcher *w, const PGresult *r);
static uint64_t packed_hash(const ProtobufCMessage *m);
static void reread_start(content_loop *l, const char *id, const char *user);
static void reread_done(pgq *q, pgq_result r, void *arg);

void content_watch_generation(rpc_call *c, const ProtobufCMessage *req)
{
    const Cameos__Content__V1__WatchGenerationRequest *r = (const void *)req;
    if (arg_uuid(c, "id", r->id, 1) != 0)
        return;
    watcher *w = calloc(1, sizeof(*w));
    if (!w) {
        rpc_fail(c, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    content_loop *l = content_loop_of(rpc_call_server(c));
    w->call = c;
    valid_uuid_lower(r->id, w->id);
    memcpy(w->user, rpc_claims(c)->sub, sizeof(w->user));
    /* Listen before reading, so no change can fall between the two. */
    unsigned b = bucket_of(w->id);
    w->next = l->watchers[b];
    l->watchers[b] = w;
    rpc_set_data(c, w, watch_cleanup);
    pgq *q = rpc_db(c);
    const char *p[2] = {w->id, w->user};
    if (!q)
        return;
    if (rpc_db_add(c, q, ST_GEN_GET, 2, p) == 0)
        rpc_db_run(c, q, watch_first_row);
}

/* The runtime's NOTIFY callback: payload {"id":…,"user_id":…,"status":…},
 * {"queue": true} (a job back in the queue), or NULL after the listening
 * connection (re)connected. Waiting workers are cued here too (queue.c). */
void content_generation_changed(rpc_server *s, const char *payload)
{
    content_loop *l = content_loop_of(s);
    if (!payload) {
        /* Anything may have changed while we were not listening. */
        content_queue_wake(l);
        for (unsigned b = 0; b < CONTENT_WATCH_BUCKETS; b++)
            for (watcher *w = l->watchers[b]; w; w = w->next)
                if (w->ready)
                    reread_start(l, w->id, w->user);
                else
                    w->dirty = 1;
        return;
    }
    arena *mem = NULL;
    const jsonr_mem alloc = {arena_alloc_ctx, &mem};
    Google__Protobuf__Value *v;
    const Google__Protobuf__Struct *j = NULL;
    if (jsonr_parse(payload, strlen(payload), &alloc, &v) == 0 &&
        v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE)
        j = v->struct_value;
    /* A generation created generating, or a job back in the queue
     * (0013_generation_queue.sql's {"queue": true}): work to claim. */
    const Google__Protobuf__Value *queue = jsonr_member(j, "queue");
    const char *status = jsonr_member_string(j, "status");
    if ((queue && queue->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE &&
         queue->bool_value) ||
        (status && strcmp(status, "generating") == 0))
        content_queue_wake(l);
    const char *id = jsonr_member_string(j, "id");
    const char *user = jsonr_member_string(j, "user_id");
    if (id && user && valid_uuid(id) && valid_uuid(user)) {
        int any_ready = 0;
        for (watcher *w = l->watchers[bucket_of(id)]; w; w = w->next) {
            if (strcmp(w->id, id) != 0)
                continue;
            if (w->ready)
                any_ready = 1;
            else
                w->dirty = 1;
        }
        if (any_ready)
            reread_start(l, id, user);
    }
    arena_free(&mem);
}

static void watch_first_row(rpc_call *c, pgq *q)
{
    watcher *w = rpc_data(c);
    const PGresult *r = pgq_res(q, 0);
    if (PQntuples(r) != 1) {
        rpc_fail(c, GRPC_STATUS_NOT_FOUND, "generation not found");
        return;
    }
    w->ready = 1;
    send_row(w, r);
    if (w->dirty && !rpc_is_over(c)) {
        w->dirty = 0;
        reread_start(content_loop_of(rpc_call_server(c)), w->id, w->user);
    }
}

/* Sends the row; a terminal status ends the stream. */
static void send_row(watcher *w, const PGresult *r)
{
    rpc_call *c = w->call;
    if (rpc_is_over(c))
        return;
    const Cameos__Content__V1__Generation *g =
        (const void *)rowmap_read(c, content_generation.map, r, 0);
    if (!g)
        return; /* answered INTERNAL */
    /* A NOTIFY can come for a change the first read already saw (the
     * generation's own insert, racing the watch's start): the stream
     * promises changes, so an unchanged row is not sent again. */
    uint64_t h = packed_hash(&g->base);
    if (w->sent && h != 0 && h == w->sent_hash)
        return;
    w->sent = 1;
    w->sent_hash = h;
    rpc_send(c, &g->base);
    if (g->status == CAMEOS__CONTENT__V1__GENERATION_STATUS__GENERATION_STATUS_SUCCESS ||
        g->status == CAMEOS__CONTENT__V1__GENERATION_STATUS__GENERATION_STATUS_ERROR)
        rpc_finish(c, GRPC_STATUS_OK, NULL);
}

static void reread_start(content_loop *l, const char *id, const char *user)
{
    for (reread *rr = l->rereads; rr; rr = rr->next) {
        if (strcmp(rr->id, id) == 0) {
            rr->again = 1;
            return;
        }
    }
    reread *rr = calloc(1, sizeof(*rr));
    char claims[128];
    snprintf(claims, sizeof(claims), "{\"sub\":\"%s\",\"role\":\"authenticated\"}", user);
    pgq *q = rr ? rpc_server_db(l->server, claims) : NULL;
    const char *p[2] = {id, user};
    if (!q || pgq_add(q, ST_GEN_GET, 2, p) != 0) {
        pgq_free(q);
        free(rr);
        return; /* out of memory: the next change or the deadline ends it */
    }
    memcpy(rr->id, id, sizeof(rr->id));
    rr->loop = l;
    rr->next = l->rereads;
    l->rereads = rr;
    pgpool_submit(q, reread_done, rr);
}

static void reread_done(pgq *q, pgq_result res, void *arg)
{
    reread *rr = arg;
    content_loop *l = rr->loop;
    for (reread **pp = &l->rereads; *pp; pp = &(*pp)->next) {
        if (*pp == rr) {
            *pp = rr->next;
            break;
        }
    }
    const PGresult *r = res == PGQ_OK ? pgq_res(q, 0) : NULL;
    char user[37] = "";
    /* Copy the list first: sending may end calls, whose cleanup unlinks them
     * (call memory is freed later, from the loop, so the pointers stay good). */
    size_t n = 0, cap = 0;
    for (watcher *w = l->watchers[bucket_of(rr->id)]; w; w = w->next)
        cap += strcmp(w->id, rr->id) == 0 && w->ready;
    watcher **targets = cap ? malloc(cap * sizeof(*targets)) : NULL;
    for (watcher *w = l->watchers[bucket_of(rr->id)]; targets && w; w = w->next)
        if (strcmp(w->id, rr->id) == 0 && w->ready)
            targets[n++] = w;
    if (n)
        memcpy(user, targets[0]->user, sizeof(user));
    for (size_t i = 0; i < n && r && PQntuples(r) == 1; i++)
        send_row(targets[i], r);
    if (r && PQntuples(r) == 0) /* deleted meanwhile */
        for (size_t i = 0; i < n; i++)
            rpc_finish(targets[i]->call, GRPC_STATUS_NOT_FOUND, "generation not found");
    free(targets);
    /* A failed read is not retried here: the database is away, and the
     * listener's reconnect brings a resync (payload NULL) when it is back. */
    int again = rr->again && res == PGQ_OK;
    char id[37];
    memcpy(id, rr->id, sizeof(id));
    free(rr);
    pgq_free(q);
    if (again && n && user[0])
        reread_start(l, id, user);
}

static void watch_cleanup(rpc_call *c, void *data)
{
    watcher *w = data;
    content_loop *l = content_loop_of(rpc_call_server(c));
    for (watcher **pp = &l->watchers[bucket_of(w->id)]; *pp; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    }
    free(w);
}

static unsigned bucket_of(const char *id)
{
    unsigned h = 2166136261u;
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 16777619u;
    return h % CONTENT_WATCH_BUCKETS;
}

/* FNV-1a of m's wire form (0 when it cannot be packed: then it is sent). */
static uint64_t packed_hash(const ProtobufCMessage *m)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return 0;
    protobuf_c_message_pack(m, buf);
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ buf[i]) * 1099511628211ull;
    free(buf);
    return h;
}
