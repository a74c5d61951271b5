/* SPDX-License-Identifier: GPL-2.0-or-later */
/* diff.h -- usbip-analyze --diff GOOD BAD: one device's URBs in two captures aligned by request
 * (per endpoint in order, control requests by their setup packet), the first divergence with its
 * context, the endpoints' latency side by side, and the likely cause in a sentence. */
#ifndef ANALYZE_DIFF_H
#define ANALYZE_DIFF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "uip/session.h"

/* usbip-analyze's exit codes as --diff uses them. */
enum diff_result {
    DIFF_SAME = 0,       /* every URB aligned and alike */
    DIFF_DIFFERENT = 1,  /* a divergence (printed) */
    DIFF_USAGE = 2,      /* no device to compare, or two different devices: which ones, in err */
    DIFF_UNREADABLE = 3, /* a capture could not be opened */
    DIFF_CORRUPT = 4,    /* a capture is corrupt part-way */
};

struct diff_options {
    const char *good, *bad; /* capture paths */
    const char *busid;      /* the device to compare, when a capture holds several (NULL: find it) */
    bool by_model;          /* ... and/or the one with this VID:PID (a busid re-enumerated holds two) */
    uint16_t vendor, product;
    bool json;
};

/* Compare, print the comparison to out; on DIFF_USAGE and worse a one-line reason in err. */
enum diff_result diff_run(const struct diff_options *o, const struct uip_session_config *cfg, FILE *out,
                          char *err, size_t errlen);

#endif
