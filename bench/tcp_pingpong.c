/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_pingpong.c -- the floor for usbip-replay pair's round trips: two threads of one process
 * exchange fixed-size messages over loopback TCP (TCP_NODELAY, blocking send and recv), one
 * request and one answer at a time, as a serial chain of URBs does. Prints round trips per second.
 * Usage: tcp_pingpong ROUNDS REQUEST_BYTES ANSWER_BYTES [spin]
 *   spin: receive with MSG_DONTWAIT in a loop instead of blocking (what pair does). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct side {
    int fd;
    long rounds;
    size_t in_len, out_len;
    bool spin;
};

static bool recv_exactly(int fd, char *p, size_t len, bool spin)
{
    while (len) {
        ssize_t n = recv(fd, p, len, spin ? MSG_DONTWAIT : 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool send_exactly(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* The answering side: read a request, send an answer, ROUNDS times. */
static void *answer(void *arg)
{
    struct side *s = arg;
    char *in = calloc(1, s->in_len), *out = calloc(1, s->out_len);
    for (long i = 0; in && out && i < s->rounds; i++)
        if (!recv_exactly(s->fd, in, s->in_len, s->spin) || !send_exactly(s->fd, out, s->out_len))
            break;
    free(in);
    free(out);
    return NULL;
}

static void set_nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: tcp_pingpong ROUNDS REQUEST_BYTES ANSWER_BYTES [spin]\n");
        return 2;
    }
    long rounds = atol(argv[1]);
    size_t req = (size_t)atol(argv[2]), ans = (size_t)atol(argv[3]);
    bool spin = argc > 4 && !strcmp(argv[4], "spin");
    if (rounds <= 0 || !req || !ans) {
        fprintf(stderr, "tcp_pingpong: ROUNDS and sizes must be positive\n");
        return 2;
    }
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) || listen(lfd, 1) ||
        getsockname(lfd, (struct sockaddr *)&sa, &sl)) {
        perror("tcp_pingpong: listen");
        return 1;
    }
    int cfd = socket(AF_INET, SOCK_STREAM, 0);
    if (cfd < 0 || connect(cfd, (struct sockaddr *)&sa, sizeof sa)) {
        perror("tcp_pingpong: connect");
        return 1;
    }
    int afd = accept(lfd, NULL, NULL);
    if (afd < 0) {
        perror("tcp_pingpong: accept");
        return 1;
    }
    set_nodelay(cfd);
    set_nodelay(afd);
    struct side server = {.fd = afd, .rounds = rounds, .in_len = req, .out_len = ans, .spin = spin};
    pthread_t t;
    if (pthread_create(&t, NULL, answer, &server)) {
        fprintf(stderr, "tcp_pingpong: cannot start a thread\n");
        return 1;
    }
    char *out = calloc(1, req), *in = calloc(1, ans);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    long done = 0;
    while (out && in && done < rounds && send_exactly(cfd, out, req) && recv_exactly(cfd, in, ans, spin))
        done++;
    clock_gettime(CLOCK_MONOTONIC, &b);
    pthread_join(t, NULL);
    double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("%ld round trips in %.3f s: %.0f per second\n", done, secs, (double)done / secs);
    free(out);
    free(in);
    return done == rounds ? 0 : 1;
}
