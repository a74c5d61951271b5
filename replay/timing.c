/* SPDX-License-Identifier: GPL-2.0-or-later */
/* timing.c -- when a recorded answer is sent: --timing recorded|fast|scale=F|add=MS. */
#include "timing.h"

#include <stdlib.h>
#include <string.h>

bool replay_timing_parse(const char *text, struct replay_timing *out)
{
    char *end;
    *out = (struct replay_timing){.mode = REPLAY_TIMING_RECORDED, .scale = 1.0};
    if (!strcmp(text, "recorded"))
        return true;
    if (!strcmp(text, "fast")) {
        out->mode = REPLAY_TIMING_FAST;
        return true;
    }
    if (!strncmp(text, "scale=", 6)) {
        double f = strtod(text + 6, &end);
        if (end == text + 6 || *end || !(f >= 0 && f <= 1000))
            return false;
        out->mode = REPLAY_TIMING_SCALE;
        out->scale = f;
        return true;
    }
    if (!strncmp(text, "add=", 4)) {
        double ms = strtod(text + 4, &end);
        if (end == text + 4 || *end || !(ms >= 0 && ms <= 3600000))
            return false;
        out->mode = REPLAY_TIMING_ADD;
        out->add_ns = (uint64_t)(ms * 1e6);
        return true;
    }
    return false;
}

uint64_t replay_timing_delay(const struct replay_timing *t, uint64_t latency_ns)
{
    switch (t->mode) {
    case REPLAY_TIMING_FAST: return 0;
    case REPLAY_TIMING_SCALE: return (uint64_t)((double)latency_ns * t->scale);
    case REPLAY_TIMING_ADD: return latency_ns + t->add_ns;
    case REPLAY_TIMING_RECORDED: break;
    }
    return latency_ns;
}

bool replay_timing_borrows_answers(const struct replay_timing *t)
{
    return t->mode == REPLAY_TIMING_FAST;
}
