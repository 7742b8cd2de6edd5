/* Unit tests for metrics across loops: a process of several loops counts
 * in one metrics object per loop, and the listening one renders the sum of
 * its own counts and what each sibling last published (metrics.h). No
 * listener, no pool: the objects are rendered directly. */
#include "metrics.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const metrics_method methods[] = {
    {"cameos.test.v1.TestService", "Get", "unary"},
    {"cameos.test.v1.TestService", "Watch", "server_stream"},
};
static const metrics_series series[] = {
    {"cameos_test_done", "Things done.", METRICS_COUNTER},
};

#define STARTED(m)                                                                                 \
    "grpc_server_started_total{grpc_method=\"" m "\",grpc_service=\"cameos.test.v1.TestService\""
#define HANDLED_OK                                                                                 \
    "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Get\",grpc_service=\"cameos.test."   \
    "v1.TestService\""
#define HIST_COUNT                                                                                 \
    "grpc_server_handling_seconds_count{grpc_method=\"Get\",grpc_service=\"cameos.test.v1."        \
    "TestService\""
#define REFUSED "cameos_refused_total{limit=\"streams\"}"

static uv_loop_t loop;

static metrics *make(void)
{
    metrics *m = metrics_new(&loop, "cameos-test", methods, 2);
    cr_assert_not_null(m);
    cr_assert_eq(metrics_add_series(m, series, 1), 0);
    return m;
}

/* The value on the line that starts with prefix (its last field), or -1
 * when there is none. */
static double value_of(metrics *m, const char *prefix)
{
    char *text = metrics_render(m);
    cr_assert_not_null(text);
    double v = -1;
    for (const char *line = text; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (strncmp(line, prefix, strlen(prefix)) == 0) {
            const char *sp = line + len;
            while (sp > line && sp[-1] != ' ')
                sp--;
            v = strtod(sp, NULL);
            break;
        }
        line += len + (nl ? 1 : 0);
    }
    free(text);
    return v;
}

static void count_calls(metrics *m, int n)
{
    for (int i = 0; i < n; i++) {
        metrics_started(m, 0);
        metrics_handled(m, 0, GRPC_STATUS_OK, 0.002);
    }
    metrics_limit_hit(m, METRICS_LIMIT_STREAMS, (unsigned long long)n);
    metrics_series_add(m, 0, n);
}

Test(metrics, a_siblings_counts_join_the_render_once_published)
{
    cr_assert_eq(uv_loop_init(&loop), 0);
    metrics *m = make(), *sib = make();
    cr_assert_eq(metrics_add_sibling(m, sib), 0);
    count_calls(m, 3);
    count_calls(sib, 2);
    cr_assert_eq(value_of(m, STARTED("Get")), 3, "unpublished counts are not rendered");
    metrics_publish(sib, 0);
    cr_assert_eq(value_of(m, STARTED("Get")), 5);
    cr_assert_eq(value_of(m, HANDLED_OK), 5);
    cr_assert_eq(value_of(m, HIST_COUNT), 5);
    cr_assert_eq(value_of(m, REFUSED), 5);
    cr_assert_eq(value_of(m, "cameos_test_done "), 5);
    cr_assert_eq(value_of(m, STARTED("Watch")), 0);
    /* Counted after the publish: not there until the next one. */
    count_calls(sib, 4);
    cr_assert_eq(value_of(m, STARTED("Get")), 5);
    metrics_publish(sib, 0);
    cr_assert_eq(value_of(m, STARTED("Get")), 9);
    /* Nothing new: a publish changes nothing, forced or not. */
    metrics_publish(sib, 0);
    metrics_publish(sib, 1);
    cr_assert_eq(value_of(m, STARTED("Get")), 9);
    /* A sibling's render is its own counts only. */
    cr_assert_eq(value_of(sib, STARTED("Get")), 6);
    metrics_close(m);
    metrics_close(sib);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

/* Two siblings count and publish on threads of their own while the
 * renderer renders: at the end the render is the exact sum. */
#define PER_THREAD 20000

static void *counter(void *arg)
{
    metrics *sib = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        metrics_started(sib, 0);
        metrics_handled(sib, 0, GRPC_STATUS_OK, 0.001);
        if (i % 16 == 0)
            metrics_publish(sib, 0);
    }
    metrics_publish(sib, 0);
    return NULL;
}

Test(metrics, siblings_publish_on_their_threads_while_the_renderer_renders)
{
    cr_assert_eq(uv_loop_init(&loop), 0);
    metrics *m = make(), *sibs[2] = {make(), make()};
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(metrics_add_sibling(m, sibs[i]), 0);
        cr_assert_eq(pthread_create(&t[i], NULL, counter, sibs[i]), 0);
    }
    double last = 0;
    for (int i = 0; i < 50; i++) {
        double v = value_of(m, STARTED("Get"));
        cr_assert_geq(v, last, "the sum went back from %g to %g", last, v);
        last = v;
    }
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_join(t[i], NULL), 0);
    cr_assert_eq(value_of(m, STARTED("Get")), 2 * PER_THREAD);
    cr_assert_eq(value_of(m, HIST_COUNT), 2 * PER_THREAD);
    metrics_close(m);
    metrics_close(sibs[0]);
    metrics_close(sibs[1]);
    cr_assert_eq(uv_loop_close(&loop), 0);
}
