/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stats.h -- per-endpoint and per-device aggregation for usbip-analyze, in memory bounded by
 * the number of endpoints (latency quantiles from a log-linear histogram). */
#ifndef ANALYZE_STATS_H
#define ANALYZE_STATS_H

#include <stdint.h>
#include <stdbool.h>
#include "uip/tracker.h"

/* Latencies in ns, bucketed with 1/32 relative precision (about 3%). */
#define LAT_SUB 32
#define LAT_BUCKETS (64 * LAT_SUB)
struct lat_hist {
    uint64_t count, min, max;
    uint32_t bucket[LAT_BUCKETS];
};
void lat_hist_add(struct lat_hist *h, uint64_t ns);
/* The q-quantile (0..1), within the histogram's precision; 0 when empty. */
uint64_t lat_hist_quantile(const struct lat_hist *h, double q);

#define MAX_STATUS_KINDS 8
struct status_count {
    int32_t status;
    uint64_t count;
};

struct ep_stats {
    uint32_t conn_id, devid;
    uint8_t ep;
    int8_t direction;
    uint8_t xfer_type;
    uint64_t urbs, bytes, errors, unlinked, pending_at_end, no_submit;
    struct status_count statuses[MAX_STATUS_KINDS];
    uint64_t other_statuses;
    struct lat_hist lat;
    uint32_t max_depth;
    uint64_t depth_area;          /* sum of depth * ns */
    uint64_t first_ts, last_ts, last_event_ts;
    uint32_t depth_now;
};

/* One standard control request kind seen during enumeration. */
struct enum_request {
    char name[48];
    uint64_t count, ok, stalled, unlinked, other_errors;
};
#define MAX_ENUM_REQUESTS 24

struct dev_stats {
    uint32_t conn_id, devid;
    struct uip_device_info info;
    uint64_t urbs, bytes_in, bytes_out, first_ts, last_ts;
    struct enum_request req[MAX_ENUM_REQUESTS];
    int n_req;
    bool saw_first_descriptor;  /* a GET_DESCRIPTOR(DEVICE) was submitted */
    bool device_descriptor_ok;
    bool configured;
    uint64_t configured_ts;
    uint64_t control_unlinked;   /* ep0 URBs the host unlinked */
    uint64_t control_late;       /* ... that the device answered anyway (too late) */
    uint64_t max_control_wait_ns; /* longest ep0 wait before an answer or an unlink */
};

struct analysis;

struct device_registry;
/* Statistics whose per-device state is kept in registry devices (NULL: a registry of its own). */
struct analysis *analysis_new(struct device_registry *devices);
void analysis_free(struct analysis *a);
void analysis_urb(struct analysis *a, const struct uip_urb *u);
void analysis_event(struct analysis *a, const struct uip_event *ev);
void analysis_device(struct analysis *a, const struct uip_device_info *d);

/* The device's statistics, or NULL when none of its URBs or records was seen. */
const struct dev_stats *analysis_find_device(const struct analysis *a, uint32_t conn_id, uint32_t devid);
/* Iteration in (conn, devid, ep, direction) order. */
unsigned analysis_n_devices(const struct analysis *a);
const struct dev_stats *analysis_device_at(const struct analysis *a, unsigned i);
unsigned analysis_n_endpoints(const struct analysis *a);
const struct ep_stats *analysis_endpoint_at(const struct analysis *a, unsigned i);
uint64_t analysis_anomalies(const struct analysis *a, enum uip_anomaly which);
uint64_t analysis_anomaly_total(const struct analysis *a);
/* usbmon completions of URBs submitted before the capture began: reported, not a problem. */
uint64_t analysis_before_capture(const struct analysis *a);
/* Sort for output; call once after the run. */
void analysis_sort(struct analysis *a);

#endif
