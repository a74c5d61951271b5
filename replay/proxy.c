/* SPDX-License-Identifier: GPL-2.0-or-later */
/* proxy.c -- forward live USB/IP sessions between a real client and a real server, adding a
 * delay per direction, record them as they reach the client (--write) and show them live. */
#define _GNU_SOURCE /* accept4 */
#include "proxy.h"

#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "net.h"

#define CHUNK 65536
#define CONNECT_TIMEOUT_MS 5000

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* Bytes read from one end, released to the other at a time. */
struct chunk {
    uint64_t release_ns;
    size_t len, sent;
    uint8_t data[];
};

/* One direction: bytes read from fd[from] waiting to go to fd[!from]. */
struct pipe_dir {
    GQueue chunks;
    size_t queued;
    uint64_t last_release_ns; /* jitter never reorders: a chunk never overtakes the one before */
    bool eof;                 /* the source closed */
};

/* [UIP_SIDE_CLIENT] is the client's socket, [UIP_SIDE_SERVER] the server's; dir[s] carries
 * what side s sent. */
struct proxy_conn {
    uint32_t id;
    int fd[2];
    struct pipe_dir dir[2];
    struct replay_pcap_flow *flow;
    struct replay_watch *watch;
    uint32_t watch_id; /* the connection's number in the live view */
    int ended_by;      /* the side whose stream ended first, -1 while both are open */
    bool reset;        /* that side's read failed */
    uint64_t bytes[2];
};

static void conn_free(struct proxy_conn *c)
{
    for (int s = 0; s < 2; s++) {
        close(c->fd[s]);
        g_queue_clear_full(&c->dir[s].chunks, free);
    }
    replay_log("proxy %u: closed after %llu bytes client->server, %llu bytes server->client", c->id,
               (unsigned long long)c->bytes[UIP_SIDE_CLIENT],
               (unsigned long long)c->bytes[UIP_SIDE_SERVER]);
    replay_pcap_flow_close(c->flow);
    if (c->watch)
        replay_watch_close(c->watch, c->watch_id, c->ended_by, c->reset);
    free(c);
}

/* Bytes of side s at the point the client sees them (its requests as they leave it, the answers
 * as they reach it): recorded with --write and shown in the live view. */
static void client_sees(struct proxy_conn *c, int s, const uint8_t *bytes, size_t len)
{
    if (c->flow)
        replay_pcap_flow_data(c->flow, (enum uip_side)s, bytes, len);
    if (c->watch)
        replay_watch_data(c->watch, c->watch_id, (enum uip_side)s, bytes, len);
}

/* Read what side s sent; false when the connection must end. */
static bool read_side(struct proxy_conn *c, int s, const struct replay_proxy_config *cfg, uint64_t now)
{
    struct chunk *k = malloc(sizeof *k + CHUNK);
    if (!k)
        return false;
    ssize_t n = recv(c->fd[s], k->data, CHUNK, 0);
    if (n <= 0) {
        free(k);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return true;
        c->dir[s].eof = true;
        if (c->ended_by < 0) {
            c->ended_by = s;
            c->reset = n < 0;
        }
        return true;
    }
    k->len = (size_t)n;
    k->sent = 0;
    k->release_ns = now + (s == UIP_SIDE_SERVER ? cfg->delay_down_ns : cfg->delay_up_ns);
    if (cfg->jitter_ns)
        k->release_ns += (uint64_t)g_random_double_range(0, (double)cfg->jitter_ns);
    if (k->release_ns < c->dir[s].last_release_ns)
        k->release_ns = c->dir[s].last_release_ns;
    c->dir[s].last_release_ns = k->release_ns;
    g_queue_push_tail(&c->dir[s].chunks, k);
    c->dir[s].queued += k->len;
    c->bytes[s] += k->len;
    if (s == UIP_SIDE_CLIENT)
        client_sees(c, s, k->data, k->len);
    return true;
}

/* Send what is due from direction s to the other end. */
static bool flush_dir(struct proxy_conn *c, int s, uint64_t now)
{
    struct pipe_dir *d = &c->dir[s];
    struct chunk *k;
    while ((k = g_queue_peek_head(&d->chunks)) && k->release_ns <= now) {
        ssize_t n = send(c->fd[!s], k->data + k->sent, k->len - k->sent, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return true;
        if (n <= 0)
            return false;
        if (s == UIP_SIDE_SERVER)
            client_sees(c, s, k->data + k->sent, (size_t)n);
        k->sent += (size_t)n;
        if (k->sent < k->len)
            return true;
        d->queued -= k->len;
        free(g_queue_pop_head(&d->chunks));
    }
    return true;
}

static bool conn_done(struct proxy_conn *c)
{
    for (int s = 0; s < 2; s++)
        if (c->dir[s].eof && g_queue_is_empty(&c->dir[s].chunks))
            return true; /* one end left and everything it sent was delivered */
    return false;
}

static uint64_t conn_deadline(struct proxy_conn *c)
{
    uint64_t next = UINT64_MAX;
    for (int s = 0; s < 2; s++) {
        const struct chunk *k = g_queue_peek_head(&c->dir[s].chunks);
        if (k && k->release_ns < next)
            next = k->release_ns;
    }
    return next;
}

static struct proxy_conn *accept_one(int lfd, uint32_t id, const struct replay_proxy_config *cfg)
{
    struct sockaddr_storage sa, local;
    socklen_t sl = sizeof sa, ll = sizeof local;
    int fd = accept4(lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return NULL;
    char peer[64];
    replay_net_name((struct sockaddr *)&sa, peer, sizeof peer);
    int up = replay_net_connect(cfg->server, CONNECT_TIMEOUT_MS);
    struct proxy_conn *c = up >= 0 ? calloc(1, sizeof *c) : NULL;
    if (!c) {
        replay_log("proxy %u (%s): refused: no connection to %s", id, peer, cfg->server);
        if (up >= 0)
            close(up);
        close(fd);
        return NULL;
    }
    c->id = id;
    c->ended_by = -1;
    c->fd[UIP_SIDE_CLIENT] = fd;
    c->fd[UIP_SIDE_SERVER] = up;
    g_queue_init(&c->dir[0].chunks);
    g_queue_init(&c->dir[1].chunks);
    getsockname(fd, (struct sockaddr *)&local, &ll);
    if (cfg->write)
        c->flow = replay_pcap_flow_open(cfg->write, (struct sockaddr *)&sa, (struct sockaddr *)&local);
    if (cfg->watch) {
        c->watch = cfg->watch;
        c->watch_id = replay_watch_open(cfg->watch, (struct sockaddr *)&sa, (struct sockaddr *)&local);
    }
    replay_log("proxy %u: %s <-> %s", id, peer, cfg->server);
    return c;
}

int replay_proxy_run(const struct replay_proxy_config *cfg)
{
    int lfd = replay_net_listen(cfg->listen_addr);
    if (lfd < 0)
        return -1;
    struct sigaction sa = {.sa_handler = on_stop_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    replay_log(
        "proxying %s -> %s (+%.1f ms to the client, +%.1f ms to the server, jitter up to %.1f ms)",
        cfg->listen_addr, cfg->server, (double)cfg->delay_down_ns / 1e6, (double)cfg->delay_up_ns / 1e6,
        (double)cfg->jitter_ns / 1e6);
    struct proxy_conn *conns[REPLAY_PROXY_MAX_CONNECTIONS];
    size_t n_conns = 0;
    uint32_t next_id = 0;
    bool one_ended = false;
    struct pollfd pfd[1 + 2 * REPLAY_PROXY_MAX_CONNECTIONS];
    while (!stop_requested && !(cfg->once && one_ended)) {
        uint64_t now = replay_net_now_ns(), next = UINT64_MAX;
        pfd[0] =
            (struct pollfd){.fd = n_conns < REPLAY_PROXY_MAX_CONNECTIONS ? lfd : -1, .events = POLLIN};
        for (size_t i = 0; i < n_conns; i++) {
            struct proxy_conn *c = conns[i];
            for (int s = 0; s < 2; s++) {
                const struct chunk *due = g_queue_peek_head(&c->dir[!s].chunks);
                short ev = 0;
                if (!c->dir[s].eof && c->dir[s].queued < REPLAY_PROXY_MAX_QUEUED)
                    ev |= POLLIN;
                if (due && due->release_ns <= now)
                    ev |= POLLOUT; /* fd[s] receives direction !s */
                pfd[1 + 2 * i + (size_t)s] = (struct pollfd){.fd = c->fd[s], .events = ev};
            }
            uint64_t d = conn_deadline(c);
            if (d < next)
                next = d;
        }
        int timeout = next == UINT64_MAX ? 1000 : next <= now ? 0 : (int)((next - now) / 1000000 + 1);
        if (timeout > 1000)
            timeout = 1000;
        int n = poll(pfd, 1 + 2 * n_conns, timeout);
        if (n < 0 && errno != EINTR)
            break;
        now = replay_net_now_ns();
        for (size_t i = n_conns; i-- > 0;) {
            struct proxy_conn *c = conns[i];
            bool ok = true;
            for (int s = 0; s < 2 && ok; s++)
                if (n > 0 && (pfd[1 + 2 * i + (size_t)s].revents & (POLLIN | POLLHUP | POLLERR)))
                    ok = read_side(c, s, cfg, now);
            for (int s = 0; s < 2 && ok; s++)
                ok = flush_dir(c, s, now);
            if (!ok || conn_done(c)) {
                conn_free(c);
                conns[i] = conns[--n_conns];
                one_ended = true;
            }
        }
        if (n > 0 && (pfd[0].revents & POLLIN) && n_conns < REPLAY_PROXY_MAX_CONNECTIONS) {
            struct proxy_conn *c = accept_one(lfd, ++next_id, cfg);
            if (c)
                conns[n_conns++] = c;
        }
        if (cfg->watch)
            replay_watch_tick(cfg->watch);
    }
    while (n_conns)
        conn_free(conns[--n_conns]);
    close(lfd);
    return 0;
}
