/* SPDX-License-Identifier: GPL-2.0-or-later */
/* framer.c -- incremental USB/IP framer for one TCP direction (contract in uip/framer.h).
 * A state machine: header bytes are gathered, transfer data is counted down (only a
 * bounded prefix is copied), isochronous descriptors are gathered whole. */
#include <stdlib.h>
#include <string.h>
#include "uip/error.h"
#include "uip/framer.h"
#include "reader.h"

/* Bytes held while searching for a header; also the reach of the confirmation check. */
#define UIP_SCAN_CAP (256u * 1024u)
/* The largest OP message held whole (an OP_REP_DEVLIST with many devices). */
#define UIP_OP_CAP (UIP_OP_REP_DEVLIST_MIN_SIZE + \
                    UIP_MAX_DEVLIST_DEVICES * (UIP_DEVICE_RECORD_SIZE + 4 * UIP_INTERFACE_RECORD_SIZE))

enum uip_framer_state {
    UIP_FS_HEADER, /* gathering a URB header (or an OP header in the OP phase) */
    UIP_FS_OP,     /* gathering the rest of an OP message */
    UIP_FS_PEEK,   /* RET_SUBMIT of unknown direction: gathering the bytes after it to decide */
    UIP_FS_DATA,   /* counting down transfer data */
    UIP_FS_ISO,    /* gathering isochronous descriptors */
    UIP_FS_RESYNC, /* searching for a valid header */
};

struct uip_framer {
    struct uip_framer_config cfg;
    struct uip_framer_stats stats;
    enum uip_framer_state state;
    bool urb_phase;
    uint64_t offset; /* stream offset of the next byte fed */
    uint64_t last_ts, last_frame; /* the packet of the last bytes fed */

    /* the PDU being assembled: buf = [fixed part][kept data][iso descriptors] */
    uint8_t *buf;
    size_t cap;
    size_t have;         /* bytes in buf */
    uint64_t want;       /* bytes the current gathering step needs in buf */
    uint64_t consumed;   /* stream bytes of this PDU consumed so far (gaps excluded) */
    uint32_t keep_limit; /* data bytes to keep */
    uint32_t data_left;  /* data bytes still to come */
    struct uip_pdu pdu;
    struct uip_iso_desc *iso;

    /* resynchronization */
    uint8_t *scan;
    size_t scan_len;
    enum uip_skip_reason resync_reason;
    /* a run of skipped bytes not yet reported */
    uint64_t skip_len, skip_offset, skip_ts, skip_frame;
    enum uip_skip_reason skip_reason;
};

static void uip_feed_bytes(struct uip_framer *f, const uint8_t *p, size_t len, uint64_t ts,
                           uint64_t frame);

const char *uip_skip_reason_name(enum uip_skip_reason r)
{
    switch (r) {
    case UIP_SKIP_MID_STREAM: return "mid-stream start";
    case UIP_SKIP_AFTER_GAP: return "after a TCP gap";
    case UIP_SKIP_INVALID: return "invalid header";
    case UIP_SKIP_TRUNCATED_END: return "PDU cut by the end of the stream";
    case UIP_SKIP_OVERSIZED: return "OP message too large";
    default: return "unknown";
    }
}

/* ---- skipped-byte runs ------------------------------------------------------- */

static void uip_flush_skip(struct uip_framer *f)
{
    if (!f->skip_len)
        return;
    f->stats.bytes_skipped[f->skip_reason] += f->skip_len;
    if (f->cfg.cb.skipped)
        f->cfg.cb.skipped(f->cfg.user, f->skip_offset, f->skip_len, f->skip_reason, f->skip_ts,
                          f->skip_frame);
    f->skip_len = 0;
}

static void uip_add_skip(struct uip_framer *f, uint64_t offset, uint64_t n,
                         enum uip_skip_reason reason, uint64_t ts, uint64_t frame)
{
    if (!n)
        return;
    if (f->skip_len && (f->skip_reason != reason || f->skip_offset + f->skip_len != offset))
        uip_flush_skip(f);
    if (!f->skip_len) {
        f->skip_offset = offset;
        f->skip_reason = reason;
        f->skip_ts = ts;
        f->skip_frame = frame;
    }
    f->skip_len += n;
}

/* ---- buffers -------------------------------------------------------------------- */

static bool uip_reserve(struct uip_framer *f, size_t need)
{
    if (need <= f->cap)
        return true;
    size_t cap = f->cap ? f->cap : 4096;
    while (cap < need)
        cap *= 2;
    uint8_t *b = realloc(f->buf, cap);
    if (!b)
        return false;
    f->buf = b;
    f->cap = cap;
    return true;
}

/* Copy up to f->want - f->have bytes into buf; returns bytes taken. */
static size_t uip_gather(struct uip_framer *f, const uint8_t *p, size_t len)
{
    uint64_t missing = f->want - f->have;
    size_t n = len < missing ? len : (size_t)missing;
    memcpy(f->buf + f->have, p, n);
    f->have += n;
    f->consumed += n;
    return n;
}

/* ---- PDU lifecycle ---------------------------------------------------------------- */

static void uip_start_pdu(struct uip_framer *f, uint64_t ts, uint64_t frame)
{
    memset(&f->pdu, 0, sizeof f->pdu);
    f->pdu.stream_offset = f->offset;
    f->pdu.ts_first_ns = ts;
    f->pdu.frame_first = frame;
    f->pdu.cmd_direction = UIP_DIR_UNKNOWN;
    f->have = 0;
    f->consumed = 0;
    f->want = f->urb_phase ? UIP_HEADER_SIZE : UIP_OP_HEADER_SIZE;
    f->state = UIP_FS_HEADER;
}

static void uip_enter_resync(struct uip_framer *f, enum uip_skip_reason reason)
{
    f->state = UIP_FS_RESYNC;
    f->resync_reason = reason;
    f->scan_len = 0;
    f->stats.resyncs++;
}

/* Drop the partial PDU: its consumed bytes become skipped. */
static void uip_drop_pdu(struct uip_framer *f, enum uip_skip_reason reason)
{
    uip_add_skip(f, f->pdu.stream_offset, f->consumed, reason, f->pdu.ts_first_ns,
                 f->pdu.frame_first);
    f->consumed = 0;
    f->have = 0;
}

static void uip_deliver(struct uip_framer *f, uint64_t ts, uint64_t frame)
{
    struct uip_pdu *pdu = &f->pdu;

    uip_flush_skip(f);
    pdu->ts_ns = ts;
    pdu->frame = frame;
    pdu->length = f->consumed + pdu->data_missing;
    if (pdu->is_op) {
        pdu->op_body = f->buf + UIP_OP_HEADER_SIZE;
        pdu->op_body_len = (uint32_t)(f->have - UIP_OP_HEADER_SIZE);
    } else {
        pdu->raw_header = f->buf;
        pdu->data = f->buf + UIP_HEADER_SIZE;
        pdu->iso = f->iso;
    }
    f->stats.pdus++;
    f->stats.bytes_parsed += f->consumed;
    f->stats.data_bytes_missing += pdu->data_missing;
    if (f->cfg.cb.pdu)
        f->cfg.cb.pdu(f->cfg.user, pdu);

    if (pdu->is_op) {
        if (f->cfg.side == UIP_SIDE_CLIENT && pdu->op.code == UIP_OP_REQ_IMPORT)
            f->urb_phase = true;
        if (f->cfg.side == UIP_SIDE_SERVER && pdu->op.code == UIP_OP_REP_IMPORT &&
            pdu->op.status == UIP_ST_OK)
            f->urb_phase = true;
    }
    f->have = 0;
    f->consumed = 0;
    f->state = UIP_FS_HEADER;
}

static void uip_after_data(struct uip_framer *f, uint64_t ts, uint64_t frame);

/* Lay out data, descriptors and completion once the PDU's direction is settled. */
static void uip_plan_body(struct uip_framer *f, int direction, uint32_t ep, uint64_t ts,
                          uint64_t frame)
{
    struct uip_header *h = &f->pdu.hdr;
    uint32_t data_len, iso_count;

    if (h->command == UIP_CMD_SUBMIT) {
        ep = h->ep;
    } else if (h->command == UIP_RET_SUBMIT) {
        f->pdu.cmd_direction = direction;
    } else {
        uip_deliver(f, ts, frame);
        return;
    }
    uip_urb_body(h, direction, &data_len, &iso_count);
    uint32_t keep = ep == 0 ? f->cfg.control_keep : f->cfg.data_keep;
    f->pdu.data_len = data_len;
    f->keep_limit = data_len < keep ? data_len : keep;
    f->data_left = data_len;
    f->pdu.iso_count = iso_count;
    f->state = UIP_FS_DATA;
    if (!uip_reserve(f, UIP_HEADER_SIZE + (size_t)f->keep_limit +
                            (size_t)f->pdu.iso_count * UIP_ISO_DESC_SIZE)) {
        f->keep_limit = 0; /* out of memory: frame without keeping data */
        f->pdu.iso_count = 0;
    }
    if (f->data_left == 0)
        uip_after_data(f, ts, frame);
}

/* After data: gather descriptors or deliver. */
static void uip_after_data(struct uip_framer *f, uint64_t ts, uint64_t frame)
{
    if (f->pdu.iso_count) {
        f->want = f->have + (uint64_t)f->pdu.iso_count * UIP_ISO_DESC_SIZE;
        f->state = UIP_FS_ISO;
        return;
    }
    uip_deliver(f, ts, frame);
}

static void uip_finish_iso(struct uip_framer *f, uint64_t ts, uint64_t frame)
{
    const uint8_t *p = f->buf + f->want - (uint64_t)f->pdu.iso_count * UIP_ISO_DESC_SIZE;
    if (!f->iso)
        f->iso = malloc(UIP_MAX_ISO_PACKETS * sizeof *f->iso);
    if (!f->iso) {
        f->pdu.iso_count = 0;
    } else {
        for (uint32_t i = 0; i < f->pdu.iso_count; i++)
            uip_decode_iso_desc(p + (size_t)i * UIP_ISO_DESC_SIZE, UIP_ISO_DESC_SIZE, &f->iso[i]);
    }
    uip_deliver(f, ts, frame);
}

/* Give up the PDU being gathered and search for a header again in buf[from..have): the bytes
 * are copied out (buf is reused) and fed again in resync. buf may hold far more than a header
 * here (an OP message gathered to its claimed length), so the copy is sized to what is held. */
static void uip_refeed_buffered(struct uip_framer *f, size_t from, enum uip_skip_reason reason,
                                uint64_t ts, uint64_t frame)
{
    size_t n = f->have > from ? f->have - from : 0;
    uint8_t *held = malloc(n ? n : 1);

    f->have = 0;
    f->consumed = 0;
    uip_enter_resync(f, reason);
    if (!held) {
        uip_add_skip(f, f->offset - n, n, reason, ts, frame);
        return;
    }
    memcpy(held, f->buf + from, n);
    f->offset -= n; /* fed again below */
    uip_feed_bytes(f, held, n, ts, frame);
    free(held);
}

/* A whole URB header is in buf. */
static void uip_on_urb_header(struct uip_framer *f, uint64_t ts, uint64_t frame)
{
    struct uip_header *h = &f->pdu.hdr;
    uint64_t len, len_in;
    struct uip_cmd_info info;

    if (uip_decode_header(f->buf, f->have, h) != UIP_OK ||
        !uip_command_fits_side(h->command, f->cfg.side) ||
        uip_urb_pdu_length(h, UIP_DIR_UNKNOWN, &len, &len_in) != UIP_OK) {
        /* Not a header we can frame: search from the byte after its start. */
        uip_add_skip(f, f->pdu.stream_offset, 1, UIP_SKIP_INVALID, f->pdu.ts_first_ns,
                     f->pdu.frame_first);
        uip_refeed_buffered(f, 1, UIP_SKIP_INVALID, ts, frame);
        return;
    }
    f->pdu.check = uip_check_header(h, f->buf);
    if (h->command != UIP_RET_SUBMIT) {
        uip_plan_body(f, h->direction, h->ep, ts, frame);
        return;
    }
    if (f->cfg.cb.lookup_cmd && f->cfg.cb.lookup_cmd(f->cfg.user, h->seqnum, &info)) {
        uip_plan_body(f, info.direction, info.ep, ts, frame);
        return;
    }
    if (len == len_in) { /* no data either way */
        uip_plan_body(f, UIP_DIR_UNKNOWN, 1, ts, frame);
        return;
    }
    /* Unknown CMD: a header right after the OUT-sized PDU says OUT, anything else IN. */
    f->want = len + UIP_HEADER_SIZE;
    if (!uip_reserve(f, (size_t)f->want)) {
        uip_plan_body(f, UIP_DIR_IN, 1, ts, frame);
        return;
    }
    f->state = UIP_FS_PEEK;
}

/* The peek bytes are all in: decide, then re-feed what follows the header. */
static void uip_resolve_peek(struct uip_framer *f, bool at_end, uint64_t ts, uint64_t frame)
{
    uint64_t out_len = f->want - UIP_HEADER_SIZE;
    bool is_out = uip_ret_submit_looks_out(f->buf, f->have, out_len, f->cfg.side);
    size_t n = f->have - UIP_HEADER_SIZE;
    uint8_t *rest = malloc(n ? n : 1);

    if (!rest) {
        uip_drop_pdu(f, UIP_SKIP_INVALID);
        uip_enter_resync(f, UIP_SKIP_INVALID);
        return;
    }
    memcpy(rest, f->buf + UIP_HEADER_SIZE, n);
    f->have = UIP_HEADER_SIZE;
    f->consumed = UIP_HEADER_SIZE;
    f->pdu.direction_inferred = true;
    f->offset -= n; /* fed again below */
    uip_plan_body(f, is_out ? UIP_DIR_OUT : UIP_DIR_IN, 1, ts, frame);
    uip_feed_bytes(f, rest, n, ts, frame);
    free(rest);
}

/* A whole OP header (8 bytes) or more is in buf: find the message's length. */
static void uip_on_op_bytes(struct uip_framer *f, uint64_t ts, uint64_t frame)
{
    uint64_t len = 0, need = 0;
    int rc = uip_op_pdu_length(f->buf, f->have, &len, &need);

    if (rc == UIP_OK && f->have >= len) {
        f->pdu.is_op = true;
        uip_decode_op_header(f->buf, f->have, &f->pdu.op);
        uip_deliver(f, ts, frame);
        return;
    }
    if (rc == UIP_OK || rc == UIP_ERR_TRUNCATED) {
        uint64_t target = rc == UIP_OK ? len : need;
        if (target > UIP_OP_CAP || !uip_reserve(f, (size_t)target)) {
            uip_drop_pdu(f, UIP_SKIP_OVERSIZED);
            uip_enter_resync(f, UIP_SKIP_OVERSIZED);
            return;
        }
        f->want = target;
        f->state = UIP_FS_OP;
        return;
    }
    /* Not an OP message. If only its header is in, perhaps URB traffic without a captured
     * import: search again from its first byte. If its header was valid and what it claims
     * proved impossible once gathered, search from the byte after its start. */
    size_t from = f->state == UIP_FS_OP ? 1 : 0;
    if (from)
        uip_add_skip(f, f->pdu.stream_offset, 1, UIP_SKIP_INVALID, f->pdu.ts_first_ns,
                     f->pdu.frame_first);
    uip_refeed_buffered(f, from, UIP_SKIP_INVALID, ts, frame);
}

/* ---- resynchronization --------------------------------------------------------------- */

/* Search the scan buffer; on success replay the rest through normal framing. */
static void uip_scan(struct uip_framer *f, bool at_end, uint64_t ts, uint64_t frame)
{
    size_t off;
    uint64_t base = f->offset - f->scan_len;
    int found = uip_resync_search(f->scan, f->scan_len, f->cfg.side,
                                  f->resync_reason != UIP_SKIP_AFTER_GAP, UIP_SCAN_CAP, at_end, &off);

    if (found == 0 && at_end)
        off = f->scan_len;
    uip_add_skip(f, base, off, f->resync_reason, ts, frame);
    if (found <= 0) { /* nothing yet, or a candidate waiting for more: keep the tail from off */
        memmove(f->scan, f->scan + off, f->scan_len - off);
        f->scan_len -= off;
        return;
    }
    size_t n = f->scan_len - off;
    uint8_t *rest = malloc(n);
    if (!rest) {
        uip_add_skip(f, base + off, n, f->resync_reason, ts, frame);
        f->scan_len = 0;
        return;
    }
    memcpy(rest, f->scan + off, n);
    f->scan_len = 0;
    f->offset -= n; /* the replayed bytes are fed again */
    f->urb_phase = !uip_op_header_valid_at(rest, n, f->cfg.side) ||
                   uip_header_valid_at(rest, n, f->cfg.side);
    uip_start_pdu(f, ts, frame);
    uip_feed_bytes(f, rest, n, ts, frame);
    free(rest);
}

static size_t uip_feed_resync(struct uip_framer *f, const uint8_t *p, size_t len, uint64_t ts,
                              uint64_t frame)
{
    if (!f->scan)
        f->scan = malloc(UIP_SCAN_CAP);
    if (!f->scan) {
        uip_add_skip(f, f->offset, len, f->resync_reason, ts, frame);
        f->offset += len;
        return len;
    }
    size_t room = UIP_SCAN_CAP - f->scan_len;
    size_t n = len < room ? len : room;
    memcpy(f->scan + f->scan_len, p, n);
    f->scan_len += n;
    f->offset += n;
    uip_scan(f, false, ts, frame);
    return n;
}

/* ---- the feed loop ---------------------------------------------------------------------- */

/* The bytes a gathering state wanted are all in buf. */
static void uip_on_gathered(struct uip_framer *f, uint64_t ts, uint64_t frame)
{
    switch (f->state) {
    case UIP_FS_HEADER:
        if (f->urb_phase)
            uip_on_urb_header(f, ts, frame);
        else
            uip_on_op_bytes(f, ts, frame);
        break;
    case UIP_FS_OP:
        uip_on_op_bytes(f, ts, frame);
        break;
    case UIP_FS_PEEK:
        uip_resolve_peek(f, false, ts, frame);
        break;
    case UIP_FS_ISO:
        uip_finish_iso(f, ts, frame);
        break;
    default:
        break;
    }
}

static void uip_feed_bytes(struct uip_framer *f, const uint8_t *p, size_t len, uint64_t ts,
                           uint64_t frame)
{
    while (len > 0) {
        size_t n;
        if (f->state == UIP_FS_RESYNC) {
            n = uip_feed_resync(f, p, len, ts, frame);
            p += n;
            len -= n;
            continue;
        }
        if (f->state == UIP_FS_HEADER && f->have == 0 && f->consumed == 0)
            uip_start_pdu(f, ts, frame);
        switch (f->state) {
        case UIP_FS_HEADER:
        case UIP_FS_OP:
        case UIP_FS_PEEK:
        case UIP_FS_ISO:
            if (f->state == UIP_FS_HEADER)
                uip_reserve(f, UIP_HEADER_SIZE);
            n = uip_gather(f, p, len);
            f->offset += n;
            p += n;
            len -= n;
            if (f->have == f->want)
                uip_on_gathered(f, ts, frame);
            break;
        case UIP_FS_DATA: {
            n = len < f->data_left ? len : f->data_left;
            uint32_t kept = f->pdu.data_kept;
            if (kept < f->keep_limit) {
                size_t k = f->keep_limit - kept < n ? f->keep_limit - kept : n;
                memcpy(f->buf + UIP_HEADER_SIZE + kept, p, k);
                f->pdu.data_kept += (uint32_t)k;
                f->have += k;
            }
            f->data_left -= (uint32_t)n;
            f->consumed += n;
            f->offset += n;
            p += n;
            len -= n;
            if (f->data_left == 0)
                uip_after_data(f, ts, frame);
            break;
        }
        default:
            return;
        }
    }
}

/* ---- public API ---------------------------------------------------------------------------- */

struct uip_framer *uip_framer_new(const struct uip_framer_config *cfg)
{
    struct uip_framer *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->cfg = *cfg;
    f->state = UIP_FS_HEADER;
    if (cfg->at_connection_start) {
        f->urb_phase = false;
    } else {
        f->urb_phase = true;
        uip_enter_resync(f, UIP_SKIP_MID_STREAM);
        f->stats.resyncs = 0; /* starting mid-stream is not a loss of sync */
    }
    return f;
}

void uip_framer_free(struct uip_framer *f)
{
    if (!f)
        return;
    free(f->buf);
    free(f->iso);
    free(f->scan);
    free(f);
}

void uip_framer_feed(struct uip_framer *f, const uint8_t *bytes, size_t len, uint64_t ts_ns,
                     uint64_t frame)
{
    f->last_ts = ts_ns;
    f->last_frame = frame;
    uip_feed_bytes(f, bytes, len, ts_ns, frame);
}

/* Settle the bytes held before a gap or the end: they end there. */
static void uip_settle(struct uip_framer *f, uint64_t ts_ns, uint64_t frame)
{
    if (f->state == UIP_FS_RESYNC && f->scan_len) {
        uip_scan(f, true, ts_ns, frame);
        if (f->state == UIP_FS_RESYNC && f->scan_len) {
            uip_add_skip(f, f->offset - f->scan_len, f->scan_len, f->resync_reason, ts_ns, frame);
            f->scan_len = 0;
        }
    }
    if (f->state == UIP_FS_PEEK)
        uip_resolve_peek(f, true, ts_ns, frame);
}

void uip_framer_gap(struct uip_framer *f, uint64_t nbytes, uint64_t ts_ns, uint64_t frame)
{
    if (!nbytes)
        return;
    uip_settle(f, ts_ns, frame);
    if (f->state == UIP_FS_DATA && nbytes <= f->data_left) {
        /* Sync survives: the gap is inside data we only count. */
        f->data_left -= (uint32_t)nbytes;
        f->pdu.data_missing += (uint32_t)nbytes;
        f->keep_limit = f->pdu.data_kept; /* kept bytes stop at the gap */
        f->offset += nbytes;
        if (f->data_left == 0)
            uip_after_data(f, ts_ns, frame);
        return;
    }
    if (f->state != UIP_FS_RESYNC && f->consumed)
        uip_drop_pdu(f, UIP_SKIP_AFTER_GAP);
    uip_flush_skip(f);
    f->offset += nbytes;
    uip_enter_resync(f, UIP_SKIP_AFTER_GAP);
}

void uip_framer_finish(struct uip_framer *f, uint64_t ts_ns, uint64_t frame)
{
    uip_settle(f, ts_ns, frame);
    if (f->state == UIP_FS_DATA && !f->pdu.iso_count) {
        /* The header came whole, the data was cut by the end: the message was sent (an answer
         * was given), at the time of the last bytes seen; the rest of its data is missing. */
        f->pdu.data_missing += f->data_left;
        f->pdu.cut_at_end = true;
        f->data_left = 0;
        uip_deliver(f, f->last_ts, f->last_frame);
    }
    if (f->state != UIP_FS_RESYNC && f->consumed)
        uip_drop_pdu(f, UIP_SKIP_TRUNCATED_END);
    uip_flush_skip(f);
}

const struct uip_framer_stats *uip_framer_stats(const struct uip_framer *f)
{
    return &f->stats;
}
