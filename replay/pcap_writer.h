/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcap_writer.h -- write live USB/IP sessions as a pcap that usbip-analyze and Wireshark read:
 * each connection as an Ethernet/IPv4/TCP flow (handshake, data segments both ways, FIN). */
#ifndef REPLAY_PCAP_WRITER_H
#define REPLAY_PCAP_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "uip/framer.h"

struct replay_pcap;
struct replay_pcap_flow;

/* Create path. NULL with a one-line reason in err on failure. */
struct replay_pcap *replay_pcap_open(const char *path, char *err, size_t errlen);
/* Flush and close; NULL is a no-op. Flows must be closed first. */
void replay_pcap_close(struct replay_pcap *w);

/* A new TCP connection between client and server (IPv4 addresses are kept; others become
 * 10.0.0.1 / 10.0.0.2): writes the three-way handshake. NULL on no memory. */
struct replay_pcap_flow *replay_pcap_flow_open(struct replay_pcap *w, const struct sockaddr *client,
                                               const struct sockaddr *server);
/* Bytes one side sent, as TCP segments of at most 64000 bytes. */
void replay_pcap_flow_data(struct replay_pcap_flow *f, enum uip_side from, const uint8_t *bytes,
                           size_t len);
/* FIN both ways, and free the flow. NULL is a no-op. */
void replay_pcap_flow_close(struct replay_pcap_flow *f);

#endif
