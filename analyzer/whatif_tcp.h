/* SPDX-License-Identifier: GPL-2.0-or-later */
/* whatif_tcp.h -- the what-if model's TCP: how long a burst of bytes (an answer's data, a write's
 * request) waits for the sender's congestion window and the receiver's window at a given round
 * trip, as Linux sends and receives (see analyzer/README.md, "TCP at another round trip"). */
#ifndef ANALYZE_WHATIF_TCP_H
#define ANALYZE_WHATIF_TCP_H

#include <stdbool.h>
#include <stdint.h>

/* Linux's defaults, used where neither the capture nor the user says otherwise. */
#define WHATIF_TCP_MSS 1448u              /* Ethernet, MTU 1500, with timestamps */
#define WHATIF_TCP_INITIAL_SEGMENTS 10u   /* RFC 6928, Linux's TCP_INIT_CWND */
#define WHATIF_TCP_RMEM_MAX 6291456ull    /* net.ipv4.tcp_rmem's third value */
#define WHATIF_TCP_SYN_WINDOW 65535u      /* a receiver's first window when no SYN says it */
/* The earliest HyStart (CUBIC's slow-start exit on rising delay) acts: hystart_low_window. */
#define WHATIF_TCP_HYSTART_LOW_SEGMENTS 16u

/* The settings a prediction assumes, each with where it came from. Index by the sender: [0] the
 * client (its requests, a write's data), [1] the server (its answers, a read's data). */
struct whatif_tcp_config {
    uint32_t mss[2];
    bool mss_from_capture;       /* both from the SYNs */
    bool mss_from_user;
    uint32_t syn_window[2];      /* the window each sender's peer opened with (unscaled SYN field) */
    bool syn_from_capture;
    uint64_t rmem_max;           /* the receivers' tcp_rmem[2] */
    bool rmem_from_user;
    uint32_t initial_segments;
    uint64_t slow_start_end;     /* bytes of window where slow start ends; 0: unknown */
    bool slow_start_from_user;
};

/* Linux's defaults, nothing from a capture. */
void whatif_tcp_defaults(struct whatif_tcp_config *c);

/* Which end of the unknown slow-start exit a replay assumes: none before the receiver's window
 * stops it, or HyStart's earliest. */
enum whatif_slow_start { WHATIF_SLOW_START_LATE = 0, WHATIF_SLOW_START_EARLY };

/* One sender's state along a replay. */
struct whatif_tcp_sender {
    double cwnd, ssthresh;  /* bytes */
    double rwnd, rwnd_max;  /* the receiver's window, bytes */
    double rcv_space;       /* the most the receiver read in a round trip (autotuning's measure) */
    double initial;         /* the initial window, bytes */
    double mss;
    uint64_t last_end_ns;   /* when its last burst's last byte left */
    bool sent;              /* a burst went since the connection started */
};

void whatif_tcp_sender_start(struct whatif_tcp_sender *s, const struct whatif_tcp_config *c, int sender,
                             enum whatif_slow_start ss);

/* A burst of `bytes` that starts leaving at t_ns, over a path of round trip rtt_ns whose
 * bottleneck moves rate_Bps: the time it waits for windows beyond its own transmission (0 once the
 * window covers the path's bandwidth-delay product). Advances the sender. */
uint64_t whatif_tcp_burst(struct whatif_tcp_sender *s, uint64_t bytes, uint64_t t_ns, uint64_t rtt_ns,
                          double rate_Bps);

#endif
