/*
 * test_connlimit - the process's accept4 on real loopback sockets: the cap
 * refuses what is past it (and keeps what is under it), and a full
 * descriptor table sheds the backlog instead of failing with EMFILE, the
 * error that stops gRPC 1.51's listener for good. Criterion runs each test
 * in a process of its own, so the process-wide limits do not leak.
 */
#include "connlimit.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define NCLIENTS 5

static int listener(struct sockaddr_in *addr)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    cr_assert_eq(listen(fd, 64), 0);
    socklen_t len = sizeof(*addr);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)addr, &len), 0);
    return fd;
}

static int client(const struct sockaddr_in *addr)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(fd, 0);
    cr_assert_eq(connect(fd, (const struct sockaddr *)addr, sizeof(*addr)), 0);
    return fd;
}

/* 1 when the server side closed the connection (EOF or reset), 0 when it is
 * still open after a generous wait. */
static int closed_by_server(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 5000) <= 0)
        return 0;
    char b;
    ssize_t n = read(fd, &b, 1);
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

Test(connlimit, passes_through_before_init)
{
    struct sockaddr_in a;
    int l = listener(&a);
    errno = 0;
    cr_assert_eq(accept4(l, NULL, NULL, SOCK_CLOEXEC), -1);
    cr_assert_eq(errno, EAGAIN);
    int c = client(&a);
    int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    cr_assert_geq(s, 0);
    cr_assert_eq(connlimit_refused(), 0);
    close(s);
    close(c);
    close(l);
}

Test(connlimit, keeps_what_fits_and_refuses_the_rest)
{
    struct sockaddr_in a;
    int l = listener(&a);
    int cl[NCLIENTS];
    for (int i = 0; i < NCLIENTS; i++)
        cl[i] = client(&a); /* opened first: their descriptors sit below the limit */
    int allowed = 0;
    char err[256];
    cr_assert_eq(connlimit_init(2, 0, &allowed, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(allowed, 2);
    int s1 = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    int s2 = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    cr_assert(s1 >= 0 && s2 >= 0, "the first two connections are kept");
    errno = 0;
    cr_assert_eq(accept4(l, NULL, NULL, SOCK_CLOEXEC), -1, "the third is past the cap");
    cr_assert_eq(errno, EAGAIN, "the caller is told to wait, not that accepting failed");
    cr_assert_eq(connlimit_refused(), NCLIENTS - 2, "the whole backlog past the cap was refused");
    for (int i = 2; i < NCLIENTS; i++)
        cr_assert(closed_by_server(cl[i]), "client %d was closed", i);
    /* Room again: the listener goes on (the client first, so that its own
     * descriptor does not take the place s1 leaves). */
    int late = client(&a);
    close(s1);
    int s3 = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    cr_assert_geq(s3, 0, "a connection is kept once one has gone");
    close(s3);
    close(late);
    close(s2);
    for (int i = 0; i < NCLIENTS; i++)
        close(cl[i]);
    close(l);
}

Test(connlimit, full_descriptor_table_sheds_instead_of_emfile)
{
    struct sockaddr_in a;
    int l = listener(&a);
    int allowed = 0;
    char err[256];
    cr_assert_eq(connlimit_init(100, 0, &allowed, err, sizeof(err)), 0, "%s", err);
    int cl[NCLIENTS];
    for (int i = 0; i < NCLIENTS; i++)
        cl[i] = client(&a);
    /* The soft limit at the lowest free descriptor: no new one can be had. */
    int probe = open("/dev/null", O_RDONLY);
    cr_assert_geq(probe, 0);
    close(probe);
    struct rlimit saved, tight;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
    tight = saved;
    tight.rlim_cur = (rlim_t)probe;
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &tight), 0);
    cr_assert_eq(open("/dev/null", O_RDONLY), -1, "the table is full");
    cr_assert_eq(errno, EMFILE);

    errno = 0;
    cr_assert_eq(accept4(l, NULL, NULL, SOCK_CLOEXEC), -1);
    cr_assert_eq(errno, EAGAIN, "EMFILE never reaches the caller (got %d)", errno);
    cr_assert_eq(connlimit_refused(), NCLIENTS, "every waiting connection was shed");
    for (int i = 0; i < NCLIENTS; i++)
        cr_assert(closed_by_server(cl[i]), "client %d was closed", i);

    /* Descriptors again: the same listener accepts. */
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &saved), 0);
    int c = client(&a);
    int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    cr_assert_geq(s, 0);
    close(s);
    close(c);
    for (int i = 0; i < NCLIENTS; i++)
        close(cl[i]);
    close(l);
}

Test(connlimit, refuses_to_start_without_room)
{
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    rl.rlim_cur = 64;
    rl.rlim_max = 64; /* lowered for this test's process only */
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    int allowed = -1;
    char err[256] = "";
    cr_assert_eq(connlimit_init(0, 0, &allowed, err, sizeof(err)), -1);
    cr_assert(strstr(err, "RLIMIT_NOFILE is 64"), "%s", err);
    cr_assert_eq(allowed, -1);
}

Test(connlimit, cap_is_bounded_by_the_descriptor_limit)
{
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    rl.rlim_cur = 400;
    rl.rlim_max = 400;
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    int allowed = 0;
    char err[256];
    cr_assert_eq(connlimit_init(100000, 0, &allowed, err, sizeof(err)), 0, "%s", err);
    cr_assert(allowed > 0 && allowed <= 400 - CONNLIMIT_HEADROOM, "allowed %d", allowed);
    cr_assert_eq(connlimit_init(0, 0, &allowed, err, sizeof(err)), 0, "%s", err);
    cr_assert(allowed <= 400 - CONNLIMIT_HEADROOM, "the default is bounded too (%d)", allowed);
}
