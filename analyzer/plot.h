/* SPDX-License-Identifier: GPL-2.0-or-later */
/* plot.h -- usbip-analyze --plot DIR: per device, gnuplot data files and SVG (or PNG) charts of URB latency,
 * queue depth and throughput over time, and the what-if curve. */
#ifndef ANALYZE_PLOT_H
#define ANALYZE_PLOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "uip/tracker.h"
#include "whatif_report.h"

struct plot_set;

struct device_registry;

/* Per-device state kept in registry devices (NULL: a registry of its own). NULL when out of
 * memory. */
struct plot_set *plot_set_new(struct device_registry *devices);
void plot_set_free(struct plot_set *p);
/* Keeps each answered URB's time and latency, and each event's queue depth (memory grows with
 * the number of URBs). */
void plot_urb(struct plot_set *p, const struct uip_urb *u);
void plot_event(struct plot_set *p, const struct uip_event *ev);
/* Creates dir when missing; false with a one-line reason when it cannot be written to. */
bool plot_prepare_dir(const char *dir, char *err, size_t errlen);
/* A measured point for the what-if curves (--measured CAPTURE): another capture's main bulk
 * stream, its throughput at its own round trip. */
struct plot_point {
    double rtt_ms, kBps;
    char label[96]; /* the capture's file name and stream */
};

/* The image formats of --plot-format, as bits. */
enum plot_format {
    PLOT_SVG = 1u << 0,
    PLOT_PNG = 1u << 1,
};

/* Writes, per device, DIR/connC-devB-D-{latency,queue,throughput,whatif}.dat, the charts in each
 * format of format_mask (.svg, .png) and the gnuplot script DIR/connC-devB-D.gp, and runs gnuplot
 * on it. Times are seconds from origin_ns; the what-if curve replays the fitted models of
 * `whatif` at each round trip, with the measured points (may be none) beside it. false with a one-line reason (gnuplot missing or failing, a file
 * not writable). */
bool plot_write(const struct plot_set *p, const char *dir, unsigned format_mask, uint64_t origin_ns,
                const struct whatif_set *whatif, const uint64_t *rtts_ns, size_t n_rtts,
                const struct plot_point *measured, size_t n_measured, char *err, size_t errlen);

#endif
