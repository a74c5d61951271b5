/* SPDX-License-Identifier: GPL-2.0-or-later */
/* net.c -- the sockets usbip-replay needs: listen on / connect to "ADDR:PORT", name a peer,
 * the monotonic clock its deadlines use, and a poll that spins before it sleeps. */
#define _GNU_SOURCE
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "uip/wire.h"

uint64_t replay_net_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int replay_net_poll(struct pollfd *pfd, nfds_t n, uint64_t deadline_ns, uint64_t spin_ns, bool precise)
{
    uint64_t now = replay_net_now_ns();
    int r;
    if (spin_ns && deadline_ns > now) {
        uint64_t until = deadline_ns - now < spin_ns ? deadline_ns : now + spin_ns;
        while ((r = poll(pfd, n, 0)) == 0 && (now = replay_net_now_ns()) < until)
            ;
        if (r)
            return r;
    }
    if (deadline_ns == UINT64_MAX)
        return ppoll(pfd, n, NULL, NULL);
    /* The kernel lets a poll sleep overshoot by 0.1% of its length (timer slack) plus the
     * wake-up: a precise wait sleeps until a little before the deadline and spins the rest. */
    uint64_t early = precise ? 200000u + (deadline_ns > now ? (deadline_ns - now) / 500u : 0) : 0;
    if (deadline_ns > now + early) {
        uint64_t left = deadline_ns - early - now;
        struct timespec ts = {.tv_sec = (time_t)(left / 1000000000u), .tv_nsec = (long)(left % 1000000000u)};
        if ((r = ppoll(pfd, n, &ts, NULL)) != 0 || !precise)
            return r;
    }
    while ((r = poll(pfd, n, 0)) == 0 && replay_net_now_ns() < deadline_ns)
        ;
    return r;
}

/* Split spec into host and port ("[v6]" brackets removed); default_port when there is none. */
static int split_host_port(const char *spec, char *host, size_t hostlen, char *port, size_t portlen,
                           const char *default_port)
{
    const char *colon = strrchr(spec, ':');
    const char *close_bracket = strrchr(spec, ']');
    if (colon && close_bracket && colon < close_bracket)
        colon = NULL; /* "[::1]" without a port */
    if (spec[0] != '[' && colon && strchr(spec, ':') != colon)
        colon = NULL; /* a bare IPv6 address */
    size_t hl = colon ? (size_t)(colon - spec) : strlen(spec);
    if (hl >= hostlen || (!colon && !default_port) || (colon && !colon[1]))
        return -1;
    memcpy(host, spec, hl);
    host[hl] = 0;
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = 0;
    }
    snprintf(port, portlen, "%s", colon ? colon + 1 : default_port);
    return 0;
}

int replay_net_listen(const char *spec)
{
    char host[256], port[16];
    if (split_host_port(spec, host, sizeof host, port, sizeof port, NULL)) {
        replay_log("--listen wants ADDR:PORT, not '%s'", spec);
        return -1;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV},
                    *ai;
    int rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
    if (rc) {
        replay_log("cannot listen on %s: %s", spec, gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 16)) {
        replay_log("cannot listen on %s: %s", spec, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

int replay_net_connect(const char *spec, int timeout_ms)
{
    char host[256], port[16], dflt[16];
    snprintf(dflt, sizeof dflt, "%d", UIP_TCP_PORT);
    if (split_host_port(spec, host, sizeof host, port, sizeof port, dflt) || !host[0]) {
        replay_log("--server wants HOST[:PORT], not '%s'", spec);
        return -1;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV},
                    *ai;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc) {
        replay_log("cannot reach %s: %s", spec, gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) && errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int err = ETIMEDOUT;
        socklen_t el = sizeof err;
        if (poll(&p, 1, timeout_ms) == 1)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
        errno = err;
    } else if (fd >= 0) {
        errno = 0;
    }
    freeaddrinfo(ai);
    if (fd < 0 || errno) {
        replay_log("cannot connect to %s: %s", spec, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

void replay_net_name(const struct sockaddr *sa, char *buf, size_t len)
{
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        port = ntohs(a->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        port = ntohs(a->sin6_port);
    }
    snprintf(buf, len, "%s:%u", host, port);
}
