/* Environment configuration; see config.h. */
#include "config.h"

#include "file.h"

#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* A whole-number variable and the config field it fills (an int, or a long
 * when wide). */
typedef struct config_int {
    const char *name;
    long def, min, max;
    size_t at;
    int wide;
} config_int;
#define INT_VAR(name, field, def, min, max)                                                        \
    {                                                                                              \
        name, def, min, max, offsetof(config, field), 0                                            \
    }
#define LONG_VAR(name, field, def, min, max)                                                       \
    {                                                                                              \
        name, def, min, max, offsetof(config, field), 1                                            \
    }

static const char *config_get(config_getenv_fn get, void *ctx, const char *name);
static int config_err(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int config_string(char **dst, const char *val, char *err, size_t errsz);
static int config_secret(unsigned char **dst, size_t *dst_len, const char *name, const char *val,
                         char *err, size_t errsz);
static int config_listen(char **dst, const char *name, const char *val, char *err, size_t errsz);
static int config_long(config_getenv_fn get, void *ctx, const config_int *spec, long *out,
                       char *err, size_t errsz);
static int config_file(char **dst, const char *name, const char *val, char *err, size_t errsz);
static int config_valid_listen(const char *s);
static void config_wipe_free(unsigned char *p, size_t n);
static int config_read_line(const char *path, char *buf, size_t size);

int config_load(config *c, const char *service, const char *default_grpc_listen,
                const char *default_metrics_listen, config_getenv_fn get, void *ctx, char *err,
                size_t errsz)
{
    static const config_int ints[] = {
        INT_VAR("DB_POOL_SIZE", db_pool_size, 4, 1, 64),
        INT_VAR("LOOPS", loops, 0, 0, 64),
        INT_VAR("DB_TRANSACTION_POOLER", db_transaction_pooler, 0, 0, 1),
        INT_VAR("SHUTDOWN_GRACE_MS", shutdown_grace_ms, 10000, 0, 600000),
        INT_VAR("MAX_CONNECTION_AGE_MS", max_connection_age_ms, 300000, 1000, 86400000),
        INT_VAR("MAX_CONNECTION_AGE_GRACE_MS", max_connection_age_grace_ms, 30000, 0, 3600000),
        INT_VAR("KEEPALIVE_TIME_MS", keepalive_time_ms, 60000, 1000, 86400000),
        INT_VAR("KEEPALIVE_TIMEOUT_MS", keepalive_timeout_ms, 20000, 1000, 600000),
        LONG_VAR("MAX_RECV_BYTES", max_recv_bytes, 1048576, 1024, INT_MAX),
        INT_VAR("MAX_CONNECTIONS", max_connections, 0, 0, 1000000),
        INT_VAR("MAX_CONCURRENT_STREAMS", max_concurrent_streams, 256, 1, 10000),
        INT_VAR("MAX_CONNECTION_IDLE_MS", max_connection_idle_ms, 60000, 1000, 86400000),
        INT_VAR("HANDSHAKE_TIMEOUT_MS", handshake_timeout_ms, 5000, 100, 600000),
        INT_VAR("MAX_METADATA_BYTES", max_metadata_bytes, 8192, 1024, 1048576),
        LONG_VAR("MEMORY_QUOTA_BYTES", memory_quota_bytes, 67108864, 4194304, INT_MAX),
        INT_VAR("METRICS_MAX_CONNECTIONS", metrics_max_connections, 16, 1, 1024),
        INT_VAR("METRICS_TIMEOUT_MS", metrics_timeout_ms, 5000, 100, 600000),
        INT_VAR("STREAMS_PER_USER", streams_per_user, 100, 1, 10000),
        INT_VAR("STREAMS_MAX", streams_max, 1000, 1, 100000),
        INT_VAR("UNAUTHENTICATED_STREAMS_MAX", unauthenticated_streams_max, 256, 1, 100000),
        LONG_VAR("RECV_BUDGET_BYTES", recv_budget_bytes, 16777216, 1048576, INT_MAX),
        INT_VAR("READ_TIMEOUT_MS", read_timeout_ms, 10000, 100, 600000),
        INT_VAR("LISTENER_CHECK_MS", listener_check_ms, 10000, 0, 600000),
        INT_VAR("QUEUE_USER_MAX", queue_user_max, 2, 1, 1000),
        INT_VAR("QUEUE_MAX_ATTEMPTS", queue_max_attempts, 3, 1, 100),
        INT_VAR("QUEUE_MAX_AGE_S", queue_max_age_s, 3600, 60, 604800),
        INT_VAR("QUEUE_SWEEP_BATCH", queue_sweep_batch, 500, 1, 100000),
    };
    const char *v;

    if (err != NULL && errsz > 0)
        err[0] = '\0';
    if (c == NULL)
        return config_err(err, errsz, "Internal error: no configuration to fill.");
    memset(c, 0, sizeof(*c));
    if (get == NULL)
        get = config_getenv;
    if (service == NULL || service[0] == '\0')
        service = "this";

    v = config_get(get, ctx, "DATABASE_URL");
    if (v == NULL) {
        config_err(err, errsz,
                   "DATABASE_URL is not set; the %s service needs a PostgreSQL connection URL.",
                   service);
        goto fail;
    }
    if (config_string(&c->database_url, v, err, errsz) != 0)
        goto fail;
    v = config_get(get, ctx, "LISTEN_DATABASE_URL");
    if (v != NULL && config_string(&c->listen_database_url, v, err, errsz) != 0)
        goto fail;

    v = config_get(get, ctx, "JWT_SECRET");
    if (v == NULL) {
        config_err(err, errsz,
                   "JWT_SECRET is not set; the %s service needs it to verify bearer tokens.",
                   service);
        goto fail;
    }
    if (config_secret(&c->jwt_secret, &c->jwt_secret_len, "JWT_SECRET", v, err, errsz) != 0)
        goto fail;
    v = config_get(get, ctx, "JWT_SECRET_PREVIOUS");
    if (v != NULL && config_secret(&c->jwt_secret_prev, &c->jwt_secret_prev_len,
                                   "JWT_SECRET_PREVIOUS", v, err, errsz) != 0)
        goto fail;

    v = config_get(get, ctx, "GRPC_LISTEN");
    if (config_listen(&c->grpc_listen, "GRPC_LISTEN", v ? v : default_grpc_listen, err, errsz) != 0)
        goto fail;
    v = config_get(get, ctx, "METRICS_LISTEN");
    if (config_listen(&c->metrics_listen, "METRICS_LISTEN", v ? v : default_metrics_listen, err,
                      errsz) != 0)
        goto fail;

    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        long n = 0;
        if (config_long(get, ctx, &ints[i], &n, err, errsz) != 0)
            goto fail;
        char *field = (char *)c + ints[i].at;
        if (ints[i].wide)
            *(long *)field = n;
        else
            *(int *)field = (int)n; /* every int variable's range fits an int */
    }
    if (c->listener_check_ms > 0 && c->listener_check_ms < 200) {
        config_err(err, errsz, "LISTENER_CHECK_MS must be 0 (off) or 200 to 600000.");
        goto fail;
    }

    v = config_get(get, ctx, "LOG_LEVEL");
    c->log_level = CONFIG_LOG_INFO;
    if (v != NULL) {
        static const char *const levels[] = {"debug", "info", "warn", "error"};
        c->log_level = -1;
        for (int i = 0; i < 4; i++) {
            if (strcasecmp(v, levels[i]) == 0)
                c->log_level = i;
        }
        if (c->log_level < 0) {
            config_err(err, errsz, "LOG_LEVEL must be one of debug, info, warn or error.");
            goto fail;
        }
    }

    const char *cert = config_get(get, ctx, "TLS_CERT"), *key = config_get(get, ctx, "TLS_KEY"),
               *ca = config_get(get, ctx, "TLS_CLIENT_CA");
    if ((cert == NULL) != (key == NULL)) {
        config_err(err, errsz, "TLS_CERT and TLS_KEY must be set together, or neither.");
        goto fail;
    }
    if (ca != NULL && cert == NULL) {
        config_err(err, errsz,
                   "TLS_CLIENT_CA requires TLS_CERT and TLS_KEY, since mutual TLS needs a "
                   "server certificate.");
        goto fail;
    }
    if (config_file(&c->tls_cert, "TLS_CERT", cert, err, errsz) != 0 ||
        config_file(&c->tls_key, "TLS_KEY", key, err, errsz) != 0 ||
        config_file(&c->tls_client_ca, "TLS_CLIENT_CA", ca, err, errsz) != 0)
        goto fail;
    return 0;

fail:
    config_free(c);
    return -1;
}

void config_free(config *c)
{
    if (c == NULL)
        return;
    free(c->database_url);
    free(c->listen_database_url);
    free(c->grpc_listen);
    free(c->metrics_listen);
    config_wipe_free(c->jwt_secret, c->jwt_secret_len);
    config_wipe_free(c->jwt_secret_prev, c->jwt_secret_prev_len);
    free(c->tls_cert);
    free(c->tls_key);
    free(c->tls_client_ca);
    memset(c, 0, sizeof(*c));
}

const char *config_getenv(const char *name, void *ctx)
{
    (void)ctx;
    return getenv(name);
}

int config_cpus(const char *cgroup_root)
{
    cpu_set_t set;
    int cpus = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 0;
    if (cpus < 1)
        cpus = 1;
    char path[512], quota[32] = "";
    long long q = -1, period = 0;
    snprintf(path, sizeof(path), "%s/cpu.max", cgroup_root);
    if (config_read_line(path, quota, sizeof(quota)) == 0) {
        if (sscanf(quota, "%lld %lld", &q, &period) != 2)
            q = -1; /* "max PERIOD": no quota */
    } else {
        char p2[32] = "";
        snprintf(path, sizeof(path), "%s/cpu/cpu.cfs_quota_us", cgroup_root);
        if (config_read_line(path, quota, sizeof(quota)) == 0) {
            snprintf(path, sizeof(path), "%s/cpu/cpu.cfs_period_us", cgroup_root);
            if (config_read_line(path, p2, sizeof(p2)) == 0) {
                q = strtoll(quota, NULL, 10);
                period = strtoll(p2, NULL, 10);
            }
        }
    }
    if (q > 0 && period > 0) {
        long long limit = (q + period - 1) / period;
        if (limit < cpus)
            cpus = (int)limit;
    }
    return cpus;
}

int config_loops_for(int cpus)
{
    return cpus / 2 > 1 ? cpus / 2 : 1;
}

/* The first line of a small file, without its newline, cut to size - 1
 * bytes; 0, or -1 when it cannot be read or is not small (4 KiB). */
static int config_read_line(const char *path, char *buf, size_t size)
{
    char *text = file_read(path, 4096, NULL);
    if (!text)
        return -1;
    snprintf(buf, size, "%.*s", (int)strcspn(text, "\n"), text);
    free(text);
    return 0;
}

static const char *config_get(config_getenv_fn get, void *ctx, const char *name)
{
    const char *v = get(name, ctx);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

static int config_err(char *err, size_t errsz, const char *fmt, ...)
{
    if (err != NULL && errsz > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errsz, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int config_string(char **dst, const char *val, char *err, size_t errsz)
{
    *dst = strdup(val);
    if (*dst == NULL)
        return config_err(err, errsz, "Out of memory while reading the configuration.");
    return 0;
}

static int config_secret(unsigned char **dst, size_t *dst_len, const char *name, const char *val,
                         char *err, size_t errsz)
{
    size_t n = strlen(val);
    if (n < CONFIG_MIN_SECRET_LEN)
        return config_err(err, errsz, "%s must be at least %d bytes long.", name,
                          CONFIG_MIN_SECRET_LEN);
    *dst = malloc(n);
    if (*dst == NULL)
        return config_err(err, errsz, "Out of memory while reading the configuration.");
    memcpy(*dst, val, n);
    *dst_len = n;
    return 0;
}

static int config_listen(char **dst, const char *name, const char *val, char *err, size_t errsz)
{
    if (val == NULL || !config_valid_listen(val))
        return config_err(
            err, errsz, "%s must be host:port (or [ipv6]:port) with a port from 1 to 65535.", name);
    return config_string(dst, val, err, errsz);
}

static int config_long(config_getenv_fn get, void *ctx, const config_int *spec, long *out,
                       char *err, size_t errsz)
{
    const char *v = config_get(get, ctx, spec->name);
    if (v == NULL) {
        *out = spec->def;
        return 0;
    }
    /* Digits only: strtol would also take spaces, signs, "0x" and trailing
     * junk, and a typo should stop the service rather than change a limit. */
    long n = 0;
    size_t i = 0;
    for (; v[i] != '\0'; i++) {
        if (v[i] < '0' || v[i] > '9' || n > (LONG_MAX - 9) / 10) {
            n = -1;
            break;
        }
        n = n * 10 + (v[i] - '0');
    }
    if (n < spec->min || n > spec->max)
        return config_err(err, errsz, "%s must be a whole number from %ld to %ld.", spec->name,
                          spec->min, spec->max);
    *out = n;
    return 0;
}

static int config_file(char **dst, const char *name, const char *val, char *err, size_t errsz)
{
    if (val == NULL)
        return 0;
    if (access(val, R_OK) != 0)
        return config_err(err, errsz, "%s names a file that cannot be read: %s.", name, val);
    return config_string(dst, val, err, errsz);
}

/* host:port, host being a name or IPv4 address without ':' or a bracketed
 * IPv6 address; gRPC and the metrics listener both take this form. */
static int config_valid_listen(const char *s)
{
    const char *colon;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close == s + 1 || close[1] != ':')
            return 0;
        for (const char *p = s + 1; p < close; p++) {
            if (!(strchr("0123456789abcdefABCDEF:.", *p) != NULL))
                return 0;
        }
        colon = close + 1;
    } else {
        colon = strchr(s, ':');
        if (colon == NULL || colon == s || strchr(colon + 1, ':') != NULL)
            return 0;
        for (const char *p = s; p < colon; p++) {
            unsigned char ch = (unsigned char)*p;
            if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_'))
                return 0;
        }
    }
    const char *port = colon + 1;
    size_t n = strlen(port);
    if (n == 0 || n > 5)
        return 0;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (port[i] < '0' || port[i] > '9')
            return 0;
        v = v * 10 + (port[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

static void config_wipe_free(unsigned char *p, size_t n)
{
    if (p == NULL)
        return;
    explicit_bzero(p, n);
    free(p);
}
