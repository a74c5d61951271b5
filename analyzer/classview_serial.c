/* SPDX-License-Identifier: GPL-2.0-or-later */
/* classview_serial.c -- the serial view of an FTDI (vendor 0x0403, as qemu's usb-serial) or
 * CDC-ACM device: payload bytes each way, line rate and control-line changes (a programmer's
 * reset pulse), write-to-answer exchanges with the polls between them counted, and avrdude's
 * STK500v1 commands among them (outputs in classview_serial_report.c). */
#include <glib.h>
#include <inttypes.h>
#include <string.h>
#include "classview_serial.h"
#include "uip/usb.h"

/* FTDI vendor requests (bmRequestType 0x40), as Linux's ftdi_sio.h numbers them. */
#define FTDI_SET_MODEM_CTRL 0x01
#define FTDI_SET_BAUDRATE 0x03
#define FTDI_STATUS_BYTES 2 /* modem and line status at the start of every IN packet */
#define FTDI_DEFAULT_PACKET 64 /* full speed, when no configuration descriptor says */
/* CDC PSTN 1.2 class requests (bmRequestType 0x21). */
#define ACM_SET_LINE_CODING 0x20
#define ACM_SET_CONTROL_LINE_STATE 0x22

bool cv_serial_is_acm_request(const struct uip_urb *u)
{
    struct uip_setup st;
    if (u->ep != 0 || !u->has_setup)
        return false;
    uip_setup_decode(u->setup, &st);
    return st.bm_request_type == 0x21 &&
           (st.b_request == ACM_SET_LINE_CODING || st.b_request == ACM_SET_CONTROL_LINE_STATE);
}

struct cv_serial *cv_serial_new(enum cv_serial_kind kind)
{
    struct cv_serial *s = g_new0(struct cv_serial, 1);
    s->kind = kind;
    s->dtr = -1;
    s->cur_item = -1;
    s->items = g_array_new(FALSE, TRUE, sizeof(struct item));
    return s;
}

void cv_serial_free(struct cv_serial *s)
{
    if (!s)
        return;
    g_array_free(s->items, TRUE);
    stk500_free(s->stk);
    g_free(s);
}

/* ---- line settings and control lines (endpoint 0) ------------------------------------------ */

/* The rate an FTDI SET_BAUDRATE divisor gives, in the FT232BM/R encoding Linux's ftdi_sio builds:
 * 3 MHz over a divisor whose 14-bit integer part is in wValue and whose eighths are coded in
 * wValue bits 14-15 and wIndex bit 0; raw 0 means 3 Mbaud, raw 1 2 Mbaud. (Multi-port chips put
 * their port number in wIndex: they are read as single-port ones.) */
static uint32_t ftdi_baud(uint16_t w_value, uint16_t w_index)
{
    static const uint8_t eighths[8] = {0, 4, 2, 1, 3, 5, 6, 7}; /* ftdi_sio's divfrac, inverted */
    uint32_t raw = w_value | (uint32_t)(w_index & 1) << 16;
    if (raw <= 1)
        return raw ? 2000000 : 3000000;
    uint32_t div8 = (raw & 0x3fff) * 8 + eighths[(raw >> 14) & 7]; /* not 0: raw is 2 or more */
    return (uint32_t)((24000000ull + div8 / 2) / div8);
}

static void add_line_event(struct cv_serial *s, const struct item *it)
{
    if (s->listed_line_events == LISTED_LINE_EVENTS) {
        s->unlisted_line_events++;
        return;
    }
    s->listed_line_events++;
    g_array_append_val(s->items, *it);
}

static void set_lines(struct cv_serial *s, uint64_t t, int8_t dtr, int8_t rts)
{
    struct item it = {.kind = ITEM_LINES, .t = t, .dtr = dtr, .rts = rts};
    if (dtr == 0 && s->dtr != 0)
        s->dtr_low_since = t;
    if (dtr == 1 && s->dtr == 0) { /* DTR low, then high: the pulse that resets an Arduino */
        it.dtr_low_ns = t - s->dtr_low_since;
        s->reset_pulses++;
        s->last_pulse_ns = it.dtr_low_ns;
    }
    if (dtr >= 0)
        s->dtr = dtr;
    add_line_event(s, &it);
}

void cv_serial_control(struct cv_serial *s, const struct uip_urb *u)
{
    struct uip_setup st;
    if (!u->has_setup || !cv_answered(u) || u->status != 0)
        return;
    uip_setup_decode(u->setup, &st);
    uint64_t t = u->t_submit_ns; /* when the host changed the line */
    if (s->kind == CV_SERIAL_FTDI && st.bm_request_type == 0x40) {
        if (st.b_request == FTDI_SET_MODEM_CTRL && (st.w_value & 0x0300)) /* bits 8-9: which lines */
            set_lines(s, t, st.w_value & 0x0100 ? (int8_t)(st.w_value & 1) : -1,
                      st.w_value & 0x0200 ? (int8_t)(st.w_value >> 1 & 1) : -1);
        else if (st.b_request == FTDI_SET_BAUDRATE)
            add_line_event(s, &(struct item){.kind = ITEM_RATE, .t = t,
                                             .baud = ftdi_baud(st.w_value, st.w_index)});
    } else if (s->kind == CV_SERIAL_ACM && st.bm_request_type == 0x21) {
        uint32_t rate;
        if (st.b_request == ACM_SET_CONTROL_LINE_STATE)
            set_lines(s, t, (int8_t)(st.w_value & 1), (int8_t)(st.w_value >> 1 & 1));
        else if (st.b_request == ACM_SET_LINE_CODING && cv_get_le32(u->data, u->data_kept, 0, &rate))
            add_line_event(s, &(struct item){.kind = ITEM_RATE, .t = t, .baud = rate});
    }
}

/* ---- bulk data: payload, exchanges, polls -------------------------------------------------- */

/* Payload bytes of an answered IN URB: FTDI starts every packet with its 2 status bytes. */
static uint32_t in_payload(const struct cv_serial *s, const struct uip_urb *u, uint16_t mps)
{
    uint32_t len = (uint32_t)u->actual_length;
    if (s->kind != CV_SERIAL_FTDI)
        return len;
    uint32_t rest = len % mps;
    return len / mps * (mps - FTDI_STATUS_BYTES) + (rest > FTDI_STATUS_BYTES ? rest - FTDI_STATUS_BYTES : 0);
}

/* Up to max payload bytes from the start of an IN URB's kept data; returns how many. */
static uint8_t in_prefix(const struct cv_serial *s, const struct uip_urb *u, uint16_t mps,
                         uint8_t *out, uint8_t max)
{
    uint32_t have = u->data_kept < (uint32_t)u->actual_length ? u->data_kept : (uint32_t)u->actual_length;
    uint8_t n = 0;
    for (uint32_t i = 0; i < have && n < max; i++)
        if (s->kind != CV_SERIAL_FTDI || i % mps >= FTDI_STATUS_BYTES)
            out[n++] = u->data[i];
    return n;
}

static void note_poll(struct exchange *ex, const struct uip_urb *u)
{
    ex->polls++;
    if (ex->n_runs) {
        struct poll_run *r = &ex->runs[ex->n_runs - 1];
        if (r->ep == u->ep && r->status == u->status && r->length == u->actual_length) {
            r->count++;
            return;
        }
    }
    if (ex->n_runs < POLL_RUNS)
        ex->runs[ex->n_runs++] = (struct poll_run){u->ep, u->status, u->actual_length, 1};
}

static void close_exchange(struct cv_serial *s, uint64_t next_submit)
{
    struct exchange *ex = &s->cur;
    ex->next_submit = next_submit;
    s->open = false;
    s->exchanges++;
    if (ex->t_answer) {
        s->answered++;
        lat_hist_add(&s->turnaround, ex->t_answer - ex->t_submit);
        lat_hist_add(&s->after_ack, ex->t_answer - ex->t_ack);
    }
    if (cv_serial_out_of_step(ex))
        s->out_of_step++;
    if (ex->stk >= 0)
        stk500_exchange(s->stk, ex->stk, ex->t_answer != 0, ex->t_answer - ex->t_submit, ex->in,
                        ex->in_kept, cv_serial_out_of_step(ex));
    if (s->cur_item >= 0)
        g_array_index(s->items, struct item, s->cur_item).ex = *ex;
}

static void open_exchange(struct cv_serial *s, const struct uip_urb *u)
{
    struct exchange *ex = &s->cur;
    memset(ex, 0, sizeof *ex);
    ex->t_submit = u->t_submit_ns;
    ex->t_ack = u->t_complete_ns;
    ex->out_len = (uint32_t)u->actual_length;
    uint32_t kept = u->data_kept < ex->out_len ? u->data_kept : ex->out_len;
    ex->out_kept = (uint8_t)(kept < SHOWN_BYTES ? kept : SHOWN_BYTES);
    memcpy(ex->out, u->data, ex->out_kept);
    ex->stk = stk500_command(u->data, kept, ex->out_len);
    if (ex->stk >= 0 && !s->stk)
        s->stk = stk500_new();
    s->open = true;
    s->cur_item = -1;
    if (s->listed_exchanges == LISTED_EXCHANGES) {
        s->unlisted_exchanges++;
        return;
    }
    s->listed_exchanges++;
    s->cur_item = (int)s->items->len;
    g_array_append_val(s->items, ((struct item){.kind = ITEM_EXCHANGE, .t = ex->t_submit}));
}

void cv_serial_bulk(struct cv_serial *s, const struct uip_urb *u, uint16_t max_packet)
{
    uint16_t mps = max_packet > FTDI_STATUS_BYTES ? max_packet : FTDI_DEFAULT_PACKET;
    if (!cv_answered(u))
        return; /* unlinked before an answer, or pending at the end: nothing moved */
    if (u->direction == UIP_DIR_OUT) {
        if (u->status != 0 || u->actual_length <= 0)
            return;
        s->writes++;
        s->bytes_out += (uint64_t)u->actual_length;
        if (s->open)
            close_exchange(s, u->t_submit_ns);
        open_exchange(s, u);
        return;
    }
    uint32_t payload = u->status == 0 && u->actual_length > 0 ? in_payload(s, u, mps) : 0;
    if (!payload) {
        s->polls++;
        if (s->open && !s->cur.t_answer)
            note_poll(&s->cur, u);
        return;
    }
    s->data_urbs++;
    s->bytes_in += payload;
    /* not an answer to the open write: no write yet, or answered before the write completed (a
     * URB delivered late, at the RET_UNLINK that came after its answer) */
    if (!s->open || u->t_complete_ns < s->cur.t_ack) {
        s->unsolicited_bytes += payload;
        return;
    }
    struct exchange *ex = &s->cur;
    if (!ex->t_answer)
        ex->t_answer = u->t_complete_ns;
    ex->in_len += payload;
    ex->in_kept += in_prefix(s, u, mps, ex->in + ex->in_kept, (uint8_t)(SHOWN_BYTES - ex->in_kept));
}

void cv_serial_finish(struct cv_serial *s)
{
    if (s->open)
        close_exchange(s, 0);
}
