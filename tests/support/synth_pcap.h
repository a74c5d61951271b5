/* SPDX-License-Identifier: GPL-2.0-or-later */
/* synth_pcap.h -- code-built pcap files for tests (synthetic, never captures): Ethernet/IPv4/TCP
 * frames of a USB/IP conversation with chosen sequence numbers, for gaps and reordering. */
#ifndef SYNTH_PCAP_H
#define SYNTH_PCAP_H

#include <stdint.h>
#include <stdio.h>

struct synth_tcp {
    FILE *f;
    uint32_t seq[2];   /* next sequence number: [0] client, [1] server */
    uint64_t ts_ns;    /* time of the next frame */
    uint16_t cport;
};

/* Open path and write a microsecond pcap header (link type Ethernet). */
int synth_pcap_open(struct synth_tcp *t, const char *path);
/* Write a SYN, SYN-ACK, ACK handshake (client port t->cport to 3240). */
void synth_tcp_handshake(struct synth_tcp *t);
/* One segment from side (0 client, 1 server) carrying len bytes; advances seq unless skip. */
void synth_tcp_segment(struct synth_tcp *t, int side, const uint8_t *p, uint32_t len);
/* Same, but at an explicit sequence offset from the side's current seq, without advancing. */
void synth_tcp_segment_at(struct synth_tcp *t, int side, int32_t seq_delta, const uint8_t *p,
                          uint32_t len);
void synth_pcap_close(struct synth_tcp *t);

#endif
