/*
 * netaddr - "host:port" and "[v6]:port" (GRPC_LISTEN, METRICS_LISTEN) into a
 * socket address. Pure; nothing allocated.
 */
#ifndef CAMEOS_NETADDR_H
#define CAMEOS_NETADDR_H

#include <sys/socket.h>

/* To reach the process's own listener: the wildcard addresses (0.0.0.0,
 * [::]) and host names become loopback. */
#define NETADDR_SELF 1

/* 0, or -1 when host_port does not parse (a name, without NETADDR_SELF). */
int netaddr_parse(const char *host_port, int flags, struct sockaddr_storage *out)
    __attribute__((warn_unused_result));

#endif
