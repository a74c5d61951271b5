/* SPDX-License-Identifier: GPL-2.0-or-later */
/* measured.h -- usbip-analyze --measured CAPTURE: another capture's main bulk stream, measured, as
 * a point for the what-if curves (its throughput as captured, at its own base round trip). */
#ifndef ANALYZE_MEASURED_H
#define ANALYZE_MEASURED_H

#include <stddef.h>
#include <stdbool.h>
#include "plot.h"
#include "uip/session.h"

enum measured_result {
    MEASURED_OK = 0,
    MEASURED_UNREADABLE, /* the capture cannot be read, or is corrupt part-way */
    MEASURED_NO_BULK,    /* it moved no bulk data: nothing to place on a throughput curve */
};

/* Read path with cfg (the same options as the main capture) and fill *out; on failure a one-line
 * reason in err. */
enum measured_result measured_point(const char *path, const struct uip_session_config *cfg,
                                    struct plot_point *out, char *err, size_t errlen);

#endif
