/* SPDX-License-Identifier: GPL-2.0-or-later */
/* synth_pcap.c -- code-built pcap files for tests (see synth_pcap.h). */
#include <string.h>
#include "synth_pcap.h"

static void put32le(uint8_t *p, uint32_t v) { p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }
static void put16be(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t)v; }
static void put32be(uint8_t *p, uint32_t v) { put16be(p, v >> 16); put16be(p + 2, (uint16_t)v); }

int synth_pcap_open(struct synth_tcp *t, const char *path)
{
    uint8_t h[24] = {0};
    memset(t, 0, sizeof *t);
    t->f = fopen(path, "wb");
    if (!t->f)
        return -1;
    put32le(h, 0xa1b2c3d4);
    h[4] = 2; /* version 2.4 */
    h[6] = 4;
    put32le(h + 16, 262144);
    put32le(h + 20, 1); /* Ethernet */
    fwrite(h, 1, sizeof h, t->f);
    t->seq[0] = 1000;
    t->seq[1] = 5000;
    t->ts_ns = 1700000000ull * 1000000000ull;
    t->cport = 40000;
    return 0;
}

static void frame(struct synth_tcp *t, int side, uint32_t seq, uint8_t flags, const uint8_t *p,
                  uint32_t len)
{
    uint8_t hdr[16 + 14 + 20 + 20];
    uint8_t *eth = hdr + 16, *ip = eth + 14, *tcp = ip + 20;
    memset(hdr, 0, sizeof hdr);
    put32le(hdr, (uint32_t)(t->ts_ns / 1000000000u));
    put32le(hdr + 4, (uint32_t)(t->ts_ns % 1000000000u / 1000u));
    put32le(hdr + 8, 54 + len);
    put32le(hdr + 12, 54 + len);
    put16be(eth + 12, 0x0800);
    ip[0] = 0x45;
    put16be(ip + 2, (uint16_t)(40 + len));
    ip[8] = 64;
    ip[9] = 6;
    uint8_t cli[4] = {10, 0, 0, 1}, srv[4] = {10, 0, 0, 2};
    memcpy(ip + 12, side ? srv : cli, 4);
    memcpy(ip + 16, side ? cli : srv, 4);
    put16be(tcp, side ? 3240 : t->cport);
    put16be(tcp + 2, side ? t->cport : 3240);
    put32be(tcp + 4, seq);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    fwrite(hdr, 1, sizeof hdr, t->f);
    if (len)
        fwrite(p, 1, len, t->f);
    t->ts_ns += 1000000; /* 1 ms between frames */
}

void synth_tcp_handshake(struct synth_tcp *t)
{
    frame(t, 0, t->seq[0]++, 0x02, NULL, 0);
    frame(t, 1, t->seq[1]++, 0x12, NULL, 0);
    frame(t, 0, t->seq[0], 0x10, NULL, 0);
}

void synth_tcp_segment(struct synth_tcp *t, int side, const uint8_t *p, uint32_t len)
{
    frame(t, side, t->seq[side], 0x18, p, len);
    t->seq[side] += len;
}

void synth_tcp_segment_at(struct synth_tcp *t, int side, int32_t seq_delta, const uint8_t *p,
                          uint32_t len)
{
    frame(t, side, t->seq[side] + (uint32_t)seq_delta, 0x18, p, len);
}

void synth_pcap_close(struct synth_tcp *t)
{
    if (t->f)
        fclose(t->f);
    t->f = NULL;
}
