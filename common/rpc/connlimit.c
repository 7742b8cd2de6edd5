/*
 * connlimit.c - the accept4 of the process (see connlimit.h for why it
 * replaces the C library's).
 */
#include "connlimit.h"

#include "h2watch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Connections refused in one call before EAGAIN. The whole backlog should go
 * (gRPC waits for the next edge after EAGAIN, and what stays in the backlog
 * waits with it), but a flood must not keep gRPC's acceptor here for ever. */
#define DRAIN_MAX 65536

static atomic_int limit_fd = INT_MAX; /* refuse descriptors >= this */
static atomic_ullong refused;
static atomic_ullong reset_floods; /* connections shut down by h2watch */
/* Per descriptor below watch_cap: the frame watch of an accepted connection
 * (watched[fd] set by accept4, read by recvmsg on gRPC's reading thread). */
static h2watch *watches;
static atomic_uchar *watched;
static int watch_cap;
static uint32_t watch_block_max; /* set before any accept */
static int reserve_fd = -1;      /* guarded by reserve_lock */
static pthread_mutex_t reserve_lock = PTHREAD_MUTEX_INITIALIZER;

static int kernel_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
static int shed_one(int fd);
static int retry_later(int err);
static size_t watch_read(int fd, const struct msghdr *msg, size_t n);

int connlimit_init(int max_conns, uint32_t block_max, int *allowed, char *err, size_t errsz)
{
    watch_block_max = block_max;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        snprintf(err, errsz, "cannot read RLIMIT_NOFILE");
        return -1;
    }
    /* The soft limit is a default for programs that might misuse select(2);
     * this one uses epoll and can have every descriptor the hard limit allows. */
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max == RLIM_INFINITY ? 1048576 : rl.rlim_max;
        if (want > rl.rlim_cur) {
            struct rlimit raised = {want, rl.rlim_max};
            if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
                rl.rlim_cur = want;
        }
    }
    long nofile =
        rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > INT_MAX ? INT_MAX : (long)rl.rlim_cur;

    pthread_mutex_lock(&reserve_lock);
    if (reserve_fd < 0)
        reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    /* What is open now (the loop, gRPC's pipes, the log) sits below this. */
    int base = reserve_fd >= 0 ? reserve_fd + 1 : 3;
    pthread_mutex_unlock(&reserve_lock);

    long room = nofile - base - CONNLIMIT_HEADROOM;
    if (room < 1) {
        snprintf(err, errsz,
                 "RLIMIT_NOFILE is %ld: no room for connections after %d descriptors kept free; "
                 "raise it (ulimit -n)",
                 nofile, CONNLIMIT_HEADROOM);
        return -1;
    }
    long want = max_conns > 0 ? max_conns : CONNLIMIT_DEFAULT;
    if (want > room)
        want = room;
    int limit = (int)(base + want);
    if (!watches) {
        watches = calloc((size_t)limit, sizeof(*watches));
        watched = calloc((size_t)limit, sizeof(*watched));
        if (!watches || !watched) {
            free(watches);
            free((void *)watched);
            watches = NULL;
            watched = NULL;
            snprintf(err, errsz, "out of memory");
            return -1;
        }
        watch_cap = limit;
    }
    atomic_store(&limit_fd, limit < watch_cap ? limit : watch_cap);
    *allowed = (int)want;
    return 0;
}

unsigned long long connlimit_reset_floods(void)
{
    return atomic_load(&reset_floods);
}

unsigned long long connlimit_refused(void)
{
    return atomic_load(&refused);
}

/* Replaces the C library's accept4 for the whole process (see connlimit.h). */
int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    int limit = atomic_load(&limit_fd);
    for (int drained = 0;; drained++) {
        int c = kernel_accept4(fd, addr, len, flags);
        if (c >= 0) {
            if (c < limit) {
                if (watches && c < watch_cap) {
                    h2watch_init(&watches[c], watch_block_max);
                    atomic_store_explicit(&watched[c], 1, memory_order_release);
                }
                return c;
            }
            close(c); /* at the cap: refused, and so is the rest of the backlog */
            atomic_fetch_add(&refused, 1);
        } else if (errno == EMFILE || errno == ENFILE) {
            if (limit == INT_MAX || shed_one(fd) != 0) {
                errno = limit == INT_MAX ? errno : EAGAIN;
                return -1;
            }
            atomic_fetch_add(&refused, 1);
        } else {
            if (retry_later(errno))
                errno = ECONNABORTED;
            return -1;
        }
        if (drained >= DRAIN_MAX) {
            errno = EAGAIN;
            return -1;
        }
    }
}

/* Replaces the C library's recvmsg, which gRPC reads its connections with:
 * the bytes of accepted connections pass through their h2watch. */
ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    ssize_t n = (ssize_t)syscall(SYS_recvmsg, fd, msg, flags);
    if (n > 0 && fd >= 0 && fd < watch_cap &&
        atomic_load_explicit(&watched[fd], memory_order_acquire))
        n = (ssize_t)watch_read(fd, msg, (size_t)n);
    return n;
}

/* ---- internals ------------------------------------------------------- */

/* A flood of resets: the socket is shut down under gRPC, whose transport
 * then sees the end of the stream and closes with every call on it. */
static size_t watch_read(int fd, const struct msghdr *msg, size_t n)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    uint64_t now_ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    size_t kept = 0;
    int flood = 0;
    for (size_t i = 0; i < (size_t)msg->msg_iovlen && n > 0 && !flood; i++) {
        size_t k = msg->msg_iov[i].iov_len < n ? msg->msg_iov[i].iov_len : n;
        kept += h2watch_feed(&watches[fd], msg->msg_iov[i].iov_base, k, now_ms, &flood);
        n -= k;
    }
    if (flood) {
        /* The frames past the line are dropped with the connection. */
        atomic_store_explicit(&watched[fd], 0, memory_order_relaxed);
        shutdown(fd, SHUT_RDWR);
        atomic_fetch_add(&reset_floods, 1);
    }
    return kept;
}

static int kernel_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    return (int)syscall(SYS_accept4, fd, addr, len, flags);
}

/* Out of descriptors: the reserved one makes room to take one waiting
 * connection off the backlog and close it. 0 when one was shed, -1 when the
 * backlog is empty or no room could be made. */
static int shed_one(int fd)
{
    int rc = -1;
    pthread_mutex_lock(&reserve_lock);
    if (reserve_fd >= 0) {
        close(reserve_fd);
        int c = kernel_accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        int saved = errno;
        if (c >= 0) {
            close(c);
            rc = 0;
        }
        reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        errno = saved;
    }
    pthread_mutex_unlock(&reserve_lock);
    return rc;
}

/* accept(2): "Linux accept() passes already-pending network errors on the
 * new socket as an error code ... the application should treat them like
 * EAGAIN by retrying". */
static int retry_later(int err)
{
    switch (err) {
    case ENETDOWN:
    case EPROTO:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
    case ENOBUFS:
    case ENOMEM:
    case EPERM:
        return 1;
    default:
        return 0;
    }
}
