/*
 * pglisten.c - the LISTEN connection (see pglisten.h). Connecting blocks on
 * nothing: PQconnectPoll is stepped from socket events like the pool's.
 */
#include "pglisten.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

#define LISTEN_BACKOFF_MIN_MS     100
#define LISTEN_BACKOFF_MAX_MS     5000
#define LISTEN_CONNECT_TIMEOUT_MS 5000

typedef enum { L_DOWN, L_CONNECTING, L_LISTENING, L_READY } lstate;

struct pglisten {
    uv_loop_t *loop;
    char *conninfo, *app_name, *channel;
    pglisten_fn fn;
    void *arg;
    PGconn *pg;
    lstate state;
    uv_poll_t *poll;
    int poll_fd;
    uv_timer_t timer;
    int attempts;
    int closing;
    int open_handles;
};

static void l_start(pglisten *l);
static void l_fail(pglisten *l);
static void l_want(pglisten *l, int events);
static void l_poll_cb(uv_poll_t *h, int status, int events);
static void l_timer_cb(uv_timer_t *t);
static void l_read(pglisten *l);
static void l_close_poll(pglisten *l);
static void l_poll_closed(uv_handle_t *h);
static void l_timer_closed(uv_handle_t *h);
static void l_gone(pglisten *l);
static void notice_ignore(void *arg, const char *msg);

pglisten *pglisten_new(uv_loop_t *loop, const char *conninfo, const char *app_name,
                       const char *channel, pglisten_fn fn, void *arg)
{
    pglisten *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->loop = loop;
    l->conninfo = strdup(conninfo);
    l->app_name = strdup(app_name);
    l->channel = strdup(channel);
    if (!l->conninfo || !l->app_name || !l->channel) {
        free(l->conninfo);
        free(l->app_name);
        free(l->channel);
        free(l);
        return NULL;
    }
    l->fn = fn;
    l->arg = arg;
    l->poll_fd = -1;
    uv_timer_init(loop, &l->timer);
    l->timer.data = l;
    l->open_handles = 1;
    l_start(l);
    return l;
}

void pglisten_close(pglisten *l)
{
    l->closing = 1;
    l_fail(l);
    uv_close((uv_handle_t *)&l->timer, l_timer_closed);
}

static void l_start(pglisten *l)
{
    const char *keys[] = {"dbname", "application_name", "keepalives", "keepalives_idle", NULL};
    const char *vals[] = {l->conninfo, l->app_name, "1", "30", NULL};
    l->attempts++;
    l->pg = PQconnectStartParams(keys, vals, 1);
    if (!l->pg || PQstatus(l->pg) == CONNECTION_BAD) {
        l_fail(l);
        return;
    }
    PQsetnonblocking(l->pg, 1);
    l->state = L_CONNECTING;
    uv_timer_start(&l->timer, l_timer_cb, LISTEN_CONNECT_TIMEOUT_MS, 0);
    l_want(l, UV_WRITABLE);
}

static void l_fail(pglisten *l)
{
    l_close_poll(l);
    if (l->pg) {
        PQfinish(l->pg);
        l->pg = NULL;
    }
    l->state = L_DOWN;
    uv_timer_stop(&l->timer);
    if (l->closing)
        return;
    int shift = l->attempts < 6 ? l->attempts : 6;
    uint64_t delay = (uint64_t)LISTEN_BACKOFF_MIN_MS << shift;
    if (delay > LISTEN_BACKOFF_MAX_MS)
        delay = LISTEN_BACKOFF_MAX_MS;
    uv_timer_start(&l->timer, l_timer_cb, delay, 0);
}

static void l_timer_cb(uv_timer_t *t)
{
    pglisten *l = t->data;
    if (l->state == L_DOWN)
        l_start(l);
    else if (l->state != L_READY)
        l_fail(l); /* connect or LISTEN took too long */
}

static void l_want(pglisten *l, int events)
{
    int fd = PQsocket(l->pg);
    if (fd < 0) {
        l_fail(l);
        return;
    }
    if (fd != l->poll_fd) {
        l_close_poll(l);
        l->poll = malloc(sizeof(*l->poll));
        if (!l->poll || uv_poll_init_socket(l->loop, l->poll, fd) != 0) {
            free(l->poll);
            l->poll = NULL;
            l_fail(l);
            return;
        }
        l->poll->data = l;
        l->poll_fd = fd;
        l->open_handles++;
    }
    uv_poll_start(l->poll, events, l_poll_cb);
}

static void l_poll_cb(uv_poll_t *h, int status, int events)
{
    pglisten *l = h->data;
    (void)events;
    if (status < 0) {
        l_fail(l);
        return;
    }
    if (l->state == L_CONNECTING) {
        switch (PQconnectPoll(l->pg)) {
        case PGRES_POLLING_READING:
            l_want(l, UV_READABLE);
            return;
        case PGRES_POLLING_WRITING:
            l_want(l, UV_WRITABLE);
            return;
        case PGRES_POLLING_OK:
            break;
        default:
            l_fail(l);
            return;
        }
        PQsetNoticeProcessor(l->pg, notice_ignore, NULL);
        char *ident = PQescapeIdentifier(l->pg, l->channel, strlen(l->channel));
        char sql[256];
        snprintf(sql, sizeof(sql), "LISTEN %s", ident ? ident : "\"\"");
        PQfreemem(ident);
        if (PQsendQuery(l->pg, sql) != 1) {
            l_fail(l);
            return;
        }
        l->state = L_LISTENING;
        l_want(l, UV_READABLE | UV_WRITABLE);
        return;
    }
    if (PQflush(l->pg) < 0) {
        l_fail(l);
        return;
    }
    l_read(l);
}

static void l_read(pglisten *l)
{
    if (PQconsumeInput(l->pg) != 1) {
        l_fail(l);
        return;
    }
    while (l->state == L_LISTENING && !PQisBusy(l->pg)) {
        PGresult *r = PQgetResult(l->pg);
        if (!r) {
            l->state = L_READY;
            l->attempts = 0;
            uv_timer_stop(&l->timer);
            l_want(l, UV_READABLE);
            l->fn(NULL, l->arg); /* anything may have changed while we were away */
            break;
        }
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) {
            l_fail(l);
            return;
        }
    }
    PGnotify *n;
    while (l->pg && (n = PQnotifies(l->pg)) != NULL) {
        l->fn(n->extra, l->arg);
        PQfreemem(n);
    }
    if (l->pg && PQstatus(l->pg) == CONNECTION_BAD)
        l_fail(l);
}

static void l_close_poll(pglisten *l)
{
    if (!l->poll)
        return;
    uv_poll_stop(l->poll);
    uv_close((uv_handle_t *)l->poll, l_poll_closed);
    l->poll = NULL;
    l->poll_fd = -1;
}

static void l_poll_closed(uv_handle_t *h)
{
    pglisten *l = h->data;
    free(h);
    l_gone(l);
}

static void l_timer_closed(uv_handle_t *h)
{
    l_gone(h->data);
}

static void l_gone(pglisten *l)
{
    if (--l->open_handles > 0)
        return;
    free(l->conninfo);
    free(l->app_name);
    free(l->channel);
    free(l);
}

static void notice_ignore(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}
