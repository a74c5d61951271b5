/* SPDX-License-Identifier: GPL-2.0-or-later */
/* timing.h -- when a recorded answer is sent: --timing recorded|fast|scale=F|add=MS. */
#ifndef REPLAY_TIMING_H
#define REPLAY_TIMING_H

#include <stdint.h>
#include <stdbool.h>

enum replay_timing_mode {
    REPLAY_TIMING_RECORDED = 0, /* the recorded latency */
    REPLAY_TIMING_FAST,         /* at once */
    REPLAY_TIMING_SCALE,        /* the recorded latency times a factor */
    REPLAY_TIMING_ADD,          /* the recorded latency plus a fixed delay */
};

struct replay_timing {
    enum replay_timing_mode mode;
    double scale;    /* REPLAY_TIMING_SCALE */
    uint64_t add_ns; /* REPLAY_TIMING_ADD */
};

/* Parse "recorded", "fast", "scale=F" (0 <= F <= 1000) or "add=MS" (0 <= MS <= 3600000). */
bool replay_timing_parse(const char *text, struct replay_timing *out);
/* The delay before answering a URB whose recorded latency is latency_ns. */
uint64_t replay_timing_delay(const struct replay_timing *t, uint64_t latency_ns);
/* True when an URB the recording never answered should borrow a later recorded answer of the
 * same request rather than stay unanswered (fast only: the other modes keep the recorded
 * device's silence). */
bool replay_timing_borrows_answers(const struct replay_timing *t);

#endif
