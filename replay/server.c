/* SPDX-License-Identifier: GPL-2.0-or-later */
/* server.c -- the replay server's socket loop: listen, accept, poll the connections, run
 * their deadlines, stop on a signal (or after the first imported session with once). */
#define _GNU_SOURCE
#include "server.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "net.h"

/* Set by SIGINT/SIGTERM: the process is to end. */
static volatile sig_atomic_t stop_signalled;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_signalled = 1;
}

struct server {
    const struct replay_server_config *cfg;
    struct replay_conn *conns[REPLAY_MAX_CONNECTIONS];
    size_t n_conns;
    uint32_t next_id;
    bool imported_session_ended;
};

static void drop_conn(struct server *s, size_t i)
{
    if (replay_conn_imported(s->conns[i]))
        s->imported_session_ended = true;
    replay_conn_free(s->conns[i]);
    s->conns[i] = s->conns[--s->n_conns];
}

static void accept_clients(struct server *s, int lfd)
{
    for (;;) {
        struct sockaddr_storage sa;
        socklen_t sl = sizeof sa;
        int fd = accept4(lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        char peer[INET6_ADDRSTRLEN + 8];
        replay_net_name((struct sockaddr *)&sa, peer, sizeof peer);
        uint32_t id = ++s->next_id;
        if (s->n_conns == REPLAY_MAX_CONNECTIONS) {
            replay_log("conn %u (%s): refused: %d connections already open", id, peer,
                       REPLAY_MAX_CONNECTIONS);
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct replay_pcap_flow *flow = NULL;
        if (s->cfg->write) {
            struct sockaddr_storage local;
            socklen_t ll = sizeof local;
            getsockname(fd, (struct sockaddr *)&local, &ll);
            flow =
                replay_pcap_flow_open(s->cfg->write, (struct sockaddr *)&sa, (struct sockaddr *)&local);
        }
        struct replay_conn *c = replay_conn_new(fd, id, peer, &s->cfg->serve, replay_net_now_ns(), flow);
        if (!c) {
            replay_pcap_flow_close(flow);
            replay_log("conn %u (%s): refused: out of memory", id, peer);
            close(fd);
            continue;
        }
        replay_log_verbose("conn %u (%s): connected", id, peer);
        s->conns[s->n_conns++] = c;
    }
}

/* When poll must return: the earliest deadline of a connection (*due: one is), else in a
 * second (to notice a stop request). */
static uint64_t poll_deadline(const struct server *s, bool *due)
{
    uint64_t now = replay_net_now_ns(), next = now + 1000000000u;
    *due = false;
    for (size_t i = 0; i < s->n_conns; i++) {
        if (replay_conn_has_input(s->conns[i])) {
            *due = true;
            return now;
        }
        uint64_t d = replay_conn_next_deadline(s->conns[i]);
        if (d <= next) {
            next = d;
            *due = true;
        }
    }
    return next;
}

enum replay_server_result replay_server_run(const struct replay_server_config *cfg)
{
    int lfd = replay_net_listen(cfg->listen_addr);
    if (lfd < 0)
        return REPLAY_SERVER_LISTEN_FAILED;
    return replay_server_run_on(lfd, cfg);
}

enum replay_server_result replay_server_run_on(int lfd, const struct replay_server_config *cfg)
{
    /* Answers are due at microsecond times: no timer slack (50 us by default) on the waits. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    struct sigaction sa = {.sa_handler = on_stop_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    replay_log("serving busid %s (%04x:%04x) on %s", cfg->serve.rec->device.busid,
               cfg->serve.rec->device.id_vendor, cfg->serve.rec->device.id_product, cfg->listen_addr);
    struct server s = {.cfg = cfg};
    enum replay_server_result result = REPLAY_SERVER_STOPPED;
    struct pollfd pfd[REPLAY_MAX_CONNECTIONS + 1];
    while (!stop_signalled && !(cfg->stop && *cfg->stop) && !(cfg->once && s.imported_session_ended)) {
        pfd[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
        for (size_t i = 0; i < s.n_conns; i++)
            pfd[i + 1] = (struct pollfd){
                .fd = replay_conn_fd(s.conns[i]),
                .events = (short)(POLLIN | (replay_conn_wants_write(s.conns[i]) ? POLLOUT : 0))};
        size_t polled = s.n_conns;
        bool due;
        uint64_t deadline = poll_deadline(&s, &due);
        int n = replay_net_poll(pfd, polled + 1, deadline, cfg->spin_ns, due);
        if (n < 0 && errno != EINTR) {
            replay_log("poll failed: %s", strerror(errno));
            result = REPLAY_SERVER_FAILED;
            break;
        }
        uint64_t now = replay_net_now_ns();
        /* Walk backwards: drop_conn moves the last connection into the freed slot. */
        for (size_t i = polled; i-- > 0;) {
            struct replay_conn *c = s.conns[i];
            short re = n > 0 ? pfd[i + 1].revents : 0;
            bool ok = true;
            if ((re & (POLLIN | POLLHUP | POLLERR)) || replay_conn_has_input(c))
                ok = replay_conn_on_readable(c, now);
            if (ok && (re & POLLOUT))
                ok = replay_conn_on_writable(c);
            if (ok)
                ok = replay_conn_on_time(c, now);
            if (!ok)
                drop_conn(&s, i);
        }
        if (n > 0 && (pfd[0].revents & POLLIN))
            accept_clients(&s, lfd);
    }
    while (s.n_conns)
        drop_conn(&s, s.n_conns - 1);
    close(lfd);
    return result;
}
