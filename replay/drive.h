/* SPDX-License-Identifier: GPL-2.0-or-later */
/* drive.h -- usbip-replay drive: a USB/IP client that imports a device from a real server, sends it
 * the recorded host requests with their recorded concurrency and compares every answer. */
#ifndef REPLAY_DRIVE_H
#define REPLAY_DRIVE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "pcap_writer.h"
#include "recording.h"
#include "timing.h"

/* The compared fields of an answer, as bits. */
enum replay_field {
    REPLAY_FIELD_STATUS = 1u << 0,
    REPLAY_FIELD_LENGTH = 1u << 1, /* actual_length */
    REPLAY_FIELD_DATA = 1u << 2,   /* IN data */
};

/* Which requests an --ignore item covers besides its endpoint. */
enum replay_ignore_requests {
    REPLAY_IGNORE_ANY = 0,
    REPLAY_IGNORE_STRINGS, /* GET_DESCRIPTOR(STRING) */
    REPLAY_IGNORE_SERIAL,  /* GET_DESCRIPTOR(STRING) of the recorded iSerialNumber */
};

/* One --ignore item: FIELD[:SCOPE]; FIELD status, length, data or all; SCOPE epN, epNin,
 * epNout, strings or serial; no scope: every URB. */
struct replay_ignore_rule {
    uint8_t fields;   /* enum replay_field bits */
    int8_t ep;        /* -1: any endpoint */
    uint8_t dirs;     /* 1 << UIP_DIR_OUT | 1 << UIP_DIR_IN */
    uint8_t requests; /* enum replay_ignore_requests */
};
#define REPLAY_MAX_IGNORE 32

/* What a run measured (for pair and its benchmark). */
struct replay_drive_stats {
    size_t answers;         /* URBs answered live that the recording answered */
    int64_t late_median_ns; /* live latency minus the expected one: median, 99th percentile */
    int64_t late_p99_ns;
    uint64_t elapsed_ns;    /* first submit to last answer */
};

struct replay_drive_config {
    const struct replay_recording *rec;
    const char *server;  /* HOST[:PORT] */
    const char *busid;   /* the busid to import */
    int timeout_ms;      /* the longest wait for the server, beyond an answer's recorded latency */
    struct replay_ignore_rule ignore[REPLAY_MAX_IGNORE];
    size_t n_ignore;
    struct replay_pcap *write; /* may be NULL */
    /* The server's timing when known (pair): answers are expected after what it makes of the
     * recorded latency. NULL: after the recorded latency. */
    const struct replay_timing *expected;
    struct replay_drive_stats *stats; /* filled at the end of a run that got answers; may be NULL */
    uint64_t spin_ns; /* spin this long before sleeping in poll (pair); 0: never */
};

enum replay_drive_result {
    REPLAY_DRIVE_DONE = 0,     /* every request sent and answered (divergences are counted by log.h) */
    REPLAY_DRIVE_NO_CONNECT,   /* cannot connect to the server */
    REPLAY_DRIVE_REFUSED,      /* the import was refused, or its reply is malformed */
    REPLAY_DRIVE_NO_ANSWER,    /* the server stopped answering (timeout) or closed the connection */
    REPLAY_DRIVE_PROTOCOL,     /* the server sent something impossible (bad header, unknown seqnum) */
};

/* Add the comma-separated --ignore list text to cfg. false with a one-line reason in err. */
bool replay_drive_parse_ignore(const char *text, struct replay_drive_config *cfg, char *err, size_t errlen);

/* Import cfg->busid from cfg->server and play the recording to it. Every divergence goes to
 * replay_divergence (the first with its context); failures get one log line. */
enum replay_drive_result replay_drive_run(const struct replay_drive_config *cfg);

#endif
