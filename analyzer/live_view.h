/* SPDX-License-Identifier: GPL-2.0-or-later */
/* live_view.h -- usbip-analyze -i and usbip-replay proxy on a terminal: per connection and
 * device, redrawn every second, URBs/s and bytes/s, latency over the last second and overall,
 * queue depth, errors, stalls, unlinks, outstanding URBs with the age of the oldest, the
 * enumeration and the connection's state. Fixed memory per device plus one entry per
 * outstanding URB. */
#ifndef ANALYZE_LIVE_VIEW_H
#define ANALYZE_LIVE_VIEW_H

#include <stdio.h>
#include "stats.h"
#include "uip/session.h"
#include "uip/tracker.h"

struct live_view;

struct device_registry;

/* A view drawn to out (a terminal) for the capture named label; its header says that Ctrl-C
 * does on_stop ("stops and reports"). Its per-device state is kept in registry devices (NULL: a
 * registry of its own). NULL when out of memory. */
struct live_view *live_view_new(FILE *out, const char *label, const char *on_stop,
                                struct device_registry *devices);
void live_view_free(struct live_view *v);
/* What it shows: the tracker's URBs and events as they come. */
void live_view_urb(struct live_view *v, const struct uip_urb *u);
void live_view_event(struct live_view *v, const struct uip_event *ev);
/* Redraw (the live capture's tick): a from the analysis (enumeration), s for the connections. */
void live_view_draw(struct live_view *v, const struct analysis *a, const struct uip_session *s);
/* Clear the screen once more before the report. */
void live_view_end(struct live_view *v);

#endif
