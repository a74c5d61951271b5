/* SPDX-License-Identifier: GPL-2.0-or-later */
/* usbipx-track.c -- the plugin's first pass: every PDU goes once through the core's URB
 * tracker (the same table usbip-analyze uses), and what it reports (links, latency, queue
 * depth, outcomes, anomalies) is kept per PDU for every later pass. Each URB's record hangs
 * on the tracker's own entry (uip_urb.tag); the plugin keeps no URB table of its own. */
#include "usbipx.h"

#include <epan/wmem_scopes.h>

/* Per capture file, between the init and cleanup routines (which Wireshark calls without
 * context: hence the one static below). */
struct usbipx_track_state {
    struct uip_tracker *tracker;
    struct usbipx_pdu *current; /* the record of the PDU being tracked, for the callbacks */
};

static struct usbipx_track_state *state;

/* What the tracker knows of the URB so far, into its record. */
static void usbipx_fill(struct usbipx_urb *r, const struct uip_urb *u)
{
    r->seqnum = (uint32_t)u->id;
    r->devid = u->devid;
    r->ep = u->ep;
    r->direction = u->direction;
    r->xfer_type = u->xfer_type;
    r->outcome = (uint8_t)u->outcome;
    r->frame_submit = (uint32_t)u->frame_submit;
    r->frame_complete = (uint32_t)u->frame_complete;
    r->frame_unlink = (uint32_t)u->frame_unlink;
    r->frame_unlink_ret = (uint32_t)u->frame_unlink_ret;
    r->t_submit_ns = u->t_submit_ns;
    r->t_complete_ns = u->t_complete_ns;
    r->t_unlink_ns = u->t_unlink_ns;
    r->t_unlink_ret_ns = u->t_unlink_ret_ns;
    r->transfer_buffer_length = u->transfer_buffer_length;
    r->depth_dev_at_submit = u->depth_dev_at_submit;
    r->depth_ep_at_submit = u->depth_ep_at_submit;
}

static void usbipx_on_event(void *user, const struct uip_event *ev)
{
    struct usbipx_track_state *st = user;
    struct usbipx_pdu *rec = st->current;
    if (!rec)
        return;
    if (ev->kind == UIP_EV_ANOMALY) {
        rec->anomalies |= ev->anomaly;
        return;
    }
    rec->has_depth = true;
    rec->depth_dev = ev->depth_dev;
    rec->depth_ep = ev->depth_ep;
    if (!ev->urb) /* an unlink of a URB not outstanding */
        return;
    struct usbipx_urb *r = ev->urb->tag;
    if (ev->kind == UIP_EV_SUBMIT) {
        r = wmem_new0(wmem_file_scope(), struct usbipx_urb);
        ev->urb->tag = r;
        rec->has_since_prev = ev->has_since_prev;
        rec->since_prev_ns = ev->since_prev_ns;
    }
    if (!r)
        return;
    usbipx_fill(r, ev->urb);
    /* From its answer on, a URB's outcome is settled: completed, or its unlink too late. */
    r->finished = ev->kind != UIP_EV_SUBMIT && ev->kind != UIP_EV_UNLINK;
    rec->urb = r;
}

/* The tracker is done with a URB: its record is complete. */
static void usbipx_on_urb(void *user, const struct uip_urb *u)
{
    struct usbipx_track_state *st = user;
    struct usbipx_urb *r = u->tag;
    if (!r) /* an answer without its request */
        r = wmem_new0(wmem_file_scope(), struct usbipx_urb);
    usbipx_fill(r, u);
    r->finished = true;
    struct usbipx_pdu *rec = st->current;
    if (rec && (rec->command == UIP_RET_SUBMIT || rec->command == UIP_RET_UNLINK))
        rec->urb = r;
}

void usbipx_track_init(void)
{
    static const struct uip_tracker_callbacks cb = {
        .urb = usbipx_on_urb,
        .event = usbipx_on_event,
    };
    state = g_new0(struct usbipx_track_state, 1);
    /* Endpoint 0 data is kept so the tracker reads configuration descriptors (endpoint types). */
    state->tracker = uip_tracker_new(&cb, state, 0, 4096);
}

void usbipx_track_cleanup(void)
{
    if (!state)
        return;
    uip_tracker_free(state->tracker);
    g_free(state);
    state = NULL;
}

bool usbipx_track_cmd_direction(uint32_t conn_id, uint32_t seqnum, int *direction)
{
    struct uip_cmd_info info;
    if (!state || !state->tracker || !uip_tracker_lookup_cmd(state->tracker, conn_id, seqnum, &info))
        return false;
    *direction = info.direction;
    return true;
}

void usbipx_track_pdu(uint32_t conn_id, const struct uip_pdu *pdu, struct usbipx_pdu *rec)
{
    if (!state || !state->tracker)
        return;
    rec->command = pdu->is_op ? 0 : pdu->hdr.command;
    rec->cmd_direction = pdu->cmd_direction;
    rec->direction_inferred = pdu->direction_inferred;
    state->current = rec;
    uip_tracker_pdu(state->tracker, conn_id, pdu);
    state->current = NULL;
}

uint32_t usbipx_track_outstanding(uint32_t conn_id)
{
    return state && state->tracker ? uip_tracker_outstanding(state->tracker, conn_id) : 0;
}

void usbipx_track_conn_closed(uint32_t conn_id, uint64_t ts_ns)
{
    if (state && state->tracker)
        uip_tracker_conn_closed(state->tracker, conn_id, false, ts_ns);
}
