/* SPDX-License-Identifier: GPL-2.0-or-later */
/* whatif_tcp.c -- the what-if model's TCP: a Linux sender's congestion window (initial window,
 * slow start, CUBIC's first growth, restart after idle) and its peer's receive window (buffer
 * autotuning), round by round along one burst (see whatif_tcp.h). */
#include <math.h>
#include "whatif_tcp.h"

/* Linux's minimum retransmission timeout (TCP_RTO_MIN): idle longer than the round trip plus
 * this restarts the congestion window (net.ipv4.tcp_slow_start_after_idle, on by default). */
#define RTO_MIN_NS 200000000ull
/* CUBIC, while it has seen no loss, grows at least one segment per 20 acknowledged: 5% a round
 * trip (bictcp_update's "ca->cnt = 20" when last_max_cwnd is 0). */
#define CUBIC_FIRST_GROWTH (1.0 / 20)
/* Receive-buffer autotuning (tcp_rcv_space_adjust): once the application read at least as much
 * in a round trip as ever before (at first: the first window, at most ten segments), a window of
 * twice that, plus 16 segments. */
#define AUTOTUNE_FACTOR 2.0
#define AUTOTUNE_SEGMENTS 16.0

void whatif_tcp_defaults(struct whatif_tcp_config *c)
{
    *c = (struct whatif_tcp_config){
        .mss = {WHATIF_TCP_MSS, WHATIF_TCP_MSS},
        .syn_window = {WHATIF_TCP_SYN_WINDOW, WHATIF_TCP_SYN_WINDOW},
        .rmem_max = WHATIF_TCP_RMEM_MAX,
        .initial_segments = WHATIF_TCP_INITIAL_SEGMENTS,
    };
}

void whatif_tcp_sender_start(struct whatif_tcp_sender *s, const struct whatif_tcp_config *c, int sender,
                             enum whatif_slow_start ss)
{
    double mss = c->mss[sender] ? c->mss[sender] : WHATIF_TCP_MSS;
    *s = (struct whatif_tcp_sender){
        .mss = mss,
        .initial = c->initial_segments * mss,
        .rwnd = c->syn_window[sender],
        .rwnd_max = (double)c->rmem_max / 2, /* tcp_adv_win_scale 1: half the buffer is window */
        .ssthresh = INFINITY,
    };
    s->cwnd = s->initial;
    s->rcv_space = s->rwnd < s->initial ? s->rwnd : s->initial;
    if (c->slow_start_end)
        s->ssthresh = (double)c->slow_start_end;
    else if (ss == WHATIF_SLOW_START_EARLY)
        s->ssthresh = WHATIF_TCP_HYSTART_LOW_SEGMENTS * mss;
    if (s->rwnd > s->rwnd_max)
        s->rwnd_max = s->rwnd;
}

/* The congestion window after `acked` more bytes were acknowledged; in congestion avoidance only
 * a burst that filled the window grows it (Linux's tcp_is_cwnd_limited). */
static void grow(struct whatif_tcp_sender *s, double acked, bool filled)
{
    if (s->cwnd < s->ssthresh) {
        double room = s->ssthresh - s->cwnd;
        double in_slow_start = acked < room ? acked : room;
        s->cwnd += in_slow_start;
        acked -= in_slow_start;
    }
    if (acked > 0 && filled)
        s->cwnd += acked * CUBIC_FIRST_GROWTH;
}

/* The receiver's window after it read `received` bytes in a round trip. */
static void autotune(struct whatif_tcp_sender *s, double received)
{
    if (received < s->rcv_space)
        return;
    s->rcv_space = received;
    double want = AUTOTUNE_FACTOR * received + AUTOTUNE_SEGMENTS * s->mss;
    if (want > s->rwnd_max)
        want = s->rwnd_max;
    if (want > s->rwnd)
        s->rwnd = want;
}

/* After idle longer than the retransmission timeout the window halves per timeout, down to the
 * initial window (tcp_cwnd_restart); slow start then climbs back to 3/4 of where it was. */
static void restart_after_idle(struct whatif_tcp_sender *s, uint64_t t_ns, uint64_t rtt_ns)
{
    if (!s->sent || t_ns <= s->last_end_ns)
        return;
    uint64_t rto = rtt_ns + RTO_MIN_NS;
    uint64_t idle = t_ns - s->last_end_ns;
    if (idle <= rto)
        return;
    double before = s->cwnd;
    double floor_w = s->initial < s->cwnd ? s->initial : s->cwnd;
    for (uint64_t k = idle / rto; k > 0 && s->cwnd > floor_w; k--)
        s->cwnd /= 2;
    if (s->cwnd < floor_w)
        s->cwnd = floor_w;
    if (s->ssthresh < 0.75 * before)
        s->ssthresh = 0.75 * before;
}

uint64_t whatif_tcp_burst(struct whatif_tcp_sender *s, uint64_t bytes, uint64_t t_ns, uint64_t rtt_ns,
                          double rate_Bps)
{
    restart_after_idle(s, t_ns, rtt_ns);
    double rtt = (double)rtt_ns / 1e9;
    double bdp = rate_Bps > 0 ? rate_Bps * rtt : INFINITY;
    double left = (double)bytes, wait = 0;
    bool limited = false; /* the burst filled the window: its last round's acknowledgements grow it too */
    while (left > 0) {
        double w = s->cwnd < s->rwnd ? s->cwnd : s->rwnd;
        if (w >= bdp) { /* the window covers the path: the rest goes at the bottleneck's rate */
            grow(s, left, true);
            autotune(s, bdp);
            break;
        }
        double round = left < w ? left : w;
        left -= round;
        limited = limited || round >= w;
        grow(s, round, limited);
        autotune(s, round);
        if (left > 0) /* the round's bytes are out; the next wait for their acknowledgements */
            wait += rtt - (rate_Bps > 0 ? w / rate_Bps : 0);
    }
    /* bursts come in the order their URBs finished, not the order they started: an early small
     * one handled after a long one must not make the sender look idle since it ended */
    uint64_t end = t_ns + (uint64_t)(wait * 1e9) + (rate_Bps > 0 ? (uint64_t)((double)bytes / rate_Bps * 1e9) : 0);
    if (!s->sent || end > s->last_end_ns)
        s->last_end_ns = end;
    s->sent = true;
    return (uint64_t)(wait * 1e9);
}
