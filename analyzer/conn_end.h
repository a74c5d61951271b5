/* SPDX-License-Identifier: GPL-2.0-or-later */
/* conn_end.h -- how each USB/IP connection ended, in words: who closed or reset it, when against
 * its last answer, which URBs it left outstanding, what that means for USB/IP, and a busid
 * imported again with another VID:PID (the device re-enumerated). */
#ifndef ANALYZE_CONN_END_H
#define ANALYZE_CONN_END_H

#include <stdio.h>
#include "uip/session.h"
#include "uip/tracker.h"
#include "stats.h"

struct conn_ends;

struct conn_ends *conn_ends_new(void);
void conn_ends_free(struct conn_ends *e);
/* Every finished URB: last answers and the URBs a connection's end caught. */
void conn_ends_urb(struct conn_ends *e, const struct uip_urb *u);

/* "  connection end: ..." (and "  re-enumerated: ...") lines for connection conn_id, whose
 * devices a holds; nothing for usbmon buses. */
void conn_ends_text(FILE *out, const struct conn_ends *e, const struct uip_session *s,
                    const struct analysis *a, uint32_t conn_id, uint64_t capture_first_ns);
/* The JSON array of every connection's end ("connection_ends"). */
void conn_ends_json(FILE *out, const struct conn_ends *e, const struct uip_session *s,
                    const struct analysis *a, uint64_t capture_first_ns);

#endif
