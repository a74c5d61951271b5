/* SPDX-License-Identifier: GPL-2.0-or-later */
/* whatif.h -- the what-if latency model of one device: recover a session's structure from its
 * URBs (who waited on whom, think and service times, base round trip), then replay it at another
 * network round trip as a critical-path simulation. */
#ifndef ANALYZE_WHATIF_H
#define ANALYZE_WHATIF_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* One finished URB as the model needs it: submitted and answered, both times known. */
struct whatif_urb {
    uint64_t submit_ns, complete_ns; /* its CMD_SUBMIT's first byte, its RET_SUBMIT's last */
    uint32_t bytes;          /* transfer data moved (actual_length) */
    uint8_t ep;              /* endpoint number 0..15 */
    int8_t direction;        /* enum uip_direction: 0 OUT, 1 IN */
    uint8_t xfer_type;       /* enum uip_xfer_type */
};

/* URBs smaller than this (request and answer each fit in one segment) time the base round trip. */
#define WHATIF_SMALL_URB_BYTES 1024u

/* The base round trip dominates when it is this many times the median small URB's service: an
 * order of magnitude, so that a whole extra round trip cannot be mistaken for device time. */
#define WHATIF_RTT_DOMINANCE 10u
/* ... and at least a WAN's round trip: on a LAN or loopback a window grows in less time than the
 * device takes, so there an URB's excess latency is left to the device. */
#define WHATIF_WINDOW_MIN_RTT_NS 1000000ull

/* A host pause longer than this with nothing outstanding on the device ends a transfer phase:
 * the application stopped asking (a script's sleep, a user), not the protocol waiting. */
#define WHATIF_IDLE_PAUSE_NS 1000000000ull

/* Inside a phase, an idle stretch this long before a stream's first data or after its last sets
 * its transfer's edge: on the host's side of a program's requests (a program computing between
 * reads) stretches are milliseconds; the kernel's own requests around it (a filesystem's bitmap
 * read before a copy, an inode's after it) come tenths of a second apart. */
#define WHATIF_EDGE_PAUSE_NS 200000000ull

#define WHATIF_MAX_STREAMS 32

/* An endpoint direction's transfer, as captured and as predicted: in the transfer phase where the
 * stream moved the most bytes, from its first submit to its last answer (what a user timing the
 * program behind it measures: the commands, statuses and host gaps around its data count), less
 * what came an edge pause before its first data or after its last. */
struct whatif_stream {
    uint8_t ep;
    int8_t direction;
    uint8_t xfer_type;
    uint64_t bytes;              /* the stream's bytes in the phase */
    uint64_t urbs;               /* the stream's URBs in it */
    double captured_s;           /* the phase's duration in the capture */
    double duration_s;           /* ... predicted */
    double duration_max_s;       /* ... had slow start ended early (HyStart's earliest, or where a
                                    WAN capture shows it ended): the prediction's range */
    double throughput_Bps;       /* bytes / duration_s */
    double round_trips;          /* serial round trips on the phase's critical path */
    double network_s, device_s, host_s; /* the phase's critical path split by who it waited on */
};

/* The model's answer for one network round trip. */
struct whatif_prediction {
    double rtt_s;                /* the network round trip replayed */
    double duration_s;           /* first submit to last completion of the device */
    double duration_max_s;       /* ... had slow start ended early */
    bool slow_start_unknown;     /* no --tcp slow-start-end: duration_max_s is the range's end */
    double network_s, device_s, host_s; /* the critical path split by who it waited on */
    double round_trips;          /* URB round trips on the critical path */
    unsigned n_streams;
    struct whatif_stream streams[WHATIF_MAX_STREAMS];
};

struct whatif_model;
struct whatif_tcp_config;

/* An empty model; NULL when out of memory. */
struct whatif_model *whatif_model_new(void);
void whatif_model_free(struct whatif_model *m);
/* Add a finished URB (any order); URBs without both times are ignored. false when out of memory
 * or after whatif_model_fit. */
bool whatif_model_add(struct whatif_model *m, const struct whatif_urb *u);
size_t whatif_model_urbs(const struct whatif_model *m);
/* The TCP a prediction assumes (whatif_tcp.h; Linux's defaults until set). */
void whatif_model_set_tcp(struct whatif_model *m, const struct whatif_tcp_config *c);
const struct whatif_tcp_config *whatif_model_tcp(const struct whatif_model *m);
/* Does the capture show its own window waits (a capture over a WAN round trip, whose large URBs
 * took whole round trips more)? Then the range's slow end replays them; else HyStart's earliest
 * slow-start end does. */
bool whatif_model_windows_captured(const struct whatif_model *m);
/* Recover the structure; call once after the last add (later adds are refused). */
void whatif_model_fit(struct whatif_model *m);
/* The base round trip: the fastest small URB's latency (0 before fit or without URBs). */
uint64_t whatif_model_base_rtt_ns(const struct whatif_model *m);
/* Replay the fitted session with every URB's network round trip set to rtt_ns. rtt_ns equal to
 * the base round trip reproduces the capture's own timing. */
void whatif_model_predict(const struct whatif_model *m, uint64_t rtt_ns, struct whatif_prediction *out);

#endif
