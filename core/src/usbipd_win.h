/* SPDX-License-Identifier: GPL-2.0-or-later */
/* usbipd_win.h -- the records of usbipd-win's own captures (dorssel/usbipd-win, Usbipd/PcapNg.cs):
 * synthesized usbmon records on one interface, unlinks as IPv4/TCP packets on another. */
#ifndef UIP_USBIPD_WIN_H
#define UIP_USBIPD_WIN_H

#include <stdbool.h>
#include <stdint.h>
#include "uip/capture.h"
#include "pcapng.h"

/* True when the reader's current section was written by usbipd-win. */
bool uip_usbipd_win_section(const struct uip_pcapng *r);

/* A record of the usbmon interface (link type 220): decoded as usbipd-win writes it, then
 * passed to cb->usbmon. False with *why when it is malformed. */
bool uip_usbipd_win_usbmon(const struct uip_pcapng_record *rec, uint64_t frame,
                           const struct uip_capture_callbacks *cb, void *user,
                           enum uip_ignore_reason *why);

/* A record of the unlink interface (link type 101): its CMD_UNLINK or RET_UNLINK passed to
 * cb->usbipd_unlink. False with *why when it is not one. */
bool uip_usbipd_win_unlink(const struct uip_pcapng_record *rec, uint64_t frame,
                           const struct uip_capture_callbacks *cb, void *user,
                           enum uip_ignore_reason *why);

#endif
