/*
 * metrics.c - counters and the /metrics HTTP endpoint (see metrics.h).
 * The HTTP side is deliberately tiny: one GET per connection, answered and
 * closed; anything else is 404 or 400. Prometheus is its only client.
 */
#include "metrics.h"

#include <assert.h>
#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include "connlimit.h"
#include "netaddr.h"
#include "pgerr.h"

static const char *const limit_names[METRICS_LIMIT_COUNT] = {
    [METRICS_LIMIT_METRICS_CONNECTIONS] = "metrics_connections",
    [METRICS_LIMIT_GRPC_CONNECTIONS] = "grpc_connections",
    [METRICS_LIMIT_STREAMS] = "streams",
    [METRICS_LIMIT_REQUEST_SHAPE] = "request_shape",
    [METRICS_LIMIT_RESETS] = "rapid_resets",
};

#define NCODES      17
#define MAX_REQUEST 8192
/* go-grpc-prometheus's default buckets (prometheus.DefBuckets), in seconds. */
static const double buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

typedef struct method_stats {
    unsigned long long started;
    unsigned long long msg_received, msg_sent;
    unsigned long long handled[NCODES];
    unsigned long long hist[NBUCKETS]; /* non-cumulative counts per bucket */
    unsigned long long count;
    double sum;
} method_stats;

/* What a render reads: one loop's counts, or the sum of several loops'. */
typedef struct counts {
    method_stats *stats; /* nmethods */
    unsigned long long limit_hits[METRICS_LIMIT_COUNT];
    double *series;      /* nseries */
    pgpool_stats ps;     /* its run_by is run_by below */
    pgpool_hist *run_by; /* cap_run_by, ps.nstmts of them in use */
    size_t cap_run_by;
} counts;

struct metrics {
    uv_loop_t *loop;
    const char *binary;
    const metrics_method *methods;
    size_t nmethods;
    method_stats *stats;
    pgpool *pool;
    uv_tcp_t *server;
    struct http_conn *conns; /* live connections, closed by metrics_close */
    int open;                /* handles not yet closed: server, sweep timer, connections */
    int nconns;              /* live http_conns */
    int max_conns;
    uint64_t timeout_ms;    /* from accept to the answer written */
    uv_timer_t *sweep;      /* closes connections past timeout_ms */
    const char *last_error; /* static text of the last listen failure */
    unsigned long long limit_hits[METRICS_LIMIT_COUNT];
    const metrics_series *series; /* the service's own, values beside */
    double *series_values;
    size_t nseries;
    double start_time; /* seconds since the epoch, at metrics_new */
    int closing;
    /* A process of several loops (metrics_add_sibling, metrics_publish). */
    metrics **siblings; /* borrowed: the other loops' objects, summed by render */
    size_t nsiblings;
    int dirty;            /* counted since the last publish (owner's thread) */
    pthread_mutex_t lock; /* guards pub */
    counts pub;           /* the counts as last published, for the renderer */
};

typedef struct http_conn {
    uv_tcp_t tcp;
    metrics *m;
    struct http_conn *next, **prev;
    size_t len;
    int answered;
    uint64_t opened_ms; /* uv_now at accept */
    char buf[MAX_REQUEST];
} http_conn;

typedef struct strbuf {
    char *s;
    size_t len, cap;
    int oom;
} strbuf;

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void on_connection(uv_stream_t *server, int status);
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);
static void respond(http_conn *hc, const char *status, const char *type, char *body);
static void on_written(uv_write_t *w, int status);
static void conn_closed(uv_handle_t *h);
static void server_closed(uv_handle_t *h);
static void refuse(metrics *m, uv_stream_t *server);
static void sweep_cb(uv_timer_t *t);
static void handle_freed(uv_handle_t *h);
static void maybe_free(metrics *m);
static void render_process(strbuf *b, const metrics *m);
static void render_per_method(strbuf *b, const metrics *m, const counts *t, const char *name,
                              const char *help, size_t counter);
static int counts_alloc(counts *t, const metrics *m);
static void counts_free(counts *t);
static void counts_clear(counts *t, const metrics *m);
static void counts_add_live(counts *t, const metrics *m);
static void counts_add(counts *t, const counts *o, const metrics *m);
static void hist_sum(pgpool_hist *into, const pgpool_hist *h);
static void render_hist(strbuf *b, const char *name, const char *help, const pgpool_hist *h);
static void hist_lines(strbuf *b, const char *name, const char *key, const char *value,
                       const pgpool_hist *h);

metrics *metrics_new(uv_loop_t *loop, const char *binary, const metrics_method *methods,
                     size_t nmethods)
{
    metrics *m = calloc(1, sizeof(*m));
    if (!m || !(m->stats = calloc(nmethods ? nmethods : 1, sizeof(method_stats)))) {
        free(m);
        return NULL;
    }
    m->loop = loop;
    m->binary = binary;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    m->start_time = (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
    m->methods = methods;
    m->nmethods = nmethods;
    pthread_mutex_init(&m->lock, NULL);
    m->dirty = 1; /* a sibling's first publish shows its pool */
    return m;
}

int metrics_add_sibling(metrics *m, metrics *sibling)
{
    metrics **grown = realloc(m->siblings, (m->nsiblings + 1) * sizeof(*grown));
    if (!grown)
        return -1;
    m->siblings = grown;
    m->siblings[m->nsiblings++] = sibling;
    return 0;
}

void metrics_publish(metrics *m, int force)
{
    if (!m || (!m->dirty && !force))
        return;
    pthread_mutex_lock(&m->lock);
    if (m->pub.stats || counts_alloc(&m->pub, m) == 0) {
        counts_clear(&m->pub, m);
        counts_add_live(&m->pub, m);
        m->dirty = 0;
    }
    pthread_mutex_unlock(&m->lock);
}

int metrics_add_series(metrics *m, const metrics_series *series, size_t n)
{
    assert(!m->series);
    m->series_values = calloc(n ? n : 1, sizeof(double));
    if (!m->series_values)
        return -1;
    m->series = series;
    m->nseries = n;
    return 0;
}

void metrics_series_set(metrics *m, size_t i, double v)
{
    if (!m || i >= m->nseries)
        return;
    m->series_values[i] = v;
    m->dirty = 1;
}

void metrics_series_add(metrics *m, size_t i, double v)
{
    if (!m || i >= m->nseries)
        return;
    m->series_values[i] += v;
    m->dirty = 1;
}

int metrics_listen(metrics *m, const char *host_port, int max_conns, int timeout_ms)
{
    m->max_conns = max_conns;
    m->timeout_ms = (uint64_t)timeout_ms;
    struct sockaddr_storage sa;
    if (netaddr_parse(host_port, 0, &sa) != 0)
        return -1;
    m->server = malloc(sizeof(*m->server));
    if (!m->server)
        return -1;
    uv_tcp_init(m->loop, m->server);
    m->server->data = m;
    m->open++;
    int rc = uv_tcp_bind(m->server, (const struct sockaddr *)&sa, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)m->server, 64, on_connection);
    if (rc != 0) {
        m->last_error = uv_strerror(rc);
        uv_close((uv_handle_t *)m->server, server_closed);
        m->server = NULL;
        return -1;
    }
    /* A connection that has not been answered within the timeout (one that
     * sends nothing, or a byte at a time) is closed by this sweep. */
    m->sweep = malloc(sizeof(*m->sweep));
    if (m->sweep) {
        uint64_t every = m->timeout_ms / 4;
        every = every < 50 ? 50 : every > 1000 ? 1000 : every;
        uv_timer_init(m->loop, m->sweep);
        m->sweep->data = m;
        m->open++;
        uv_timer_start(m->sweep, sweep_cb, every, every);
    }
    return 0;
}

const char *metrics_error(const metrics *m)
{
    return m->last_error ? m->last_error : "invalid address";
}

void metrics_set_pool(metrics *m, pgpool *pool)
{
    m->pool = pool;
}

void metrics_limit_hit(metrics *m, metrics_limit which, unsigned long long n)
{
    if (which >= 0 && which < METRICS_LIMIT_COUNT)
        m->limit_hits[which] += n;
    m->dirty = 1;
}

void metrics_started(metrics *m, size_t method)
{
    if (method < m->nmethods)
        m->stats[method].started++;
    m->dirty = 1;
}

void metrics_msg_received(metrics *m, size_t method)
{
    if (!m || method >= m->nmethods)
        return;
    m->stats[method].msg_received++;
    m->dirty = 1;
}

void metrics_msg_sent(metrics *m, size_t method)
{
    if (!m || method >= m->nmethods)
        return;
    m->stats[method].msg_sent++;
    m->dirty = 1;
}

void metrics_handled(metrics *m, size_t method, grpc_status_code code, double seconds)
{
    if (method >= m->nmethods)
        return;
    method_stats *st = &m->stats[method];
    st->handled[(unsigned)code < NCODES ? code : GRPC_STATUS_UNKNOWN]++;
    size_t b = 0;
    while (b < NBUCKETS && seconds > buckets[b])
        b++;
    if (b < NBUCKETS)
        st->hist[b]++;
    st->count++;
    st->sum += seconds;
    m->dirty = 1;
}

char *metrics_render(const metrics *m)
{
    counts t;
    if (counts_alloc(&t, m) != 0)
        return NULL;
    counts_add_live(&t, m);
    for (size_t i = 0; i < m->nsiblings; i++) {
        metrics *sib = m->siblings[i];
        pthread_mutex_lock(&sib->lock);
        if (sib->pub.stats)
            counts_add(&t, &sib->pub, m);
        pthread_mutex_unlock(&sib->lock);
    }
    strbuf b = {0};
    render_per_method(&b, m, &t, "grpc_server_started_total",
                      "Total number of RPCs started on the server.",
                      offsetof(method_stats, started));
    render_per_method(&b, m, &t, "grpc_server_msg_received_total",
                      "Total number of RPC stream messages received on the server.",
                      offsetof(method_stats, msg_received));
    render_per_method(&b, m, &t, "grpc_server_msg_sent_total",
                      "Total number of gRPC stream messages sent by the server.",
                      offsetof(method_stats, msg_sent));
    sb_printf(&b, "# HELP grpc_server_handled_total Total number of RPCs completed on the "
                  "server, regardless of success or failure.\n"
                  "# TYPE grpc_server_handled_total counter\n");
    for (size_t i = 0; i < m->nmethods; i++) {
        const metrics_method *mm = &m->methods[i];
        for (int c = 0; c < NCODES; c++) {
            if (!t.stats[i].handled[c])
                continue; /* like Go's client, only series that happened */
            sb_printf(&b,
                      "grpc_server_handled_total{grpc_code=\"%s\",grpc_method=\"%s\","
                      "grpc_service=\"%s\",grpc_type=\"%s\"} %llu\n",
                      pgerr_code_label((grpc_status_code)c), mm->method, mm->service, mm->type,
                      t.stats[i].handled[c]);
        }
    }
    sb_printf(&b, "# HELP grpc_server_handling_seconds Histogram of response latency (seconds) "
                  "of gRPC that had been application-level handled by the server.\n"
                  "# TYPE grpc_server_handling_seconds histogram\n");
    for (size_t i = 0; i < m->nmethods; i++) {
        const metrics_method *mm = &m->methods[i];
        const method_stats *st = &t.stats[i];
        if (!st->count)
            continue;
        unsigned long long cum = 0;
        for (size_t k = 0; k < NBUCKETS; k++) {
            cum += st->hist[k];
            sb_printf(&b,
                      "grpc_server_handling_seconds_bucket{grpc_method=\"%s\",grpc_service="
                      "\"%s\",grpc_type=\"%s\",le=\"%g\"} %llu\n",
                      mm->method, mm->service, mm->type, buckets[k], cum);
        }
        sb_printf(&b,
                  "grpc_server_handling_seconds_bucket{grpc_method=\"%s\",grpc_service=\"%s\","
                  "grpc_type=\"%s\",le=\"+Inf\"} %llu\n"
                  "grpc_server_handling_seconds_sum{grpc_method=\"%s\",grpc_service=\"%s\","
                  "grpc_type=\"%s\"} %.9f\n"
                  "grpc_server_handling_seconds_count{grpc_method=\"%s\",grpc_service=\"%s\","
                  "grpc_type=\"%s\"} %llu\n",
                  mm->method, mm->service, mm->type, st->count, mm->method, mm->service, mm->type,
                  st->sum, mm->method, mm->service, mm->type, st->count);
    }
    const pgpool_stats ps = t.ps;
    sb_printf(&b,
              "# HELP cameos_db_pool_size Configured PostgreSQL connections.\n"
              "# TYPE cameos_db_pool_size gauge\ncameos_db_pool_size %d\n"
              "# HELP cameos_db_pool_ready Connections usable now.\n"
              "# TYPE cameos_db_pool_ready gauge\ncameos_db_pool_ready %d\n"
              "# HELP cameos_db_pipelines_in_flight Transactions sent and not finished.\n"
              "# TYPE cameos_db_pipelines_in_flight gauge\ncameos_db_pipelines_in_flight %d\n"
              "# HELP cameos_db_pending Transactions waiting for a connection.\n"
              "# TYPE cameos_db_pending gauge\ncameos_db_pending %d\n"
              "# HELP cameos_db_connects_total Connections established since start.\n"
              "# TYPE cameos_db_connects_total counter\ncameos_db_connects_total %ld\n"
              "# HELP cameos_build_info Build of this binary.\n"
              "# TYPE cameos_build_info gauge\n"
              "cameos_build_info{binary=\"%s\",version=\"%s\"} 1\n",
              ps.size, ps.ready, ps.in_flight, ps.pending, ps.reconnects, m->binary,
              CAMEOS_VERSION);
    render_hist(&b, "cameos_db_pool_wait_seconds",
                "Time a transaction waited for a PostgreSQL connection.", &ps.wait);
    render_hist(&b, "cameos_db_transaction_seconds",
                "Time from sending a transaction's pipeline to its end (each try).", &ps.run);
    /* The same by what the transaction does: its last statement (the one a
     * reply reads; the ones before it set up or lock). Statements not run
     * yet are left out. */
    sb_printf(&b,
              "# HELP cameos_db_statement_seconds Transaction time by its last statement's name.\n"
              "# TYPE cameos_db_statement_seconds histogram\n");
    for (size_t i = 0; i < ps.nstmts; i++)
        if (ps.run_by[i].n > 0)
            hist_lines(&b, "cameos_db_statement_seconds", "statement", ps.stmts[i].name,
                       &ps.run_by[i]);
    sb_printf(&b, "# HELP cameos_refused_total Work refused at a limit (SECURITY.md), by limit.\n"
                  "# TYPE cameos_refused_total counter\n");
    for (int i = 0; i < METRICS_LIMIT_COUNT; i++)
        sb_printf(&b, "cameos_refused_total{limit=\"%s\"} %llu\n", limit_names[i],
                  i == METRICS_LIMIT_GRPC_CONNECTIONS ? connlimit_refused()
                  : i == METRICS_LIMIT_RESETS         ? connlimit_reset_floods()
                                                      : t.limit_hits[i]);
    render_process(&b, m);
    for (size_t i = 0; i < m->nseries; i++) {
        const metrics_series *ms = &m->series[i];
        sb_printf(&b, "# HELP %s %s\n# TYPE %s %s\n%s %.15g\n", ms->name, ms->help, ms->name,
                  ms->kind == METRICS_COUNTER ? "counter" : "gauge", ms->name, t.series[i]);
    }
    counts_free(&t);
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

void metrics_close(metrics *m)
{
    m->closing = 1;
    if (m->server) {
        uv_close((uv_handle_t *)m->server, server_closed);
        m->server = NULL;
    }
    if (m->sweep) {
        uv_close((uv_handle_t *)m->sweep, handle_freed);
        m->sweep = NULL;
    }
    for (http_conn *hc = m->conns; hc; hc = hc->next)
        if (!uv_is_closing((uv_handle_t *)&hc->tcp))
            uv_close((uv_handle_t *)&hc->tcp, conn_closed);
    maybe_free(m);
}

/* ---- HTTP ------------------------------------------------------------ */

static void on_connection(uv_stream_t *server, int status)
{
    metrics *m = server->data;
    if (status < 0)
        return;
    if (m->nconns >= m->max_conns) {
        refuse(m, server);
        return;
    }
    http_conn *hc = calloc(1, sizeof(*hc));
    if (!hc) {
        refuse(m, server);
        return;
    }
    hc->m = m;
    hc->opened_ms = uv_now(m->loop);
    m->nconns++;
    uv_tcp_init(m->loop, &hc->tcp);
    hc->tcp.data = hc;
    m->open++;
    hc->next = m->conns;
    if (m->conns)
        m->conns->prev = &hc->next;
    hc->prev = &m->conns;
    m->conns = hc;
    if (uv_accept(server, (uv_stream_t *)&hc->tcp) != 0 ||
        uv_read_start((uv_stream_t *)&hc->tcp, on_alloc, on_read) != 0)
        uv_close((uv_handle_t *)&hc->tcp, conn_closed);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    http_conn *hc = h->data;
    buf->base = hc->buf + hc->len;
    buf->len = MAX_REQUEST - 1 - hc->len;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    http_conn *hc = s->data;
    if (n < 0 || hc->answered) {
        if (!uv_is_closing((uv_handle_t *)s))
            uv_close((uv_handle_t *)s, conn_closed);
        return;
    }
    hc->len += (size_t)n;
    hc->buf[hc->len] = 0;
    if (!strstr(hc->buf, "\r\n\r\n")) {
        if (hc->len >= MAX_REQUEST - 1)
            respond(hc, "431 Request Header Fields Too Large", "text/plain", NULL);
        return;
    }
    uv_read_stop(s);
    if (strncmp(hc->buf, "GET /metrics ", 13) == 0 || strncmp(hc->buf, "GET /metrics?", 13) == 0)
        respond(hc, "200 OK", "text/plain; version=0.0.4; charset=utf-8", metrics_render(hc->m));
    else if (strncmp(hc->buf, "GET ", 4) == 0)
        respond(hc, "404 Not Found", "text/plain", NULL);
    else
        respond(hc, "405 Method Not Allowed", "text/plain", NULL);
}

/* Takes ownership of body (NULL: a one-line body naming the status). */
static void respond(http_conn *hc, const char *status, const char *type, char *body)
{
    hc->answered = 1;
    const char *text = body ? body : status;
    strbuf b = {0};
    sb_printf(&b,
              "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: "
              "close\r\n\r\n%s%s",
              status, type, strlen(text) + (body ? 0 : 1), text, body ? "" : "\n");
    free(body);
    uv_write_t *w = malloc(sizeof(*w));
    if (b.oom || !w) {
        free(b.s);
        free(w);
        uv_close((uv_handle_t *)&hc->tcp, conn_closed);
        return;
    }
    w->data = b.s;
    uv_buf_t out = uv_buf_init(b.s, (unsigned)b.len);
    if (uv_write(w, (uv_stream_t *)&hc->tcp, &out, 1, on_written) != 0) {
        free(b.s);
        free(w);
        uv_close((uv_handle_t *)&hc->tcp, conn_closed);
    }
}

static void on_written(uv_write_t *w, int status)
{
    (void)status;
    uv_handle_t *h = (uv_handle_t *)w->handle;
    free(w->data);
    free(w);
    if (!uv_is_closing(h))
        uv_close(h, conn_closed);
}

/* At the cap: the connection is taken off the backlog and closed at once,
 * so that it neither waits in the kernel nor holds a descriptor. */
static void refuse(metrics *m, uv_stream_t *server)
{
    uv_tcp_t *t = malloc(sizeof(*t));
    if (!t)
        return; /* it stays in the backlog; the sweep frees room */
    uv_tcp_init(m->loop, t);
    t->data = m;
    m->open++;
    m->limit_hits[METRICS_LIMIT_METRICS_CONNECTIONS]++;
    (void)uv_accept(server, (uv_stream_t *)t); /* failed: nothing to close but t */
    uv_close((uv_handle_t *)t, handle_freed);
}

static void sweep_cb(uv_timer_t *t)
{
    metrics *m = t->data;
    uint64_t now = uv_now(m->loop);
    for (http_conn *hc = m->conns; hc; hc = hc->next)
        if (now - hc->opened_ms >= m->timeout_ms && !uv_is_closing((uv_handle_t *)&hc->tcp))
            uv_close((uv_handle_t *)&hc->tcp, conn_closed);
}

/* The close callback of handles that are only freed (sweep timer, refused
 * connections). */
static void handle_freed(uv_handle_t *h)
{
    metrics *m = h->data;
    free(h);
    m->open--;
    maybe_free(m);
}

static void conn_closed(uv_handle_t *h)
{
    http_conn *hc = h->data;
    metrics *m = hc->m;
    m->nconns--;
    *hc->prev = hc->next;
    if (hc->next)
        hc->next->prev = hc->prev;
    free(hc);
    m->open--;
    maybe_free(m);
}

static void server_closed(uv_handle_t *h)
{
    metrics *m = h->data;
    free(h);
    m->open--;
    maybe_free(m);
}

static void maybe_free(metrics *m)
{
    if (!m->closing || m->open > 0)
        return;
    free(m->stats);
    free(m->series_values);
    free(m->siblings);
    counts_free(&m->pub);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static void sb_printf(strbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)n;
        char *grown = realloc(b->s, cap);
        if (!grown) {
            b->oom = 1;
            return;
        }
        b->s = grown;
        b->cap = cap;
    }
}

/* The Prometheus client libraries' process_* series, from /proc and the
 * C library (Linux only; a value that cannot be read is left out). */
static void render_process(strbuf *b, const metrics *m)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        sb_printf(b,
                  "# HELP process_cpu_seconds_total Total user and system CPU time spent in "
                  "seconds.\n# TYPE process_cpu_seconds_total counter\n"
                  "process_cpu_seconds_total %.6f\n",
                  (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                      (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
    long page = sysconf(_SC_PAGESIZE);
    unsigned long long vm = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%llu %llu", &vm, &rss) == 2 && page > 0)
            sb_printf(b,
                      "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                      "# TYPE process_resident_memory_bytes gauge\n"
                      "process_resident_memory_bytes %llu\n"
                      "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
                      "# TYPE process_virtual_memory_bytes gauge\n"
                      "process_virtual_memory_bytes %llu\n",
                      rss * (unsigned long long)page, vm * (unsigned long long)page);
        fclose(f);
    }
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        long n = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            n += e->d_name[0] != '.';
        closedir(d);
        sb_printf(b,
                  "# HELP process_open_fds Number of open file descriptors.\n"
                  "# TYPE process_open_fds gauge\nprocess_open_fds %ld\n",
                  n - 1); /* the directory's own descriptor */
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        sb_printf(b,
                  "# HELP process_max_fds Maximum number of open file descriptors.\n"
                  "# TYPE process_max_fds gauge\nprocess_max_fds %llu\n",
                  (unsigned long long)rl.rlim_cur);
    sb_printf(b,
              "# HELP process_start_time_seconds Start time of the process since unix epoch in "
              "seconds.\n# TYPE process_start_time_seconds gauge\n"
              "process_start_time_seconds %.3f\n",
              m->start_time);
}

static void render_hist(strbuf *b, const char *name, const char *help, const pgpool_hist *h)
{
    sb_printf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    hist_lines(b, name, NULL, NULL, h);
}

/* One histogram's lines, labelled key="value" when key is not NULL. */
static void hist_lines(strbuf *b, const char *name, const char *key, const char *value,
                       const pgpool_hist *h)
{
    static const double bounds[PGPOOL_NBUCKETS] = {PGPOOL_BUCKETS};
    char label[160] = "", braced[168] = "";
    if (key) {
        snprintf(label, sizeof(label), "%s=\"%s\",", key, value);
        snprintf(braced, sizeof(braced), "{%s=\"%s\"}", key, value);
    }
    unsigned long long cum = 0;
    for (size_t k = 0; k < PGPOOL_NBUCKETS; k++) {
        cum += h->count[k];
        sb_printf(b, "%s_bucket{%sle=\"%g\"} %llu\n", name, label, bounds[k], cum);
    }
    sb_printf(b, "%s_bucket{%sle=\"+Inf\"} %llu\n%s_sum%s %.9f\n%s_count%s %llu\n", name, label,
              h->n, name, braced, h->sum, name, braced, h->n);
}

/* One counter per method, the method_stats field at offset counter. */
static void render_per_method(strbuf *b, const metrics *m, const counts *t, const char *name,
                              const char *help, size_t counter)
{
    sb_printf(b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
    for (size_t i = 0; i < m->nmethods; i++) {
        const metrics_method *mm = &m->methods[i];
        unsigned long long v;
        memcpy(&v, (const char *)&t->stats[i] + counter, sizeof(v));
        sb_printf(b, "%s{grpc_method=\"%s\",grpc_service=\"%s\",grpc_type=\"%s\"} %llu\n", name,
                  mm->method, mm->service, mm->type, v);
    }
}

/* ---- counts of several loops ----------------------------------------- */

/* Zeroed arrays for m's methods and series; 0, or -1 out of memory. */
static int counts_alloc(counts *t, const metrics *m)
{
    memset(t, 0, sizeof(*t));
    t->stats = calloc(m->nmethods ? m->nmethods : 1, sizeof(*t->stats));
    t->series = calloc(m->nseries ? m->nseries : 1, sizeof(*t->series));
    if (!t->stats || !t->series) {
        counts_free(t);
        return -1;
    }
    return 0;
}

/* Zeroes the counts and keeps the arrays (a publish fills them again). */
static void counts_clear(counts *t, const metrics *m)
{
    memset(t->stats, 0, m->nmethods * sizeof(*t->stats));
    memset(t->series, 0, m->nseries * sizeof(*t->series));
    memset(t->limit_hits, 0, sizeof(t->limit_hits));
    memset(&t->ps, 0, sizeof(t->ps));
    if (t->run_by)
        memset(t->run_by, 0, t->cap_run_by * sizeof(*t->run_by));
}

static void counts_free(counts *t)
{
    free(t->stats);
    free(t->series);
    free(t->run_by);
    memset(t, 0, sizeof(*t));
}

/* Adds m's own counts and its pool's figures (on m's thread). */
static void counts_add_live(counts *t, const metrics *m)
{
    counts live = {.stats = m->stats, .series = m->series_values};
    memcpy(live.limit_hits, m->limit_hits, sizeof(live.limit_hits));
    if (m->pool)
        pgpool_get_stats(m->pool, &live.ps);
    live.run_by = (pgpool_hist *)live.ps.run_by;
    counts_add(t, &live, m);
}

/* t += o. Statement histograms that do not fit (out of memory) are left out. */
static void counts_add(counts *t, const counts *o, const metrics *m)
{
    for (size_t i = 0; i < m->nmethods; i++) {
        method_stats *a = &t->stats[i];
        const method_stats *b = &o->stats[i];
        a->started += b->started;
        a->msg_received += b->msg_received;
        a->msg_sent += b->msg_sent;
        for (int c = 0; c < NCODES; c++)
            a->handled[c] += b->handled[c];
        for (size_t k = 0; k < NBUCKETS; k++)
            a->hist[k] += b->hist[k];
        a->count += b->count;
        a->sum += b->sum;
    }
    for (int i = 0; i < METRICS_LIMIT_COUNT; i++)
        t->limit_hits[i] += o->limit_hits[i];
    for (size_t i = 0; i < m->nseries; i++)
        t->series[i] += o->series[i];
    pgpool_stats *a = &t->ps;
    const pgpool_stats *b = &o->ps;
    a->size += b->size;
    a->ready += b->ready;
    a->in_flight += b->in_flight;
    a->pending += b->pending;
    a->reconnects += b->reconnects;
    hist_sum(&a->wait, &b->wait);
    hist_sum(&a->run, &b->run);
    if (b->nstmts > t->cap_run_by) {
        pgpool_hist *grown = realloc(t->run_by, b->nstmts * sizeof(*grown));
        if (!grown)
            return;
        memset(grown + t->cap_run_by, 0, (b->nstmts - t->cap_run_by) * sizeof(*grown));
        t->run_by = grown;
        t->cap_run_by = b->nstmts;
    }
    for (size_t i = 0; i < b->nstmts; i++)
        hist_sum(&t->run_by[i], &o->run_by[i]);
    if (b->nstmts > a->nstmts) {
        a->nstmts = b->nstmts;
        a->stmts = b->stmts;
    }
    a->run_by = t->run_by;
}

static void hist_sum(pgpool_hist *into, const pgpool_hist *h)
{
    for (int i = 0; i <= PGPOOL_NBUCKETS; i++)
        into->count[i] += h->count[i];
    into->n += h->n;
    into->sum += h->sum;
}
