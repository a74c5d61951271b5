/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_frame_at.c -- framing over bytes held whole (what the Wireshark plugin does over TCP's
 * reassembly) gives the PDUs, directions, skips and header verdicts of the incremental framer
 * that usbip-analyze uses, on the same code-built (synthetic) streams. */
#include <criterion/criterion.h>
#include <string.h>
#include "uip/error.h"
#include "uip/framer.h"
#include "synth_pdu.h"

#define MAX_PDUS 32

struct framed {
    uint64_t offset[MAX_PDUS], length[MAX_PDUS];
    uint32_t seqnum[MAX_PDUS];
    int direction[MAX_PDUS], check[MAX_PDUS];
    uint32_t data_len[MAX_PDUS], iso_count[MAX_PDUS], iso_actual0[MAX_PDUS];
    bool inferred[MAX_PDUS];
    int n;
    uint64_t skipped;
};

static void add(struct framed *f, uint64_t off, uint64_t len, uint32_t seq, int dir, bool inf,
                int check, const struct uip_pdu *p)
{
    cr_assert_lt(f->n, MAX_PDUS);
    f->data_len[f->n] = p->data_len;
    f->iso_count[f->n] = p->iso_count;
    f->iso_actual0[f->n] = p->iso_count ? p->iso[0].actual_length : 0;
    f->offset[f->n] = off;
    f->length[f->n] = len;
    f->seqnum[f->n] = seq;
    f->direction[f->n] = dir;
    f->inferred[f->n] = inf;
    f->check[f->n] = check;
    f->n++;
}

static void on_pdu(void *user, const struct uip_pdu *p)
{
    add(user, p->stream_offset, p->length, p->is_op ? 0 : p->hdr.seqnum,
        p->hdr.command == UIP_RET_SUBMIT ? p->cmd_direction : UIP_DIR_UNKNOWN,
        p->direction_inferred, p->check, p);
}

static void on_skip(void *user, uint64_t off, uint64_t n, enum uip_skip_reason r, uint64_t ts,
                    uint64_t frame)
{
    ((struct framed *)user)->skipped += n;
}

static void by_framer(const uint8_t *p, size_t len, enum uip_side side, bool at_start,
                      struct framed *out)
{
    struct uip_framer_config cfg = {.side = side, .at_connection_start = at_start, .user = out};
    cfg.cb.pdu = on_pdu;
    cfg.cb.skipped = on_skip;
    struct uip_framer *f = uip_framer_new(&cfg);
    cr_assert_not_null(f);
    uip_framer_feed(f, p, len, 1, 1);
    uip_framer_finish(f, 2, 2);
    uip_framer_free(f);
}

/* The plugin's loop: frame at the offset; on bytes that are no header, the resync search. */
static void by_frame_at(const uint8_t *p, size_t len, enum uip_side side, struct framed *out)
{
    size_t off = 0;
    bool in_sync = false;
    while (off < len) {
        struct uip_frame fr;
        switch (uip_frame_at(p + off, len - off, len - off, side, UIP_DIR_UNKNOWN, in_sync, &fr)) {
        case UIP_FRAME_PDU: {
            struct uip_iso_desc iso[8];
            struct uip_pdu pdu;
            cr_assert_leq(fr.iso_count, 8);
            uip_frame_pdu(&fr, p + off, 1, 1, iso, &pdu);
            add(out, off, fr.length, fr.is_op ? 0 : fr.hdr.seqnum,
                !fr.is_op && fr.hdr.command == UIP_RET_SUBMIT ? fr.cmd_direction : UIP_DIR_UNKNOWN,
                fr.direction_inferred, fr.check, &pdu);
            off += fr.length;
            in_sync = true;
            break;
        }
        case UIP_FRAME_NEED_MORE:
            out->skipped += len - off;
            return;
        case UIP_FRAME_INVALID: {
            size_t next;
            int found = uip_resync_search(p + off + 1, len - off - 1, side, true, UINT64_MAX,
                                          true, &next);
            size_t skip = 1 + (found ? next : len - off - 1);
            out->skipped += skip;
            off += skip;
            break;
        }
        }
    }
}

static void assert_same(const uint8_t *p, size_t len, enum uip_side side, bool at_start)
{
    struct framed a = {0}, b = {0};
    by_framer(p, len, side, at_start, &a);
    by_frame_at(p, len, side, &b);
    cr_assert_eq(a.n, b.n, "framer %d PDUs, frame_at %d", a.n, b.n);
    for (int i = 0; i < a.n; i++) {
        cr_assert_eq(a.offset[i], b.offset[i], "PDU %d offset", i);
        cr_assert_eq(a.length[i], b.length[i], "PDU %d length", i);
        cr_assert_eq(a.seqnum[i], b.seqnum[i], "PDU %d seqnum", i);
        cr_assert_eq(a.direction[i], b.direction[i], "PDU %d direction", i);
        cr_assert_eq(a.inferred[i], b.inferred[i], "PDU %d inferred", i);
        cr_assert_eq(a.check[i], b.check[i], "PDU %d check", i);
        cr_assert_eq(a.data_len[i], b.data_len[i], "PDU %d data", i);
        cr_assert_eq(a.iso_count[i], b.iso_count[i], "PDU %d isochronous packets", i);
        cr_assert_eq(a.iso_actual0[i], b.iso_actual0[i], "PDU %d first isochronous packet", i);
    }
    cr_assert_eq(a.skipped, b.skipped);
}

static void server_answers(struct synth_buf *b)
{
    const uint32_t actual[2] = {100, 92};
    synth_ret_submit(b, 1, 0, 18, 0, NULL, 18);     /* IN */
    synth_ret_submit(b, 2, -75, 13, 0, NULL, 13);   /* IN with an error status */
    synth_ret_submit(b, 3, 0, 31, 0, NULL, 0);      /* OUT: no data */
    synth_ret_unlink(b, 5, -104);
    synth_ret_submit(b, 6, 0, 192, 2, NULL, 192);   /* iso IN */
    synth_iso_descs(b, 2, 96, actual);
    synth_ret_submit(b, 7, 0, 0, 0, NULL, 0);       /* no data either way */
}

Test(frame_at, a_connection_frames_as_the_framer_frames_it)
{
    struct synth_buf c = {0}, s = {0};
    const uint8_t get_dev[8] = {0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x12, 0x00};
    synth_op_req_import(&c, "1-1");
    synth_cmd_submit(&c, 1, UIP_DIR_IN, 0, 18, 0, get_dev, NULL);
    synth_cmd_submit(&c, 2, UIP_DIR_OUT, 2, 31, 0, NULL, NULL);
    synth_cmd_unlink(&c, 5, 1);
    assert_same(c.data, c.len, UIP_SIDE_CLIENT, true);

    struct uip_device_record d = synth_device_record();
    synth_op_rep_import(&s, 0, &d);
    server_answers(&s);
    assert_same(s.data, s.len, UIP_SIDE_SERVER, true);
    synth_buf_free(&c);
    synth_buf_free(&s);
}

Test(frame_at, a_stream_joined_mid_way_skips_the_same_bytes)
{
    struct synth_buf s = {0};
    server_answers(&s);
    for (size_t cut = 1; cut < 120; cut += 7)
        assert_same(s.data + cut, s.len - cut, UIP_SIDE_SERVER, false);
    synth_buf_free(&s);
}

Test(frame_at, damage_in_sync_is_framed_or_skipped_as_the_framer_does)
{
    struct synth_buf s = {0};
    struct uip_device_record d = synth_device_record();
    synth_op_rep_import(&s, 0, &d);
    size_t second = s.len + 48 + 18;
    server_answers(&s);
    s.data[second + UIP_OFF_RET_PADDING] = 1; /* out of range but framable */
    assert_same(s.data, s.len, UIP_SIDE_SERVER, true);
    struct framed f = {0};
    by_frame_at(s.data, s.len, UIP_SIDE_SERVER, &f);
    cr_assert_eq(f.check[2], UIP_ERR_BAD_PADDING, "framed, with the header's verdict");
    /* Joined mid-way, the same header neither starts a stream nor confirms the one before. */
    assert_same(s.data + 8 + 312, s.len - 8 - 312, UIP_SIDE_SERVER, false);

    s.data[second + UIP_OFF_COMMAND + 3] = 9; /* no command at all: skipped to the next header */
    assert_same(s.data, s.len, UIP_SIDE_SERVER, true);
    synth_buf_free(&s);
}

Test(frame_at, the_sender_is_told_from_the_first_message)
{
    struct synth_buf c = {0}, s = {0};
    synth_op_req_devlist(&c);
    synth_ret_submit(&s, 1, 0, 4, 0, NULL, 4);
    cr_assert_eq(uip_sender_of(c.data, c.len), UIP_SIDE_CLIENT);
    cr_assert_eq(uip_sender_of(s.data, s.len), UIP_SIDE_SERVER);
    cr_assert_eq(uip_sender_of(s.data + 1, s.len - 1), -1);
    synth_buf_free(&c);
    synth_buf_free(&s);
}

Test(frame_at, a_pdu_longer_than_the_bytes_asks_for_the_rest)
{
    struct synth_buf c = {0};
    synth_cmd_submit(&c, 2, UIP_DIR_OUT, 2, 512, 0, NULL, NULL);
    struct uip_frame fr;
    cr_assert_eq(uip_frame_at(c.data, 100, 100, UIP_SIDE_CLIENT, UIP_DIR_UNKNOWN, true, &fr),
                 UIP_FRAME_NEED_MORE);
    cr_assert_eq(fr.length, 48 + 512 - 100);
    cr_assert_eq(uip_frame_at(c.data, 30, 30, UIP_SIDE_CLIENT, UIP_DIR_UNKNOWN, true, &fr),
                 UIP_FRAME_NEED_MORE);
    cr_assert_eq(fr.length, 18, "the header first");
    cr_assert_eq(uip_frame_at(c.data, 100, c.len, UIP_SIDE_CLIENT, UIP_DIR_UNKNOWN, true, &fr),
                 UIP_FRAME_PDU, "the capture cut the packet: the stream still holds the PDU");
    synth_buf_free(&c);
}
