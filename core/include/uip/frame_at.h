/* SPDX-License-Identifier: GPL-2.0-or-later */
/* frame_at.h -- where a USB/IP PDU begins and how long it is, in bytes held whole: the
 * boundary rules that the incremental framer applies to a stream and that a program holding
 * the bytes itself (the Wireshark plugin, over TCP's reassembly) applies to a buffer. */
#ifndef UIP_FRAME_AT_H
#define UIP_FRAME_AT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "uip/wire.h"

struct uip_pdu; /* uip/framer.h */

/* Which peer sends the bytes of a direction. */
enum uip_side {
    UIP_SIDE_CLIENT = 0, /* client (VHCI) to server (stub): OP requests, CMD_* */
    UIP_SIDE_SERVER = 1, /* server to client: OP replies, RET_* */
};

/* Whether side sends command (CMD_* the client, RET_* the server). */
bool uip_command_fits_side(uint32_t command, enum uip_side side);

/*
 * Decode the URB header at p (len bytes there) into *out and check that it fits side and
 * passes uip_check_header with the reserved-bytes check. UIP_OK, UIP_ERR_TRUNCATED (fewer
 * than 48 bytes), or why it is not a header (UIP_ERR_BAD_COMMAND also for a command the other
 * side sends).
 */
int uip_validate_header(const uint8_t *p, size_t len, enum uip_side side, struct uip_header *out);
/* uip_validate_header(...) == UIP_OK. */
bool uip_header_valid_at(const uint8_t *p, size_t len, enum uip_side side);
/* The same for an OP header (8 bytes): known version and code, request or reply as side sends. */
bool uip_op_header_valid_at(const uint8_t *p, size_t len, enum uip_side side);
/* The side whose first message (an OP header or a URB header that validates) starts the len
 * bytes at p, or -1. */
int uip_sender_of(const uint8_t *p, size_t len);

/*
 * A RET_SUBMIT whose CMD_SUBMIT was not seen: did it carry no data (an OUT URB's answer)?
 * p holds the RET_SUBMIT from its header on, avail bytes of it; out_len is its length without
 * data. True when the bytes end right there or another header of side follows; false (IN
 * data) otherwise. The caller gives at least out_len + 48 bytes unless the stream ends.
 */
bool uip_ret_submit_looks_out(const uint8_t *p, size_t avail, uint64_t out_len, enum uip_side side);

/*
 * The first offset in buf where a header begins that decodes, passes uip_check_header with
 * the reserved-bytes check and fits side (OP messages too when allow_op). UIP_OK with
 * *offset, or UIP_ERR_TRUNCATED with *offset at the first position that could still start
 * one once more bytes come.
 */
int uip_find_header(const uint8_t *buf, size_t len, enum uip_side side, bool allow_op,
                    size_t *offset);
/*
 * The confirmation applied to a candidate header found by uip_find_header (avail bytes at p):
 * 1 when it is an OP header, or when another URB header that validates follows it at one of
 * its two possible lengths (RET_SUBMIT: with or without IN data), or when that next header
 * would lie beyond reach bytes (accepted on its own merits); 0 when neither length is
 * followed by a header; -1 when the next header is not wholly inside the avail bytes yet.
 */
int uip_confirm_header(const uint8_t *p, size_t avail, enum uip_side side, uint64_t reach);
/*
 * The resynchronization rule: the first candidate of uip_find_header in buf that
 * uip_confirm_header confirms. reach counts from buf's start. 1: a header at *offset;
 * -1: a candidate at *offset waits for more bytes (never when at_end: then it is taken);
 * 0: none, and *offset is the first position that could still start one.
 */
int uip_resync_search(const uint8_t *buf, size_t len, enum uip_side side, bool allow_op,
                      uint64_t reach, bool at_end, size_t *offset);

/* The body after a URB PDU's 48-byte header: data_len bytes of transfer data (a CMD_SUBMIT's
 * OUT data, or a RET_SUBMIT's IN data when cmd_direction is IN), then iso_count isochronous
 * descriptors. */
void uip_urb_body(const struct uip_header *h, int cmd_direction, uint32_t *data_len,
                  uint32_t *iso_count);

/* One PDU at the start of a buffer. */
enum uip_frame_status {
    UIP_FRAME_PDU,       /* a whole PDU: length */
    UIP_FRAME_NEED_MORE, /* its end lies beyond the bytes: length more are needed (0: unknown
                            yet, as for an OP_REP_DEVLIST read record by record) */
    UIP_FRAME_INVALID,   /* not a header: check says why */
};

struct uip_frame {
    bool is_op;
    struct uip_op_header op;  /* is_op */
    struct uip_header hdr;    /* !is_op */
    int check;                /* UIP_FRAME_INVALID: why; UIP_FRAME_PDU: uip_check_header's verdict */
    uint64_t length;          /* see enum uip_frame_status */
    int cmd_direction;        /* RET_SUBMIT: the direction it was framed with, or UIP_DIR_UNKNOWN
                                 when it carries no data either way */
    bool direction_inferred;  /* RET_SUBMIT: from the bytes after it (uip_ret_submit_looks_out) */
    uint32_t data_len;        /* URB PDU: its body (uip_urb_body), data at offset 48, then */
    uint32_t iso_count;       /* the descriptors */
};

/*
 * Frame the PDU that starts at p, with avail bytes at hand and reported bytes in the stream
 * from p (reported >= avail; more when the capture cut the packets). cmd_direction: the
 * direction of the CMD_SUBMIT a RET_SUBMIT answers, when known (else UIP_DIR_UNKNOWN: it is
 * inferred from the bytes after it). in_sync: the bytes follow a PDU framed before, and a URB
 * header of the side whose length can be told is framed even when uip_check_header finds a
 * field out of range (check says which), as the framer does; else the header must validate
 * whole (the first header of a stream joined mid-way, or after skipped bytes).
 */
enum uip_frame_status uip_frame_at(const uint8_t *p, size_t avail, uint64_t reported,
                                   enum uip_side side, int cmd_direction, bool in_sync,
                                   struct uip_frame *out);

/*
 * The PDU framed in fr, whose fr->length bytes are at p, as the framer delivers one (all its
 * data kept), for the tracker: ts_ns and frame are its time and packet; iso holds room for
 * fr->iso_count descriptors (decoded into it; NULL when there are none).
 */
void uip_frame_pdu(const struct uip_frame *fr, const uint8_t *p, uint64_t ts_ns, uint64_t frame,
                   struct uip_iso_desc *iso, struct uip_pdu *out);

#endif
