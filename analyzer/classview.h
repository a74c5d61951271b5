/* SPDX-License-Identifier: GPL-2.0-or-later */
/* classview.h -- usbip-analyze's class-level view: per device, the class recognised from the
 * traffic itself (mass storage bulk-only transport, FTDI or CDC-ACM serial, HID interrupt IN,
 * MTP/PTP) and what the URBs mean at that level: SCSI commands, serial exchanges, HID report
 * rates, MTP operations. */
#ifndef ANALYZE_CLASSVIEW_H
#define ANALYZE_CLASSVIEW_H

#include <stdio.h>
#include <stdint.h>
#include <stdbool.h>
#include "uip/tracker.h"

struct classview;

/* An empty view (aborts on out of memory, as the analyzer's other tables do). */
struct device_registry;
/* Class views whose per-device state is kept in registry devices (NULL: a registry of its own). */
struct classview *classview_new(struct device_registry *devices);
void classview_free(struct classview *cv);
/* Every SCSI command also goes to f as one CSV row when it ends (header written here); the
 * caller owns f and closes it after classview_finish. */
void classview_scsi_csv(struct classview *cv, FILE *f);
/* A device's import record or descriptor-derived types (vendor id and speed are used). */
void classview_device(struct classview *cv, const struct uip_device_info *d);
/* Every finished URB, in the order the tracker delivers them. */
void classview_urb(struct classview *cv, const struct uip_urb *u);
/* End of capture: commands and exchanges still open are closed as they stand. */
void classview_finish(struct classview *cv);

/* True when a class was recognised on the device (only then do the outputs say anything). */
bool classview_recognised(const struct classview *cv, uint32_t conn_id, uint32_t devid);
/* The device's class-level text section; t0_ns is the capture's first packet (times are given
 * from it). Nothing when no class was recognised. */
void classview_text(FILE *out, const struct classview *cv, uint32_t conn_id, uint32_t devid,
                    uint64_t t0_ns);
/* The device's "class" JSON object (no leading comma, no newline); call only when recognised. */
void classview_json(FILE *out, const struct classview *cv, uint32_t conn_id, uint32_t devid);

#endif
