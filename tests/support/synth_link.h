/* SPDX-License-Identifier: GPL-2.0-or-later */
/* synth_link.h -- code-built captures for tests (synthetic, never captures): pcap and pcapng
 * files, link-layer headers, IPv4/IPv6 + TCP/UDP packets and usbmon records, byte by byte. */
#ifndef SYNTH_LINK_H
#define SYNTH_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "synth_pdu.h" /* struct synth_buf, synth_append */

/* Link-type numbers as written in files (LINKTYPE_*). */
#define SYNTH_LT_NULL 0
#define SYNTH_LT_ETHERNET 1
#define SYNTH_LT_RAW 101
#define SYNTH_LT_LOOP 108
#define SYNTH_LT_SLL 113
#define SYNTH_LT_USB_LINUX 189
#define SYNTH_LT_USB_LINUX_MMAPPED 220
#define SYNTH_LT_IPV4 228
#define SYNTH_LT_IPV6 229
#define SYNTH_LT_SLL2 276

/* One IP packet. proto 0 means TCP (6); 17 writes an 8-byte UDP header; others no L4 header. */
struct synth_seg {
    int family; /* 4 or 6 */
    uint8_t src[16], dst[16];
    uint16_t sport, dport;
    uint32_t seq;
    uint8_t flags;          /* TCP flags */
    uint8_t proto;
    uint16_t frag;          /* IPv4 flags+offset word (0x2000 MF, 0x4000 DF) */
    uint8_t ip_opt_words;   /* IPv4 options, 4-byte words (NOPs) */
    uint8_t tcp_opt_words;  /* TCP options, 4-byte words (NOPs) */
    bool v6_hop_by_hop;     /* IPv6: an 8-byte hop-by-hop header before the L4 header */
    const uint8_t *payload;
    uint32_t len;
};

/* Append an IPv4 or IPv6 packet (header, L4 header, payload); returns the L4 header size. */
size_t synth_ip_packet(struct synth_buf *b, const struct synth_seg *s);

/* Link-layer headers. tpids: outer to inner VLAN tag types (0x8100, 0x88a8), n of them. */
void synth_eth(struct synth_buf *b, uint16_t ethertype, const uint16_t *tpids, int n);
void synth_sll(struct synth_buf *b, uint16_t ethertype);
void synth_sll2(struct synth_buf *b, uint16_t ethertype);
void synth_null(struct synth_buf *b, uint32_t family, bool big_endian);
/* A whole frame of link type lt (file number) for s: Ethernet without tags, null/loop with
 * AF_INET 2 or AF_INET6 24 (little-endian for null, big-endian for loop), nothing for raw. */
void synth_frame(struct synth_buf *b, int lt, const struct synth_seg *s);

/* pcap: file header then records; nano picks the nanosecond magic. */
void synth_pcap_file_header(struct synth_buf *b, int lt, bool nano, bool big_endian,
                            uint32_t snaplen);
void synth_pcap_record(struct synth_buf *b, uint64_t ts_ns, bool nano, bool big_endian,
                       const uint8_t *data, uint32_t caplen, uint32_t wirelen);

/* pcapng (little-endian): section header, interface (tsresol < 0: no if_tsresol option,
 * else the option's byte), enhanced packet with a timestamp in the interface's units. */
void synth_pcapng_shb(struct synth_buf *b);
void synth_pcapng_idb(struct synth_buf *b, int lt, uint32_t snaplen, int tsresol);
void synth_pcapng_epb(struct synth_buf *b, uint32_t ifid, uint64_t ts_units, const uint8_t *data,
                      uint32_t caplen, uint32_t wirelen);

/* A usbmon header (struct usbmon_packet), 48 bytes or 64 when mmapped. */
struct synth_usbmon {
    uint64_t id;
    char type;
    uint8_t xfer_type, epnum, devnum;
    uint16_t busnum;
    bool setup;            /* flag_setup written as 0 (setup present) when true, '-' otherwise */
    uint8_t setup_bytes[8];
    int32_t error_count;   /* iso: instead of the setup bytes when !setup */
    uint32_t numdesc;
    int64_t ts_sec;
    int32_t ts_usec;
    int32_t status;
    uint32_t length, len_cap;
    int32_t interval, start_frame; /* mmapped only */
    uint32_t xfer_flags, ndesc;
};
void synth_usbmon_header(struct synth_buf *b, const struct synth_usbmon *u, bool mmapped,
                         bool big_endian);

/* Write b to a new file /tmp/uip-synth-XXXXXX; path gets its name (size >= 32). 0 or -1. */
int synth_write_temp(const struct synth_buf *b, char *path, size_t pathlen);

#endif
