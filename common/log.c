/*
 * log.c - JSON log lines on stderr (see log.h).
 */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "jsonlog.h"

static const char *log_service = "cameos";
static int log_level = CONFIG_LOG_INFO;

/* RPC lines not written yet; a line that does not fit flushes first. */
#define LOG_PENDING 16384
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char pending[LOG_PENDING];
static size_t npending;

static const char *level_name(int level);
static void emit(jsonlog *j, int buffered);
static void write_all(const char *p, size_t n);

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
    if (!log_enabled(level))
        return;
    char text[512], buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    jsonlog j;
    jsonlog_begin(&j, buf, sizeof(buf));
    jsonlog_timestamp(&j, "time");
    jsonlog_str(&j, "level", level_name(level));
    jsonlog_str(&j, "service", log_service);
    jsonlog_str(&j, "msg", text);
    emit(&j, 0);
}

void log_rpc(const log_rpc_line *l)
{
    if (!log_enabled(CONFIG_LOG_INFO))
        return;
    char buf[1024];
    jsonlog j;
    jsonlog_begin(&j, buf, sizeof(buf));
    jsonlog_timestamp(&j, "time");
    jsonlog_str(&j, "level", "info");
    jsonlog_str(&j, "service", log_service);
    jsonlog_str(&j, "method", l->method);
    jsonlog_str(&j, "code", l->code);
    jsonlog_fixed(&j, "duration_ms", l->duration_us, 3);
    if (l->user)
        jsonlog_str(&j, "user", l->user);
    if (l->peer)
        jsonlog_str(&j, "peer", l->peer);
    if (l->sqlstate)
        jsonlog_str(&j, "sqlstate", l->sqlstate);
    if (l->message)
        jsonlog_str(&j, "error", l->message);
    emit(&j, 1);
}

void log_flush(void)
{
    pthread_mutex_lock(&log_lock);
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

static void emit(jsonlog *j, int buffered)
{
    const char *line = jsonlog_end(j);
    size_t n = strlen(line);
    pthread_mutex_lock(&log_lock);
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
