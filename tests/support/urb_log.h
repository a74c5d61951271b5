/* SPDX-License-Identifier: GPL-2.0-or-later */
/* urb_log.h -- the URBs a tracker delivers, kept for tests to look up by id. */
#ifndef URB_LOG_H
#define URB_LOG_H

#include "uip/tracker.h"

#define URB_LOG_MAX 64

struct urb_log {
    struct uip_urb urbs[URB_LOG_MAX];
    int n;
};

/* A uip_tracker_callbacks.urb: user is the struct urb_log (or a struct that starts with one).
 * The URB's data and iso pointers are dropped (valid only during the callback). Aborts when full. */
void urb_log_add(void *user, const struct uip_urb *u);
/* The URB with this id (seqnum), NULL when none was delivered. */
const struct uip_urb *urb_log_find(const struct urb_log *l, uint64_t id);

#endif
