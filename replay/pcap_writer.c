/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcap_writer.c -- write live USB/IP sessions as a pcap that usbip-analyze and Wireshark read:
 * each connection as an Ethernet/IPv4/TCP flow (handshake, data segments both ways, FIN). */
#include "pcap_writer.h"

#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ETH_HEADER 14
#define IPV4_HEADER 20
#define TCP_HEADER 20
#define HEADERS (ETH_HEADER + IPV4_HEADER + TCP_HEADER)
#define MAX_SEGMENT 64000
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_PSH 0x08
#define TCP_ACK 0x10

struct replay_pcap {
    pcap_t *dead;
    pcap_dumper_t *dumper;
    uint16_t ip_id;
    uint8_t frame[HEADERS + MAX_SEGMENT]; /* the frame being written */
};

/* One TCP connection: [0] the client's end, [1] the server's (indexed by enum uip_side). */
struct replay_pcap_flow {
    struct replay_pcap *w;
    uint32_t addr[2]; /* host order */
    uint16_t port[2];
    uint32_t seq[2]; /* next sequence number each end sends */
};

struct replay_pcap *replay_pcap_open(const char *path, char *err, size_t errlen)
{
    struct replay_pcap *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->dead = pcap_open_dead(DLT_EN10MB, 262144);
    w->dumper = w->dead ? pcap_dump_open(w->dead, path) : NULL;
    if (!w->dumper) {
        snprintf(err, errlen, "cannot write %s: %s", path,
                 w->dead ? pcap_geterr(w->dead) : "libpcap failed");
        if (w->dead)
            pcap_close(w->dead);
        free(w);
        return NULL;
    }
    return w;
}

void replay_pcap_close(struct replay_pcap *w)
{
    if (!w)
        return;
    pcap_dump_close(w->dumper);
    pcap_close(w->dead);
    free(w);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static uint16_t ipv4_checksum(const uint8_t *h)
{
    uint32_t sum = 0;
    for (int i = 0; i < IPV4_HEADER; i += 2)
        sum += (uint32_t)(h[i] << 8 | h[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* One segment from side from, with flags and len payload bytes. */
static void write_segment(struct replay_pcap_flow *f, int from, uint8_t flags, const uint8_t *payload,
                          size_t len)
{
    uint8_t *frame = f->w->frame;
    int to = !from;
    memset(frame, 0, HEADERS);
    frame[5] = (uint8_t)(1 + to); /* destination MAC 02:00:00:00:00:0N */
    frame[0] = 0x02;
    frame[6] = 0x02;
    frame[11] = (uint8_t)(1 + from);
    put16(frame + 12, 0x0800);
    uint8_t *ip = frame + ETH_HEADER;
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(IPV4_HEADER + TCP_HEADER + len));
    put16(ip + 4, f->w->ip_id++);
    ip[6] = 0x40; /* don't fragment */
    ip[8] = 64;
    ip[9] = 6;
    put32(ip + 12, f->addr[from]);
    put32(ip + 16, f->addr[to]);
    put16(ip + 10, ipv4_checksum(ip));
    uint8_t *tcp = ip + IPV4_HEADER;
    put16(tcp, f->port[from]);
    put16(tcp + 2, f->port[to]);
    put32(tcp + 4, f->seq[from]);
    put32(tcp + 8, (flags & TCP_ACK) ? f->seq[to] : 0);
    tcp[12] = (TCP_HEADER / 4) << 4;
    tcp[13] = flags;
    put16(tcp + 14, 65535);
    if (len)
        memcpy(tcp + TCP_HEADER, payload, len);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct pcap_pkthdr h = {.ts = {.tv_sec = now.tv_sec, .tv_usec = now.tv_nsec / 1000},
                            .caplen = (bpf_u_int32)(HEADERS + len),
                            .len = (bpf_u_int32)(HEADERS + len)};
    pcap_dump((u_char *)f->w->dumper, &h, frame);
    f->seq[from] += (uint32_t)len + ((flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
}

static void endpoint(const struct sockaddr *sa, uint32_t fallback, uint32_t *addr, uint16_t *port)
{
    *addr = fallback;
    *port = 0;
    if (sa && sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        *addr = ntohl(a->sin_addr.s_addr);
        *port = ntohs(a->sin_port);
    } else if (sa && sa->sa_family == AF_INET6) {
        *port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
    }
}

struct replay_pcap_flow *replay_pcap_flow_open(struct replay_pcap *w, const struct sockaddr *client,
                                               const struct sockaddr *server)
{
    struct replay_pcap_flow *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->w = w;
    endpoint(client, 0x0a000001, &f->addr[UIP_SIDE_CLIENT], &f->port[UIP_SIDE_CLIENT]);
    endpoint(server, 0x0a000002, &f->addr[UIP_SIDE_SERVER], &f->port[UIP_SIDE_SERVER]);
    f->seq[UIP_SIDE_CLIENT] = 1000;
    f->seq[UIP_SIDE_SERVER] = 5000;
    write_segment(f, UIP_SIDE_CLIENT, TCP_SYN, NULL, 0);
    write_segment(f, UIP_SIDE_SERVER, TCP_SYN | TCP_ACK, NULL, 0);
    write_segment(f, UIP_SIDE_CLIENT, TCP_ACK, NULL, 0);
    return f;
}

void replay_pcap_flow_data(struct replay_pcap_flow *f, enum uip_side from, const uint8_t *bytes,
                           size_t len)
{
    while (len) {
        size_t n = len < MAX_SEGMENT ? len : MAX_SEGMENT;
        write_segment(f, from, TCP_ACK | TCP_PSH, bytes, n);
        bytes += n;
        len -= n;
    }
}

void replay_pcap_flow_close(struct replay_pcap_flow *f)
{
    if (!f)
        return;
    write_segment(f, UIP_SIDE_SERVER, TCP_FIN | TCP_ACK, NULL, 0);
    write_segment(f, UIP_SIDE_CLIENT, TCP_FIN | TCP_ACK, NULL, 0);
    write_segment(f, UIP_SIDE_SERVER, TCP_ACK, NULL, 0);
    pcap_dump_flush(f->w->dumper);
    free(f);
}
