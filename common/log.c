/*
 * log.c - JSON log lines on stderr (see log.h).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "jsonlog.h"

static const char *log_service = "cameos";
static int log_level = CONFIG_LOG_INFO;

static const char *level_name(int level);
static void emit(jsonlog *j);

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
    emit(&j);
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
    jsonlog_double(&j, "duration_ms", l->duration_ms, 3);
    if (l->user)
        jsonlog_str(&j, "user", l->user);
    if (l->peer)
        jsonlog_str(&j, "peer", l->peer);
    if (l->sqlstate)
        jsonlog_str(&j, "sqlstate", l->sqlstate);
    if (l->message)
        jsonlog_str(&j, "error", l->message);
    emit(&j);
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

static void emit(jsonlog *j)
{
    const char *line = jsonlog_end(j);
    size_t n = 0;
    while (line[n])
        n++;
    /* A short write to stderr is not worth a retry loop: logs are best effort. */
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}
