/*
 * health.c - grpc.health.v1.Health for Kubernetes probes and load balancers.
 *
 * Three names: "" and the service's full name are SERVING only while the
 * database pool of every loop has a usable connection and the process is
 * not draining (one loop without its database fails the calls its
 * connections bring: the whole process is taken out, not half of it);
 * "liveness" is SERVING as long as the process runs its loop. Watch streams
 * are kept in a list on the server and told of every change.
 */
#include "rpc_int.h"

#include <stdlib.h>
#include <string.h>

#include "grpc/health/v1/health.pb-c.h"

static int status_of(rpc_server *s, const char *name);
static void send_status(rpc_call *c, int status);
static void watch_cleanup(rpc_call *c, void *data);

typedef struct watch {
    char *name;
    int last; /* last status sent */
} watch;

void health_check(rpc_call *c, const ProtobufCMessage *req)
{
    const Grpc__Health__V1__HealthCheckRequest *r = (const void *)req;
    int st = status_of(rpc_call_server(c), r->service);
    if (st == HEALTH_UNKNOWN) {
        rpc_fail(c, GRPC_STATUS_NOT_FOUND, "unknown service name");
        return;
    }
    Grpc__Health__V1__HealthCheckResponse resp = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
    resp.status = st;
    rpc_reply(c, &resp.base);
}

void health_watch(rpc_call *c, const ProtobufCMessage *req)
{
    const Grpc__Health__V1__HealthCheckRequest *r = (const void *)req;
    rpc_server *s = rpc_call_server(c);
    watch *w = calloc(1, sizeof(*w));
    if (!w || !(w->name = strdup(r->service))) {
        free(w);
        rpc_fail(c, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    rpc_set_data(c, w, watch_cleanup);
    *call_watch_next(c) = s->watchers;
    s->watchers = c;
    /* Unknown names get SERVICE_UNKNOWN and stay open, as the protocol says. */
    w->last = status_of(s, w->name);
    send_status(c, w->last);
}

void health_update(rpc_server *s)
{
    for (rpc_call *c = s->watchers; c; c = *call_watch_next(c)) {
        watch *w = rpc_data(c);
        int st = status_of(s, w->name);
        if (st != w->last && !rpc_is_over(c)) {
            w->last = st;
            send_status(c, st);
        }
    }
}

static int status_of(rpc_server *s, const char *name)
{
    if (strcmp(name, "liveness") == 0)
        return HEALTH_SERVING;
    if (name[0] && strcmp(name, s->svc->desc->name) != 0)
        return HEALTH_UNKNOWN;
    return (s->all_db_up && !s->draining) ? HEALTH_SERVING : HEALTH_NOT_SERVING;
}

static void send_status(rpc_call *c, int status)
{
    Grpc__Health__V1__HealthCheckResponse resp = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
    /* HEALTH_UNKNOWN maps to SERVICE_UNKNOWN (3) on Watch. */
    resp.status = status == HEALTH_UNKNOWN
                      ? GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVICE_UNKNOWN
                      : (Grpc__Health__V1__HealthCheckResponse__ServingStatus)status;
    rpc_send(c, &resp.base);
}

static void watch_cleanup(rpc_call *c, void *data)
{
    rpc_server *s = rpc_call_server(c);
    watch *w = data;
    for (rpc_call **pp = &s->watchers; *pp; pp = call_watch_next(*pp)) {
        if (*pp == c) {
            *pp = *call_watch_next(c);
            break;
        }
    }
    free(w->name);
    free(w);
}
