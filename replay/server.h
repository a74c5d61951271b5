/* SPDX-License-Identifier: GPL-2.0-or-later */
/* server.h -- the replay server's socket loop: listen, accept, poll the connections, run
 * their deadlines, stop on a signal (or after the first imported session with once). */
#ifndef REPLAY_SERVER_H
#define REPLAY_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include "connection.h"

#define REPLAY_MAX_CONNECTIONS 64

struct replay_server_config {
    const char *listen_addr;   /* "ADDR:PORT" or "[ADDR6]:PORT" */
    bool once;                 /* return when the first connection that imported ends */
    struct replay_pcap *write; /* record every session here (--write), or NULL */
    uint64_t spin_ns;          /* spin this long before sleeping in poll (pair); 0: never */
    _Atomic int *stop;         /* when set (from another thread), return within a second; may be NULL */
    struct replay_serve_config serve;
};

enum replay_server_result {
    REPLAY_SERVER_STOPPED = 0, /* a signal, or the imported session ended with once */
    REPLAY_SERVER_LISTEN_FAILED,
    REPLAY_SERVER_FAILED, /* poll failed */
};

/* Serve until stopped. Logs a one-line reason on failure. */
enum replay_server_result replay_server_run(const struct replay_server_config *cfg);
/* The same on lfd, a listening non-blocking socket that is taken over (and closed);
 * cfg->listen_addr only names it in the log. */
enum replay_server_result replay_server_run_on(int lfd, const struct replay_server_config *cfg);

#endif
