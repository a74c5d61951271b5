/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pair.h -- usbip-replay pair: serve and drive of one recording against each other over loopback,
 * in two threads of one process: the replayed session must reproduce the recorded URB sequence. */
#ifndef REPLAY_PAIR_H
#define REPLAY_PAIR_H

#include <stdbool.h>
#include <stdint.h>
#include "connection.h"
#include "drive.h"

/* Both threads spin this long for their next PDU before they sleep: a serial chain of URBs
 * then goes at the speed of loopback TCP rather than that of thread wake-ups (8x here). */
#define REPLAY_PAIR_SPIN_NS 200000u

struct replay_pair_config {
    struct replay_serve_config serve; /* the server side (its timing too) */
    struct replay_drive_config drive; /* the client side; server, expected and stats are set by pair */
};

struct replay_pair_report {
    uint64_t serve_divergences; /* requests the server found different from the recording */
    uint64_t drive_divergences; /* answers the client found different from the recording */
    struct replay_drive_stats drive;
    bool server_failed; /* the server could not listen on loopback, start, or poll */
};

/* Serve cfg's recording on an ephemeral loopback port and drive it, in two threads; fills report.
 * The result is drive's (REPLAY_DRIVE_NO_CONNECT when the server could not start). */
enum replay_drive_result replay_pair_run(const struct replay_pair_config *cfg, struct replay_pair_report *report);

#endif
