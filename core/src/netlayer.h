/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netlayer.h -- link-layer, IPv4/IPv6 and TCP header decoding for capture.c (bounds-checked). */
#ifndef UIP_NETLAYER_H
#define UIP_NETLAYER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "uip/capture.h"

#define UIP_TCP_FIN 0x01
#define UIP_TCP_SYN 0x02
#define UIP_TCP_RST 0x04
#define UIP_TCP_ACK 0x10

/* One TCP segment as found in a captured packet. */
struct uip_ip_packet {
    int family; /* 4 or 6 */
    uint8_t src[16], dst[16];
    uint16_t sport, dport;
    uint32_t seq;
    uint32_t ack;
    uint16_t window;           /* the header's window field, before any scaling */
    int8_t wscale;             /* a SYN's window scale option (shift, at most 14), -1 when absent */
    uint16_t mss;              /* a SYN's maximum segment size option, 0 when absent */
    uint8_t flags;
    const uint8_t *payload;
    uint32_t payload_captured; /* bytes present in the capture */
    uint32_t payload_len;      /* bytes on the wire (from the IP length) */
};

/* Decode a packet of link type dlt down to its TCP segment. False with *why when the
 * packet carries no usable TCP segment. */
bool uip_net_decode(int dlt, const uint8_t *p, uint32_t caplen, uint32_t wirelen,
                    struct uip_ip_packet *out, enum uip_ignore_reason *why);

#endif
