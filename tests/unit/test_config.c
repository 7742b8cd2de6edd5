/* Unit tests for config: environment parsing through a fake getter. */
#include "config.h"

#include <criterion/criterion.h>
#include <sched.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECRET "0123456789abcdef0123456789abcdef"

typedef struct fake_env {
    const char *pairs[48][2];
} fake_env;

static const char *fake_get(const char *name, void *ctx)
{
    const fake_env *e = ctx;
    for (size_t i = 0; i < sizeof(e->pairs) / sizeof(e->pairs[0]) && e->pairs[i][0] != NULL; i++) {
        if (strcmp(e->pairs[i][0], name) == 0)
            return e->pairs[i][1];
    }
    return NULL;
}

static int load(const fake_env *e, config *c, char *err, size_t errsz)
{
    return config_load(c, "credits", "0.0.0.0:50051", "0.0.0.0:9091", fake_get, (void *)e, err,
                       errsz);
}

static int zeroed(const config *c)
{
    static const config z;
    return memcmp(c, &z, sizeof(z)) == 0;
}

/* Expects failure with a message naming var (and containing want if set). */
static void expect_error(const fake_env *e, const char *var, const char *want)
{
    config c;
    char err[256] = "";
    cr_assert_eq(load(e, &c, err, sizeof(err)), -1, "accepted (%s)", var);
    cr_assert(zeroed(&c), "config not zeroed after error");
    cr_assert_not_null(strstr(err, var), "error '%s' does not name %s", err, var);
    if (want != NULL)
        cr_assert_not_null(strstr(err, want), "error '%s' lacks '%s'", err, want);
    cr_assert_eq(err[strlen(err) - 1], '.', "error '%s' is not a sentence", err);
}

static char tmpfile_path[64];

static void make_tmpfile(void)
{
    strcpy(tmpfile_path, "/tmp/test_config_XXXXXX");
    int fd = mkstemp(tmpfile_path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "pem\n", 4), 4);
    close(fd);
}

static void remove_tmpfile(void)
{
    unlink(tmpfile_path);
}

Test(config, defaults)
{
    fake_env e = {{{"DATABASE_URL", "postgresql://u:p@localhost/db"}, {"JWT_SECRET", SECRET}}};
    config c;
    char err[256] = "";
    cr_assert_eq(load(&e, &c, err, sizeof(err)), 0, "%s", err);
    cr_assert_str_eq(c.database_url, "postgresql://u:p@localhost/db");
    cr_assert_str_eq(c.grpc_listen, "0.0.0.0:50051");
    cr_assert_str_eq(c.metrics_listen, "0.0.0.0:9091");
    cr_assert_eq(c.jwt_secret_len, 32);
    cr_assert_eq(memcmp(c.jwt_secret, SECRET, 32), 0);
    cr_assert_null(c.jwt_secret_prev);
    cr_assert_eq(c.jwt_secret_prev_len, 0);
    cr_assert_eq(c.db_pool_size, 4);
    cr_assert_eq(c.loops, 0);
    cr_assert_eq(c.db_transaction_pooler, 0);
    cr_assert_null(c.listen_database_url);
    cr_assert_null(c.tls_cert);
    cr_assert_null(c.tls_key);
    cr_assert_null(c.tls_client_ca);
    cr_assert_eq(c.log_level, CONFIG_LOG_INFO);
    cr_assert_eq(c.log_level, 1);
    cr_assert_eq(c.shutdown_grace_ms, 10000);
    cr_assert_eq(c.max_connection_age_ms, 300000);
    cr_assert_eq(c.max_connection_age_grace_ms, 30000);
    cr_assert_eq(c.keepalive_time_ms, 60000);
    cr_assert_eq(c.keepalive_timeout_ms, 20000);
    cr_assert_eq(c.max_recv_bytes, 1048576);
    cr_assert_eq(c.max_connections, 0);
    cr_assert_eq(c.max_concurrent_streams, 256);
    cr_assert_eq(c.max_connection_idle_ms, 60000);
    cr_assert_eq(c.handshake_timeout_ms, 5000);
    cr_assert_eq(c.max_metadata_bytes, 8192);
    cr_assert_eq(c.memory_quota_bytes, 67108864);
    cr_assert_eq(c.metrics_max_connections, 16);
    cr_assert_eq(c.metrics_timeout_ms, 5000);
    cr_assert_eq(c.streams_per_user, 100);
    cr_assert_eq(c.streams_max, 1000);
    cr_assert_eq(c.unauthenticated_streams_max, 256);
    cr_assert_eq(c.recv_budget_bytes, 16777216);
    cr_assert_eq(c.read_timeout_ms, 10000);
    cr_assert_eq(c.listener_check_ms, 10000);
    cr_assert_eq(c.queue_user_max, 2);
    cr_assert_eq(c.queue_max_attempts, 3);
    cr_assert_eq(c.queue_max_age_s, 3600);
    cr_assert_eq(c.queue_sweep_batch, 500);
    config_free(&c);
    cr_assert(zeroed(&c));
    config_free(&c); /* repeatable */
}

Test(config, everything_set, .init = make_tmpfile, .fini = remove_tmpfile)
{
    fake_env e = {{
        {"DATABASE_URL", "host=/tmp dbname=x"},
        {"JWT_SECRET", SECRET "-and-more"},
        {"JWT_SECRET_PREVIOUS", "previous-secret-previous-secret-!"},
        {"GRPC_LISTEN", "[::]:6000"},
        {"METRICS_LISTEN", "localhost:65535"},
        {"DB_POOL_SIZE", "64"},
        {"DB_TRANSACTION_POOLER", "1"},
        {"LISTEN_DATABASE_URL", "postgresql://direct/cameos"},
        {"LOG_LEVEL", "DEBUG"},
        {"TLS_CERT", tmpfile_path},
        {"TLS_KEY", tmpfile_path},
        {"TLS_CLIENT_CA", tmpfile_path},
        {"SHUTDOWN_GRACE_MS", "0"},
        {"MAX_CONNECTION_AGE_MS", "1000"},
        {"MAX_CONNECTION_AGE_GRACE_MS", "3600000"},
        {"KEEPALIVE_TIME_MS", "86400000"},
        {"KEEPALIVE_TIMEOUT_MS", "600000"},
        {"MAX_RECV_BYTES", "2147483647"},
        {"MAX_CONNECTIONS", "1000000"},
        {"MAX_CONCURRENT_STREAMS", "10000"},
        {"MAX_CONNECTION_IDLE_MS", "1000"},
        {"HANDSHAKE_TIMEOUT_MS", "600000"},
        {"MAX_METADATA_BYTES", "1048576"},
        {"MEMORY_QUOTA_BYTES", "4194304"},
        {"METRICS_MAX_CONNECTIONS", "1024"},
        {"METRICS_TIMEOUT_MS", "100"},
        {"STREAMS_PER_USER", "1"},
        {"STREAMS_MAX", "100000"},
        {"UNAUTHENTICATED_STREAMS_MAX", "1"},
        {"RECV_BUDGET_BYTES", "1048576"},
        {"READ_TIMEOUT_MS", "600000"},
        {"LISTENER_CHECK_MS", "0"},
        {"QUEUE_USER_MAX", "1000"},
        {"QUEUE_MAX_ATTEMPTS", "100"},
        {"QUEUE_MAX_AGE_S", "60"},
        {"QUEUE_SWEEP_BATCH", "100000"},
    }};
    config c;
    char err[256] = "";
    cr_assert_eq(load(&e, &c, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(c.jwt_secret_len, 41);
    cr_assert_eq(c.jwt_secret_prev_len, 33);
    cr_assert_eq(memcmp(c.jwt_secret_prev, "previous-secret-previous-secret-!", 33), 0);
    cr_assert_str_eq(c.grpc_listen, "[::]:6000");
    cr_assert_str_eq(c.metrics_listen, "localhost:65535");
    cr_assert_eq(c.db_pool_size, 64);
    cr_assert_eq(c.db_transaction_pooler, 1);
    cr_assert_str_eq(c.listen_database_url, "postgresql://direct/cameos");
    cr_assert_eq(c.log_level, CONFIG_LOG_DEBUG);
    cr_assert_str_eq(c.tls_cert, tmpfile_path);
    cr_assert_str_eq(c.tls_key, tmpfile_path);
    cr_assert_str_eq(c.tls_client_ca, tmpfile_path);
    cr_assert_eq(c.shutdown_grace_ms, 0);
    cr_assert_eq(c.max_connection_age_ms, 1000);
    cr_assert_eq(c.max_connection_age_grace_ms, 3600000);
    cr_assert_eq(c.keepalive_time_ms, 86400000);
    cr_assert_eq(c.keepalive_timeout_ms, 600000);
    cr_assert_eq(c.max_recv_bytes, 2147483647L);
    cr_assert_eq(c.max_connections, 1000000);
    cr_assert_eq(c.max_concurrent_streams, 10000);
    cr_assert_eq(c.max_connection_idle_ms, 1000);
    cr_assert_eq(c.handshake_timeout_ms, 600000);
    cr_assert_eq(c.max_metadata_bytes, 1048576);
    cr_assert_eq(c.memory_quota_bytes, 4194304);
    cr_assert_eq(c.metrics_max_connections, 1024);
    cr_assert_eq(c.metrics_timeout_ms, 100);
    cr_assert_eq(c.streams_per_user, 1);
    cr_assert_eq(c.streams_max, 100000);
    cr_assert_eq(c.unauthenticated_streams_max, 1);
    cr_assert_eq(c.recv_budget_bytes, 1048576);
    cr_assert_eq(c.read_timeout_ms, 600000);
    cr_assert_eq(c.listener_check_ms, 0);
    cr_assert_eq(c.queue_user_max, 1000);
    cr_assert_eq(c.queue_max_attempts, 100);
    cr_assert_eq(c.queue_max_age_s, 60);
    cr_assert_eq(c.queue_sweep_batch, 100000);
    config_free(&c);
}

Test(config, log_levels)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++) {
        fake_env e = {{{"DATABASE_URL", "x"}, {"JWT_SECRET", SECRET}, {"LOG_LEVEL", names[i]}}};
        config c;
        char err[256];
        cr_assert_eq(load(&e, &c, err, sizeof(err)), 0, "%s", err);
        cr_assert_eq(c.log_level, i);
        config_free(&c);
    }
    fake_env e = {{{"DATABASE_URL", "x"}, {"JWT_SECRET", SECRET}, {"LOG_LEVEL", "verbose"}}};
    expect_error(&e, "LOG_LEVEL", NULL);
    fake_env w = {{{"DATABASE_URL", "x"}, {"JWT_SECRET", SECRET}, {"LOG_LEVEL", "warning"}}};
    expect_error(&w, "LOG_LEVEL", NULL);
}

Test(config, empty_means_unset)
{
    fake_env e = {{{"DATABASE_URL", "x"},
                   {"JWT_SECRET", SECRET},
                   {"JWT_SECRET_PREVIOUS", ""},
                   {"GRPC_LISTEN", ""},
                   {"DB_POOL_SIZE", ""},
                   {"TLS_CERT", ""},
                   {"TLS_KEY", ""}}};
    config c;
    char err[256];
    cr_assert_eq(load(&e, &c, err, sizeof(err)), 0, "%s", err);
    cr_assert_null(c.jwt_secret_prev);
    cr_assert_str_eq(c.grpc_listen, "0.0.0.0:50051");
    cr_assert_eq(c.db_pool_size, 4);
    cr_assert_eq(c.db_transaction_pooler, 0);
    cr_assert_null(c.listen_database_url);
    cr_assert_null(c.tls_cert);
    config_free(&c);
}

Test(config, required)
{
    fake_env none = {{{NULL, NULL}}};
    expect_error(&none, "DATABASE_URL", "credits");
    fake_env no_secret = {{{"DATABASE_URL", "x"}}};
    expect_error(&no_secret, "JWT_SECRET", NULL);
    fake_env empty_url = {{{"DATABASE_URL", ""}, {"JWT_SECRET", SECRET}}};
    expect_error(&empty_url, "DATABASE_URL", NULL);
}

Test(config, secret_length)
{
    fake_env e = {{{"DATABASE_URL", "x"}, {"JWT_SECRET", "0123456789abcdef0123456789abcde"}}};
    expect_error(&e, "JWT_SECRET", "at least 32 bytes");
    fake_env p = {
        {{"DATABASE_URL", "x"}, {"JWT_SECRET", SECRET}, {"JWT_SECRET_PREVIOUS", "short"}}};
    expect_error(&p, "JWT_SECRET_PREVIOUS", "at least 32 bytes");
}

Test(config, listen_addresses)
{
    static const char *ok[] = {"0.0.0.0:1",        "127.0.0.1:50051",
                               "[::]:50051",       "[::1]:8080",
                               "localhost:65535",  "my-host.svc.cluster.local:9091",
                               "[2001:db8::1]:443"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        fake_env e = {{{"DATABASE_URL", "x"}, {"JWT_SECRET", SECRET}, {"GRPC_LISTEN", ok[i]}}};
        config c;
        char err[256];
        cr_assert_eq(load(&e, &c, err, sizeof(err)), 0, "%s: %s", ok[i], err);
        cr_assert_str_eq(c.grpc_listen, ok[i]);
        config_free(&c);
    }
    static const char *bad[] = {
        "0.0.0.0",    "0.0.0.0:",    "0.0.0.0:0",  "0.0.0.0:65536", ":50051",   "host:50051x",
        "host:-1",    "host:+80",    "::1:50051",  "[::1]50051",    "[::1]:",   "[]:50051",
        "[::1:50051", "ho st:50051", "host:5005 ", "host:123456",   "[::g]:80", "host:0x50"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        fake_env e = {{{"DATABASE_URL", "x"}, {"JWT_SECRET", SECRET}, {"GRPC_LISTEN", bad[i]}}};
        expect_error(&e, "GRPC_LISTEN", NULL);
        fake_env m = {{{"DATABASE_URL", "x"}, {"JWT_SECRET", SECRET}, {"METRICS_LISTEN", bad[i]}}};
        expect_error(&m, "METRICS_LISTEN", NULL);
    }
    /* a bad default is reported too */
    fake_env e = {{{"DATABASE_URL", "x"}, {"JWT_SECRET", SECRET}}};
    config c;
    char err[256];
    cr_assert_eq(config_load(&c, "credits", "nope", "0.0.0.0:9091", fake_get, &e, err, sizeof(err)),
                 -1);
    cr_assert_not_null(strstr(err, "GRPC_LISTEN"));
    cr_assert_eq(config_load(&c, "credits", "0.0.0.0:1", NULL, fake_get, &e, err, sizeof(err)), -1);
    cr_assert_not_null(strstr(err, "METRICS_LISTEN"));
}

Test(config, integers)
{
    static const struct {
        const char *name, *value;
    } bad[] = {
        {"DB_POOL_SIZE", "0"},
        {"DB_POOL_SIZE", "65"},
        {"LOOPS", "65"},
        {"LOOPS", "-1"},
        {"DB_TRANSACTION_POOLER", "2"},
        {"DB_TRANSACTION_POOLER", "yes"},
        {"DB_POOL_SIZE", "-1"},
        {"DB_POOL_SIZE", "+4"},
        {"DB_POOL_SIZE", "4x"},
        {"DB_POOL_SIZE", " 4"},
        {"DB_POOL_SIZE", "4 "},
        {"DB_POOL_SIZE", "0x4"},
        {"DB_POOL_SIZE", "4.0"},
        {"DB_POOL_SIZE", "four"},
        {"DB_POOL_SIZE", "99999999999999999999999999"},
        {"SHUTDOWN_GRACE_MS", "600001"},
        {"SHUTDOWN_GRACE_MS", "-5"},
        {"MAX_CONNECTION_AGE_MS", "999"},
        {"MAX_CONNECTION_AGE_MS", "86400001"},
        {"MAX_CONNECTION_AGE_GRACE_MS", "3600001"},
        {"KEEPALIVE_TIME_MS", "10"},
        {"KEEPALIVE_TIMEOUT_MS", "0"},
        {"KEEPALIVE_TIMEOUT_MS", "600001"},
        {"MAX_RECV_BYTES", "1023"},
        {"MAX_RECV_BYTES", "2147483648"},
        {"MAX_RECV_BYTES", "4MiB"},
        {"MAX_CONNECTIONS", "-1"},
        {"MAX_CONNECTIONS", "1000001"},
        {"MAX_CONCURRENT_STREAMS", "0"},
        {"MAX_CONNECTION_IDLE_MS", "999"},
        {"HANDSHAKE_TIMEOUT_MS", "99"},
        {"MAX_METADATA_BYTES", "1023"},
        {"MEMORY_QUOTA_BYTES", "4194303"},
        {"METRICS_MAX_CONNECTIONS", "0"},
        {"METRICS_TIMEOUT_MS", "600001"},
        {"STREAMS_PER_USER", "0"},
        {"STREAMS_MAX", "100001"},
        {"UNAUTHENTICATED_STREAMS_MAX", "0"},
        {"RECV_BUDGET_BYTES", "1048575"},
        {"READ_TIMEOUT_MS", "99"},
        {"LISTENER_CHECK_MS", "600001"},
        {"QUEUE_USER_MAX", "0"},
        {"QUEUE_MAX_ATTEMPTS", "0"},
        {"QUEUE_MAX_ATTEMPTS", "101"},
        {"QUEUE_MAX_AGE_S", "59"},
        {"QUEUE_MAX_AGE_S", "604801"},
        {"QUEUE_SWEEP_BATCH", "0"},
        {"QUEUE_SWEEP_BATCH", "100001"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        fake_env e = {{{"DATABASE_URL", "x"}, {"JWT_SECRET", SECRET}, {bad[i].name, bad[i].value}}};
        expect_error(&e, bad[i].name, "whole number");
    }
    fake_env e = {{{"DATABASE_URL", "x"}, {"JWT_SECRET", SECRET}, {"DB_POOL_SIZE", "007"}}};
    config c;
    char err[256];
    cr_assert_eq(load(&e, &c, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(c.db_pool_size, 7);
    config_free(&c);
}

Test(config, tls, .init = make_tmpfile, .fini = remove_tmpfile)
{
    fake_env cert_only = {
        {{"DATABASE_URL", "x"}, {"JWT_SECRET", SECRET}, {"TLS_CERT", tmpfile_path}}};
    expect_error(&cert_only, "TLS_KEY", "together");
    fake_env key_only = {
        {{"DATABASE_URL", "x"}, {"JWT_SECRET", SECRET}, {"TLS_KEY", tmpfile_path}}};
    expect_error(&key_only, "TLS_CERT", "together");
    fake_env ca_only = {
        {{"DATABASE_URL", "x"}, {"JWT_SECRET", SECRET}, {"TLS_CLIENT_CA", tmpfile_path}}};
    expect_error(&ca_only, "TLS_CLIENT_CA", NULL);
    fake_env missing_cert = {{{"DATABASE_URL", "x"},
                              {"JWT_SECRET", SECRET},
                              {"TLS_CERT", "/nonexistent/cert.pem"},
                              {"TLS_KEY", tmpfile_path}}};
    expect_error(&missing_cert, "TLS_CERT", "/nonexistent/cert.pem");
    fake_env missing_key = {{{"DATABASE_URL", "x"},
                             {"JWT_SECRET", SECRET},
                             {"TLS_CERT", tmpfile_path},
                             {"TLS_KEY", "/nonexistent/key.pem"}}};
    expect_error(&missing_key, "TLS_KEY", NULL);
    fake_env missing_ca = {{{"DATABASE_URL", "x"},
                            {"JWT_SECRET", SECRET},
                            {"TLS_CERT", tmpfile_path},
                            {"TLS_KEY", tmpfile_path},
                            {"TLS_CLIENT_CA", "/nonexistent/ca.pem"}}};
    expect_error(&missing_ca, "TLS_CLIENT_CA", NULL);

    fake_env both = {{{"DATABASE_URL", "x"},
                      {"JWT_SECRET", SECRET},
                      {"TLS_CERT", tmpfile_path},
                      {"TLS_KEY", tmpfile_path}}};
    config c;
    char err[256];
    cr_assert_eq(load(&both, &c, err, sizeof(err)), 0, "%s", err);
    cr_assert_str_eq(c.tls_cert, tmpfile_path);
    cr_assert_null(c.tls_client_ca);
    config_free(&c);
}

Test(config, secrets_never_echoed)
{
    fake_env e = {
        {{"DATABASE_URL", "postgresql://u:hunter2@h/db"}, {"JWT_SECRET", "short-secret-value"}}};
    config c;
    char err[256];
    cr_assert_eq(load(&e, &c, err, sizeof(err)), -1);
    cr_assert_null(strstr(err, "short-secret-value"));
    cr_assert_null(strstr(err, "hunter2"));
}

Test(config, small_or_missing_err_buffer)
{
    fake_env none = {{{NULL, NULL}}};
    config c;
    char err[8];
    cr_assert_eq(load(&none, &c, err, sizeof(err)), -1);
    cr_assert_eq(strlen(err), 7);
    cr_assert_eq(load(&none, &c, NULL, 0), -1);
}

static const char *env_getter_check(void)
{
    return config_getenv("CONFIG_TEST_VARIABLE", NULL);
}

Test(config, real_environment_getter)
{
    setenv("CONFIG_TEST_VARIABLE", "yes", 1);
    cr_assert_str_eq(env_getter_check(), "yes");
    unsetenv("CONFIG_TEST_VARIABLE");
    cr_assert_null(env_getter_check());
}

/* ---- CPUs and loops --------------------------------------------------- */

static char cg_root[64];

static void make_cgroup(void)
{
    snprintf(cg_root, sizeof(cg_root), "/tmp/cameos-cg-%d", (int)getpid());
    cr_assert_eq(mkdir(cg_root, 0700), 0);
}

static void write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", cg_root, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

static void remove_cgroup(void)
{
    char path[128];
    const char *names[] = {"cpu.max", "cpu/cpu.cfs_quota_us", "cpu/cpu.cfs_period_us"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", cg_root, names[i]);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/cpu", cg_root);
    rmdir(path);
    rmdir(cg_root);
}

static int affinity(void)
{
    cpu_set_t set;
    cr_assert_eq(sched_getaffinity(0, sizeof(set), &set), 0);
    return CPU_COUNT(&set);
}

static int at_most(int a, int b)
{
    return a < b ? a : b;
}

Test(config, cpus_follow_the_cgroup_quota_rounded_up, .init = make_cgroup, .fini = remove_cgroup)
{
    int all = affinity();
    cr_assert_eq(config_cpus(cg_root), all, "no quota files: the affinity mask");
    write_file("cpu.max", "max 100000\n");
    cr_assert_eq(config_cpus(cg_root), all, "\"max\": no quota");
    write_file("cpu.max", "150000 100000\n");
    cr_assert_eq(config_cpus(cg_root), at_most(2, all), "1.5 CPUs round up to 2");
    write_file("cpu.max", "50000 100000\n");
    cr_assert_eq(config_cpus(cg_root), 1, "half a CPU is one");
    write_file("cpu.max", "garbage\n");
    cr_assert_eq(config_cpus(cg_root), all, "an unreadable quota is no quota");
}

Test(config, cpus_read_cgroup_v1_without_cpu_max, .init = make_cgroup, .fini = remove_cgroup)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/cpu", cg_root);
    cr_assert_eq(mkdir(path, 0700), 0);
    write_file("cpu/cpu.cfs_quota_us", "100000\n");
    write_file("cpu/cpu.cfs_period_us", "100000\n");
    cr_assert_eq(config_cpus(cg_root), 1);
    write_file("cpu/cpu.cfs_quota_us", "-1\n");
    cr_assert_eq(config_cpus(cg_root), affinity(), "-1: no quota");
}

Test(config, loops_are_one_per_two_cpus)
{
    cr_assert_eq(config_loops_for(1), 1);
    cr_assert_eq(config_loops_for(2), 1);
    cr_assert_eq(config_loops_for(3), 1);
    cr_assert_eq(config_loops_for(4), 2);
    cr_assert_eq(config_loops_for(16), 8);
}
