/* SPDX-License-Identifier: GPL-2.0-or-later */
/* whatif_report.h -- usbip-analyze --what-if: the delay list, one what-if model per device fed
 * from the tracker's URBs, and the predictions as a text table and as JSON. */
#ifndef ANALYZE_WHATIF_REPORT_H
#define ANALYZE_WHATIF_REPORT_H

#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "uip/tracker.h"
#include "whatif.h"

#define WHATIF_MAX_DELAYS 32
/* The largest round trip accepted in a --what-if list: 60 s. */
#define WHATIF_MAX_DELAY_NS 60000000000ull

/* Parse "0,10,20,50,100,200,500,1000ms": comma-separated round trips, each a number with an
 * optional unit (us, ms, s; ms when none). On error false, with a one-line reason in err. */
bool whatif_parse_delays(const char *arg, uint64_t *delays_ns, size_t max, size_t *n,
                         char *err, size_t errlen);

/* What the user set with --tcp (0: not set): every sender's segment size, the receivers'
 * tcp_rmem maximum, the window where slow start ends. */
struct whatif_tcp_overrides {
    uint32_t mss;
    uint64_t rmem_max;
    uint64_t slow_start_end;
};

/* Parse "mss=1448,rmem=6291456,slow-start-end=81920" (any of the keys, byte counts). On error
 * false, with a one-line reason in err. */
bool whatif_parse_tcp(const char *arg, struct whatif_tcp_overrides *o, char *err, size_t errlen);

struct whatif_set;

struct device_registry;

/* Per-device state kept in registry devices (NULL: a registry of its own). NULL when out of
 * memory. */
struct whatif_set *whatif_set_new(struct device_registry *devices);
void whatif_set_free(struct whatif_set *s);
/* A finished URB from the tracker: answered URBs feed their device's model. false when out of memory. */
bool whatif_set_urb(struct whatif_set *s, const struct uip_urb *u);
/* What a connection's SYNs announced (the session's handshake callback): its devices' TCP model
 * takes the segment sizes and first windows from it. false when out of memory. */
bool whatif_set_handshake(struct whatif_set *s, uint32_t conn_id, const struct uip_tcp_handshake *h);
/* The user's TCP settings, over what the capture said (before whatif_set_fit). */
void whatif_set_tcp_overrides(struct whatif_set *s, const struct whatif_tcp_overrides *o);
/* Fit every device's model; call once after the capture. */
void whatif_set_fit(struct whatif_set *s);
/* A device's model (fitted once whatif_set_fit ran), or NULL when it had no answered URB. */
const struct whatif_model *whatif_set_model(const struct whatif_set *s, uint32_t conn_id, uint32_t devid);
/* The capture's main bulk stream (the most bytes in its transfer phase, of any device) as
 * measured: its throughput over the phase as captured, at the device's base round trip. false
 * when the capture moved no bulk data. */
bool whatif_set_main_stream(const struct whatif_set *s, double *rtt_s, double *throughput_Bps, uint8_t *ep,
                            int8_t *direction);
/* The text section: per device and bulk endpoint direction, predicted throughput per delay. */
void whatif_text(FILE *out, const struct whatif_set *s, const uint64_t *delays_ns, size_t n);
/* The JSON object of the "what_if" key (no trailing newline). */
void whatif_json(FILE *out, const struct whatif_set *s, const uint64_t *delays_ns, size_t n);

#endif
