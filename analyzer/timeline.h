/* SPDX-License-Identifier: GPL-2.0-or-later */
/* timeline.h -- queue depth and throughput over time for usbip-analyze --timeline: one row per
 * device and interval (memory grows with the capture's duration, not its size). */
#ifndef ANALYZE_TIMELINE_H
#define ANALYZE_TIMELINE_H

#include <stdio.h>
#include <stdint.h>
#include "uip/tracker.h"

struct timeline;
struct device_registry;

/* Rows of interval_ns each; per-device state kept in registry devices (NULL: a registry of its
 * own). */
struct timeline *timeline_new(uint64_t interval_ns, struct device_registry *devices);
void timeline_free(struct timeline *t);
void timeline_event(struct timeline *t, const struct uip_event *ev);
void timeline_text(FILE *out, const struct timeline *t);
/* A JSON array of rows (no trailing newline). */
void timeline_json(FILE *out, const struct timeline *t);

#endif
