/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_win2.c -- usbip-win2 as a client (vadimgrn/usbip-win2, drivers/ude/): each PDU it sends, built
 * as its source builds it, passes the header checks, is framed in sync, is found again when the
 * framer resynchronizes (mid-stream and after a gap), and its session is tracked URB by URB; what
 * Linux's stub (drivers/usb/usbip/stub_rx.c) would reject still fails the checks. */
#include <criterion/criterion.h>
#include <string.h>
#include "synth_pdu.h"
#include "urb_log.h"
#include "uip/error.h"
#include "uip/framer.h"
#include "uip/tracker.h"

#define DEVID 0x00010002u
/* Junk before a PDU: no header starts at any of its offsets. */
static const uint8_t junk[7] = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03};

/* usbip-win2's seqnum: one counter per device, (++n << 1) | dir_in (drivers/ude/context.cpp:98-111). */
static uint32_t win2_seqnum(uint32_t n, bool dir_in)
{
    return n << 1 | (dir_in ? 1u : 0u);
}

/* A CMD_SUBMIT as set_cmd_submit_usbip_header fills it (drivers/ude/proto.cpp:65-78): flags
 * through to_linux_flags (no URB_DIR_IN), start_frame 0, number_of_packets -1, interval the
 * endpoint's bInterval, setup zeroed (control transfers copy theirs in, device_ioctl.cpp:304). */
static struct uip_header win2_submit(uint32_t seq, uint32_t dir, uint32_t ep, int32_t len,
                                     uint32_t flags, int32_t interval)
{
    struct uip_header h = {.command = UIP_CMD_SUBMIT, .seqnum = seq, .devid = DEVID,
                           .direction = dir, .ep = ep};
    h.u.cmd_submit.transfer_flags = flags;
    h.u.cmd_submit.transfer_buffer_length = len;
    h.u.cmd_submit.number_of_packets = UIP_NP_NOT_ISO;
    h.u.cmd_submit.interval = interval;
    return h;
}

static void put_header(struct synth_buf *b, const struct uip_header *h)
{
    uint8_t raw[UIP_HEADER_SIZE];
    uip_encode_header(h, raw);
    synth_append(b, raw, sizeof raw);
}

static void put_submit(struct synth_buf *b, const struct uip_header *h)
{
    put_header(b, h);
    if (h->direction == UIP_DIR_OUT && h->u.cmd_submit.transfer_buffer_length > 0)
        synth_append(b, NULL, (size_t)h->u.cmd_submit.transfer_buffer_length);
}

/* A CMD_UNLINK as set_cmd_unlink_usbip_header fills it (drivers/ude/proto.cpp:84-95): direction
 * OUT, ep 0, its own seqnum from the device's counter; the 24 bytes after the unlinked seqnum are
 * left as the reused buffer held them: here the last 24 bytes of an earlier CMD_SUBMIT. */
static void put_win2_unlink(struct synth_buf *b, uint32_t seq, uint32_t victim,
                            const struct uip_header *earlier)
{
    struct uip_header h = {.command = UIP_CMD_UNLINK, .seqnum = seq, .devid = DEVID,
                           .direction = UIP_DIR_OUT, .ep = 0};
    uint8_t raw[UIP_HEADER_SIZE], stale[UIP_HEADER_SIZE];
    h.u.cmd_unlink.unlink_seqnum = victim;
    uip_encode_header(&h, raw);
    uip_encode_header(earlier, stale);
    memcpy(raw + UIP_OFF_UNLINK_PADDING, stale + UIP_OFF_UNLINK_PADDING,
           UIP_HEADER_SIZE - UIP_OFF_UNLINK_PADDING);
    synth_append(b, raw, sizeof raw);
}

/* ---- one PDU per quirk -------------------------------------------------------------------- */

/* Interrupt IN, high speed bInterval 7: interval 7, not Linux's 64 microframes (proto.cpp:76);
 * URB_SHORT_NOT_OK without URB_DIR_IN (libdrv/usbd_helper.cpp:192-203). */
static void pdu_interrupt_in(struct synth_buf *b)
{
    struct uip_header h = win2_submit(win2_seqnum(1, true), UIP_DIR_IN, 1, 8, UIP_URB_SHORT_NOT_OK, 7);
    put_submit(b, &h);
}

/* Bulk OUT with its data, flags 0, an even seqnum, setup zeroed (proto.cpp:72-77). */
static void pdu_bulk_out(struct synth_buf *b)
{
    struct uip_header h = win2_submit(win2_seqnum(2, false), UIP_DIR_OUT, 2, 31, 0, 0);
    put_submit(b, &h);
}

/* GET_DESCRIPTOR on ep 0: the default pipe's zeroed descriptor gives interval 0
 * (libdrv/ch9.h:88), the setup packet is copied in (device_ioctl.cpp:303-304). */
static void pdu_control_in(struct synth_buf *b)
{
    struct uip_header h = win2_submit(win2_seqnum(3, true), UIP_DIR_IN, 0, 18, UIP_URB_SHORT_NOT_OK, 0);
    memcpy(h.u.cmd_submit.setup, "\x80\x06\x00\x01\x00\x00\x12\x00", 8);
    put_submit(b, &h);
}

/* Isochronous IN: the real packet count, URB_ISO_ASAP always (device_ioctl.cpp:415-426), the
 * descriptors repacked with actual_length and status 0 (device_ioctl.cpp:349-373). */
static void pdu_iso_in(struct synth_buf *b)
{
    struct uip_header h = win2_submit(win2_seqnum(4, true), UIP_DIR_IN, 3, 3 * 192, UIP_URB_ISO_ASAP, 4);
    h.u.cmd_submit.number_of_packets = 3;
    put_submit(b, &h);
    synth_iso_descs(b, 3, 192, NULL);
}

/* CMD_UNLINK of the interrupt URB, its padding the stale tail of the bulk OUT header. */
static void pdu_unlink(struct synth_buf *b)
{
    struct uip_header earlier = win2_submit(win2_seqnum(2, false), UIP_DIR_OUT, 2, 31, 0, 0);
    put_win2_unlink(b, win2_seqnum(5, false), win2_seqnum(1, true), &earlier);
}

/* CMD_UNLINK whose padding is a control URB's tail: the setup packet is in it. */
static void pdu_unlink_after_control(struct synth_buf *b)
{
    struct uip_header earlier = win2_submit(win2_seqnum(3, true), UIP_DIR_IN, 0, 18, 0, 0);
    memcpy(earlier.u.cmd_submit.setup, "\x80\x06\x00\x01\x00\x00\x12\x00", 8);
    put_win2_unlink(b, win2_seqnum(6, false), win2_seqnum(3, true), &earlier);
}

/* The device reset usbip-win2 asks for: a hub class SET_FEATURE(PORT_RESET) on ep 0, which the
 * stub turns into usb_reset_device (stub_rx.c is_reset_device_cmd); Linux's vhci resets locally
 * (device_ioctl.cpp:596-607, 654-667; send_ep0_out 493-517: an OUT with flags 0, no data). */
static void pdu_port_reset(struct synth_buf *b)
{
    struct uip_header h = win2_submit(win2_seqnum(7, false), UIP_DIR_OUT, 0, 0, 0, 0);
    memcpy(h.u.cmd_submit.setup, "\x23\x03\x04\x00\x01\x00\x00\x00", 8);
    put_submit(b, &h);
}

/* The stub's answer echoes number_of_packets -1 (stub_rx.c usbip_pack_pdu, stub_tx.c). */
static void pdu_ret_echo(struct synth_buf *b)
{
    synth_ret_submit(b, win2_seqnum(1, true), 0, 8, UIP_NP_NOT_ISO, NULL, 8);
}

/* The PDU a framer must accept after each usbip-win2 PDU, to confirm it (a bulk IN). */
static void pdu_next_client(struct synth_buf *b)
{
    struct uip_header h = win2_submit(win2_seqnum(9, true), UIP_DIR_IN, 1, 512, 0, 0);
    put_submit(b, &h);
}

static void pdu_next_server(struct synth_buf *b)
{
    synth_ret_unlink(b, win2_seqnum(5, false), -104);
}

struct win2_case {
    const char *name;
    enum uip_side side;
    void (*build)(struct synth_buf *b);
    uint32_t command;
    uint32_t seqnum;
};

static const struct win2_case accepted[] = {
    {"interrupt IN, raw bInterval", UIP_SIDE_CLIENT, pdu_interrupt_in, UIP_CMD_SUBMIT, 3},
    {"bulk OUT, no direction flag", UIP_SIDE_CLIENT, pdu_bulk_out, UIP_CMD_SUBMIT, 4},
    {"control IN, interval 0", UIP_SIDE_CLIENT, pdu_control_in, UIP_CMD_SUBMIT, 7},
    {"isochronous IN, ISO_ASAP", UIP_SIDE_CLIENT, pdu_iso_in, UIP_CMD_SUBMIT, 9},
    {"CMD_UNLINK, stale padding", UIP_SIDE_CLIENT, pdu_unlink, UIP_CMD_UNLINK, 10},
    {"CMD_UNLINK, setup in padding", UIP_SIDE_CLIENT, pdu_unlink_after_control, UIP_CMD_UNLINK, 12},
    {"PORT_RESET request", UIP_SIDE_CLIENT, pdu_port_reset, UIP_CMD_SUBMIT, 14},
    {"RET_SUBMIT echoing -1", UIP_SIDE_SERVER, pdu_ret_echo, UIP_RET_SUBMIT, 3},
};
#define N_ACCEPTED (sizeof accepted / sizeof accepted[0])

/* ---- a framer that records what it delivers ------------------------------------------------- */

struct seen {
    int n;
    uint32_t command[8], seqnum[8];
    int check[8];
    uint64_t length[8];
    uint64_t skipped[UIP_SKIP__COUNT];
};

static void on_pdu(void *user, const struct uip_pdu *p)
{
    struct seen *s = user;
    cr_assert_lt(s->n, 8);
    s->command[s->n] = p->is_op ? 0 : p->hdr.command;
    s->seqnum[s->n] = p->hdr.seqnum;
    s->check[s->n] = p->check;
    s->length[s->n] = p->length;
    s->n++;
}

static void on_skip(void *user, uint64_t off, uint64_t n, enum uip_skip_reason r, uint64_t ts,
                    uint64_t frame)
{
    struct seen *s = user;
    s->skipped[r] += n;
}

/* A RET_SUBMIT's CMD is "known" IN, as the tracker would say. */
static bool known_in(void *user, uint32_t seqnum, struct uip_cmd_info *out)
{
    out->direction = UIP_DIR_IN;
    out->ep = 1;
    return true;
}

static struct uip_framer *framer(struct seen *s, enum uip_side side, bool at_start)
{
    struct uip_framer_config cfg = {.side = side, .at_connection_start = at_start,
                                    .data_keep = 16, .control_keep = 64, .user = s};
    cfg.cb.pdu = on_pdu;
    cfg.cb.skipped = on_skip;
    cfg.cb.lookup_cmd = known_in;
    memset(s, 0, sizeof *s);
    struct uip_framer *f = uip_framer_new(&cfg);
    cr_assert_not_null(f);
    return f;
}

/* The case's PDU followed by the next one of its side. */
static size_t build_pair(const struct win2_case *c, struct synth_buf *b)
{
    c->build(b);
    size_t len = b->len;
    (c->side == UIP_SIDE_CLIENT ? pdu_next_client : pdu_next_server)(b);
    return len;
}

/* The case's PDU is the i-th one delivered, whole and passing the checks. */
static void assert_pdu(const struct win2_case *c, const struct seen *s, int i, uint64_t len)
{
    cr_assert_gt(s->n, i, "%s: not framed", c->name);
    cr_assert_eq(s->command[i], c->command, "%s: command %u", c->name, s->command[i]);
    cr_assert_eq(s->seqnum[i], c->seqnum, "%s: seqnum %u", c->name, s->seqnum[i]);
    cr_assert_eq(s->check[i], UIP_OK, "%s: check %d", c->name, s->check[i]);
    cr_assert_eq(s->length[i], len, "%s: length", c->name);
}

/* The OP message that puts a side's stream into its URB phase. */
static void put_import(struct synth_buf *b, enum uip_side side)
{
    struct uip_device_record d = synth_device_record();
    if (side == UIP_SIDE_CLIENT)
        synth_op_req_import(b, "1-1"); /* as vhci_ioctl.cpp:86-102 sends it: version 0x0111, status 0 */
    else
        synth_op_rep_import(b, 0, &d);
}

Test(win2, every_quirk_passes_the_header_checks)
{
    for (size_t i = 0; i < N_ACCEPTED; i++) {
        struct synth_buf b = {0};
        struct uip_header h;
        accepted[i].build(&b);
        cr_assert_eq(uip_validate_header(b.data, b.len, accepted[i].side, &h), UIP_OK, "%s",
                     accepted[i].name);
        cr_assert_eq(uip_check_header(&h, b.data), UIP_OK, "%s", accepted[i].name);
        cr_assert(uip_header_valid_at(b.data, b.len, accepted[i].side), "%s", accepted[i].name);
        synth_buf_free(&b);
    }
}

Test(win2, every_quirk_is_framed_in_sync)
{
    for (size_t i = 0; i < N_ACCEPTED; i++) {
        struct synth_buf b = {0}, pair = {0};
        struct seen s;
        size_t len = build_pair(&accepted[i], &pair);
        put_import(&b, accepted[i].side);
        synth_append(&b, pair.data, pair.len);
        struct uip_framer *f = framer(&s, accepted[i].side, true);
        uip_framer_feed(f, b.data, b.len, 1, 1);
        uip_framer_finish(f, 2, 2);
        cr_assert_eq(s.n, 3, "%s: import, the PDU, the next one", accepted[i].name);
        assert_pdu(&accepted[i], &s, 1, len);
        for (int r = 0; r < UIP_SKIP__COUNT; r++)
            cr_assert_eq(s.skipped[r], 0, "%s: %s", accepted[i].name, uip_skip_reason_name(r));
        cr_assert_eq(uip_framer_stats(f)->resyncs, 0, "%s", accepted[i].name);
        uip_framer_free(f);
        synth_buf_free(&pair);
        synth_buf_free(&b);
    }
}

/* Each case's PDU, after junk, is the first PDU of a framer searching for a header: from a
 * mid-stream start, or after a TCP gap; only the junk is skipped. */
static void assert_found_when_resynchronizing(enum uip_skip_reason why)
{
    for (size_t i = 0; i < N_ACCEPTED; i++) {
        struct synth_buf b = {0}, pair = {0};
        struct seen s;
        size_t len = build_pair(&accepted[i], &pair);
        synth_append(&b, junk, sizeof junk);
        synth_append(&b, pair.data, pair.len);
        struct uip_framer *f = framer(&s, accepted[i].side, false);
        if (why == UIP_SKIP_AFTER_GAP)
            uip_framer_gap(f, 100, 1, 1); /* nothing before it: a resync after a gap */
        uip_framer_feed(f, b.data, b.len, 2, 2);
        uip_framer_finish(f, 3, 3);
        assert_pdu(&accepted[i], &s, 0, len);
        cr_assert_eq(s.skipped[why], sizeof junk, "%s: only the junk skipped", accepted[i].name);
        uip_framer_free(f);
        synth_buf_free(&pair);
        synth_buf_free(&b);
    }
}

Test(win2, every_quirk_is_found_when_resynchronizing_mid_stream)
{
    assert_found_when_resynchronizing(UIP_SKIP_MID_STREAM);
}

Test(win2, every_quirk_is_found_after_a_tcp_gap)
{
    assert_found_when_resynchronizing(UIP_SKIP_AFTER_GAP);
}

/* ---- what Linux's stub rejects still fails the checks -------------------------------------- */

struct rejected_case {
    const char *name;
    struct uip_header h;
    int check;
};

static void rejected_cases(struct rejected_case *r)
{
    /* get_pipe: "CMD_SUBMIT: invalid epnum" for ep > 15 */
    r[0] = (struct rejected_case){"ep 16", win2_submit(3, UIP_DIR_IN, 16, 8, 0, 7), UIP_ERR_BAD_ENDPOINT};
    /* usb_submit_urb fails a length above INT_MAX (-EMSGSIZE): the stub drops the connection */
    r[1] = (struct rejected_case){"negative length", win2_submit(4, UIP_DIR_OUT, 2, -1, 0, 0),
                                  UIP_ERR_BAD_TRANSFER_LENGTH};
    /* more packets than USBIP_MAX_ISO_PACKETS */
    r[2] = (struct rejected_case){"1025 iso packets", win2_submit(5, UIP_DIR_IN, 3, 1025 * 192, 0, 4),
                                  UIP_ERR_BAD_ISO_COUNT};
    r[2].h.u.cmd_submit.number_of_packets = UIP_MAX_ISO_PACKETS + 1;
    /* valid_request: a devid no device has ("recv invalid request", the connection is dropped) */
    r[3] = (struct rejected_case){"devnum 200", {.command = UIP_CMD_UNLINK, .seqnum = 6, .devid = 0x000100c8},
                                  UIP_ERR_BAD_DEVID};
    r[3].h.u.cmd_unlink.unlink_seqnum = 3;
}

Test(win2, what_the_stub_rejects_still_fails_the_checks)
{
    struct rejected_case r[4];
    rejected_cases(r);
    for (size_t i = 0; i < 4; i++) {
        uint8_t raw[UIP_HEADER_SIZE];
        struct uip_header back;
        uip_encode_header(&r[i].h, raw);
        cr_assert_eq(uip_check_header(&r[i].h, raw), r[i].check, "%s", r[i].name);
        cr_assert_neq(uip_validate_header(raw, sizeof raw, UIP_SIDE_CLIENT, &back), UIP_OK, "%s",
                      r[i].name);
    }
}

/* ---- a whole session through framers and tracker ---------------------------------------------------- */

/* The session's PDUs in order: (side, PDU), with the client's bulk OUT CMD_SUBMIT marked. */
struct step {
    int side;
    struct synth_buf b;
};
#define N_STEPS 7
#define STEP_LOST 3 /* the bulk OUT's CMD_SUBMIT: lost in a gap in the gap variant */

/* Import; an interrupt IN URB (seqnum 3) and a bulk OUT (4); the OUT answered; the interrupt URB
 * unlinked by a CMD_UNLINK (6) that carries the bulk OUT's stale tail, the next interrupt URB (9)
 * left pending; RET_UNLINK -ECONNRESET. */
static void session_steps(struct step s[N_STEPS])
{
    struct uip_device_record d = synth_device_record();
    struct uip_header irq = win2_submit(win2_seqnum(1, true), UIP_DIR_IN, 1, 8, UIP_URB_SHORT_NOT_OK, 7);
    struct uip_header out = win2_submit(win2_seqnum(2, false), UIP_DIR_OUT, 2, 31, 0, 0);
    struct uip_header next = win2_submit(win2_seqnum(4, true), UIP_DIR_IN, 1, 8, UIP_URB_SHORT_NOT_OK, 7);
    memset(s, 0, N_STEPS * sizeof *s);
    synth_op_req_import(&s[0].b, "1-1");
    s[1].side = 1;
    synth_op_rep_import(&s[1].b, 0, &d);
    put_submit(&s[2].b, &irq);
    put_submit(&s[STEP_LOST].b, &out);
    s[4].side = 1;
    synth_ret_submit(&s[4].b, win2_seqnum(2, false), 0, 31, UIP_NP_NOT_ISO, NULL, 0);
    put_win2_unlink(&s[5].b, win2_seqnum(3, false), win2_seqnum(1, true), &out);
    put_submit(&s[5].b, &next); /* confirms the CMD_UNLINK to a framer resynchronizing on it */
    s[6].side = 1;
    synth_ret_unlink(&s[6].b, win2_seqnum(3, false), -104);
}

/* Both framers of a connection feeding one tracker, as the session wires them. */
struct pipe {
    struct uip_tracker *t;
    struct uip_framer *f[2];
};

static bool pipe_lookup(void *user, uint32_t seqnum, struct uip_cmd_info *out)
{
    struct pipe *p = user;
    return uip_tracker_lookup_cmd(p->t, 1, seqnum, out);
}

static void pipe_pdu(void *user, const struct uip_pdu *pdu)
{
    struct pipe *p = user;
    uip_tracker_pdu(p->t, 1, pdu);
}

static void pipe_open(struct pipe *p, struct urb_log *s)
{
    struct uip_tracker_callbacks tcb = {.urb = urb_log_add};
    p->t = uip_tracker_new(&tcb, s, 64, 4096);
    cr_assert_not_null(p->t);
    for (int side = 0; side < 2; side++) {
        struct uip_framer_config cfg = {.side = (enum uip_side)side, .at_connection_start = true,
                                        .data_keep = 64, .control_keep = 4096, .user = p};
        cfg.cb.lookup_cmd = pipe_lookup;
        cfg.cb.pdu = pipe_pdu;
        p->f[side] = uip_framer_new(&cfg);
        cr_assert_not_null(p->f[side]);
    }
}

/* Feed the session's steps through a pipe (the bulk OUT's CMD_SUBMIT lost in a gap when gap);
 * every byte fed must be framed. Returns the client framer's resync count. */
static uint64_t run_pipe(struct urb_log *s, bool gap)
{
    struct pipe p;
    struct step steps[N_STEPS];
    session_steps(steps);
    pipe_open(&p, s);
    for (int i = 0; i < N_STEPS; i++) {
        if (gap && i == STEP_LOST)
            uip_framer_gap(p.f[0], steps[i].b.len, (uint64_t)i, (uint64_t)i);
        else
            uip_framer_feed(p.f[steps[i].side], steps[i].b.data, steps[i].b.len, (uint64_t)i, (uint64_t)i);
        synth_buf_free(&steps[i].b);
    }
    for (int side = 0; side < 2; side++) {
        uip_framer_finish(p.f[side], N_STEPS, N_STEPS);
        const struct uip_framer_stats *st = uip_framer_stats(p.f[side]);
        for (int r = 0; r < UIP_SKIP__COUNT; r++)
            cr_assert_eq(st->bytes_skipped[r], 0, "side %d: %s", side, uip_skip_reason_name(r));
    }
    uip_tracker_finish(p.t, N_STEPS);
    uint64_t resyncs = uip_framer_stats(p.f[0])->resyncs;
    for (int side = 0; side < 2; side++)
        uip_framer_free(p.f[side]);
    uip_tracker_free(p.t);
    return resyncs;
}

Test(win2, session_matches_seqnums_and_the_unlink)
{
    struct urb_log s = {0};
    cr_assert_eq(run_pipe(&s, false), 0);
    cr_assert_eq(s.n, 3);
    cr_assert_eq(urb_log_find(&s, 9)->outcome, UIP_URB_PENDING_AT_END);
    const struct uip_urb *irq = urb_log_find(&s, 3), *out = urb_log_find(&s, 4);
    cr_assert(irq && out);
    cr_assert_eq(out->outcome, UIP_URB_COMPLETED);
    cr_assert_eq(out->actual_length, 31);
    cr_assert_eq(irq->outcome, UIP_URB_UNLINKED);
    cr_assert_eq(irq->unlink_id, 6, "the unlink's own even seqnum");
    cr_assert_eq(irq->unlink_status, -104);
    cr_assert_eq(irq->interval, 7);
    cr_assert_eq(irq->check, UIP_OK);
    cr_assert_eq(irq->anomalies, 0, "no anomaly: seqnums and the unlink matched");
    cr_assert_eq(out->anomalies, 0);
}

Test(win2, session_resynchronizes_on_the_unlink_after_a_gap)
{
    struct urb_log s = {0};
    cr_assert_eq(run_pipe(&s, true), 1);
    const struct uip_urb *irq = urb_log_find(&s, 3);
    cr_assert_not_null(irq);
    cr_assert_eq(irq->outcome, UIP_URB_UNLINKED, "the CMD_UNLINK right after the gap was framed");
    cr_assert_eq(irq->unlink_id, 6);
    cr_assert_eq(irq->unlink_status, -104);
}

/* Without the configuration descriptor, a URB's interval tells an interrupt endpoint from a bulk
 * one only for Linux (bulk URBs carry 0): usbip-win2 sends every endpoint's bInterval
 * (drivers/ude/proto.cpp:76), which on a high-speed bulk OUT endpoint is its NAK rate. */
Test(win2, bulk_binterval_is_not_taken_for_an_interrupt_endpoint)
{
    static const struct {
        uint32_t np;
        int32_t interval;
        uint8_t type;
    } cases[] = {
        {0, 8, UIP_XFER_INTERRUPT},              /* Linux: urb->interval set on interrupt URBs only */
        {0, 0, UIP_XFER_UNKNOWN},
        {UIP_NP_NOT_ISO, 1, UIP_XFER_UNKNOWN},  /* usbip-win2: bulk OUT, bInterval 1 */
        {UIP_NP_NOT_ISO, 7, UIP_XFER_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct urb_log s = {0};
        struct uip_tracker_callbacks tcb = {.urb = urb_log_add};
        struct uip_tracker *t = uip_tracker_new(&tcb, &s, 0, 0);
        struct uip_pdu p = {.ts_ns = 1, .frame = 1, .cmd_direction = UIP_DIR_UNKNOWN};
        p.hdr = win2_submit(4, UIP_DIR_OUT, 2, 0, 0, cases[i].interval);
        p.hdr.u.cmd_submit.number_of_packets = cases[i].np;
        uip_tracker_pdu(t, 1, &p);
        uip_tracker_finish(t, 2);
        cr_assert_eq(s.n, 1);
        cr_assert_eq(s.urbs[0].xfer_type, cases[i].type, "case %zu", i);
        uip_tracker_free(t);
    }
}
