/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_framer.c -- the incremental framer: any chunking gives the same PDUs, quirks framed
 * right, gaps and mid-stream starts resynchronize, and every byte is accounted for. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "uip/error.h"
#include "uip/framer.h"
#include "synth_pdu.h"

#define MAX_SEEN 64

struct seen_pdu {
    bool is_op;
    uint16_t op_code;
    uint32_t command, seqnum;
    uint64_t offset, length;
    uint32_t data_len, data_kept, data_missing, iso_count;
    uint8_t data0;
    int cmd_direction;
    bool inferred;
};

struct ctx {
    struct seen_pdu pdus[MAX_SEEN];
    int n;
    uint64_t skipped[UIP_SKIP__COUNT];
    /* CMD directions known to the fake tracker, by seqnum (0 unknown, 1 OUT, 2 IN) */
    uint8_t known[64];
};

static bool fake_lookup(void *user, uint32_t seqnum, struct uip_cmd_info *out)
{
    struct ctx *c = user;
    if (seqnum >= 64 || !c->known[seqnum])
        return false;
    out->direction = c->known[seqnum] == 2 ? UIP_DIR_IN : UIP_DIR_OUT;
    out->ep = 1;
    return true;
}

static void on_pdu(void *user, const struct uip_pdu *p)
{
    struct ctx *c = user;
    cr_assert_lt(c->n, MAX_SEEN);
    struct seen_pdu *s = &c->pdus[c->n++];
    s->is_op = p->is_op;
    s->op_code = p->op.code;
    s->command = p->hdr.command;
    s->seqnum = p->hdr.seqnum;
    s->offset = p->stream_offset;
    s->length = p->length;
    s->data_len = p->data_len;
    s->data_kept = p->data_kept;
    s->data_missing = p->data_missing;
    s->iso_count = p->iso_count;
    s->data0 = p->data_kept ? p->data[0] : 0;
    s->cmd_direction = p->cmd_direction;
    s->inferred = p->direction_inferred;
}

static void on_skip(void *user, uint64_t off, uint64_t n, enum uip_skip_reason r, uint64_t ts,
                    uint64_t frame)
{
    struct ctx *c = user;
    c->skipped[r] += n;
}

static struct uip_framer *new_framer(struct ctx *c, enum uip_side side, bool at_start)
{
    struct uip_framer_config cfg = {.side = side, .at_connection_start = at_start,
                                    .data_keep = 16, .control_keep = 4096, .user = c};
    cfg.cb.lookup_cmd = fake_lookup;
    cfg.cb.pdu = on_pdu;
    cfg.cb.skipped = on_skip;
    struct uip_framer *f = uip_framer_new(&cfg);
    cr_assert_not_null(f);
    return f;
}

/* Every byte fed is either inside a delivered PDU or counted as skipped. */
static void assert_accounting(const struct uip_framer *f, uint64_t fed)
{
    const struct uip_framer_stats *st = uip_framer_stats(f);
    uint64_t skipped = 0;
    for (int r = 0; r < UIP_SKIP__COUNT; r++)
        skipped += st->bytes_skipped[r];
    cr_assert_eq(st->bytes_parsed + skipped, fed, "parsed %llu + skipped %llu != fed %llu",
                 (unsigned long long)st->bytes_parsed, (unsigned long long)skipped,
                 (unsigned long long)fed);
}

static void client_stream(struct synth_buf *b)
{
    const uint8_t get_dev[8] = {0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x12, 0x00};
    synth_op_req_import(b, "1-1");
    synth_cmd_submit(b, 1, UIP_DIR_IN, 0, 18, 0, get_dev, NULL);
    synth_cmd_submit(b, 2, UIP_DIR_OUT, 2, 31, 0, NULL, NULL);          /* CBW-sized OUT */
    synth_cmd_submit(b, 3, UIP_DIR_OUT, 2, 31, UIP_NP_NOT_ISO, NULL, NULL); /* usbip-win2 */
    synth_cmd_unlink(b, 5, 1);
    synth_cmd_submit(b, 6, UIP_DIR_OUT, 3, 576, 3, NULL, NULL);         /* iso OUT, unpacked */
    synth_iso_descs(b, 3, 192, NULL);
}

static void server_stream(struct synth_buf *b, struct ctx *c)
{
    struct uip_device_record d = synth_device_record();
    const uint32_t actual[3] = {100, 0, 92};
    synth_op_rep_import(b, 0, &d);
    synth_ret_submit(b, 1, 0, 18, 0, NULL, 18);
    synth_ret_submit(b, 2, -75, 13, 0, NULL, 13);  /* error status with IN data */
    synth_ret_submit(b, 3, 0, 31, UIP_NP_NOT_ISO, NULL, 0); /* OUT: no data */
    synth_ret_unlink(b, 5, 0);
    synth_ret_submit(b, 6, 0, 192, 3, NULL, 192);  /* iso IN: packed */
    synth_iso_descs(b, 3, 192, actual);
    c->known[1] = 2;
    c->known[2] = 2;
    c->known[3] = 1;
    c->known[6] = 2;
}

static void feed_chunks(struct uip_framer *f, const uint8_t *p, size_t len, size_t split)
{
    if (split && split < len) {
        uip_framer_feed(f, p, split, 1, 1);
        uip_framer_feed(f, p + split, len - split, 2, 2);
    } else {
        uip_framer_feed(f, p, len, 1, 1);
    }
    uip_framer_finish(f, 3, 3);
}

Test(framer, client_stream_frames_every_message)
{
    struct synth_buf b = {0};
    struct ctx c = {0};
    client_stream(&b);
    struct uip_framer *f = new_framer(&c, UIP_SIDE_CLIENT, true);
    feed_chunks(f, b.data, b.len, 0);
    cr_assert_eq(c.n, 6);
    cr_assert(c.pdus[0].is_op);
    cr_assert_eq(c.pdus[0].op_code, UIP_OP_REQ_IMPORT);
    cr_assert_eq(c.pdus[0].length, 40);
    cr_assert_eq(c.pdus[1].length, 48, "IN CMD_SUBMIT has no data");
    cr_assert_eq(c.pdus[2].length, 48 + 31);
    cr_assert_eq(c.pdus[2].data_kept, 16, "data_keep bounds what is copied");
    cr_assert_eq(c.pdus[2].data0, 0xA0);
    cr_assert_eq(c.pdus[3].length, 48 + 31, "0xFFFFFFFF packets is not iso");
    cr_assert_eq(c.pdus[4].command, UIP_CMD_UNLINK);
    cr_assert_eq(c.pdus[5].length, 48 + 576 + 48);
    cr_assert_eq(c.pdus[5].iso_count, 3);
    assert_accounting(f, b.len);
    uip_framer_free(f);
    synth_buf_free(&b);
}

Test(framer, server_stream_uses_cmd_direction)
{
    struct synth_buf b = {0};
    struct ctx c = {0};
    server_stream(&b, &c);
    struct uip_framer *f = new_framer(&c, UIP_SIDE_SERVER, true);
    feed_chunks(f, b.data, b.len, 0);
    cr_assert_eq(c.n, 6);
    cr_assert_eq(c.pdus[0].length, 8 + 312);
    cr_assert_eq(c.pdus[1].data_len, 18);
    cr_assert_eq(c.pdus[2].length, 48 + 13, "error RET_SUBMIT still carries IN data");
    cr_assert_eq(c.pdus[3].length, 48);
    cr_assert_eq(c.pdus[4].command, UIP_RET_UNLINK);
    cr_assert_eq(c.pdus[5].length, 48 + 192 + 48, "iso IN data is packed");
    for (int i = 1; i < 6; i++)
        cr_assert_eq(c.pdus[i].offset, c.pdus[i - 1].offset + c.pdus[i - 1].length);
    assert_accounting(f, b.len);
    uip_framer_free(f);
    synth_buf_free(&b);
}

static void assert_same(const struct ctx *a, const struct ctx *b, size_t split)
{
    cr_assert_eq(a->n, b->n, "split %zu: %d vs %d PDUs", split, a->n, b->n);
    for (int i = 0; i < a->n; i++) {
        cr_assert_eq(a->pdus[i].command, b->pdus[i].command, "split %zu pdu %d", split, i);
        cr_assert_eq(a->pdus[i].length, b->pdus[i].length, "split %zu pdu %d", split, i);
        cr_assert_eq(a->pdus[i].offset, b->pdus[i].offset, "split %zu pdu %d", split, i);
        cr_assert_eq(a->pdus[i].data_kept, b->pdus[i].data_kept, "split %zu pdu %d", split, i);
        cr_assert_eq(a->pdus[i].iso_count, b->pdus[i].iso_count, "split %zu pdu %d", split, i);
    }
}

Test(framer, every_split_point_gives_the_same_pdus)
{
    for (int side = 0; side < 2; side++) {
        struct synth_buf b = {0};
        struct ctx ref = {0};
        if (side == UIP_SIDE_CLIENT)
            client_stream(&b);
        else
            server_stream(&b, &ref);
        struct uip_framer *f = new_framer(&ref, side, true);
        feed_chunks(f, b.data, b.len, 0);
        uip_framer_free(f);
        for (size_t split = 1; split < b.len; split++) {
            struct ctx c = {0};
            memcpy(c.known, ref.known, sizeof c.known);
            f = new_framer(&c, side, true);
            feed_chunks(f, b.data, b.len, split);
            assert_same(&ref, &c, split);
            assert_accounting(f, b.len);
            uip_framer_free(f);
        }
        /* byte by byte */
        struct ctx c = {0};
        memcpy(c.known, ref.known, sizeof c.known);
        f = new_framer(&c, side, true);
        for (size_t i = 0; i < b.len; i++)
            uip_framer_feed(f, b.data + i, 1, i, i);
        uip_framer_finish(f, 0, 0);
        assert_same(&ref, &c, 1);
        uip_framer_free(f);
        synth_buf_free(&b);
    }
}

Test(framer, unknown_direction_is_inferred_from_what_follows)
{
    struct synth_buf b = {0};
    struct ctx c = {0}; /* the tracker knows nothing: capture started mid-stream */
    synth_ret_submit(&b, 10, 0, 64, 0, NULL, 64); /* IN with data */
    synth_ret_submit(&b, 11, 0, 512, 0, NULL, 0);  /* OUT: 512 written, no data */
    synth_ret_submit(&b, 12, 0, 0, 0, NULL, 0);
    struct uip_framer *f = new_framer(&c, UIP_SIDE_SERVER, false);
    feed_chunks(f, b.data, b.len, 0);
    cr_assert_eq(c.n, 3);
    cr_assert_eq(c.pdus[0].length, 48 + 64);
    cr_assert(c.pdus[0].inferred);
    cr_assert_eq(c.pdus[0].cmd_direction, UIP_DIR_IN);
    cr_assert_eq(c.pdus[1].length, 48);
    cr_assert_eq(c.pdus[1].cmd_direction, UIP_DIR_OUT);
    assert_accounting(f, b.len);
    uip_framer_free(f);
    synth_buf_free(&b);
}

Test(framer, mid_stream_start_skips_the_partial_pdu_and_counts_it)
{
    struct synth_buf b = {0};
    struct ctx c = {0};
    server_stream(&b, &c);
    size_t cut = 8 + 312 + 20; /* inside the first RET_SUBMIT's header */
    struct uip_framer *f = new_framer(&c, UIP_SIDE_SERVER, false);
    feed_chunks(f, b.data + cut, b.len - cut, 0);
    cr_assert_eq(c.n, 4, "the four whole PDUs after the cut");
    cr_assert_eq(c.pdus[0].seqnum, 2);
    cr_assert_eq(c.skipped[UIP_SKIP_MID_STREAM], 48 + 18 - 20);
    assert_accounting(f, b.len - cut);
    uip_framer_free(f);
    synth_buf_free(&b);
}

Test(framer, gap_inside_data_keeps_sync)
{
    struct synth_buf b = {0};
    struct ctx c = {0};
    c.known[1] = 2;
    synth_ret_submit(&b, 1, 0, 4096, 0, NULL, 4096);
    synth_ret_submit(&b, 2, 0, 0, 0, NULL, 0);
    struct uip_framer *f = new_framer(&c, UIP_SIDE_SERVER, true);
    /* server side at connection start expects OP: start it mid-stream instead */
    uip_framer_free(f);
    f = new_framer(&c, UIP_SIDE_SERVER, false);
    uip_framer_feed(f, b.data, 1000, 1, 1);
    uip_framer_gap(f, 1000, 2, 2);
    uip_framer_feed(f, b.data + 2000, b.len - 2000, 3, 3);
    uip_framer_finish(f, 4, 4);
    cr_assert_eq(c.n, 2);
    cr_assert_eq(c.pdus[0].data_missing, 1000);
    cr_assert_eq(c.pdus[0].length, 48 + 4096);
    cr_assert_eq(c.pdus[1].seqnum, 2);
    assert_accounting(f, b.len - 1000);
    uip_framer_free(f);
    synth_buf_free(&b);
}

Test(framer, gap_in_a_header_resynchronizes_and_counts)
{
    struct synth_buf b = {0};
    struct ctx c = {0};
    synth_cmd_submit(&b, 1, UIP_DIR_IN, 1, 64, 0, NULL, NULL);
    synth_cmd_submit(&b, 2, UIP_DIR_IN, 1, 64, 0, NULL, NULL);
    synth_cmd_submit(&b, 3, UIP_DIR_IN, 1, 64, 0, NULL, NULL);
    struct uip_framer *f = new_framer(&c, UIP_SIDE_CLIENT, false);
    uip_framer_feed(f, b.data, 60, 1, 1);          /* first PDU and 12 bytes of the second */
    uip_framer_gap(f, 20, 2, 2);
    uip_framer_feed(f, b.data + 80, b.len - 80, 3, 3);
    uip_framer_finish(f, 4, 4);
    cr_assert_eq(c.n, 2);
    cr_assert_eq(c.pdus[1].seqnum, 3);
    cr_assert_eq(c.pdus[1].offset, 96);
    cr_assert_eq(c.skipped[UIP_SKIP_AFTER_GAP], 12 + 16);
    assert_accounting(f, b.len - 20);
    uip_framer_free(f);
    synth_buf_free(&b);
}

Test(framer, truncated_end_is_counted)
{
    struct synth_buf b = {0};
    struct ctx c = {0};
    synth_cmd_submit(&b, 1, UIP_DIR_OUT, 2, 100, 0, NULL, NULL);
    struct uip_framer *f = new_framer(&c, UIP_SIDE_CLIENT, false);
    feed_chunks(f, b.data, 40, 0); /* cut inside the header */
    cr_assert_eq(c.n, 0);
    cr_assert_eq(c.skipped[UIP_SKIP_TRUNCATED_END] + c.skipped[UIP_SKIP_MID_STREAM], 40);
    assert_accounting(f, 40);
    uip_framer_free(f);
    synth_buf_free(&b);
}

/* A capture that ends in the middle of an answer: its header is whole, so the URB was answered;
 * the PDU comes with the rest of its data counted missing, at the time of its last bytes. */
Test(framer, an_answer_cut_by_the_end_is_delivered_with_its_data_missing)
{
    struct synth_buf b = {0};
    struct ctx c = {0};
    synth_ret_submit(&b, 7, 0, 512, 0, NULL, 512);
    c.known[7] = 2; /* IN */
    struct uip_framer *f = new_framer(&c, UIP_SIDE_SERVER, true);
    uip_framer_feed(f, b.data, 48 + 100, 5, 5);
    uip_framer_feed(f, b.data + 148, 100, 6, 6);
    uip_framer_finish(f, 9, 9);
    cr_assert_eq(c.n, 1);
    cr_assert_eq(c.pdus[0].seqnum, 7);
    cr_assert_eq(c.pdus[0].data_len, 512);
    cr_assert_eq(c.pdus[0].data_missing, 512 - 200);
    cr_assert_eq(c.skipped[UIP_SKIP_TRUNCATED_END], 0);
    assert_accounting(f, 248);
    uip_framer_free(f);
    synth_buf_free(&b);
}

Test(framer, large_bulk_in_is_not_copied)
{
    struct synth_buf b = {0};
    struct ctx c = {0};
    c.known[7] = 2;
    synth_ret_submit(&b, 7, 0, 1 << 20, 0, NULL, 1 << 20);
    struct uip_framer *f = new_framer(&c, UIP_SIDE_SERVER, false);
    feed_chunks(f, b.data, b.len, 65536);
    cr_assert_eq(c.n, 1);
    cr_assert_eq(c.pdus[0].data_len, 1u << 20);
    cr_assert_eq(c.pdus[0].data_kept, 16);
    uip_framer_free(f);
    synth_buf_free(&b);
}

Test(framer, random_bytes_never_crash_and_are_all_counted)
{
    uint32_t seed = 12345;
    for (int round = 0; round < 50; round++) {
        uint8_t junk[3000];
        for (size_t i = 0; i < sizeof junk; i++) {
            seed = seed * 1103515245u + 12345u;
            junk[i] = (uint8_t)(seed >> 16);
            if (round % 2 && i % 4 != 3)
                junk[i] = 0; /* mostly zeros look more like headers */
        }
        for (int side = 0; side < 2; side++) {
            struct ctx c = {0};
            struct uip_framer *f = new_framer(&c, side, round % 3 == 0);
            size_t pos = 0;
            while (pos < sizeof junk) {
                size_t n = 1 + (size_t)(junk[pos] % 200);
                if (n > sizeof junk - pos)
                    n = sizeof junk - pos;
                uip_framer_feed(f, junk + pos, n, pos, pos);
                if (junk[pos] == 7)
                    uip_framer_gap(f, 5, pos, pos);
                pos += n;
            }
            uip_framer_finish(f, 0, 0);
            assert_accounting(f, sizeof junk);
            uip_framer_free(f);
        }
    }
}

Test(framer, find_header_is_the_resync_rule)
{
    struct synth_buf b = {0};
    size_t off = 99;
    synth_append(&b, "\x01\x02\x03", 3);
    synth_cmd_submit(&b, 9, UIP_DIR_IN, 1, 64, 0, NULL, NULL);
    cr_assert_eq(uip_find_header(b.data, b.len, UIP_SIDE_CLIENT, false, &off), UIP_OK);
    cr_assert_eq(off, 3);
    cr_assert_eq(uip_find_header(b.data, b.len, UIP_SIDE_SERVER, false, &off), UIP_ERR_TRUNCATED,
                 "a CMD never starts the server's side");
    cr_assert_eq(uip_find_header(b.data, 20, UIP_SIDE_CLIENT, false, &off), UIP_ERR_TRUNCATED);
    cr_assert_eq(off, 0);
    synth_buf_free(&b);
}

/* The boundary tests the plugin shares with the framer: a URB header fits only the side that
 * sends it and only when whole; an OP header only when its code is a request (client) or a
 * reply (server). */
Test(framer, header_validity_is_per_side_and_needs_whole_headers)
{
    struct synth_buf b = {0};
    synth_cmd_submit(&b, 9, UIP_DIR_IN, 1, 64, 0, NULL, NULL);
    cr_assert(uip_header_valid_at(b.data, b.len, UIP_SIDE_CLIENT));
    cr_assert_not(uip_header_valid_at(b.data, b.len, UIP_SIDE_SERVER));
    cr_assert_not(uip_header_valid_at(b.data, UIP_HEADER_SIZE - 1, UIP_SIDE_CLIENT));
    b.data[UIP_OFF_EP + 3] = 16; /* endpoint above 15 */
    cr_assert_not(uip_header_valid_at(b.data, b.len, UIP_SIDE_CLIENT));
    synth_buf_free(&b);

    struct synth_buf o = {0};
    synth_op_req_devlist(&o);
    cr_assert(uip_op_header_valid_at(o.data, o.len, UIP_SIDE_CLIENT));
    cr_assert_not(uip_op_header_valid_at(o.data, o.len, UIP_SIDE_SERVER));
    cr_assert_not(uip_op_header_valid_at(o.data, UIP_OP_HEADER_SIZE - 1, UIP_SIDE_CLIENT));
    o.data[UIP_OFF_OP_VERSION + 1] = 0x06; /* version 0x0106 */
    cr_assert_not(uip_op_header_valid_at(o.data, o.len, UIP_SIDE_CLIENT));
    synth_buf_free(&o);
}

/* The candidate confirmation shared by the framer and the plugin. */
Test(framer, candidate_header_confirmed_by_the_next_one)
{
    struct synth_buf b = {0};
    synth_cmd_submit(&b, 1, UIP_DIR_OUT, 2, 16, 0, NULL, NULL); /* 48 + 16 data */
    size_t first = b.len;
    synth_cmd_submit(&b, 2, UIP_DIR_IN, 1, 64, 0, NULL, NULL);
    cr_assert_eq(uip_confirm_header(b.data, b.len, UIP_SIDE_CLIENT, UINT64_MAX), 1);
    cr_assert_eq(uip_confirm_header(b.data, first + 20, UIP_SIDE_CLIENT, UINT64_MAX), -1,
                 "the next header is cut: not known yet");
    cr_assert_eq(uip_confirm_header(b.data, first + 20, UIP_SIDE_CLIENT, 50), 1,
                 "beyond reach: taken on its own merits");
    b.data[first + UIP_OFF_EP + 3] = 16; /* the next header becomes invalid */
    cr_assert_eq(uip_confirm_header(b.data, b.len, UIP_SIDE_CLIENT, UINT64_MAX), 0);
    synth_buf_free(&b);

    struct synth_buf o = {0};
    synth_op_req_devlist(&o);
    cr_assert_eq(uip_confirm_header(o.data, o.len, UIP_SIDE_CLIENT, UINT64_MAX), 1);
    synth_buf_free(&o);
}

/* Regression (found by fuzz_capture): an OP_REP_DEVLIST whose device record claims more
 * interfaces than USB allows is rejected only after 12 + 312 bytes are gathered; the framer
 * must search those bytes again, not overflow a header-sized copy. */
Test(framer, op_message_rejected_after_gathering_is_searched_again)
{
    struct synth_buf b = {0};
    struct ctx c = {0};
    struct uip_op_header oh = {.version = UIP_PROTOCOL_VERSION, .code = UIP_OP_REP_DEVLIST};
    uint8_t hdr[UIP_OP_HEADER_SIZE], count[4] = {0, 0, 0, 1}, rec[UIP_DEVICE_RECORD_SIZE];
    struct uip_device_record d = synth_device_record();

    uip_encode_op_header(&oh, hdr);
    uip_encode_device_record(&d, rec);
    rec[UIP_OFF_DEV_NUM_INTERFACES] = UIP_MAX_INTERFACES + 1;
    synth_append(&b, hdr, sizeof hdr);
    synth_append(&b, count, sizeof count);
    synth_append(&b, rec, sizeof rec);
    size_t junk = b.len;
    synth_ret_submit(&b, 1, 0, 0, 0, NULL, 0);
    for (size_t split = 0; split <= b.len; split += 7) {
        memset(&c, 0, sizeof c);
        struct uip_framer *f = new_framer(&c, UIP_SIDE_SERVER, true);
        feed_chunks(f, b.data, b.len, split);
        uip_framer_finish(f, 9, 9);
        cr_assert_eq(c.n, 1, "split %zu: the RET_SUBMIT after the bad record", split);
        cr_assert_eq(c.pdus[0].command, UIP_RET_SUBMIT);
        cr_assert_eq(c.skipped[UIP_SKIP_INVALID], junk, "split %zu", split);
        assert_accounting(f, b.len);
        uip_framer_free(f);
    }
    synth_buf_free(&b);
}
