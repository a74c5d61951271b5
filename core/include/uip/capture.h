/* SPDX-License-Identifier: GPL-2.0-or-later */
/* capture.h -- capture ingestion: pcap files or stdin (libpcap, or in place), pcapng (the core's
 * own block reader: one link type per interface), link layers, IPv4/IPv6, TCP reassembly per
 * direction; also usbmon captures and usbipd-win's own. Streams out, no PDU logic. */
#ifndef UIP_CAPTURE_H
#define UIP_CAPTURE_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdbool.h>
#include "uip/framer.h"

/* Why a packet contributed nothing to a USB/IP stream. Every packet read is
 * either used or counted under one of these. */
enum uip_ignore_reason {
    UIP_IGN_TRUNCATED = 0,   /* captured length shorter than the headers it needs (snaplen) */
    UIP_IGN_LINK_LAYER,      /* link-layer header malformed */
    UIP_IGN_NOT_IP,          /* ARP, LLDP, other ethertypes */
    UIP_IGN_BAD_IP,          /* IP header malformed (version, IHL, lengths) */
    UIP_IGN_IP_FRAGMENT,     /* IP fragment (not reassembled) */
    UIP_IGN_NOT_TCP,         /* UDP, ICMP, ... */
    UIP_IGN_BAD_TCP,         /* TCP header malformed (data offset) */
    UIP_IGN_OTHER_PORT,      /* TCP not on the USB/IP port and not detected as USB/IP */
    UIP_IGN_NO_PAYLOAD,      /* pure ACKs and other segments without new data (not an error) */
    UIP_IGN_RETRANSMISSION,  /* all bytes already seen */
    UIP_IGN_NO_MEMORY,       /* no memory to track a new connection */
    UIP_IGN_USBMON_BAD,      /* usbmon record too short or malformed */
    UIP_IGN_LINKTYPE,        /* pcapng: a record of an interface whose link type is not supported */
    UIP_IGN_UNLINK_BAD,      /* usbipd-win: an unlink record that is not CMD_UNLINK/RET_UNLINK */
    UIP_IGN__COUNT
};
const char *uip_ignore_reason_name(enum uip_ignore_reason r);

/* How a connection ended (uip_conn_info.end, set when it closes). */
enum uip_conn_end_kind {
    UIP_END_NONE = 0, /* not ended yet */
    UIP_END_CLOSED,   /* FIN both ways */
    UIP_END_RESET,    /* RST */
    UIP_END_OPEN,     /* still open when the capture ended (half-closed when by is set) */
};
const char *uip_conn_end_name(enum uip_conn_end_kind k); /* "closed", "reset", "open" */

struct uip_conn_end {
    enum uip_conn_end_kind kind;
    int by;          /* enum uip_side that sent the first FIN or the RST; -1 when neither did */
    uint64_t ts_ns;  /* that packet's time and number; for an open connection without */
    uint64_t frame;  /* a FIN, the capture's last packet */
};

struct uip_conn_info {
    uint32_t conn_id;      /* 1-based, in order of first packet */
    int family;            /* 4 or 6 */
    uint8_t client_addr[16];
    uint8_t server_addr[16];
    uint16_t client_port;
    uint16_t server_port;
    bool saw_syn;          /* the capture holds the connection's start */
    bool detected;         /* USB/IP recognised by content (not by port) */
    uint64_t ts_ns;
    uint64_t frame;
    struct uip_conn_end end;
};

/* A usbmon record (LINKTYPE_USB_LINUX 189 or USB_LINUX_MMAPPED 220), host order decoded. */
struct uip_usbmon_event {
    uint64_t urb_id;
    char type;            /* 'S' submit, 'C' complete, 'E' submission error */
    uint8_t xfer_type;    /* usbmon: 0 iso, 1 interrupt, 2 control, 3 bulk */
    uint8_t endpoint;     /* with 0x80 set for IN */
    uint8_t devnum;
    uint16_t busnum;
    bool setup_present;   /* flag_setup == 0 */
    uint8_t setup[8];
    int32_t status;
    uint32_t length;      /* urb length (submit) or actual length (complete) */
    uint32_t len_cap;     /* data bytes present in the record */
    uint32_t ndesc;       /* mmapped: iso descriptors present */
    uint32_t start_frame;
    uint32_t interval;
    uint32_t xfer_flags;
    int32_t error_count;
    uint32_t numdesc;
    const uint8_t *data;  /* len_cap bytes (after the header and iso descriptors) */
    uint64_t ts_ns;       /* the pcap record's time */
    uint64_t frame;
    /* Written by usbipd-win on the server (Usbipd/PcapNg.cs), not by Linux's usbmon: urb_id is
     * the USB/IP seqnum, devnum the device's hub port (1 is not a root hub), xfer_type
     * usbipd-win's guess, and a completion may be one it never sent (an unlink won). */
    bool usbipd_win;
};

/* pcapng block types, as counted: every block of a pcapng file is read and counted under one.
 * Only EPB, SPB and PB carry packets; the others are read and skipped. */
enum uip_pcapng_block {
    UIP_PCAPNG_SHB = 0, /* section header */
    UIP_PCAPNG_IDB,     /* interface description */
    UIP_PCAPNG_EPB,     /* enhanced packet */
    UIP_PCAPNG_SPB,     /* simple packet */
    UIP_PCAPNG_PB,      /* packet (obsolete) */
    UIP_PCAPNG_NRB,     /* name resolution: skipped */
    UIP_PCAPNG_ISB,     /* interface statistics: skipped */
    UIP_PCAPNG_DSB,     /* decryption secrets: skipped */
    UIP_PCAPNG_CUSTOM,  /* custom (0x00000BAD, 0x40000BAD): skipped */
    UIP_PCAPNG_OTHER,   /* any other type: skipped */
    UIP_PCAPNG__COUNT
};
const char *uip_pcapng_block_name(enum uip_pcapng_block b); /* "enhanced packet", ... */

/* usbipd-win's unlinks, which it writes as IPv4/TCP packets beside its usbmon records: busnum
 * is the bus of the device, h the CMD_UNLINK or RET_UNLINK it sent or received. */
struct uip_usbipd_unlink {
    uint16_t busnum;
    struct uip_header hdr;
    uint64_t ts_ns;
    uint64_t frame;
};

/* What a connection's SYNs announced, by the side that sent each (enum uip_side). */
struct uip_tcp_handshake {
    uint16_t mss[2];        /* maximum segment size option; 0 when absent */
    int8_t wscale[2];       /* window scale shift; -1 when absent */
    uint16_t syn_window[2]; /* the SYN's window field (never scaled) */
};

struct uip_capture_callbacks {
    void (*conn_open)(void *user, const struct uip_conn_info *c);
    /* In-order bytes of one direction of a connection (side: who sent them). */
    void (*stream_data)(void *user, uint32_t conn_id, enum uip_side side, const uint8_t *bytes,
                        size_t len, uint64_t ts_ns, uint64_t frame);
    /* nbytes of one direction are missing (lost, or out-of-order bound exceeded). */
    void (*stream_gap)(void *user, uint32_t conn_id, enum uip_side side, uint64_t nbytes,
                       uint64_t ts_ns, uint64_t frame);
    /* FIN seen both ways, RST, or end of capture (at_end). */
    void (*conn_close)(void *user, uint32_t conn_id, bool reset, bool at_end, uint64_t ts_ns,
                       uint64_t frame);
    void (*usbmon)(void *user, const struct uip_usbmon_event *ev);
    /* An unlink in a usbipd-win capture, on the bus of its usbmon records (optional). */
    void (*usbipd_unlink)(void *user, const struct uip_usbipd_unlink *u);
    /* The side's next bytes had waited for its peer's receive window: what it had sent reached
     * the window the peer advertised, and this packet (ts_ns, frame) resumes after the peer
     * opened it. Known only for connections whose SYNs are in the capture (optional). */
    void (*window_wait)(void *user, uint32_t conn_id, enum uip_side side, uint64_t ts_ns,
                        uint64_t frame);
    /* Both SYNs of a connection were seen: what they announced (optional). */
    void (*handshake)(void *user, uint32_t conn_id, const struct uip_tcp_handshake *h);
};

struct uip_capture_config {
    uint16_t port;            /* server port, default UIP_TCP_PORT */
    bool detect_any_port;     /* recognise USB/IP on other ports by content */
    size_t ooo_limit;         /* out-of-order bytes buffered per direction (default 4 MiB) */
};

struct uip_capture_stats {
    uint64_t packets;
    uint64_t packets_used;
    uint64_t ignored[UIP_IGN__COUNT];
    uint64_t stream_bytes;       /* in-order payload bytes delivered */
    uint64_t retransmitted_bytes;
    uint64_t live_dropped;       /* live: packets the kernel or the interface dropped before the
                                  * capture read them (libpcap's ps_drop + ps_ifdrop) */
    uint64_t window_waits[2];    /* by enum uip_side: bytes that waited for the peer's receive
                                  * window (the window_wait callback; needs both SYNs) */
    uint64_t gaps;
    uint64_t gap_bytes;
    uint64_t connections;
    int linktype;                /* DLT of the capture (pcapng: of its first interface) */
    bool pcapng;                 /* read by the pcapng reader: the counts below are set */
    uint64_t pcapng_blocks[UIP_PCAPNG__COUNT];
    uint64_t pcapng_sections;
    uint32_t pcapng_interfaces;  /* interface descriptions, over all sections */
    bool usbipd_win;             /* a section was written by usbipd-win (Usbipd/PcapNg.cs) */
    uint64_t first_ts_ns, last_ts_ns;
    bool truncated_file;         /* the file ended inside a record */
};

/* A live capture with libpcap. */
struct uip_live_config {
    const char *interface;        /* as tcpdump -i names it (usbmonN for usbmon) */
    const char *filter;           /* BPF; NULL: "tcp port PORT" ("tcp" with detect_any_port), none on usbmon */
    const char *write_path;       /* save what is captured there as pcap (NULL: not saved) */
    uint64_t count;               /* stop after this many packets (0: no limit) */
    uint64_t duration_ns;         /* stop after this long (0: no limit) */
    volatile sig_atomic_t *stop;  /* stop once this is non-zero (a signal handler sets it; may be NULL) */
    /* Called about every tick_ns while the capture runs, between packets (optional): a live view
     * refreshes from it. */
    void (*tick)(void *tick_user);
    void *tick_user;
    uint64_t tick_ns;
};

struct uip_capture;

/*
 * Capture live on live->interface. On failure returns NULL with a one-line reason in err and
 * *code: UIP_ERR_PERMISSION (the reason names the remedies), UIP_ERR_NO_INTERFACE,
 * UIP_ERR_BAD_FILTER, UIP_ERR_UNSUPPORTED_LINKTYPE or UIP_ERR_IO (also: the file to write).
 * uip_capture_run then returns when a stop condition is met.
 */
struct uip_capture *uip_capture_open_live(const struct uip_live_config *live,
                                          const struct uip_capture_config *cfg,
                                          const struct uip_capture_callbacks *cb, void *user,
                                          int *code, char *err, size_t errlen);

/*
 * Open path ("-" for stdin). On failure returns NULL and writes a one-line
 * reason to err (size errlen); *code gets UIP_ERR_BAD_CAPTURE, UIP_ERR_IO or
 * UIP_ERR_UNSUPPORTED_LINKTYPE (pcapng: when no interface described before the
 * first packet has a supported link type). Timestamps are delivered in
 * nanoseconds whatever the file's precision.
 */
struct uip_capture *uip_capture_open(const char *path, const struct uip_capture_config *cfg,
                                     const struct uip_capture_callbacks *cb, void *user,
                                     int *code, char *err, size_t errlen);
/* Read the whole capture, calling back as it goes; closes every connection at the end.
 * UIP_OK, or UIP_ERR_BAD_CAPTURE if the file is corrupt part-way (what came before
 * was delivered; err says where). */
int uip_capture_run(struct uip_capture *c, char *err, size_t errlen);
const struct uip_capture_stats *uip_capture_stats(const struct uip_capture *c);
const struct uip_conn_info *uip_capture_conn(const struct uip_capture *c, uint32_t conn_id);
void uip_capture_close(struct uip_capture *c); /* NULL is a no-op */

/* True when link type dlt is a usbmon capture rather than a network one. */
bool uip_linktype_is_usbmon(int dlt);

#endif
