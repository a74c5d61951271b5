/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tracker.h -- the one URB transaction table: CMD_SUBMIT/RET_SUBMIT matched by connection
 * and seqnum (or usbmon URB id), unlinks with their victims, queue depth, endpoint types. */
#ifndef UIP_TRACKER_H
#define UIP_TRACKER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "uip/wire.h"
#include "uip/framer.h"
#include "uip/capture.h"

/* USB transfer types, numbered as in bmAttributes. */
enum uip_xfer_type {
    UIP_XFER_CONTROL = 0,
    UIP_XFER_ISOCHRONOUS = 1,
    UIP_XFER_BULK = 2,
    UIP_XFER_INTERRUPT = 3,
    UIP_XFER_UNKNOWN = 4,
};
const char *uip_xfer_type_name(enum uip_xfer_type t); /* "control", "isochronous", ... */

enum uip_urb_outcome {
    UIP_URB_COMPLETED = 0,     /* RET_SUBMIT seen, never unlinked */
    UIP_URB_UNLINKED,          /* CMD_UNLINK, then RET_UNLINK (usually -ECONNRESET), no RET_SUBMIT */
    UIP_URB_UNLINK_TOO_LATE,   /* CMD_UNLINK, but the URB had completed: RET_SUBMIT came, RET_UNLINK status 0 */
    UIP_URB_PENDING_AT_END,    /* no answer by the end of the capture */
    UIP_URB_CONNECTION_CLOSED, /* outstanding when its connection closed */
    UIP_URB_NO_SUBMIT,         /* a RET_SUBMIT whose CMD_SUBMIT was not seen (an anomaly) */
    UIP_URB_BEFORE_CAPTURE,    /* a usbmon completion whose submission came before the capture
                                  began (or was lost by it): a bus has no start to see */
};
const char *uip_urb_outcome_name(enum uip_urb_outcome o);
/* Its RET_SUBMIT came (completed, or after an unlink that came too late): status, actual length
 * and IN data are the answer's. */
static inline bool uip_outcome_answered(enum uip_urb_outcome o)
{
    return o == UIP_URB_COMPLETED || o == UIP_URB_UNLINK_TOO_LATE;
}
/* An answer whose request is not in the capture: no submit time, no endpoint type. */
static inline bool uip_outcome_unmatched(enum uip_urb_outcome o)
{
    return o == UIP_URB_NO_SUBMIT || o == UIP_URB_BEFORE_CAPTURE;
}

/* Anomalies found while tracking, as bits of uip_urb.anomalies and as events. */
enum uip_anomaly {
    UIP_ANOM_DUPLICATE_SEQNUM = 1u << 0,   /* CMD_SUBMIT reusing an outstanding seqnum */
    UIP_ANOM_RET_WITHOUT_CMD = 1u << 1,    /* RET_SUBMIT/RET_UNLINK with no matching CMD */
    UIP_ANOM_ACTUAL_ABOVE_LENGTH = 1u << 2,/* actual_length > transfer_buffer_length (CVE-2016-3955 class) */
    UIP_ANOM_ISO_MISMATCH = 1u << 3,       /* iso packet count or lengths inconsistent */
    UIP_ANOM_BAD_HEADER = 1u << 4,         /* uip_check_header failed (see uip_urb.check) */
    UIP_ANOM_UNLINK_UNKNOWN = 1u << 5,     /* CMD_UNLINK of a seqnum not outstanding (nor one of the
                                              device's last finished URBs, whose answer it crossed) */
    UIP_ANOM_DATA_MISSING = 1u << 6,       /* transfer data partly lost in a TCP gap or cut by the end */
};

/* A finished URB, delivered once. Pointers valid only during the callback. */
struct uip_urb {
    uint32_t conn_id;           /* capture connection, or usbmon bus number */
    uint32_t devid;             /* busnum << 16 | devnum */
    uint64_t id;                /* USB/IP seqnum, or usbmon URB id */
    uint8_t ep;                 /* endpoint number 0..15 */
    int8_t direction;           /* enum uip_direction */
    uint8_t xfer_type;          /* enum uip_xfer_type */
    bool has_setup;
    uint8_t setup[8];
    uint32_t transfer_flags;
    int32_t transfer_buffer_length;
    int32_t actual_length;
    int32_t status;             /* negative errno from RET_SUBMIT */
    uint32_t number_of_packets;
    int32_t error_count;
    int32_t interval;
    int32_t start_frame;
    uint64_t t_submit_ns;       /* 0 if no submit seen; the CMD_SUBMIT's last byte (usbmon: 'S') */
    uint64_t t_submit_first_ns; /* the CMD_SUBMIT's first byte: when the host submitted it, before
                                   its OUT data took its time on the wire (usbmon: 'S' too) */
    uint64_t t_complete_ns;     /* 0 if never completed; the RET_SUBMIT's last byte */
    uint64_t t_complete_first_ns; /* the RET_SUBMIT's first byte: its IN data took the time from
                                     there to t_complete_ns on the wire (usbmon: 'C' too) */
    uint64_t frame_submit, frame_complete;
    uint32_t depth_dev_at_submit; /* outstanding URBs of the device, this one included */
    uint32_t depth_ep_at_submit;  /* outstanding URBs of the endpoint+direction, this one included */
    bool has_since_prev;          /* an earlier submit on the endpoint+direction was seen */
    uint64_t since_prev_ns;       /* time since that submit */
    /* unlink */
    bool unlinked;
    uint64_t unlink_id;         /* seqnum of the CMD_UNLINK */
    uint64_t t_unlink_ns, t_unlink_ret_ns;
    uint64_t frame_unlink, frame_unlink_ret;
    int32_t unlink_status;      /* RET_UNLINK status */
    enum uip_urb_outcome outcome;
    uint32_t anomalies;         /* enum uip_anomaly bits */
    int check;                  /* uip_check_header result of the worse of CMD and RET */
    /* data: OUT from the CMD, IN from the RET; only the kept prefix */
    uint32_t data_len, data_kept;
    const uint8_t *data;
    uint32_t iso_count;
    const struct uip_iso_desc *iso;
    void *tag;                  /* the user's own record of this URB: set on its UIP_EV_SUBMIT
                                   (ev->urb->tag), found again on its later events and in the
                                   urb callback */
};

enum uip_event_kind {
    UIP_EV_SUBMIT = 0,
    UIP_EV_COMPLETE,       /* RET_SUBMIT (or usbmon 'C'/'E') */
    UIP_EV_UNLINK,         /* CMD_UNLINK */
    UIP_EV_UNLINK_RET,     /* RET_UNLINK */
    UIP_EV_ANOMALY,        /* see anomaly */
};

/* Every tracked event, in capture order, with queue depth after it. */
struct uip_event {
    enum uip_event_kind kind;
    struct uip_urb *urb;      /* the URB concerned as the table holds it (SUBMIT, COMPLETE; the
                                 victim of UNLINK and UNLINK_RET), or NULL (anomalies, unlinks of
                                 URBs not outstanding); valid during the callback. Its outcome
                                 is final from COMPLETE on (completed or unlink-too-late). */
    uint32_t conn_id;
    uint32_t devid;
    uint8_t ep;
    int8_t direction;
    uint8_t xfer_type;        /* enum uip_xfer_type of the URB (UIP_XFER_UNKNOWN when not known) */
    uint64_t id;
    uint64_t ts_ns;
    uint64_t frame;
    uint32_t depth_dev;       /* outstanding URBs of the device after the event */
    uint32_t depth_ep;        /* outstanding URBs of this endpoint+direction after the event */
    uint32_t data_len;        /* bytes of transfer data moved by this event */
    enum uip_anomaly anomaly; /* UIP_EV_ANOMALY only */
    bool has_since_prev;      /* UIP_EV_SUBMIT: time since the previous submit on the endpoint+direction */
    uint64_t since_prev_ns;
};

/* A device seen on a connection (from OP_REP_IMPORT / OP_REP_DEVLIST, or only its devid). */
struct uip_device_info {
    uint32_t conn_id;
    uint32_t devid;
    bool has_record;
    struct uip_device_record record;
    bool import_failed;        /* OP_REP_IMPORT with status != 0 */
    uint32_t import_status;
    uint8_t ep_type[2][16];    /* [direction][ep] enum uip_xfer_type, from the configuration descriptor */
    bool usbipd_win;           /* seen in usbipd-win's records: devnum is its hub port, not an
                                  address (so 1 is no root hub) */
};

struct uip_tracker_callbacks {
    void (*urb)(void *user, const struct uip_urb *urb);
    void (*event)(void *user, const struct uip_event *ev);
    void (*device)(void *user, const struct uip_device_info *dev); /* on first sight and on updates */
};

struct uip_tracker;

/* data_keep: bytes of transfer data kept per URB for the callback (endpoint 0 keeps up to
 * control_keep). NULL on allocation failure. */
struct uip_tracker *uip_tracker_new(const struct uip_tracker_callbacks *cb, void *user,
                                    uint32_t data_keep, uint32_t control_keep);
void uip_tracker_free(struct uip_tracker *t);

/* A framed USB/IP PDU of a connection. */
void uip_tracker_pdu(struct uip_tracker *t, uint32_t conn_id, const struct uip_pdu *pdu);
/* A usbmon record: conn_id is the bus number, the key the URB id. */
void uip_tracker_usbmon(struct uip_tracker *t, const struct uip_usbmon_event *ev);
/* An unlink of a usbipd-win capture (conn_id is the bus). usbipd-win writes an unlinked URB's
 * completion whether or not it sends it; the RET_UNLINK says: status 0, it was sent (the URB
 * ends unlink-too-late, as on the wire); an error, the unlink won and it was never sent (the URB
 * ends unlinked, with no answer, and the completion, before or after, is counted in
 * uip_tracker_unsent_completions). */
void uip_tracker_usbipd_unlink(struct uip_tracker *t, const struct uip_usbipd_unlink *u);
/* Completions in a usbipd-win capture that it never sent, because an unlink won. */
uint64_t uip_tracker_unsent_completions(const struct uip_tracker *t);
/* For the framer: direction and endpoint of an outstanding CMD_SUBMIT. */
bool uip_tracker_lookup_cmd(const struct uip_tracker *t, uint32_t conn_id, uint32_t seqnum,
                            struct uip_cmd_info *out);
/* URBs of connection conn_id submitted and not yet answered nor unlinked. */
uint32_t uip_tracker_outstanding(const struct uip_tracker *t, uint32_t conn_id);
/* Outstanding URBs of a connection become UIP_URB_CONNECTION_CLOSED (or PENDING_AT_END when at_end). */
void uip_tracker_conn_closed(struct uip_tracker *t, uint32_t conn_id, bool at_end, uint64_t ts_ns);
/* Flush everything still outstanding as UIP_URB_PENDING_AT_END. */
void uip_tracker_finish(struct uip_tracker *t, uint64_t ts_ns);

const struct uip_device_info *uip_tracker_device(const struct uip_tracker *t, uint32_t conn_id,
                                                 uint32_t devid);

#endif
