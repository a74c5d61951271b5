/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_stream.h -- TCP connections of a capture: roles (client/server), per-direction
 * reassembly with bounded out-of-order buffering, gaps and retransmissions counted, waits for
 * the peer's receive window. */
#ifndef UIP_TCP_STREAM_H
#define UIP_TCP_STREAM_H

#include "uip/capture.h"
#include "netlayer.h"

struct uip_tcp_table;

struct uip_tcp_table *uip_tcp_table_new(const struct uip_capture_config *cfg,
                                        const struct uip_capture_callbacks *cb, void *user,
                                        struct uip_capture_stats *stats);
/* One decoded TCP segment; counts the packet as used or ignored in stats. */
void uip_tcp_table_packet(struct uip_tcp_table *t, const struct uip_ip_packet *ip, uint64_t ts,
                          uint64_t frame);
/* End of capture: buffered segments are delivered (after their gaps), connections closed. */
void uip_tcp_table_finish(struct uip_tcp_table *t, uint64_t ts, uint64_t frame);
const struct uip_conn_info *uip_tcp_table_conn(const struct uip_tcp_table *t, uint32_t conn_id);
void uip_tcp_table_free(struct uip_tcp_table *t);

#endif
