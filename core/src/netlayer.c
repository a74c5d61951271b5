/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netlayer.c -- link layers (Ethernet+VLAN, SLL, SLL2, null/loop, raw IP), IPv4/IPv6 and TCP
 * header decoding; every read is bounds-checked against the captured length. */
#include <pcap/pcap.h>
#include <string.h>
#include "netlayer.h"
#include "reader.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define IPPROTO_TCP_ 6

/* Returns the offset of the IP header and its version (4/6), or false. */
static bool uip_link(int dlt, const uint8_t *p, uint32_t len, uint32_t *off, int *ver,
                     enum uip_ignore_reason *why)
{
    uint16_t type;
    uint32_t o;

    switch (dlt) {
    case DLT_EN10MB:
        if (!uip_in_bounds(len, 0, 14))
            goto truncated;
        o = 12;
        type = uip_get_be16(p + o);
        while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) {
            o += 4;
            if (!uip_in_bounds(len, o, 2))
                goto truncated;
            type = uip_get_be16(p + o);
        }
        o += 2;
        break;
    case DLT_LINUX_SLL:
        if (!uip_in_bounds(len, 0, 16))
            goto truncated;
        type = uip_get_be16(p + 14);
        o = 16;
        break;
    case DLT_LINUX_SLL2:
        if (!uip_in_bounds(len, 0, 20))
            goto truncated;
        type = uip_get_be16(p);
        o = 20;
        break;
    case DLT_NULL:
    case DLT_LOOP: {
        if (!uip_in_bounds(len, 0, 4))
            goto truncated;
        uint32_t fam = dlt == DLT_LOOP ? uip_get_be32(p) : uip_get_le32(p);
        if (fam > 0xffff) /* written by a big-endian host */
            fam = uip_get_be32(p);
        o = 4;
        if (fam == 2)
            type = ETHERTYPE_IPV4;
        else if (fam == 24 || fam == 28 || fam == 30 || fam == 10)
            type = ETHERTYPE_IPV6;
        else
            type = 0;
        break;
    }
    default: /* raw IP: the version nibble says which */
        if (!uip_in_bounds(len, 0, 1))
            goto truncated;
        o = 0;
        type = (p[0] >> 4) == 6 ? ETHERTYPE_IPV6 : (p[0] >> 4) == 4 ? ETHERTYPE_IPV4 : 0;
        break;
    }
    if (type == ETHERTYPE_IPV4)
        *ver = 4;
    else if (type == ETHERTYPE_IPV6)
        *ver = 6;
    else {
        *why = UIP_IGN_NOT_IP;
        return false;
    }
    *off = o;
    return true;
truncated:
    *why = UIP_IGN_TRUNCATED;
    return false;
}

/* A SYN's window scale (kind 3; -1 when absent, shifts above 14 count as 14, RFC 7323) and
 * maximum segment size (kind 2; 0 when absent) options. Malformed options end the search. */
static void uip_syn_options(const uint8_t *opt, uint32_t len, int8_t *wscale, uint16_t *mss)
{
    uint32_t i = 0;
    *wscale = -1;
    *mss = 0;
    while (i < len && opt[i] != 0) { /* 0: end of options */
        if (opt[i] == 1) {           /* no-operation */
            i++;
            continue;
        }
        if (i + 1 >= len || opt[i + 1] < 2 || opt[i + 1] > len - i)
            return;
        if (opt[i] == 3 && opt[i + 1] == 3)
            *wscale = (int8_t)(opt[i + 2] > 14 ? 14 : opt[i + 2]);
        if (opt[i] == 2 && opt[i + 1] == 4)
            *mss = uip_get_be16(opt + i + 2);
        i += opt[i + 1];
    }
}

bool uip_net_decode(int dlt, const uint8_t *p, uint32_t caplen, uint32_t wirelen,
                    struct uip_ip_packet *out, enum uip_ignore_reason *why)
{
    uint32_t off, ip_end_wire, l4;
    uint8_t proto;
    int ver;

    if (!uip_link(dlt, p, caplen, &off, &ver, why))
        return false;
    memset(out, 0, sizeof *out);
    out->family = ver;
    if (ver == 4) {
        if (!uip_in_bounds(caplen, off, 20))
            goto truncated;
        const uint8_t *ip = p + off;
        uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4;
        uint32_t total = uip_get_be16(ip + 2);
        if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl) {
            *why = UIP_IGN_BAD_IP;
            return false;
        }
        if ((uip_get_be16(ip + 6) & 0x3fff) != 0) { /* MF or a fragment offset */
            *why = UIP_IGN_IP_FRAGMENT;
            return false;
        }
        proto = ip[9];
        memcpy(out->src, ip + 12, 4);
        memcpy(out->dst, ip + 16, 4);
        l4 = off + ihl;
        ip_end_wire = off + total;
    } else {
        if (!uip_in_bounds(caplen, off, 40))
            goto truncated;
        const uint8_t *ip = p + off;
        if ((ip[0] >> 4) != 6) {
            *why = UIP_IGN_BAD_IP;
            return false;
        }
        ip_end_wire = off + 40 + uip_get_be16(ip + 4);
        proto = ip[6];
        memcpy(out->src, ip + 8, 16);
        memcpy(out->dst, ip + 24, 16);
        l4 = off + 40;
        /* hop-by-hop, routing and destination options: skip; a fragment header: not reassembled */
        while (proto == 0 || proto == 43 || proto == 60 || proto == 44) {
            if (proto == 44) {
                *why = UIP_IGN_IP_FRAGMENT;
                return false;
            }
            if (!uip_in_bounds(caplen, l4, 8))
                goto truncated;
            proto = p[l4];
            l4 += ((uint32_t)p[l4 + 1] + 1) * 8;
            if (l4 > ip_end_wire) {
                *why = UIP_IGN_BAD_IP;
                return false;
            }
        }
    }
    if (proto != IPPROTO_TCP_) {
        *why = UIP_IGN_NOT_TCP;
        return false;
    }
    if (!uip_in_bounds(caplen, l4, 20))
        goto truncated;
    const uint8_t *tcp = p + l4;
    uint32_t thl = (uint32_t)(tcp[12] >> 4) * 4;
    if (thl < 20 || l4 + thl > ip_end_wire) {
        *why = UIP_IGN_BAD_TCP;
        return false;
    }
    if (!uip_in_bounds(caplen, l4, thl))
        goto truncated;
    out->sport = uip_get_be16(tcp);
    out->dport = uip_get_be16(tcp + 2);
    out->seq = uip_get_be32(tcp + 4);
    out->ack = uip_get_be32(tcp + 8);
    out->flags = tcp[13];
    out->window = uip_get_be16(tcp + 14);
    out->wscale = -1;
    out->mss = 0;
    if (out->flags & UIP_TCP_SYN)
        uip_syn_options(tcp + 20, thl - 20, &out->wscale, &out->mss);
    uint32_t data = l4 + thl;
    /* The IP length says what was on the wire, unless the frame was shorter (bogus length). */
    uint32_t wire_end = ip_end_wire < wirelen ? ip_end_wire : wirelen;
    out->payload = p + data;
    out->payload_len = wire_end > data ? wire_end - data : 0;
    out->payload_captured = caplen > data ? caplen - data : 0;
    if (out->payload_captured > out->payload_len)
        out->payload_captured = out->payload_len; /* Ethernet padding */
    return true;
truncated:
    *why = UIP_IGN_TRUNCATED;
    return false;
}
