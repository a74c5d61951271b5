/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report.h -- usbip-analyze output: the text report, the JSON document, the enumeration
 * diagnosis they share, and the accounting of what could not be used. */
#ifndef ANALYZE_REPORT_H
#define ANALYZE_REPORT_H

#include <stdio.h>
#include "classview.h"
#include "conn_end.h"
#include "stats.h"
#include "timeline.h"
#include "whatif_report.h"
#include "uip/session.h"

struct report_input {
    const char *capture_path;
    const struct analysis *analysis;
    const struct uip_session_stats *stats;
    const struct uip_session *session;
    const char *read_error; /* non-NULL when the capture was corrupt part-way */
    const struct classview *classview; /* the class-level view of every device */
    const struct conn_ends *conn_ends;  /* how each connection ended */
    const struct timeline *timeline; /* non-NULL with --timeline */
    const struct whatif_set *whatif; /* non-NULL with --what-if */
    const uint64_t *whatif_rtts_ns;  /* the --what-if round trips */
    size_t n_whatif_rtts;
};

/* Plain-words diagnosis of a device's enumeration into buf; returns true when it failed. */
bool report_enumeration_diagnosis(const struct dev_stats *d, bool usbmon, char *buf, size_t n);
void report_text(FILE *out, const struct report_input *in);
void report_json(FILE *out, const struct report_input *in);
/* Bytes skipped, gaps, anomalies: anything that says the traffic had problems. */
bool report_has_problems(const struct report_input *in);

#endif
