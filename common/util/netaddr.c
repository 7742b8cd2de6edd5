/* netaddr.c - listen addresses into socket addresses (see netaddr.h). */
#include "netaddr.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

int netaddr_parse(const char *host_port, int flags, struct sockaddr_storage *out)
{
    char host[256];
    const char *colon = strrchr(host_port, ':');
    if (!colon || (size_t)(colon - host_port) >= sizeof(host))
        return -1;
    int port = atoi(colon + 1);
    size_t n = (size_t)(colon - host_port);
    memcpy(host, host_port, n);
    host[n] = 0;
    memset(out, 0, sizeof(*out));
    int self = flags & NETADDR_SELF;
    if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
        host[n - 1] = 0;
        const char *h = self && strcmp(host + 1, "::") == 0 ? "::1" : host + 1;
        return uv_ip6_addr(h, port, (struct sockaddr_in6 *)out) == 0 ? 0 : -1;
    }
    const char *h = self && (strcmp(host, "0.0.0.0") == 0 || !host[0]) ? "127.0.0.1" : host;
    if (uv_ip4_addr(h, port, (struct sockaddr_in *)out) == 0)
        return 0;
    /* A name (localhost): loopback is where the process finds itself. */
    return self && uv_ip4_addr("127.0.0.1", port, (struct sockaddr_in *)out) == 0 ? 0 : -1;
}
