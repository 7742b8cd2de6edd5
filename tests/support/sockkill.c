/*
 * sockkill - `cameos-sockkill PID PORT`: shuts down the listening TCP socket
 * on PORT inside process PID, as a failing kernel or a stray shutdown(2)
 * would. gRPC 1.51's next accept then fails with EINVAL and its listener
 * stops for good: the attack suite uses this to check that the process
 * notices (common/rpc/selfprobe.c) and exits non-zero.
 *
 * Finds the socket through /proc (the inode of a LISTEN entry on PORT in
 * /proc/net/tcp or tcp6, then the fd of PID linking to it), takes a copy of
 * the descriptor with pidfd_getfd(2) (Linux 5.6, ptrace rights: root) and
 * shuts it down. Exit 0 when it did, 1 otherwise (with the reason).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

static unsigned long listen_inode(int port);
static int fd_of_inode(int pid, unsigned long inode);

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s PID PORT\n", argv[0]);
        return 1;
    }
    int pid = atoi(argv[1]), port = atoi(argv[2]);
    unsigned long inode = listen_inode(port);
    if (!inode) {
        fprintf(stderr, "sockkill: nothing listens on port %d\n", port);
        return 1;
    }
    int target = fd_of_inode(pid, inode);
    if (target < 0) {
        fprintf(stderr, "sockkill: process %d has no descriptor for that socket\n", pid);
        return 1;
    }
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    int fd = pidfd >= 0 ? (int)syscall(SYS_pidfd_getfd, pidfd, target, 0) : -1;
    if (fd < 0 || shutdown(fd, SHUT_RDWR) != 0) {
        fprintf(stderr, "sockkill: %s\n", strerror(errno));
        return 1;
    }
    close(fd);
    close(pidfd);
    return 0;
}

static unsigned long listen_inode(int port)
{
    static const char *const tables[] = {"/proc/net/tcp", "/proc/net/tcp6"};
    for (size_t t = 0; t < 2; t++) {
        FILE *f = fopen(tables[t], "r");
        if (!f)
            continue;
        char line[512];
        while (fgets(line, sizeof(line), f)) {
            char local[128];
            unsigned st;
            unsigned long inode;
            /* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
            if (sscanf(line, " %*s %127s %*s %x %*s %*s %*s %*s %*s %lu", local, &st, &inode) != 3)
                continue;
            const char *colon = strrchr(local, ':');
            if (st == 0x0A && colon && (int)strtol(colon + 1, NULL, 16) == port) {
                fclose(f);
                return inode;
            }
        }
        fclose(f);
    }
    return 0;
}

static int fd_of_inode(int pid, unsigned long inode)
{
    char dir[64], want[64];
    snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
    snprintf(want, sizeof(want), "socket:[%lu]", inode);
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    int found = -1;
    while (found < 0 && (e = readdir(d))) {
        char path[PATH_MAX], link[128];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        ssize_t n = readlink(path, link, sizeof(link) - 1);
        if (n <= 0)
            continue;
        link[n] = 0;
        if (strcmp(link, want) == 0)
            found = atoi(e->d_name);
    }
    closedir(d);
    return found;
}
