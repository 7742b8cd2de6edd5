/*
 * selfprobe.c - the listener's own liveness probe (see selfprobe.h).
 */
#include "selfprobe.h"

#include "netaddr.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* The HTTP/2 client preface and an empty SETTINGS frame. */
static const char hello[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\4\0\0\0\0\0";
#define HELLO_LEN (sizeof(hello) - 1)

typedef struct attempt {
    selfprobe *p;
    uv_tcp_t tcp;
    uv_connect_t conn;
    uv_write_t wr;
    char buf[64];
    int slot; /* its place in the round */
    int done;
} attempt;

struct selfprobe {
    uv_loop_t *loop;
    struct sockaddr_storage addr;
    uv_timer_t period, timeout;
    attempt *round[SELFPROBE_WIDTH_MAX]; /* the round's attempts not finished */
    int live;                            /* how many */
    int round_missed;                    /* one of the round's attempts got no answer */
    int width, every_ms, timeout_ms, misses_max, misses, reported;
    int handles; /* open: the two timers and any attempt's socket */
    int closing;
    selfprobe_dead_fn dead;
    void *arg;
};

static void period_cb(uv_timer_t *t);
static void timeout_cb(uv_timer_t *t);
static void connect_cb(uv_connect_t *req, int status);
static void write_cb(uv_write_t *req, int status);
static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);
static void finish(attempt *a, int answered);
static void finish_round(selfprobe *p, int answered);
static void attempt_closed(uv_handle_t *h);
static void timer_closed(uv_handle_t *h);
static void maybe_free(selfprobe *p);

selfprobe *selfprobe_start(uv_loop_t *loop, const char *host_port, int every_ms, int timeout_ms,
                           int width, int misses, selfprobe_dead_fn dead, void *arg)
{
    selfprobe *p = calloc(1, sizeof(*p));
    if (!p || netaddr_parse(host_port, NETADDR_SELF, &p->addr) != 0) {
        free(p);
        return NULL;
    }
    p->loop = loop;
    p->every_ms = every_ms;
    p->timeout_ms = timeout_ms;
    p->width = width < 1 ? 1 : width > SELFPROBE_WIDTH_MAX ? SELFPROBE_WIDTH_MAX : width;
    p->misses_max = misses > 0 ? misses : 1;
    p->dead = dead;
    p->arg = arg;
    uv_timer_init(loop, &p->period);
    uv_timer_init(loop, &p->timeout);
    p->period.data = p->timeout.data = p;
    p->handles = 2;
    uv_timer_start(&p->period, period_cb, (uint64_t)every_ms, (uint64_t)every_ms);
    return p;
}

void selfprobe_close(selfprobe *p)
{
    if (!p || p->closing)
        return;
    p->closing = 1;
    finish_round(p, 1);
    uv_close((uv_handle_t *)&p->period, timer_closed);
    uv_close((uv_handle_t *)&p->timeout, timer_closed);
}

/* ---- internals ------------------------------------------------------- */

static void period_cb(uv_timer_t *t)
{
    selfprobe *p = t->data;
    if (p->live || p->closing)
        return; /* the last round's timeout decides it */
    p->round_missed = 0;
    /* Every attempt is in the round before the first can finish it: a
     * connect that fails at once would otherwise end a round of one. */
    int n = 0;
    while (n < p->width) {
        attempt *a = calloc(1, sizeof(*a));
        if (!a)
            break; /* a smaller round */
        a->p = p;
        a->slot = n;
        uv_tcp_init(p->loop, &a->tcp);
        a->tcp.data = a;
        a->conn.data = a;
        p->handles++;
        p->round[n++] = a;
        p->live++;
    }
    if (n == 0)
        return;
    uv_timer_start(&p->timeout, timeout_cb, (uint64_t)p->timeout_ms, 0);
    for (int i = 0; i < n; i++) {
        attempt *a = p->round[i];
        if (uv_tcp_connect(&a->conn, &a->tcp, (const struct sockaddr *)&p->addr, connect_cb) != 0)
            finish(a, 0);
    }
}

/* Silence: a connection waits where nobody accepts. */
static void timeout_cb(uv_timer_t *t)
{
    finish_round(t->data, 0);
}

/* Finishes the round's attempts still running as answered or not. */
static void finish_round(selfprobe *p, int answered)
{
    for (int i = 0; i < SELFPROBE_WIDTH_MAX && p->live; i++)
        if (p->round[i])
            finish(p->round[i], answered);
}

static void connect_cb(uv_connect_t *req, int status)
{
    attempt *a = req->data;
    if (a->done)
        return;
    if (status < 0) {
        finish(a, 0); /* refused: nothing listens */
        return;
    }
    uv_buf_t b = uv_buf_init((char *)hello, (unsigned)HELLO_LEN);
    a->wr.data = a;
    if (uv_write(&a->wr, (uv_stream_t *)&a->tcp, &b, 1, write_cb) != 0 ||
        uv_read_start((uv_stream_t *)&a->tcp, alloc_cb, read_cb) != 0)
        finish(a, 0);
}

static void write_cb(uv_write_t *req, int status)
{
    (void)req;
    (void)status; /* the answer, or its absence, decides */
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    attempt *a = h->data;
    *buf = uv_buf_init(a->buf, sizeof(a->buf));
}

/* Any bytes, or the connection closed by the server: it was accepted. */
static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    attempt *a = s->data;
    if (n != 0 && !a->done)
        finish(a, 1);
}

/* One attempt's outcome; the round's, once it was the last. */
static void finish(attempt *a, int answered)
{
    selfprobe *p = a->p;
    if (a->done)
        return;
    a->done = 1;
    assert(p->round[a->slot] == a && p->live > 0);
    p->round[a->slot] = NULL;
    p->live--;
    p->round_missed |= !answered;
    uv_close((uv_handle_t *)&a->tcp, attempt_closed);
    if (p->live)
        return;
    uv_timer_stop(&p->timeout);
    if (p->closing)
        return;
    p->misses = p->round_missed ? p->misses + 1 : 0;
    if (p->misses >= p->misses_max && !p->reported) {
        p->reported = 1;
        p->dead(p->arg);
    }
}

static void attempt_closed(uv_handle_t *h)
{
    attempt *a = h->data;
    selfprobe *p = a->p;
    free(a);
    p->handles--;
    maybe_free(p);
}

static void timer_closed(uv_handle_t *h)
{
    selfprobe *p = h->data;
    p->handles--;
    maybe_free(p);
}

static void maybe_free(selfprobe *p)
{
    if (p->closing && p->handles == 0)
        free(p);
}
