/*
 * log.c - JSON log lines on stderr (see log.h).
 */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jsonlog.h"

static const char *log_service = "cameos";
static int log_level = CONFIG_LOG_INFO;

/* RPC lines not written yet; a line that does not fit flushes first. */
#define LOG_PENDING 16384
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char pending[LOG_PENDING];
static size_t npending;

/* Lines that a flood could multiply (failed calls, gRPC's own messages) pass
 * a budget per second; what goes over is counted and summed up in one line
 * when the second is over. Guarded by log_lock. */
#define LOG_BURST_PER_S 100
typedef struct budget {
    const char *what;
    time_t second;
    unsigned used;
    unsigned long long dropped;
} budget;
static budget failed_calls = {"failed-call", 0, 0, 0};
/* The server's own faults have their own budget: a flood of callers'
 * mistakes must not hide them. */
static budget fault_calls = {"server-fault", 0, 0, 0};
static budget grpc_lines = {"gRPC", 0, 0, 0};

static const char *level_name(int level);
static void emit(jsonlog *j, int buffered, budget *b);
static void write_all(const char *p, size_t n);
static int budget_take(budget *b, time_t now);
static void log_vmsg(int level, int limited, const char *trace_id, const char *span_id,
                     const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
static void budget_report(budget *b, time_t now);

void log_init(const char *service, int level)
{
    log_service = service;
    log_level = level;
}

int log_enabled(int level)
{
    return level >= log_level;
}

void log_msg(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, 0, NULL, NULL, fmt, ap);
    va_end(ap);
}

void log_call_msg(int level, const char *trace_id, const char *span_id, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, 0, trace_id, span_id, fmt, ap);
    va_end(ap);
}

void log_msg_limited(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, 1, NULL, NULL, fmt, ap);
    va_end(ap);
}

static void log_vmsg(int level, int limited, const char *trace_id, const char *span_id,
                     const char *fmt, va_list ap)
{
    if (!log_enabled(level))
        return;
    char text[512], buf[1024];
    vsnprintf(text, sizeof(text), fmt, ap);
    jsonlog j;
    jsonlog_begin(&j, buf, sizeof(buf));
    jsonlog_timestamp(&j, "time");
    jsonlog_str(&j, "level", level_name(level));
    jsonlog_str(&j, "service", log_service);
    jsonlog_str(&j, "msg", text);
    if (trace_id)
        jsonlog_str(&j, "trace_id", trace_id);
    if (span_id)
        jsonlog_str(&j, "span_id", span_id);
    emit(&j, 0, limited ? &grpc_lines : NULL);
}

void log_rpc(const log_rpc_line *l)
{
    if (!log_enabled(CONFIG_LOG_INFO))
        return;
    char buf[2048]; /* room for the trace fields and both ids at their limits */
    jsonlog j;
    jsonlog_begin(&j, buf, sizeof(buf));
    jsonlog_timestamp(&j, "time");
    jsonlog_str(&j, "level", l->fault ? "error" : "info");
    jsonlog_str(&j, "service", log_service);
    jsonlog_str(&j, "method", l->method);
    jsonlog_str(&j, "code", l->code);
    jsonlog_fixed(&j, "duration_ms", l->duration_us, 3);
    if (l->user)
        jsonlog_str(&j, "user", l->user);
    if (l->peer)
        jsonlog_str(&j, "peer", l->peer);
    if (l->trace_id)
        jsonlog_str(&j, "trace_id", l->trace_id);
    if (l->span_id)
        jsonlog_str(&j, "span_id", l->span_id);
    if (l->parent_id)
        jsonlog_str(&j, "parent_span_id", l->parent_id);
    if (l->x_request_id)
        jsonlog_str(&j, "x_request_id", l->x_request_id);
    if (l->request_id)
        jsonlog_str(&j, "request_id", l->request_id);
    if (l->sqlstate)
        jsonlog_str(&j, "sqlstate", l->sqlstate);
    if (l->message)
        jsonlog_str(&j, "error", l->message);
    if (l->detail)
        jsonlog_str(&j, "detail", l->detail);
    emit(&j, 1, l->fault ? &fault_calls : strcmp(l->code, "OK") == 0 ? NULL : &failed_calls);
}

void log_flush(void)
{
    time_t now = time(NULL);
    pthread_mutex_lock(&log_lock);
    budget_report(&failed_calls, now);
    budget_report(&fault_calls, now);
    budget_report(&grpc_lines, now);
    write_all(pending, npending);
    npending = 0;
    pthread_mutex_unlock(&log_lock);
}

static const char *level_name(int level)
{
    switch (level) {
    case CONFIG_LOG_DEBUG:
        return "debug";
    case CONFIG_LOG_WARN:
        return "warn";
    case CONFIG_LOG_ERROR:
        return "error";
    default:
        return "info";
    }
}

static void emit(jsonlog *j, int buffered, budget *b)
{
    const char *line = jsonlog_end(j);
    size_t n = strlen(line);
    pthread_mutex_lock(&log_lock);
    if (b && !budget_take(b, time(NULL))) {
        pthread_mutex_unlock(&log_lock);
        return;
    }
    if (!buffered || npending + n > sizeof(pending)) {
        write_all(pending, npending);
        npending = 0;
    }
    if (buffered && n <= sizeof(pending)) {
        memcpy(pending + npending, line, n);
        npending += n;
    } else {
        write_all(line, n);
    }
    pthread_mutex_unlock(&log_lock);
}

/* Logs are best effort: an error drops the rest, a short write goes on. */
static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* 1 when the line may be written this second; a new second first reports
 * what the last one dropped. */
static int budget_take(budget *b, time_t now)
{
    budget_report(b, now);
    if (b->used >= LOG_BURST_PER_S) {
        b->dropped++;
        return 0;
    }
    b->used++;
    return 1;
}

/* Once the second is over: one line for what it dropped (under log_lock). */
static void budget_report(budget *b, time_t now)
{
    if (now == b->second)
        return;
    if (b->dropped) {
        char buf[512], text[160];
        snprintf(text, sizeof(text),
                 "%llu %s log lines dropped in one second (at most %d a second)", b->dropped,
                 b->what, LOG_BURST_PER_S);
        jsonlog j;
        jsonlog_begin(&j, buf, sizeof(buf));
        jsonlog_timestamp(&j, "time");
        jsonlog_str(&j, "level", "warn");
        jsonlog_str(&j, "service", log_service);
        jsonlog_str(&j, "msg", text);
        const char *line = jsonlog_end(&j);
        write_all(pending, npending);
        npending = 0;
        write_all(line, strlen(line));
    }
    b->second = now;
    b->used = 0;
    b->dropped = 0;
}
