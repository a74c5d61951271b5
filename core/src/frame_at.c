/* SPDX-License-Identifier: GPL-2.0-or-later */
/* frame_at.c -- the boundary rules of USB/IP framing over bytes held whole (contract in
 * uip/frame_at.h): which headers fit a side, the resynchronization search and its
 * confirmation, and the length and direction of one PDU at the start of a buffer. */
#include <string.h>
#include "uip/error.h"
#include "uip/frame_at.h"
#include "uip/framer.h"
#include "reader.h"

bool uip_command_fits_side(uint32_t command, enum uip_side side)
{
    if (side == UIP_SIDE_CLIENT)
        return command == UIP_CMD_SUBMIT || command == UIP_CMD_UNLINK;
    return command == UIP_RET_SUBMIT || command == UIP_RET_UNLINK;
}

static bool uip_op_fits_side(const struct uip_op_header *h, enum uip_side side)
{
    if (h->version != UIP_PROTOCOL_VERSION)
        return false;
    if (side == UIP_SIDE_CLIENT)
        return (h->code == UIP_OP_REQ_DEVLIST || h->code == UIP_OP_REQ_IMPORT ||
                h->code == UIP_OP_REQ_DEVINFO) && h->status == 0;
    return (h->code == UIP_OP_REP_DEVLIST || h->code == UIP_OP_REP_IMPORT ||
            h->code == UIP_OP_REP_DEVINFO) && h->status <= UIP_ST_ERROR;
}

int uip_validate_header(const uint8_t *p, size_t len, enum uip_side side, struct uip_header *out)
{
    int rc = uip_decode_header(p, len, out);
    if (rc == UIP_OK)
        rc = uip_check_header(out, p);
    if (rc == UIP_OK && !uip_command_fits_side(out->command, side))
        rc = UIP_ERR_BAD_COMMAND;
    return rc;
}

bool uip_header_valid_at(const uint8_t *p, size_t len, enum uip_side side)
{
    struct uip_header h;
    return uip_validate_header(p, len, side, &h) == UIP_OK;
}

bool uip_op_header_valid_at(const uint8_t *p, size_t len, enum uip_side side)
{
    struct uip_op_header h;
    return uip_decode_op_header(p, len, &h) == UIP_OK && uip_op_fits_side(&h, side);
}

int uip_sender_of(const uint8_t *p, size_t len)
{
    for (int side = UIP_SIDE_CLIENT; side <= UIP_SIDE_SERVER; side++)
        if (uip_op_header_valid_at(p, len, (enum uip_side)side) ||
            uip_header_valid_at(p, len, (enum uip_side)side))
            return side;
    return -1;
}

bool uip_ret_submit_looks_out(const uint8_t *p, size_t avail, uint64_t out_len, enum uip_side side)
{
    if (avail == out_len)
        return true;
    return uip_in_bounds(avail, (size_t)out_len, UIP_HEADER_SIZE) &&
           uip_header_valid_at(p + out_len, avail - (size_t)out_len, side);
}

int uip_find_header(const uint8_t *buf, size_t len, enum uip_side side, bool allow_op,
                    size_t *offset)
{
    for (size_t off = 0; off < len; off++) {
        if (allow_op && uip_in_bounds(len, off, UIP_OP_HEADER_SIZE) &&
            uip_op_header_valid_at(buf + off, len - off, side)) {
            *offset = off;
            return UIP_OK;
        }
        if (!uip_in_bounds(len, off, UIP_HEADER_SIZE)) {
            *offset = off;
            return UIP_ERR_TRUNCATED;
        }
        if (uip_header_valid_at(buf + off, UIP_HEADER_SIZE, side)) {
            *offset = off;
            return UIP_OK;
        }
    }
    *offset = len;
    return UIP_ERR_TRUNCATED;
}

int uip_confirm_header(const uint8_t *p, size_t avail, enum uip_side side, uint64_t reach)
{
    struct uip_header h;
    uint64_t len, len_in;

    if (uip_op_header_valid_at(p, avail, side) &&
        !(avail >= UIP_HEADER_SIZE && uip_header_valid_at(p, UIP_HEADER_SIZE, side)))
        return 1; /* OP messages start a connection: nothing before them to confirm against */
    if (uip_decode_header(p, avail, &h) != UIP_OK ||
        uip_urb_pdu_length(&h, UIP_DIR_UNKNOWN, &len, &len_in) != UIP_OK)
        return 0;
    uint64_t cands[2] = {len, len_in};
    bool waiting = false;
    for (int i = 0; i < 2; i++) {
        if (cands[i] + UIP_HEADER_SIZE > reach)
            return 1; /* beyond reach: accept on the header's own merits */
        if (cands[i] + UIP_HEADER_SIZE <= avail) {
            if (uip_header_valid_at(p + cands[i], UIP_HEADER_SIZE, side))
                return 1;
        } else {
            waiting = true;
        }
    }
    return waiting ? -1 : 0;
}

int uip_resync_search(const uint8_t *buf, size_t len, enum uip_side side, bool allow_op,
                      uint64_t reach, bool at_end, size_t *offset)
{
    size_t start = 0;

    while (start < len) {
        size_t off;
        if (uip_find_header(buf + start, len - start, side, allow_op, &off) != UIP_OK) {
            *offset = start + off;
            return 0;
        }
        off += start;
        int c = uip_confirm_header(buf + off, len - off, side, reach > off ? reach - off : 0);
        if (c < 0 && at_end)
            c = 1;
        if (c != 0) {
            *offset = off;
            return c;
        }
        start = off + 1;
    }
    *offset = len;
    return 0;
}

void uip_urb_body(const struct uip_header *h, int cmd_direction, uint32_t *data_len,
                  uint32_t *iso_count)
{
    uint32_t np = 0;
    *data_len = 0;
    if (h->command == UIP_CMD_SUBMIT) {
        np = h->u.cmd_submit.number_of_packets;
        if (h->direction == UIP_DIR_OUT && h->u.cmd_submit.transfer_buffer_length > 0)
            *data_len = (uint32_t)h->u.cmd_submit.transfer_buffer_length;
    } else if (h->command == UIP_RET_SUBMIT) {
        np = h->u.ret_submit.number_of_packets;
        if (cmd_direction == UIP_DIR_IN && h->u.ret_submit.actual_length > 0)
            *data_len = (uint32_t)h->u.ret_submit.actual_length;
    }
    *iso_count = uip_np_is_iso(np) ? np : 0;
}

/* The URB PDU at p, framed as the framer frames in sync (in_sync), or as its resynchronization
 * takes a header (else: the first header after a start mid-stream or a skip): it validates,
 * and the header after it does too (when the bytes end first, it is taken). */
static enum uip_frame_status uip_frame_urb(const uint8_t *p, size_t avail, enum uip_side side,
                                           int cmd_direction, bool in_sync, struct uip_frame *out)
{
    struct uip_header *h = &out->hdr;
    uint64_t len, len_in;
    int rc = uip_decode_header(p, avail, h);

    if (rc == UIP_OK && !uip_command_fits_side(h->command, side))
        rc = UIP_ERR_BAD_COMMAND;
    if (rc == UIP_OK)
        rc = uip_urb_pdu_length(h, UIP_DIR_UNKNOWN, &len, &len_in);
    if (rc == UIP_OK) {
        out->check = uip_check_header(h, p);
        if (!in_sync && out->check != UIP_OK)
            rc = out->check;
        else if (!in_sync && uip_confirm_header(p, avail, side, UINT64_MAX) == 0)
            rc = UIP_ERR_UNCONFIRMED;
    }
    if (rc != UIP_OK) {
        out->check = rc;
        return UIP_FRAME_INVALID;
    }
    if (h->command == UIP_RET_SUBMIT) {
        if (cmd_direction == UIP_DIR_UNKNOWN && len != len_in) {
            cmd_direction = uip_ret_submit_looks_out(p, avail, len, side) ? UIP_DIR_OUT : UIP_DIR_IN;
            out->direction_inferred = true;
        }
        out->cmd_direction = cmd_direction;
        if (cmd_direction == UIP_DIR_IN)
            len = len_in;
    }
    uip_urb_body(h, out->cmd_direction, &out->data_len, &out->iso_count);
    out->length = len;
    return UIP_FRAME_PDU;
}

enum uip_frame_status uip_frame_at(const uint8_t *p, size_t avail, uint64_t reported,
                                   enum uip_side side, int cmd_direction, bool in_sync,
                                   struct uip_frame *out)
{
    memset(out, 0, sizeof *out);
    out->cmd_direction = UIP_DIR_UNKNOWN;
    if (avail < UIP_OP_HEADER_SIZE) {
        out->length = UIP_OP_HEADER_SIZE - avail;
        return UIP_FRAME_NEED_MORE;
    }
    enum uip_frame_status st;
    if (uip_op_header_valid_at(p, avail, side)) {
        uint64_t need = 0;
        int rc = uip_op_pdu_length(p, avail, &out->length, &need);
        if (rc == UIP_ERR_TRUNCATED) {
            out->length = 0; /* learnt record by record as the bytes come */
            return UIP_FRAME_NEED_MORE;
        }
        if (rc != UIP_OK) {
            out->check = rc;
            return UIP_FRAME_INVALID;
        }
        out->is_op = true;
        uip_decode_op_header(p, avail, &out->op);
        st = UIP_FRAME_PDU;
    } else {
        if (avail < UIP_HEADER_SIZE) {
            out->length = UIP_HEADER_SIZE - avail;
            return UIP_FRAME_NEED_MORE;
        }
        st = uip_frame_urb(p, avail, side, cmd_direction, in_sync, out);
        if (st != UIP_FRAME_PDU)
            return st;
    }
    if (out->length > reported) {
        out->length -= reported;
        return UIP_FRAME_NEED_MORE;
    }
    return UIP_FRAME_PDU;
}

void uip_frame_pdu(const struct uip_frame *fr, const uint8_t *p, uint64_t ts_ns, uint64_t frame,
                   struct uip_iso_desc *iso, struct uip_pdu *out)
{
    memset(out, 0, sizeof *out);
    out->is_op = fr->is_op;
    out->length = fr->length;
    out->ts_ns = out->ts_first_ns = ts_ns;
    out->frame = out->frame_first = frame;
    out->cmd_direction = fr->cmd_direction;
    out->direction_inferred = fr->direction_inferred;
    if (fr->is_op) {
        out->op = fr->op;
        out->op_body = p + UIP_OP_HEADER_SIZE;
        out->op_body_len = (uint32_t)(fr->length - UIP_OP_HEADER_SIZE);
        return;
    }
    out->hdr = fr->hdr;
    out->raw_header = p;
    out->check = fr->check;
    out->data_len = out->data_kept = fr->data_len;
    out->data = fr->data_len ? p + UIP_HEADER_SIZE : NULL;
    if (fr->iso_count && iso) {
        const uint8_t *d = p + UIP_HEADER_SIZE + fr->data_len;
        for (uint32_t i = 0; i < fr->iso_count; i++)
            uip_decode_iso_desc(d + (size_t)i * UIP_ISO_DESC_SIZE, UIP_ISO_DESC_SIZE, &iso[i]);
        out->iso = iso;
        out->iso_count = fr->iso_count;
    }
}
