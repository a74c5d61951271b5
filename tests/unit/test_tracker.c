/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_tracker.c -- the URB tracker: submits matched with completions by seqnum whatever the
 * order, queue depth per device and endpoint, unlinks and their races, answers without
 * requests, reused seqnums, URBs left pending, endpoint types from the configuration. */
#include <criterion/criterion.h>
#include <string.h>
#include "uip/tracker.h"

#define MAX_SEEN 32
#define DEVID 0x00010002u

struct seen {
    struct uip_urb urbs[MAX_SEEN];
    int n_urbs;
    struct uip_event events[MAX_SEEN * 2];
    int n_events;
};

static void on_urb(void *user, const struct uip_urb *u)
{
    struct seen *s = user;
    cr_assert_lt(s->n_urbs, MAX_SEEN);
    cr_assert(u->data_kept == 0 || u->data != NULL, "URB %llu: %u bytes kept but no data pointer",
              (unsigned long long)u->id, u->data_kept);
    s->urbs[s->n_urbs] = *u;
    s->urbs[s->n_urbs].data = NULL; /* valid only during the callback */
    s->urbs[s->n_urbs].iso = NULL;
    s->n_urbs++;
}

static void on_event(void *user, const struct uip_event *e)
{
    struct seen *s = user;
    cr_assert_lt(s->n_events, MAX_SEEN * 2);
    s->events[s->n_events++] = *e;
}

static struct uip_tracker *new_tracker(struct seen *s)
{
    static const struct uip_tracker_callbacks cb = {.urb = on_urb, .event = on_event};
    memset(s, 0, sizeof *s);
    struct uip_tracker *t = uip_tracker_new(&cb, s, 0, 4096);
    cr_assert_not_null(t);
    return t;
}

/* Code-built PDUs (synthetic), as the framer would deliver them. */
static void cmd_submit(struct uip_tracker *t, uint32_t seq, int dir, uint32_t ep, int32_t len,
                       uint64_t ts, const uint8_t *setup)
{
    struct uip_pdu p = {.frame = ts, .ts_ns = ts, .cmd_direction = UIP_DIR_UNKNOWN};
    p.hdr.command = UIP_CMD_SUBMIT;
    p.hdr.seqnum = seq;
    p.hdr.devid = DEVID;
    p.hdr.direction = (uint32_t)dir;
    p.hdr.ep = ep;
    p.hdr.u.cmd_submit.transfer_buffer_length = len;
    if (setup)
        memcpy(p.hdr.u.cmd_submit.setup, setup, 8);
    uip_tracker_pdu(t, 1, &p);
}

static void ret_submit(struct uip_tracker *t, uint32_t seq, int32_t status, int32_t actual,
                       int dir, uint64_t ts, const uint8_t *data, uint32_t data_len)
{
    struct uip_pdu p = {.frame = ts, .ts_ns = ts, .cmd_direction = dir};
    p.hdr.command = UIP_RET_SUBMIT;
    p.hdr.seqnum = seq;
    p.hdr.u.ret_submit.status = status;
    p.hdr.u.ret_submit.actual_length = actual;
    p.data = data;
    p.data_len = p.data_kept = data_len;
    uip_tracker_pdu(t, 1, &p);
}

static void unlink_pdu(struct uip_tracker *t, uint32_t command, uint32_t seq, uint32_t victim,
                       int32_t status, uint64_t ts)
{
    struct uip_pdu p = {.frame = ts, .ts_ns = ts, .cmd_direction = UIP_DIR_UNKNOWN};
    p.hdr.command = command;
    p.hdr.seqnum = seq;
    p.hdr.devid = command == UIP_CMD_UNLINK ? DEVID : 0;
    if (command == UIP_CMD_UNLINK)
        p.hdr.u.cmd_unlink.unlink_seqnum = victim;
    else
        p.hdr.u.ret_unlink.status = status;
    uip_tracker_pdu(t, 1, &p);
}

static const struct uip_urb *urb_of(const struct seen *s, uint64_t id)
{
    for (int i = 0; i < s->n_urbs; i++)
        if (s->urbs[i].id == id)
            return &s->urbs[i];
    return NULL;
}

Test(tracker, queued_urbs_match_by_seqnum_in_any_order_with_depth)
{
    struct seen s;
    struct uip_tracker *t = new_tracker(&s);
    for (uint32_t i = 0; i < 3; i++)
        cmd_submit(t, 10 + i, UIP_DIR_IN, 1, 512, 100 + i, NULL);
    cmd_submit(t, 13, UIP_DIR_OUT, 2, 31, 110, NULL);
    ret_submit(t, 12, 0, 512, UIP_DIR_IN, 200, NULL, 0);
    ret_submit(t, 10, 0, 100, UIP_DIR_IN, 300, NULL, 0);
    ret_submit(t, 13, 0, 31, UIP_DIR_OUT, 350, NULL, 0);
    ret_submit(t, 11, -71, 0, UIP_DIR_IN, 400, NULL, 0);

    cr_assert_eq(s.n_urbs, 4);
    const struct uip_urb *u10 = urb_of(&s, 10), *u11 = urb_of(&s, 11), *u12 = urb_of(&s, 12);
    cr_assert_eq(u10->t_complete_ns - u10->t_submit_ns, 200, "latency pairs by seqnum, not by order");
    cr_assert_eq(u12->t_complete_ns - u12->t_submit_ns, 98);
    cr_assert_eq(u11->status, -71);
    cr_assert_eq(u10->depth_ep_at_submit, 1);
    cr_assert_eq(u12->depth_ep_at_submit, 3);
    cr_assert_eq(urb_of(&s, 13)->depth_ep_at_submit, 1, "another endpoint has its own queue");
    cr_assert_eq(urb_of(&s, 13)->depth_dev_at_submit, 4);
    cr_assert_eq(u10->outcome, UIP_URB_COMPLETED);
    /* after the last event nothing is outstanding */
    const struct uip_event *last = &s.events[s.n_events - 1];
    cr_assert_eq(last->kind, UIP_EV_COMPLETE);
    cr_assert_eq(last->depth_dev, 0);
    cr_assert_eq(last->depth_ep, 0);
    uip_tracker_free(t);
}

/* A CMD_SUBMIT whose OUT data took several packets: the URB keeps the time of its first byte (when
 * the host submitted it) beside the time the PDU was whole; latency counts from the latter. */
Test(tracker, a_submit_keeps_the_time_of_its_first_byte)
{
    struct seen s;
    struct uip_tracker *t = new_tracker(&s);
    struct uip_pdu p = {.frame = 7, .frame_first = 3, .ts_first_ns = 100, .ts_ns = 160,
                        .cmd_direction = UIP_DIR_UNKNOWN};
    p.hdr.command = UIP_CMD_SUBMIT;
    p.hdr.seqnum = 5;
    p.hdr.devid = DEVID;
    p.hdr.direction = UIP_DIR_OUT;
    p.hdr.ep = 2;
    p.hdr.u.cmd_submit.transfer_buffer_length = 1048576;
    p.data_len = 1048576;
    uip_tracker_pdu(t, 1, &p);
    ret_submit(t, 5, 0, 1048576, UIP_DIR_OUT, 170, NULL, 0);
    const struct uip_urb *u = urb_of(&s, 5);
    cr_assert_eq(u->t_submit_first_ns, 100);
    cr_assert_eq(u->t_submit_ns, 160);
    cr_assert_eq(u->t_complete_ns, 170);
    uip_tracker_free(t);
}

/* A RET_SUBMIT whose IN data took several packets: the URB keeps the time of its first byte too. */
Test(tracker, an_answer_keeps_the_time_of_its_first_byte)
{
    struct seen s;
    struct uip_tracker *t = new_tracker(&s);
    cmd_submit(t, 6, UIP_DIR_IN, 1, 1048576, 100, NULL);
    struct uip_pdu p = {.frame = 9, .frame_first = 4, .ts_first_ns = 150, .ts_ns = 190,
                        .cmd_direction = UIP_DIR_IN};
    p.hdr.command = UIP_RET_SUBMIT;
    p.hdr.seqnum = 6;
    p.hdr.u.ret_submit.actual_length = 1048576;
    p.data_len = 1048576;
    uip_tracker_pdu(t, 1, &p);
    const struct uip_urb *u = urb_of(&s, 6);
    cr_assert_eq(u->t_complete_first_ns, 150);
    cr_assert_eq(u->t_complete_ns, 190);
    uip_tracker_free(t);
}

Test(tracker, unlink_while_pending_and_unlink_too_late)
{
    struct seen s;
    struct uip_tracker *t = new_tracker(&s);
    cmd_submit(t, 1, UIP_DIR_IN, 1, 8, 10, NULL);
    cmd_submit(t, 2, UIP_DIR_IN, 1, 8, 11, NULL);
    /* seqnum 3 unlinks 1 while it is pending: RET_UNLINK -ECONNRESET, no RET_SUBMIT */
    unlink_pdu(t, UIP_CMD_UNLINK, 3, 1, 0, 20);
    unlink_pdu(t, UIP_RET_UNLINK, 3, 0, -104, 25);
    /* seqnum 4 unlinks 2, but 2 completes first: RET_SUBMIT, then RET_UNLINK status 0 */
    unlink_pdu(t, UIP_CMD_UNLINK, 4, 2, 0, 30);
    ret_submit(t, 2, 0, 8, UIP_DIR_IN, 31, NULL, 0);
    cr_assert_null(urb_of(&s, 2), "the URB is not final until its RET_UNLINK comes");
    unlink_pdu(t, UIP_RET_UNLINK, 4, 0, 0, 32);

    cr_assert_eq(s.n_urbs, 2);
    const struct uip_urb *u1 = urb_of(&s, 1), *u2 = urb_of(&s, 2);
    cr_assert_eq(u1->outcome, UIP_URB_UNLINKED);
    cr_assert_eq(u1->unlink_id, 3);
    cr_assert_eq(u1->unlink_status, -104);
    cr_assert_eq(u1->frame_unlink, 20);
    cr_assert_eq(u1->frame_unlink_ret, 25);
    cr_assert_eq(u2->outcome, UIP_URB_UNLINK_TOO_LATE);
    cr_assert_eq(u2->t_complete_ns, 31);
    cr_assert_eq(u2->unlink_status, 0);
    uip_tracker_finish(t, 100);
    cr_assert_eq(s.n_urbs, 2, "nothing left to flush");
    uip_tracker_free(t);
}

/* A usbmon completion (synthetic) of URB id on bus 1, device 2, endpoint 0x81. */
static void usbmon_complete(struct uip_tracker *t, uint64_t id, bool usbipd_win, uint64_t ts)
{
    struct uip_usbmon_event ev = {.urb_id = id, .type = 'C', .xfer_type = 1, .endpoint = 0x81,
                                  .devnum = 2, .busnum = 1, .length = 8, .ts_ns = ts, .frame = ts,
                                  .usbipd_win = usbipd_win};
    uip_tracker_usbmon(t, &ev);
}

Test(tracker, a_usbmon_completion_of_an_urb_submitted_before_the_capture_is_no_anomaly)
{
    struct seen s;
    struct uip_tracker *t = new_tracker(&s);
    usbmon_complete(t, 0xffff8bdd3b72bf00u, false, 5);
    cr_assert_eq(s.n_urbs, 1);
    cr_assert_eq(s.urbs[0].outcome, UIP_URB_BEFORE_CAPTURE);
    cr_assert_eq(s.urbs[0].anomalies, 0);
    for (int i = 0; i < s.n_events; i++)
        cr_assert_neq(s.events[i].kind, UIP_EV_ANOMALY);
    cr_assert(uip_outcome_unmatched(s.urbs[0].outcome));

    usbmon_complete(t, 9, true, 6); /* usbipd-win records every URB it serves: still an anomaly */
    cr_assert_eq(s.n_urbs, 2);
    cr_assert_eq(s.urbs[1].outcome, UIP_URB_NO_SUBMIT);
    cr_assert(s.urbs[1].anomalies & UIP_ANOM_RET_WITHOUT_CMD);
    uip_tracker_free(t);
}

Test(tracker, an_out_urb_ended_by_its_reused_id_still_carries_its_data)
{
    struct seen s;
    struct uip_tracker *t = new_tracker(&s);
    static const uint8_t cbw[31] = {'U', 'S', 'B', 'C'}; /* kept: the tracker keeps control data */
    struct uip_usbmon_event ev = {.urb_id = 42, .type = 'S', .xfer_type = 2, .endpoint = 0x00,
                                  .devnum = 2, .busnum = 1, .setup_present = true,
                                  .setup = {0x21, 0x09}, .length = sizeof cbw,
                                  .len_cap = sizeof cbw, .data = cbw, .ts_ns = 1, .frame = 1};
    uip_tracker_usbmon(t, &ev);
    ev.ts_ns = ev.frame = 2; /* the same id again, its first submission never answered */
    uip_tracker_usbmon(t, &ev);
    cr_assert_eq(s.n_urbs, 1);
    cr_assert(s.urbs[0].anomalies & UIP_ANOM_DUPLICATE_SEQNUM);
    cr_assert_eq(s.urbs[0].data_kept, sizeof cbw, "its OUT data reaches the callback (checked in on_urb)");
    uip_tracker_free(t);
}

Test(tracker, an_unlinked_out_urb_still_carries_its_data)
{
    struct seen s;
    struct uip_tracker *t = new_tracker(&s);
    static const uint8_t line_coding[7] = {0x80, 0x25, 0, 0, 0, 0, 8}; /* kept: control data */
    struct uip_pdu p = {.frame = 10, .ts_ns = 10, .cmd_direction = UIP_DIR_OUT};
    p.hdr.command = UIP_CMD_SUBMIT;
    p.hdr.seqnum = 5;
    p.hdr.devid = DEVID;
    p.hdr.direction = UIP_DIR_OUT;
    p.hdr.u.cmd_submit.transfer_buffer_length = sizeof line_coding;
    memcpy(p.hdr.u.cmd_submit.setup, (const uint8_t[8]){0x21, 0x20, 0, 0, 0, 0, 7, 0}, 8);
    p.data = line_coding;
    p.data_len = p.data_kept = sizeof line_coding;
    uip_tracker_pdu(t, 1, &p);
    unlink_pdu(t, UIP_CMD_UNLINK, 6, 5, 0, 20);
    unlink_pdu(t, UIP_RET_UNLINK, 6, 0, -104, 25);
    cr_assert_eq(s.n_urbs, 1);
    cr_assert_eq(s.urbs[0].outcome, UIP_URB_UNLINKED);
    cr_assert_eq(s.urbs[0].data_kept, sizeof line_coding, "its OUT data reaches the callback (checked in on_urb)");
    uip_tracker_free(t);
}

Test(tracker, answers_without_requests_and_reused_seqnums_are_anomalies)
{
    struct seen s;
    struct uip_tracker *t = new_tracker(&s);
    ret_submit(t, 7, 0, 0, UIP_DIR_UNKNOWN, 5, NULL, 0);
    cr_assert_eq(s.n_urbs, 1);
    cr_assert_eq(s.urbs[0].outcome, UIP_URB_NO_SUBMIT);
    cr_assert(s.urbs[0].anomalies & UIP_ANOM_RET_WITHOUT_CMD);
    cr_assert_eq(s.events[0].kind, UIP_EV_ANOMALY);
    cr_assert_eq(s.events[0].anomaly, UIP_ANOM_RET_WITHOUT_CMD);

    cmd_submit(t, 8, UIP_DIR_IN, 1, 8, 10, NULL);
    cmd_submit(t, 8, UIP_DIR_IN, 1, 8, 20, NULL);
    cr_assert_eq(s.n_urbs, 2, "the first of the pair ends when its seqnum is reused");
    cr_assert(s.urbs[1].anomalies & UIP_ANOM_DUPLICATE_SEQNUM);
    cr_assert_eq(s.urbs[1].t_submit_ns, 10);
    ret_submit(t, 8, 0, 8, UIP_DIR_IN, 30, NULL, 0);
    cr_assert_eq(s.urbs[2].t_submit_ns, 20, "the answer goes to the later submit");
    cr_assert_eq(s.urbs[2].depth_ep_at_submit, 1, "the abandoned URB no longer counts");

    unlink_pdu(t, UIP_RET_UNLINK, 99, 0, 0, 40);
    cr_assert_eq(s.events[s.n_events - 1].anomaly, UIP_ANOM_RET_WITHOUT_CMD);
    uip_tracker_free(t);
}

static bool has_anomaly(const struct seen *s, enum uip_anomaly a)
{
    for (int i = 0; i < s->n_events; i++)
        if (s->events[i].kind == UIP_EV_ANOMALY && s->events[i].anomaly == a)
            return true;
    return false;
}

Test(tracker, an_unlink_of_an_unknown_urb_is_an_anomaly_one_crossing_an_answer_is_not)
{
    struct seen s;
    struct uip_tracker *t = new_tracker(&s);
    cmd_submit(t, 1, UIP_DIR_IN, 1, 8, 10, NULL);
    ret_submit(t, 1, 0, 8, UIP_DIR_IN, 20, NULL, 0);
    /* The client unlinked 1 before its answer reached it: the two crossed on the wire. */
    unlink_pdu(t, UIP_CMD_UNLINK, 2, 1, 0, 21);
    cr_assert_not(has_anomaly(&s, UIP_ANOM_UNLINK_UNKNOWN), "an unlink that crossed the answer");
    unlink_pdu(t, UIP_CMD_UNLINK, 3, 77, 0, 30);
    cr_assert(has_anomaly(&s, UIP_ANOM_UNLINK_UNKNOWN), "seqnum 77 was never submitted");
    uip_tracker_free(t);
}

Test(tracker, each_submit_knows_the_time_since_the_previous_one_on_its_endpoint)
{
    struct seen s;
    struct uip_tracker *t = new_tracker(&s);
    cmd_submit(t, 1, UIP_DIR_IN, 1, 8, 100, NULL);
    cmd_submit(t, 2, UIP_DIR_OUT, 1, 8, 130, NULL); /* another direction: its own clock */
    cmd_submit(t, 3, UIP_DIR_IN, 1, 8, 250, NULL);
    uip_tracker_finish(t, 300);
    cr_assert_not(urb_of(&s, 1)->has_since_prev);
    cr_assert_not(urb_of(&s, 2)->has_since_prev);
    cr_assert(urb_of(&s, 3)->has_since_prev);
    cr_assert_eq(urb_of(&s, 3)->since_prev_ns, 150);
    cr_assert_eq(s.events[2].kind, UIP_EV_SUBMIT);
    cr_assert(s.events[2].has_since_prev, "the submit event carries it too");
    cr_assert_eq(s.events[2].since_prev_ns, 150);
    uip_tracker_free(t);
}

Test(tracker, pending_urbs_are_flushed_at_the_end)
{
    struct seen s;
    struct uip_tracker *t = new_tracker(&s);
    cmd_submit(t, 1, UIP_DIR_IN, 1, 8, 10, NULL);
    cmd_submit(t, 2, UIP_DIR_IN, 1, 8, 11, NULL);
    cr_assert_eq(s.n_urbs, 0);
    struct uip_cmd_info info;
    cr_assert(uip_tracker_lookup_cmd(t, 1, 2, &info));
    cr_assert_eq(info.direction, UIP_DIR_IN);
    cr_assert_not(uip_tracker_lookup_cmd(t, 1, 3, &info));
    uip_tracker_finish(t, 50);
    cr_assert_eq(s.n_urbs, 2);
    cr_assert_eq(s.urbs[0].outcome, UIP_URB_PENDING_AT_END);
    cr_assert_eq(s.urbs[1].outcome, UIP_URB_PENDING_AT_END);
    uip_tracker_free(t);
}

Test(tracker, endpoint_types_come_from_the_configuration_descriptor)
{
    /* GET_DESCRIPTOR(CONFIGURATION): a config, one interface, bulk IN 0x81 and interrupt IN 0x82 */
    static const uint8_t setup[8] = {0x80, 0x06, 0x00, 0x02, 0x00, 0x00, 0x27, 0x00};
    static const uint8_t config[] = {
        9, 2, 32, 0, 1, 1, 0, 0x80, 50,           /* configuration, wTotalLength 32 */
        9, 4, 0, 0, 2, 8, 6, 80, 0,               /* interface: mass storage */
        7, 5, 0x81, 2, 0x00, 0x02, 0,             /* endpoint 1 IN bulk */
        7, 5, 0x82, 3, 0x08, 0x00, 10,            /* endpoint 2 IN interrupt */
    };
    struct seen s;
    struct uip_tracker *t = new_tracker(&s);
    cmd_submit(t, 1, UIP_DIR_IN, 0, sizeof config, 10, setup);
    ret_submit(t, 1, 0, sizeof config, UIP_DIR_IN, 11, config, sizeof config);
    cmd_submit(t, 2, UIP_DIR_IN, 1, 512, 20, NULL);
    cmd_submit(t, 3, UIP_DIR_IN, 2, 8, 21, NULL);
    cmd_submit(t, 4, UIP_DIR_OUT, 3, 8, 22, NULL);
    cr_assert_eq(urb_of(&s, 1)->xfer_type, UIP_XFER_CONTROL);
    int kinds = 0;
    for (int i = 0; i < s.n_events; i++) {
        const struct uip_event *e = &s.events[i];
        if (e->kind != UIP_EV_SUBMIT || e->id < 2)
            continue;
        uint8_t want = e->id == 2 ? UIP_XFER_BULK : e->id == 3 ? UIP_XFER_INTERRUPT : UIP_XFER_UNKNOWN;
        cr_assert_eq(e->xfer_type, want, "URB %llu", (unsigned long long)e->id);
        kinds++;
    }
    cr_assert_eq(kinds, 3);
    uip_tracker_free(t);
}

/* A user's record of each URB rides on the tracker's entry: set on the submit, found again on
 * the URB's completion, unlink, unlink answer and final delivery. */
struct tagged {
    int records[4];     /* the user's records, one per seqnum 1..3 */
    int tag_seen[8];    /* by event kind: events that came with the URB's own record */
    int final_tagged;   /* urb callbacks that came with it */
    int untagged_urbs;  /* urb callbacks without one (answers without requests) */
    int null_urb_events;
    enum uip_urb_outcome outcome_at_complete[4];
};

static void tag_on_event(void *user, const struct uip_event *e)
{
    struct tagged *s = user;
    if (!e->urb) {
        s->null_urb_events++;
        return;
    }
    if (e->kind == UIP_EV_SUBMIT) {
        cr_assert_null(e->urb->tag);
        e->urb->tag = &s->records[e->id];
        return;
    }
    cr_assert_eq(e->urb->tag, &s->records[e->urb->id], "event %d of seqnum %llu", e->kind,
                 (unsigned long long)e->urb->id);
    s->tag_seen[e->kind]++;
    if (e->kind == UIP_EV_COMPLETE)
        s->outcome_at_complete[e->urb->id] = e->urb->outcome;
}

static void tag_on_urb(void *user, const struct uip_urb *u)
{
    struct tagged *s = user;
    if (!u->tag) {
        s->untagged_urbs++;
        return;
    }
    cr_assert_eq(u->tag, &s->records[u->id]);
    s->final_tagged++;
}

Test(tracker, a_users_record_of_a_urb_comes_back_on_each_of_its_events)
{
    static const struct uip_tracker_callbacks cb = {.urb = tag_on_urb, .event = tag_on_event};
    struct tagged s = {0};
    struct uip_tracker *t = uip_tracker_new(&cb, &s, 0, 4096);
    cr_assert_not_null(t);
    cmd_submit(t, 1, UIP_DIR_IN, 1, 8, 10, NULL);
    cmd_submit(t, 2, UIP_DIR_IN, 1, 8, 11, NULL);
    cmd_submit(t, 3, UIP_DIR_IN, 1, 8, 12, NULL);
    ret_submit(t, 1, 0, 8, UIP_DIR_IN, 13, NULL, 0);       /* answered */
    unlink_pdu(t, UIP_CMD_UNLINK, 4, 2, 0, 20);            /* unlinked in time */
    unlink_pdu(t, UIP_RET_UNLINK, 4, 0, -104, 21);
    unlink_pdu(t, UIP_CMD_UNLINK, 5, 3, 0, 22);            /* too late */
    ret_submit(t, 3, 0, 8, UIP_DIR_IN, 23, NULL, 0);
    unlink_pdu(t, UIP_RET_UNLINK, 5, 0, 0, 24);
    unlink_pdu(t, UIP_CMD_UNLINK, 6, 77, 0, 30);           /* of no URB outstanding */
    ret_submit(t, 9, 0, 0, UIP_DIR_OUT, 31, NULL, 0);       /* without its request */

    cr_assert_eq(s.tag_seen[UIP_EV_COMPLETE], 2);
    cr_assert_eq(s.tag_seen[UIP_EV_UNLINK], 2);
    cr_assert_eq(s.tag_seen[UIP_EV_UNLINK_RET], 2);
    cr_assert_eq(s.final_tagged, 3);
    cr_assert_eq(s.untagged_urbs, 1);
    cr_assert_eq(s.outcome_at_complete[1], UIP_URB_COMPLETED);
    cr_assert_eq(s.outcome_at_complete[3], UIP_URB_UNLINK_TOO_LATE,
                 "an answer after the unlink settles the outcome when it comes");
    /* the unknown unlink (its anomaly and its event) and the lone answer's anomaly */
    cr_assert_eq(s.null_urb_events, 3);
    uip_tracker_free(t);
}
