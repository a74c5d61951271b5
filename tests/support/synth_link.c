/* SPDX-License-Identifier: GPL-2.0-or-later */
/* synth_link.c -- code-built pcap/pcapng files, frames and usbmon records (see synth_link.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "synth_link.h"

static void synth_u8(struct synth_buf *b, uint8_t v)
{
    synth_append(b, &v, 1);
}

static void synth_u16(struct synth_buf *b, uint16_t v, bool big)
{
    uint8_t p[2] = {(uint8_t)(big ? v >> 8 : v), (uint8_t)(big ? v : v >> 8)};
    synth_append(b, p, 2);
}

static void synth_u32(struct synth_buf *b, uint32_t v, bool big)
{
    synth_u16(b, (uint16_t)(big ? v >> 16 : v), big);
    synth_u16(b, (uint16_t)(big ? v : v >> 16), big);
}

static void synth_u64(struct synth_buf *b, uint64_t v, bool big)
{
    synth_u32(b, (uint32_t)(big ? v >> 32 : v), big);
    synth_u32(b, (uint32_t)(big ? v : v >> 32), big);
}

static void synth_zeros(struct synth_buf *b, size_t n)
{
    static const uint8_t z[64];
    while (n) {
        size_t k = n < sizeof z ? n : sizeof z;
        synth_append(b, z, k);
        n -= k;
    }
}

size_t synth_ip_packet(struct synth_buf *b, const struct synth_seg *s)
{
    uint8_t proto = s->proto ? s->proto : 6;
    size_t l4 = proto == 6 ? 20u + 4u * s->tcp_opt_words : proto == 17 ? 8u : 0u;
    size_t ext = s->family == 6 && s->v6_hop_by_hop ? 8 : 0;

    if (s->family == 4) {
        size_t ihl = 20u + 4u * s->ip_opt_words;
        synth_u8(b, (uint8_t)(0x40 | ihl / 4));
        synth_u8(b, 0);
        synth_u16(b, (uint16_t)(ihl + l4 + s->len), true);
        synth_u16(b, 0x1234, true); /* id */
        synth_u16(b, s->frag, true);
        synth_u8(b, 64);
        synth_u8(b, proto);
        synth_u16(b, 0, true); /* checksum, not checked */
        synth_append(b, s->src, 4);
        synth_append(b, s->dst, 4);
        for (size_t i = 20; i < ihl; i++)
            synth_u8(b, 1); /* NOP */
    } else {
        synth_u32(b, 0x60000000, true);
        synth_u16(b, (uint16_t)(ext + l4 + s->len), true);
        synth_u8(b, ext ? 0 : proto);
        synth_u8(b, 64);
        synth_append(b, s->src, 16);
        synth_append(b, s->dst, 16);
        if (ext) {
            synth_u8(b, proto); /* next header */
            synth_u8(b, 0);     /* length in 8-byte units after the first 8 */
            synth_u16(b, 0x0104, true); /* PadN of 4 */
            synth_u32(b, 0, true);
        }
    }
    if (proto == 6) {
        synth_u16(b, s->sport, true);
        synth_u16(b, s->dport, true);
        synth_u32(b, s->seq, true);
        synth_u32(b, 0, true); /* ack */
        synth_u8(b, (uint8_t)((5 + s->tcp_opt_words) << 4));
        synth_u8(b, s->flags);
        synth_u16(b, 65535, true);
        synth_u32(b, 0, true); /* checksum, urgent */
        for (unsigned i = 0; i < 4u * s->tcp_opt_words; i++)
            synth_u8(b, 1);
    } else if (proto == 17) {
        synth_u16(b, s->sport, true);
        synth_u16(b, s->dport, true);
        synth_u16(b, (uint16_t)(8 + s->len), true);
        synth_u16(b, 0, true);
    }
    if (s->len)
        synth_append(b, s->payload, s->len);
    return l4;
}

void synth_eth(struct synth_buf *b, uint16_t ethertype, const uint16_t *tpids, int n)
{
    static const uint8_t macs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
    synth_append(b, macs, sizeof macs);
    for (int i = 0; i < n; i++) {
        synth_u16(b, tpids[i], true);
        synth_u16(b, (uint16_t)(100 + i), true); /* VLAN id */
    }
    synth_u16(b, ethertype, true);
}

void synth_sll(struct synth_buf *b, uint16_t ethertype)
{
    static const uint8_t addr[8] = {2, 0, 0, 0, 0, 1, 0, 0};
    synth_u16(b, 0, true);     /* packet type: to us */
    synth_u16(b, 1, true);     /* ARPHRD_ETHER */
    synth_u16(b, 6, true);     /* address length */
    synth_append(b, addr, 8);
    synth_u16(b, ethertype, true);
}

void synth_sll2(struct synth_buf *b, uint16_t ethertype)
{
    static const uint8_t addr[8] = {2, 0, 0, 0, 0, 1, 0, 0};
    synth_u16(b, ethertype, true);
    synth_u16(b, 0, true);     /* reserved */
    synth_u32(b, 3, true);     /* interface index */
    synth_u16(b, 1, true);     /* ARPHRD_ETHER */
    synth_u8(b, 0);            /* packet type */
    synth_u8(b, 6);            /* address length */
    synth_append(b, addr, 8);
}

void synth_null(struct synth_buf *b, uint32_t family, bool big_endian)
{
    synth_u32(b, family, big_endian);
}

void synth_frame(struct synth_buf *b, int lt, const struct synth_seg *s)
{
    uint16_t et = s->family == 4 ? 0x0800 : 0x86dd;
    switch (lt) {
    case SYNTH_LT_ETHERNET: synth_eth(b, et, NULL, 0); break;
    case SYNTH_LT_SLL: synth_sll(b, et); break;
    case SYNTH_LT_SLL2: synth_sll2(b, et); break;
    case SYNTH_LT_NULL: synth_null(b, s->family == 4 ? 2 : 24, false); break;
    case SYNTH_LT_LOOP: synth_null(b, s->family == 4 ? 2 : 24, true); break;
    default: break; /* raw IP */
    }
    synth_ip_packet(b, s);
}

void synth_pcap_file_header(struct synth_buf *b, int lt, bool nano, bool big_endian,
                            uint32_t snaplen)
{
    synth_u32(b, nano ? 0xa1b23c4d : 0xa1b2c3d4, big_endian);
    synth_u16(b, 2, big_endian);
    synth_u16(b, 4, big_endian);
    synth_u32(b, 0, big_endian); /* thiszone */
    synth_u32(b, 0, big_endian); /* sigfigs */
    synth_u32(b, snaplen, big_endian);
    synth_u32(b, (uint32_t)lt, big_endian);
}

void synth_pcap_record(struct synth_buf *b, uint64_t ts_ns, bool nano, bool big_endian,
                       const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
    uint64_t frac = ts_ns % 1000000000u;
    synth_u32(b, (uint32_t)(ts_ns / 1000000000u), big_endian);
    synth_u32(b, (uint32_t)(nano ? frac : frac / 1000u), big_endian);
    synth_u32(b, caplen, big_endian);
    synth_u32(b, wirelen, big_endian);
    synth_append(b, data, caplen);
}

void synth_pcapng_shb(struct synth_buf *b)
{
    synth_u32(b, 0x0A0D0D0A, false);
    synth_u32(b, 28, false);
    synth_u32(b, 0x1A2B3C4D, false);
    synth_u16(b, 1, false);
    synth_u16(b, 0, false);
    synth_u64(b, UINT64_MAX, false); /* section length unknown */
    synth_u32(b, 28, false);
}

void synth_pcapng_idb(struct synth_buf *b, int lt, uint32_t snaplen, int tsresol)
{
    uint32_t total = 20 + (tsresol >= 0 ? 8 + 4 : 0);
    synth_u32(b, 1, false);
    synth_u32(b, total, false);
    synth_u16(b, (uint16_t)lt, false);
    synth_u16(b, 0, false);
    synth_u32(b, snaplen, false);
    if (tsresol >= 0) {
        synth_u16(b, 9, false); /* if_tsresol */
        synth_u16(b, 1, false);
        synth_u8(b, (uint8_t)tsresol);
        synth_zeros(b, 3);
        synth_u32(b, 0, false); /* opt_endofopt */
    }
    synth_u32(b, total, false);
}

void synth_pcapng_epb(struct synth_buf *b, uint32_t ifid, uint64_t ts_units, const uint8_t *data,
                      uint32_t caplen, uint32_t wirelen)
{
    uint32_t padded = (caplen + 3) & ~3u;
    uint32_t total = 32 + padded;
    synth_u32(b, 6, false);
    synth_u32(b, total, false);
    synth_u32(b, ifid, false);
    synth_u32(b, (uint32_t)(ts_units >> 32), false);
    synth_u32(b, (uint32_t)ts_units, false);
    synth_u32(b, caplen, false);
    synth_u32(b, wirelen, false);
    synth_append(b, data, caplen);
    synth_zeros(b, padded - caplen);
    synth_u32(b, total, false);
}

void synth_usbmon_header(struct synth_buf *b, const struct synth_usbmon *u, bool mmapped,
                         bool big)
{
    synth_u64(b, u->id, big);
    synth_u8(b, (uint8_t)u->type);
    synth_u8(b, u->xfer_type);
    synth_u8(b, u->epnum);
    synth_u8(b, u->devnum);
    synth_u16(b, u->busnum, big);
    synth_u8(b, u->setup ? 0 : '-');
    synth_u8(b, u->len_cap ? 0 : '<'); /* flag_data */
    synth_u64(b, (uint64_t)u->ts_sec, big);
    synth_u32(b, (uint32_t)u->ts_usec, big);
    synth_u32(b, (uint32_t)u->status, big);
    synth_u32(b, u->length, big);
    synth_u32(b, u->len_cap, big);
    if (u->setup) {
        synth_append(b, u->setup_bytes, 8);
    } else {
        synth_u32(b, (uint32_t)u->error_count, big);
        synth_u32(b, u->numdesc, big);
    }
    if (mmapped) {
        synth_u32(b, (uint32_t)u->interval, big);
        synth_u32(b, (uint32_t)u->start_frame, big);
        synth_u32(b, u->xfer_flags, big);
        synth_u32(b, u->ndesc, big);
    }
}

int synth_write_temp(const struct synth_buf *b, char *path, size_t pathlen)
{
    if (snprintf(path, pathlen, "/tmp/uip-synth-XXXXXX") >= (int)pathlen)
        return -1;
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(path);
        return -1;
    }
    size_t n = b->len ? fwrite(b->data, 1, b->len, f) : 0;
    if (fclose(f) != 0 || n != b->len) {
        unlink(path);
        return -1;
    }
    return 0;
}
