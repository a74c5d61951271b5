/* SPDX-License-Identifier: GPL-2.0-or-later */
/* framer.h -- incremental USB/IP framer for one TCP direction: bytes in arbitrary
 * chunks in, complete PDUs out; resynchronizes after gaps and mid-stream starts. */
#ifndef UIP_FRAMER_H
#define UIP_FRAMER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "uip/frame_at.h"
#include "uip/wire.h"

/* Why bytes of the stream were not parsed as PDUs. */
enum uip_skip_reason {
    UIP_SKIP_MID_STREAM = 0, /* before the first header of a stream whose start was not captured */
    UIP_SKIP_AFTER_GAP,      /* after a TCP gap, until a header validated again */
    UIP_SKIP_INVALID,        /* a header that failed validation; scanned past to the next */
    UIP_SKIP_TRUNCATED_END,  /* a PDU cut off by the end of the stream */
    UIP_SKIP_OVERSIZED,      /* a PDU whose fixed part exceeds what the framer holds (OP reply) */
    UIP_SKIP__COUNT
};
const char *uip_skip_reason_name(enum uip_skip_reason r); /* "mid-stream start", ... */

/* One complete PDU. Pointers are valid only during the callback. */
struct uip_pdu {
    bool is_op;                /* OP message (set-up phase) or URB message */
    struct uip_op_header op;   /* is_op: the OP header */
    const uint8_t *op_body;    /* is_op: the bytes after the 8-byte header, op_body_len of them */
    uint32_t op_body_len;
    struct uip_header hdr;     /* !is_op: the decoded 48-byte header */
    const uint8_t *raw_header; /* !is_op: the 48 header bytes as on the wire */
    int cmd_direction;         /* RET_SUBMIT: direction used to frame it (enum uip_direction);
                                  UIP_DIR_UNKNOWN when neither looked up nor inferable */
    bool direction_inferred;   /* RET_SUBMIT without a known CMD: direction guessed from the bytes after it */
    int check;                 /* uip_check_header result for URB PDUs (UIP_OK or a UIP_ERR_BAD_*) */
    /* transfer data: OUT data of a CMD_SUBMIT or IN data of a RET_SUBMIT */
    uint32_t data_len;         /* bytes of data on the wire */
    uint32_t data_kept;        /* the first data_kept bytes are in data (see keep limits) */
    const uint8_t *data;
    uint32_t data_missing;     /* data bytes lost in TCP gaps or cut by the end of the stream
                                  (the PDU is still framed) */
    bool cut_at_end;           /* the stream ended inside its data (its header came whole) */
    /* isochronous descriptors, always kept whole */
    const struct uip_iso_desc *iso;
    uint32_t iso_count;
    /* position */
    uint64_t stream_offset;    /* offset of the first byte in this direction's stream */
    uint64_t length;           /* whole length on the wire */
    uint64_t ts_first_ns;      /* capture time of the packet holding the first byte */
    uint64_t ts_ns;            /* capture time of the packet that completed the PDU: the PDU's time */
    uint64_t frame_first;      /* packet numbers (1-based, as Wireshark counts) */
    uint64_t frame;
};

/* What the framer knows of a CMD_SUBMIT when it frames the RET_SUBMIT. */
struct uip_cmd_info {
    int direction; /* enum uip_direction */
    uint32_t ep;
};

struct uip_framer_callbacks {
    /* Look up the CMD_SUBMIT of seqnum (sent on the other direction). Return false if unknown. */
    bool (*lookup_cmd)(void *user, uint32_t seqnum, struct uip_cmd_info *out);
    void (*pdu)(void *user, const struct uip_pdu *pdu);
    /* nbytes of the stream at offset were skipped for reason (reported once per run of skipped bytes). */
    void (*skipped)(void *user, uint64_t offset, uint64_t nbytes, enum uip_skip_reason reason,
                    uint64_t ts_ns, uint64_t frame);
};

struct uip_framer_config {
    enum uip_side side;
    bool at_connection_start; /* true: the stream starts with OP messages; false: resynchronize first */
    uint32_t data_keep;       /* data bytes kept per PDU on endpoints other than 0 (0: none) */
    uint32_t control_keep;    /* data bytes kept per PDU on endpoint 0 (descriptors) */
    struct uip_framer_callbacks cb;
    void *user;
};

struct uip_framer_stats {
    uint64_t pdus;
    uint64_t bytes_parsed;               /* bytes inside framed PDUs */
    uint64_t bytes_skipped[UIP_SKIP__COUNT];
    uint64_t data_bytes_missing;         /* data bytes of framed PDUs lost in gaps */
    uint64_t resyncs;
};

struct uip_framer;

/* NULL on allocation failure. */
struct uip_framer *uip_framer_new(const struct uip_framer_config *cfg);
void uip_framer_free(struct uip_framer *f); /* NULL is a no-op */

/* Feed the next bytes of the stream; frame is the packet number they came in. */
void uip_framer_feed(struct uip_framer *f, const uint8_t *bytes, size_t len, uint64_t ts_ns,
                     uint64_t frame);
/* nbytes of the stream are missing (TCP gap). */
void uip_framer_gap(struct uip_framer *f, uint64_t nbytes, uint64_t ts_ns, uint64_t frame);
/* End of stream: a PDU whose header came whole but whose data was cut is delivered (cut_at_end,
 * the rest counted in data_missing); any other partial PDU is skipped (UIP_SKIP_TRUNCATED_END). */
void uip_framer_finish(struct uip_framer *f, uint64_t ts_ns, uint64_t frame);

const struct uip_framer_stats *uip_framer_stats(const struct uip_framer *f);

#endif
