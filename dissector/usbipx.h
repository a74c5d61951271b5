/* SPDX-License-Identifier: GPL-2.0-or-later */
/* usbipx.h -- what the modules of the Wireshark plugin share: the protocol id, the record
 * kept for every PDU on the first pass, and the entry points of each module. */
#ifndef USBIPX_H
#define USBIPX_H

#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <stdbool.h>
#include <stdint.h>
#include "usbipx-compat.h"
#include "uip/framer.h"
#include "uip/tracker.h"

#define USBIPX_FILTER "usbipx"

extern int proto_usbipx;

/* One URB as the core tracker accounts for it; shared by every PDU that concerns it. */
struct usbipx_urb {
    uint32_t seqnum;
    uint32_t devid;
    uint8_t ep;
    int8_t direction;            /* enum uip_direction */
    uint8_t xfer_type;           /* enum uip_xfer_type */
    bool finished;               /* the tracker has delivered it (answered, unlinked, ...) */
    uint8_t outcome;             /* enum uip_urb_outcome, once finished */
    uint32_t frame_submit, frame_complete, frame_unlink, frame_unlink_ret;
    uint64_t t_submit_ns, t_complete_ns, t_unlink_ns, t_unlink_ret_ns;
    int32_t transfer_buffer_length;
    uint32_t depth_dev_at_submit, depth_ep_at_submit;
};

/* What the first pass learned about one PDU; found again on every later pass. */
struct usbipx_pdu {
    uint32_t command;            /* enum uip_command, or 0 for an OP message */
    struct usbipx_urb *urb;      /* the URB (for an unlink: its victim); NULL if unknown */
    bool has_depth;
    uint32_t depth_dev, depth_ep; /* outstanding URBs after this PDU */
    uint32_t anomalies;          /* enum uip_anomaly bits raised by this PDU */
    int cmd_direction;           /* RET_SUBMIT: direction it was framed with */
    bool direction_inferred;     /* RET_SUBMIT: its CMD was not seen; direction from the bytes */
    bool has_since_prev;
    uint64_t since_prev_ns;      /* CMD_SUBMIT: time since the previous submit on the endpoint */
};

/* One key for an endpoint and direction of a device (per-endpoint tables). */
static inline uint64_t usbipx_endpoint_key(uint32_t devid, uint32_t ep, bool in)
{
    return (uint64_t)devid << 8 | (uint64_t)(ep & 15) << 1 | (in ? 1u : 0u);
}

/* Capture times: the tracker counts nanoseconds, Wireshark uses nstime_t. */
static inline nstime_t usbipx_nstime(uint64_t ns)
{
    nstime_t t = {(time_t)(ns / 1000000000u), (int)(ns % 1000000000u)};
    return t;
}

/* usbipx-track.c: the first-pass state of one capture file. */
void usbipx_track_init(void);
void usbipx_track_cleanup(void);
/* Direction of the outstanding CMD_SUBMIT of seqnum on connection conn_id, or false. */
bool usbipx_track_cmd_direction(uint32_t conn_id, uint32_t seqnum, int *direction);
/* Account for one PDU (first pass only) and fill rec. */
void usbipx_track_pdu(uint32_t conn_id, const struct uip_pdu *pdu, struct usbipx_pdu *rec);
/* URBs of the connection still waiting for an answer (first pass). */
uint32_t usbipx_track_outstanding(uint32_t conn_id);
/* The connection closed: its outstanding URBs end as connection-closed (first pass). */
void usbipx_track_conn_closed(uint32_t conn_id, uint64_t ts_ns);

/* usbipx-connend.c: how a connection ended, on the FIN or RST segment that ended it. */
void usbipx_connend_register(int proto, expert_module_t *em);
void usbipx_connend_handoff(void);

/* usbipx-tcpgap.c: stream bytes that TCP never handed over, per direction of a conversation. */
struct usbipx_tcpgap {
    bool known;
    uint32_t next_seq; /* TCP sequence number after the last byte handed over */
};
/* packet-usbipx.c: a USB/IP conversation. Which peer is the server is learned from the port or
 * from the first PDU seen; the rest is first-pass state. */
struct usbipx_conv {
    bool server_known;
    address server_addr;
    uint32_t server_port;
    uint32_t first_pdu_frame[2]; /* per side: frame of the first PDU framed */
    struct usbipx_tcpgap tcp[2];  /* per side: what TCP has handed over */
    bool urbs_seen;               /* URB traffic: an import got past the set-up exchange */
    bool fin[2];                  /* per side: its FIN came */
    bool closed;                  /* FIN both ways or RST: the tracker closed the connection */
};

static inline bool usbipx_conv_from_server(const struct usbipx_conv *c, const packet_info *pinfo)
{
    return pinfo->srcport == c->server_port && addresses_equal(&pinfo->src, &c->server_addr);
}

void usbipx_tcpgap_register(int proto, expert_module_t *em);
/* First pass: note a jump in this segment's sequence number (data: TCP's struct tcpinfo). */
void usbipx_tcpgap_track(struct usbipx_tcpgap *g, packet_info *pinfo, const void *data);
/* The missing bytes before this segment, with the expert item that says why. */
void usbipx_tcpgap_show(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree);

/* usbipx-expert.c: what went wrong with a URB, as expert info on its PDUs. */
void usbipx_expert_register(module_t *prefs, expert_module_t *em);
void usbipx_expert_cmd_submit(packet_info *pinfo, proto_item *pi, const struct usbipx_urb *u,
                              bool end_known);
/* u: the answered URB, or NULL when its request is not in the capture. */
void usbipx_expert_ret_submit(packet_info *pinfo, proto_item *pi, proto_item *status_item,
                              int32_t status, const struct usbipx_urb *u);
/* end_known: every frame has been seen, so "no answer" is final. */
void usbipx_expert_cmd_unlink(packet_info *pinfo, proto_item *pi, const struct usbipx_urb *victim,
                              bool end_known);

/* usbipx-usb.c: hand the URB's setup and data to Wireshark's USB dissector. */
void usbipx_usb_register_prefs(module_t *m);
void usbipx_usb_register(void);
void usbipx_usb_handoff(tvbuff_t *tvb, int data_offset, int data_len, packet_info *pinfo,
                        proto_tree *tree, uint32_t conn_id, const struct uip_header *hdr,
                        const struct usbipx_pdu *rec);

/* usbipx-srt.c: the service response time statistic (tshark -z usbipx,srt). */
void usbipx_srt_register(void);
/* Queue a completed URB for the statistic's tap. */
void usbipx_srt_queue(packet_info *pinfo, const struct usbipx_urb *urb);

/* packet-usbipx.c */
void proto_register_usbipx(void);
/* A record of usbipd-win's own capture on its UNLINK interface: a raw IPv4/TCP packet that
 * holds one unlink (with TCP flags that mean nothing). */
bool usbipx_is_usbipd_win_unlink(packet_info *pinfo);
/* The errno name of a negative status ("EPIPE"), or "E?". */
const char *usbipx_status_text(int32_t status);
void proto_reg_handoff_usbipx(void);

#endif
