/* Unit tests for selfprobe: the process's probe of its own listener, over
 * loopback. Two sockets listen on one port with SO_REUSEPORT, as the
 * loops of a process do: one accepted from the test's libuv loop (a live
 * listener), one that nobody accepts (a dead one, whose connections wait in
 * its backlog). A round of the probe is `width` connections; the kernel
 * hands each to one of the two sockets. The timeouts are generous: a slow
 * machine makes a live listener's answer late, never a dead one's early. */
#include "selfprobe.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct fixture {
    uv_loop_t loop;
    uv_tcp_t live;
    int live_open;
    int dead_fd; /* -1: no dead listener */
    int port;
    selfprobe *probe;
    int accepted;   /* connections the live listener took */
    int reported;   /* the probe's dead callback ran */
    int stop_after; /* close everything once the live one took this many */
} fixture;

static fixture fx;

/* A socket listening on 127.0.0.1:port with SO_REUSEPORT (port 0: any);
 * the port it got in *got. */
static int reuseport_listener(int port, int *got)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), on = 1;
    cr_assert(fd >= 0);
    cr_assert(setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "bind: %s", strerror(errno));
    cr_assert(listen(fd, 128) == 0);
    socklen_t len = sizeof(a);
    cr_assert(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    *got = ntohs(a.sin_port);
    return fd;
}

static void shut_down(void);

static void client_closed(uv_handle_t *h)
{
    free(h);
}

/* Accepts and closes at once: the probe takes the close for an answer. */
static void on_connection(uv_stream_t *server, int status)
{
    cr_assert(status == 0);
    uv_tcp_t *c = malloc(sizeof(*c));
    cr_assert(c != NULL);
    uv_tcp_init(&fx.loop, c);
    cr_assert(uv_accept(server, (uv_stream_t *)c) == 0);
    uv_close((uv_handle_t *)c, client_closed);
    fx.accepted++;
    if (fx.stop_after && fx.accepted >= fx.stop_after)
        shut_down();
}

static void dead_cb(void *arg)
{
    cr_assert(arg == &fx);
    fx.reported++;
    shut_down();
}

static void shut_down(void)
{
    selfprobe_close(fx.probe);
    fx.probe = NULL;
    if (fx.live_open) {
        fx.live_open = 0;
        uv_close((uv_handle_t *)&fx.live, NULL);
    }
}

/* The live listener (and the dead one beside it when with_dead). */
static void setup(int with_dead)
{
    memset(&fx, 0, sizeof(fx));
    fx.dead_fd = -1;
    cr_assert(uv_loop_init(&fx.loop) == 0);
    int fd = reuseport_listener(0, &fx.port);
    uv_tcp_init(&fx.loop, &fx.live);
    cr_assert(uv_tcp_open(&fx.live, fd) == 0);
    cr_assert(uv_listen((uv_stream_t *)&fx.live, 128, on_connection) == 0);
    fx.live_open = 1;
    if (with_dead) {
        int port;
        fx.dead_fd = reuseport_listener(fx.port, &port);
        cr_assert(port == fx.port);
    }
}

/* The connections waiting in the dead listener's backlog. */
static int dead_backlog(void)
{
    int n = 0, c;
    cr_assert(fcntl(fx.dead_fd, F_SETFL, O_NONBLOCK) == 0); /* EAGAIN once it is empty */
    while ((c = accept4(fx.dead_fd, NULL, NULL, 0)) >= 0) {
        close(c);
        n++;
    }
    return n;
}

static void teardown(void)
{
    if (fx.dead_fd >= 0)
        close(fx.dead_fd);
    cr_assert(uv_loop_close(&fx.loop) == 0, "every handle closed");
}

/* Probes the port every 50 ms until the probe reports or the live
 * listener took stop_after connections. */
static void probe(int width, int misses, int timeout_ms)
{
    char addr[32];
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", fx.port);
    fx.probe = selfprobe_start(&fx.loop, addr, 50, timeout_ms, width, misses, dead_cb, &fx);
    cr_assert(fx.probe != NULL);
    uv_run(&fx.loop, UV_RUN_DEFAULT);
}

/* After two misses in a row beside a dead listener: how many connections
 * the two rounds made, accepted or waiting in the dead one's backlog. */
static int two_missed_rounds(int width)
{
    setup(1);
    probe(width, 2, 3000);
    cr_assert(fx.reported == 1, "reported %d times", fx.reported);
    int waiting = dead_backlog();
    cr_assert(waiting > 0, "the dead listener got none of the probe's connections");
    teardown();
    return fx.accepted + waiting;
}

Test(selfprobe, a_wide_round_finds_a_dead_listener_beside_a_live_one)
{
    /* Two misses in a row: two rounds of 16 connections, each of which
     * reaches the dead socket unless all 16 went to the live one (odds of
     * 1 in 65,536 a round). A round of one connection would need two
     * connections in a row to reach the dead socket, and would make 2. */
    int made = two_missed_rounds(16);
    cr_assert(made == 32, "%d connections: two rounds of 16", made);
}

Test(selfprobe, a_round_is_at_most_its_cap)
{
    int made = two_missed_rounds(1000);
    cr_assert(made == 2 * SELFPROBE_WIDTH_MAX, "%d connections: two rounds of %d", made,
              SELFPROBE_WIDTH_MAX);
}

Test(selfprobe, a_live_listener_alone_is_never_reported)
{
    setup(0);
    /* Ten rounds of 4, each answered. */
    fx.stop_after = 40;
    probe(4, 1, 10000);
    cr_assert(fx.reported == 0);
    cr_assert(fx.accepted == 40);
    teardown();
}

Test(selfprobe, a_refused_connection_is_a_miss)
{
    setup(0);
    /* Nothing listens on the port once the live listener is closed. */
    uv_close((uv_handle_t *)&fx.live, NULL);
    fx.live_open = 0;
    probe(4, 3, 10000);
    cr_assert(fx.reported == 1);
    cr_assert(fx.accepted == 0);
    teardown();
}
