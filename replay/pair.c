/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pair.c -- usbip-replay pair: serve and drive of one recording against each other over loopback,
 * in two threads of one process: the replayed session must reproduce the recorded URB sequence. */
#define _GNU_SOURCE
#include "pair.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "net.h"
#include "server.h"

struct serve_thread {
    int lfd;
    _Atomic int stop; /* set when drive ended without the session the server waits for */
    struct replay_server_config cfg;
    enum replay_server_result result;
    uint64_t divergences;
};

static void *serve_thread_main(void *arg)
{
    struct serve_thread *t = arg;
    t->result = replay_server_run_on(t->lfd, &t->cfg);
    t->divergences = replay_divergence_count();
    return NULL;
}

enum replay_drive_result replay_pair_run(const struct replay_pair_config *cfg, struct replay_pair_report *report)
{
    *report = (struct replay_pair_report){0};
    int lfd = replay_net_listen("127.0.0.1:0");
    if (lfd < 0) {
        report->server_failed = true;
        return REPLAY_DRIVE_NO_CONNECT;
    }
    struct sockaddr_storage sa;
    socklen_t sl = sizeof sa;
    char addr[64];
    if (getsockname(lfd, (struct sockaddr *)&sa, &sl)) {
        replay_log("pair: cannot name the loopback listener");
        close(lfd);
        report->server_failed = true;
        return REPLAY_DRIVE_NO_CONNECT;
    }
    replay_net_name((struct sockaddr *)&sa, addr, sizeof addr);

    struct serve_thread serve = {.lfd = lfd,
                                 .cfg = {.listen_addr = addr, .once = true, .serve = cfg->serve,
                                         .spin_ns = REPLAY_PAIR_SPIN_NS}};
    serve.cfg.stop = &serve.stop;
    pthread_t thread;
    if (pthread_create(&thread, NULL, serve_thread_main, &serve)) {
        replay_log("pair: cannot start the server thread");
        close(lfd);
        report->server_failed = true;
        return REPLAY_DRIVE_NO_CONNECT;
    }
    struct replay_drive_config drive = cfg->drive;
    drive.server = addr;
    drive.expected = &cfg->serve.timing;
    drive.stats = &report->drive;
    drive.spin_ns = REPLAY_PAIR_SPIN_NS;
    enum replay_drive_result r = replay_drive_run(&drive);
    /* With once, the server returns when drive's connection ends; a drive that never imported
     * leaves it waiting, so it is told to stop either way. */
    if (r != REPLAY_DRIVE_DONE)
        serve.stop = 1;
    pthread_join(thread, NULL);
    report->serve_divergences = serve.divergences;
    report->drive_divergences = replay_divergence_count();
    report->server_failed = serve.result != REPLAY_SERVER_STOPPED;
    return r;
}
