/*
 * config - the service's environment configuration (docs/API.md §7), read through
 * an injected getter and validated once at start.
 *
 * config_load fills a config whose strings and secrets it allocates;
 * config_free releases them (wiping the secrets). Unset and empty variables
 * are treated alike. On error nothing stays allocated and err holds one
 * English sentence naming the variable; values are never echoed, since
 * DATABASE_URL and the secrets are sensitive.
 *
 * Variables, defaults and accepted ranges:
 *   DATABASE_URL                 required
 *   JWT_SECRET                   required, >= 32 bytes (used as raw bytes)
 *   JWT_SECRET_PREVIOUS          optional, >= 32 bytes (key rotation)
 *   GRPC_LISTEN, METRICS_LISTEN  host:port or [ipv6]:port, port 1-65535;
 *                                defaults given by the caller
 *   DB_POOL_SIZE                 4, 1-64
 *   DB_TRANSACTION_POOLER        0, 0-1: 1 when DATABASE_URL goes through a
 *                                transaction pooler (PgBouncer in
 *                                pool_mode=transaction): unnamed statements,
 *                                one transaction in flight per connection
 *                                (pgpool.h, PGPOOL_POOLER)
 *   LISTEN_DATABASE_URL          optional: the LISTEN connection's URL
 *                                (content), when DATABASE_URL goes through
 *                                a transaction pooler; default DATABASE_URL
 *   LOG_LEVEL                    info; debug|info|warn|error (any case) -> 0..3
 *   TLS_CERT, TLS_KEY            both or neither; readable files
 *   TLS_CLIENT_CA                needs TLS_CERT and TLS_KEY; readable file
 *   SHUTDOWN_GRACE_MS            10000, 0-600000
 *   MAX_CONNECTION_AGE_MS        300000, 1000-86400000
 *   MAX_CONNECTION_AGE_GRACE_MS  30000, 0-3600000
 *   KEEPALIVE_TIME_MS            60000, 1000-86400000
 *   KEEPALIVE_TIMEOUT_MS         20000, 1000-600000
 *   MAX_RECV_BYTES               1048576, 1024-2147483647
 * The limits that keep a process up under hostile traffic (SECURITY.md):
 *   MAX_CONNECTIONS              0 (from the descriptor limit), 0-1000000
 *   MAX_CONCURRENT_STREAMS       256, 1-10000 (per connection)
 *   MAX_CONNECTION_IDLE_MS       60000, 1000-86400000
 *   HANDSHAKE_TIMEOUT_MS         5000, 100-600000
 *   MAX_METADATA_BYTES           8192, 1024-1048576
 *   MEMORY_QUOTA_BYTES           67108864, 4194304-2147483647 (gRPC's buffers)
 *   METRICS_MAX_CONNECTIONS      16, 1-1024
 *   METRICS_TIMEOUT_MS           5000, 100-600000
 *   STREAMS_PER_USER             100, 1-10000 (streaming calls of one token sub)
 *   STREAMS_MAX                  1000, 1-100000 (streaming calls in all)
 *   UNAUTHENTICATED_STREAMS_MAX  256, 1-100000 (health watches, reflection)
 *   RECV_BUDGET_BYTES            16777216, 1048576-2147483647: request messages
 *                                received at once = this / MAX_RECV_BYTES (>= 4),
 *                                a quarter of them (>= 2) per caller
 *   READ_TIMEOUT_MS              10000, 100-600000 (one request message)
 *   LISTENER_CHECK_MS            10000, 0 (off) or 200-600000: the self-probe
 *                                of the gRPC listener (selfprobe.h)
 * The generation queue (content only; docs/queue.md):
 *   QUEUE_USER_MAX               2, 1-1000: one user's generations leased at once
 *   QUEUE_MAX_ATTEMPTS           3, 1-100: leases that may run out before the
 *                                sweep fails the generation (refunded)
 *   QUEUE_MAX_AGE_S              3600, 60-604800: a generation still queued or
 *                                leased this long after creation fails (refunded)
 *   QUEUE_SWEEP_BATCH            500, 1-100000: jobs one sweep may settle
 */
#ifndef CAMEOS_CONFIG_H
#define CAMEOS_CONFIG_H

#include <stddef.h>

enum { CONFIG_LOG_DEBUG = 0, CONFIG_LOG_INFO = 1, CONFIG_LOG_WARN = 2, CONFIG_LOG_ERROR = 3 };

/* The shortest JWT secret accepted, in bytes. */
#define CONFIG_MIN_SECRET_LEN 32

typedef struct config {
    char *database_url;
    char *listen_database_url; /* NULL when LISTEN_DATABASE_URL is unset */
    char *grpc_listen;
    char *metrics_listen;
    unsigned char *jwt_secret;
    size_t jwt_secret_len;
    unsigned char *jwt_secret_prev; /* NULL when JWT_SECRET_PREVIOUS is unset */
    size_t jwt_secret_prev_len;
    int db_pool_size;
    int loops;                 /* LOOPS: loop threads; 0: config_loops_for(config_cpus(...)) */
    int db_transaction_pooler; /* 1: PGPOOL_POOLER, 0: PGPOOL_DIRECT */
    char *tls_cert;            /* paths, NULL when unset */
    char *tls_key;
    char *tls_client_ca;
    int log_level; /* CONFIG_LOG_* */
    int shutdown_grace_ms;
    int max_connection_age_ms;
    int max_connection_age_grace_ms;
    int keepalive_time_ms;
    int keepalive_timeout_ms;
    long max_recv_bytes;
    int max_connections; /* 0: derived from RLIMIT_NOFILE at start */
    int max_concurrent_streams;
    int max_connection_idle_ms;
    int handshake_timeout_ms;
    int max_metadata_bytes;
    long memory_quota_bytes;
    int metrics_max_connections;
    int metrics_timeout_ms;
    int streams_per_user;
    int streams_max;
    int unauthenticated_streams_max;
    long recv_budget_bytes;
    int read_timeout_ms;
    int listener_check_ms;
    int queue_user_max;     /* content: one user's generations leased at a time */
    int queue_max_attempts; /* content: the sweep (see above) */
    int queue_max_age_s;
    int queue_sweep_batch;
} config;

/* Returns the value of name or NULL; the string must stay valid until
 * config_load returns (config_load copies what it keeps). */
typedef const char *(*config_getenv_fn)(const char *name, void *ctx);

/* Fills *c from get. service names the service in messages ("credits").
 * 0, or -1 with *c zeroed and the reason in err (errsz bytes). */
int config_load(config *c, const char *service, const char *default_grpc_listen,
                const char *default_metrics_listen, config_getenv_fn get, void *ctx, char *err,
                size_t errsz) __attribute__((warn_unused_result));

/* Frees everything config_load allocated and zeroes *c; safe to repeat. */
void config_free(config *c);

/* The CPUs this process may use: its affinity mask's count, lowered to the
 * cgroup's CPU quota rounded up when there is one. cgroup_root is where the
 * process's cgroup is mounted ("/sys/fs/cgroup" in a container): cgroup v2's
 * cpu.max ("QUOTA PERIOD", or "max PERIOD" for none), else cgroup v1's
 * cpu/cpu.cfs_quota_us and cpu/cpu.cfs_period_us. At least 1. */
int config_cpus(const char *cgroup_root);
/* The loops of LOOPS=0 for a process of cpus CPUs: one per two (at least
 * one). Measured on 2 CPUs that also ran PostgreSQL, a second loop cost a
 * quarter more CPU per call and gave no more calls/s (docs/runtime.md). */
int config_loops_for(int cpus);

/* The getter for the real environment (getenv; ctx unused). */
const char *config_getenv(const char *name, void *ctx);

#endif
