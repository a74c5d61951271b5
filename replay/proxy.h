/* SPDX-License-Identifier: GPL-2.0-or-later */
/* proxy.h -- forward live USB/IP sessions between a real client and a real server, adding a
 * delay per direction, and record them as they reach the client (--write). */
#ifndef REPLAY_PROXY_H
#define REPLAY_PROXY_H

#include <stdint.h>
#include <stdbool.h>
#include "pcap_writer.h"
#include "watch.h"

#define REPLAY_PROXY_MAX_CONNECTIONS 32
#define REPLAY_PROXY_MAX_QUEUED (16u * 1024u * 1024u) /* per direction; reading pauses above it */

struct replay_proxy_config {
    const char *listen_addr;   /* "ADDR:PORT" */
    const char *server;        /* "HOST[:PORT]" */
    uint64_t delay_down_ns;    /* added to server -> client */
    uint64_t delay_up_ns;      /* added to client -> server */
    uint64_t jitter_ns;        /* plus a uniform random 0..jitter_ns per chunk, order kept */
    bool once;                 /* return when the first proxied connection ends */
    struct replay_pcap *write; /* or NULL */
    struct replay_watch *watch; /* the live view of the sessions forwarded, or NULL */
};

/* Forward until SIGINT/SIGTERM (or the first connection's end with once). 0 when stopped,
 * -1 when it could not listen (logged). */
int replay_proxy_run(const struct replay_proxy_config *cfg);

#endif
