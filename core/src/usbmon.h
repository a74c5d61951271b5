/* SPDX-License-Identifier: GPL-2.0-or-later */
/* usbmon.h -- decode Linux usbmon records (LINKTYPE_USB_LINUX 189, USB_LINUX_MMAPPED 220). */
#ifndef UIP_USBMON_H
#define UIP_USBMON_H

#include <stdint.h>
#include <stdbool.h>
#include "uip/capture.h"

#define UIP_USBMON_MMAP_HDR 64
#define UIP_USBMON_ISO_DESC 16
/* More iso descriptors than a record can sensibly hold: the record is malformed. */
#define UIP_USBMON_MAX_NDESC 1024

/* Decode one record's header (fields big-endian if big) into ev, data pointing into p: false
 * if it is malformed. ts_ns and frame are left 0. */
bool uip_usbmon_decode(int dlt, bool big, const uint8_t *p, uint32_t caplen,
                       struct uip_usbmon_event *ev);

/* Give ev its record's time and number and pass it to cb->usbmon. */
void uip_usbmon_deliver(struct uip_usbmon_event *ev, uint64_t ts, uint64_t frame,
                        const struct uip_capture_callbacks *cb, void *user);

/* Decode one record and pass it to cb->usbmon. False with *why if it is malformed. */
bool uip_usbmon_packet(int dlt, bool big, const uint8_t *p, uint32_t caplen, uint64_t ts,
                       uint64_t frame, const struct uip_capture_callbacks *cb, void *user,
                       enum uip_ignore_reason *why);

#endif
