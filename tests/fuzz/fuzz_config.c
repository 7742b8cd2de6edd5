/*
 * fuzz_config - the environment a service starts with, through
 * config_load (an operator's input rather than a caller's, but every
 * service reads it first and it decides every limit).
 *
 * Feeds: the input split on '\n' into NAME=VALUE lines (a later line for a
 * name wins; lines without '=' are ignored) served by a config_getenv_fn.
 * Names starting with TLS_ are never served (those name files that
 * config_load checks with access(): not deterministic). Byte 0 also picks
 * the size of the error buffer (1 to 256 bytes).
 * Asserts:
 *  - 0: the strings are copies of the values (DATABASE_URL, the secrets
 *    byte for byte and at least CONFIG_MIN_SECRET_LEN long, the listen
 *    addresses or the defaults), every number is the decimal value given
 *    or the default, and within its range; LOG_LEVEL one of the four; no
 *    TLS paths;
 *  - -1: the config is all zeroes and err holds a NUL-terminated sentence
 *    within its buffer;
 *  - config_free zeroes it, and can run twice.
 */
#include "fuzz.h"

#include <limits.h>
#include <stdbool.h>
#include <strings.h>

#include "config.h"

#define MAX_VARS 128

typedef struct env {
    char *name[MAX_VARS];
    char *value[MAX_VARS];
    size_t n;
} env;

static const char *getter(const char *name, void *ctx)
{
    const env *e = ctx;
    if (strncmp(name, "TLS_", 4) == 0)
        return NULL;
    for (size_t i = e->n; i-- > 0;)
        if (strcmp(e->name[i], name) == 0)
            return e->value[i];
    return NULL;
}

/* The value config_load should have read: unset and empty alike. */
static const char *set(env *e, const char *name)
{
    const char *v = getter(name, e);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

typedef struct int_var {
    const char *name;
    long def, min, max;
    size_t at;
    bool wide;
} int_var;
#define IV(name, field, def, min, max)                                                             \
    {                                                                                              \
        name, def, min, max, offsetof(config, field), false                                        \
    }
#define LV(name, field, def, min, max)                                                             \
    {                                                                                              \
        name, def, min, max, offsetof(config, field), true                                         \
    }

/* config.h's table, written again from the header's documentation. */
static const int_var ints[] = {
    IV("DB_POOL_SIZE", db_pool_size, 4, 1, 64),
    IV("SHUTDOWN_GRACE_MS", shutdown_grace_ms, 10000, 0, 600000),
    IV("MAX_CONNECTION_AGE_MS", max_connection_age_ms, 300000, 1000, 86400000),
    IV("MAX_CONNECTION_AGE_GRACE_MS", max_connection_age_grace_ms, 30000, 0, 3600000),
    IV("KEEPALIVE_TIME_MS", keepalive_time_ms, 60000, 1000, 86400000),
    IV("KEEPALIVE_TIMEOUT_MS", keepalive_timeout_ms, 20000, 1000, 600000),
    LV("MAX_RECV_BYTES", max_recv_bytes, 1048576, 1024, 2147483647),
    IV("MAX_CONNECTIONS", max_connections, 0, 0, 1000000),
    IV("MAX_CONCURRENT_STREAMS", max_concurrent_streams, 256, 1, 10000),
    IV("MAX_CONNECTION_IDLE_MS", max_connection_idle_ms, 60000, 1000, 86400000),
    IV("HANDSHAKE_TIMEOUT_MS", handshake_timeout_ms, 5000, 100, 600000),
    IV("MAX_METADATA_BYTES", max_metadata_bytes, 8192, 1024, 1048576),
    LV("MEMORY_QUOTA_BYTES", memory_quota_bytes, 67108864, 4194304, 2147483647),
    IV("METRICS_MAX_CONNECTIONS", metrics_max_connections, 16, 1, 1024),
    IV("METRICS_TIMEOUT_MS", metrics_timeout_ms, 5000, 100, 600000),
    IV("STREAMS_PER_USER", streams_per_user, 100, 1, 10000),
    IV("STREAMS_MAX", streams_max, 1000, 1, 100000),
    IV("UNAUTHENTICATED_STREAMS_MAX", unauthenticated_streams_max, 256, 1, 100000),
    LV("RECV_BUDGET_BYTES", recv_budget_bytes, 16777216, 1048576, 2147483647),
    IV("READ_TIMEOUT_MS", read_timeout_ms, 10000, 100, 600000),
    IV("LISTENER_CHECK_MS", listener_check_ms, 10000, 0, 600000),
    IV("QUEUE_USER_MAX", queue_user_max, 2, 1, 1000),
    IV("QUEUE_MAX_ATTEMPTS", queue_max_attempts, 3, 1, 100),
    IV("QUEUE_MAX_AGE_S", queue_max_age_s, 3600, 60, 604800),
    IV("QUEUE_SWEEP_BATCH", queue_sweep_batch, 500, 1, 100000),
};

static const char def_grpc[] = "0.0.0.0:50051", def_metrics[] = "127.0.0.1:9090";

static void check_loaded(const config *c, env *e)
{
    const char *db = set(e, "DATABASE_URL"), *sec = set(e, "JWT_SECRET"),
               *prev = set(e, "JWT_SECRET_PREVIOUS");
    FUZZ_CHECK(db != NULL && strcmp(c->database_url, db) == 0);
    FUZZ_CHECK(sec != NULL && c->jwt_secret_len == strlen(sec));
    FUZZ_CHECK(c->jwt_secret_len >= CONFIG_MIN_SECRET_LEN);
    FUZZ_CHECK(memcmp(c->jwt_secret, sec, c->jwt_secret_len) == 0);
    if (prev == NULL) {
        FUZZ_CHECK(c->jwt_secret_prev == NULL && c->jwt_secret_prev_len == 0);
    } else {
        FUZZ_CHECK(c->jwt_secret_prev_len == strlen(prev));
        FUZZ_CHECK(c->jwt_secret_prev_len >= CONFIG_MIN_SECRET_LEN);
        FUZZ_CHECK(memcmp(c->jwt_secret_prev, prev, c->jwt_secret_prev_len) == 0);
    }
    const char *g = set(e, "GRPC_LISTEN"), *m = set(e, "METRICS_LISTEN");
    FUZZ_CHECK(strcmp(c->grpc_listen, g ? g : def_grpc) == 0);
    FUZZ_CHECK(strcmp(c->metrics_listen, m ? m : def_metrics) == 0);
    for (const char *l = c->grpc_listen; *l; l++)
        FUZZ_CHECK(*l > 0x20 && *l < 0x7f);

    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        const int_var *iv = &ints[i];
        const char *field = (const char *)c + iv->at;
        long got;
        if (iv->wide)
            memcpy(&got, field, sizeof(long));
        else {
            int x;
            memcpy(&x, field, sizeof(int));
            got = x;
        }
        FUZZ_CHECK(got >= iv->min && got <= iv->max);
        const char *v = set(e, iv->name);
        long want = iv->def;
        if (v != NULL) {
            FUZZ_CHECK(strspn(v, "0123456789") == strlen(v));
            want = strtol(v, NULL, 10);
        }
        FUZZ_CHECK(got == want);
    }
    FUZZ_CHECK(c->listener_check_ms == 0 || c->listener_check_ms >= 200);

    const char *lv = set(e, "LOG_LEVEL");
    static const char *const levels[] = {"debug", "info", "warn", "error"};
    FUZZ_CHECK(c->log_level >= CONFIG_LOG_DEBUG && c->log_level <= CONFIG_LOG_ERROR);
    FUZZ_CHECK(lv == NULL ? c->log_level == CONFIG_LOG_INFO
                          : strcasecmp(lv, levels[c->log_level]) == 0);
    FUZZ_CHECK(c->tls_cert == NULL && c->tls_key == NULL && c->tls_client_ca == NULL);
}

static bool zeroed(const config *c)
{
    static const config zero;
    return memcmp(c, &zero, sizeof(zero)) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t errsz = (size_t)data[0] + 1;
    char *text = fuzz_strndup(data + 1, size - 1);
    env e = {.n = 0};
    for (char *line = text, *next; line != NULL && e.n < MAX_VARS; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        char *eq = strchr(line, '=');
        if (eq == NULL)
            continue;
        *eq = '\0';
        e.name[e.n] = line;
        e.value[e.n++] = eq + 1;
    }

    config c;
    memset(&c, 0x5a, sizeof(c));
    char *err = malloc(errsz);
    FUZZ_CHECK(err != NULL);
    memset(err, '#', errsz);
    int rc = config_load(&c, "fuzz", def_grpc, def_metrics, getter, &e, err, errsz);
    FUZZ_CHECK(rc == 0 || rc == -1);
    FUZZ_CHECK(memchr(err, '\0', errsz) != NULL);
    if (rc == 0) {
        FUZZ_CHECK(err[0] == '\0');
        check_loaded(&c, &e);
    } else {
        FUZZ_CHECK(zeroed(&c));
        FUZZ_CHECK(errsz == 1 || err[0] != '\0');
    }
    config_free(&c);
    FUZZ_CHECK(zeroed(&c));
    config_free(&c);
    free(err);
    free(text);
    return 0;
}
