/* usbipx-track.c -- the plugin's first pass: every PDU goes once through the core's URB
 * tracker (the same table usbip-analyze uses), and what it reports (links, latency, queue
 * depth, anomalies) is kept per PDU for every later pass. */
#include "usbipx.h"

#include <epan/wmem_scopes.h>
#include <string.h>

/* Per capture file, between the init and cleanup routines. */
struct usbipx_track_state {
    struct uip_tracker *tracker;
    GHashTable *open_urbs;    /* (conn_id, seqnum) -> struct usbipx_urb, until the tracker delivers it */
    struct usbipx_pdu *current; /* the record of the PDU being tracked */
    uint8_t submit_xfer_type;   /* transfer type the tracker gave the last submit */
};

static struct usbipx_track_state *state;

static uint64_t *usbipx_key_new(uint64_t a, uint64_t b)
{
    uint64_t *k = g_new(uint64_t, 2);
    k[0] = a;
    k[1] = b;
    return k;
}

static unsigned usbipx_key_hash(gconstpointer p)
{
    const uint64_t *k = p;
    return g_int64_hash(&k[0]) * 31u + g_int64_hash(&k[1]);
}

static gboolean usbipx_key_equal(gconstpointer a, gconstpointer b)
{
    const uint64_t *x = a, *y = b;
    return x[0] == y[0] && x[1] == y[1];
}

/* A RET_SUBMIT whose URB the tracker keeps open (an unlink is still unanswered): link it now;
 * the tracker's final record, if it comes, fills in the rest. */
static void usbipx_note_completion(const struct uip_event *ev, struct usbipx_pdu *rec)
{
    uint64_t key[2] = {ev->conn_id, ev->id};
    struct usbipx_urb *r = g_hash_table_lookup(state->open_urbs, key);
    if (!r)
        return;
    r->frame_complete = (uint32_t)ev->frame;
    r->t_complete_ns = ev->ts_ns;
    if (r->frame_unlink) { /* answered after CMD_UNLINK: the unlink came too late */
        r->finished = true;
        r->outcome = UIP_URB_UNLINK_TOO_LATE;
    }
    rec->urb = r;
}

static void usbipx_on_event(void *user, const struct uip_event *ev)
{
    struct usbipx_pdu *rec = state->current;
    if (!rec)
        return;
    if (ev->kind == UIP_EV_ANOMALY) {
        rec->anomalies |= ev->anomaly;
        return;
    }
    if (ev->kind == UIP_EV_SUBMIT) {
        state->submit_xfer_type = ev->xfer_type;
        rec->has_since_prev = ev->has_since_prev;
        rec->since_prev_ns = ev->since_prev_ns;
    }
    if (ev->kind == UIP_EV_COMPLETE)
        usbipx_note_completion(ev, rec);
    rec->has_depth = true;
    rec->depth_dev = ev->depth_dev;
    rec->depth_ep = ev->depth_ep;
}

static void usbipx_fill(struct usbipx_urb *r, const struct uip_urb *u)
{
    r->seqnum = (uint32_t)u->id;
    r->devid = u->devid;
    r->ep = u->ep;
    r->direction = u->direction;
    r->xfer_type = u->xfer_type;
    r->finished = true;
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

/* The tracker is done with an URB: complete our record of it. */
static void usbipx_on_urb(void *user, const struct uip_urb *u)
{
    uint64_t key[2] = {u->conn_id, u->id};
    struct usbipx_urb *r = g_hash_table_lookup(state->open_urbs, key);
    if (r) {
        usbipx_fill(r, u);
        g_hash_table_remove(state->open_urbs, key);
    } else {
        r = wmem_new0(wmem_file_scope(), struct usbipx_urb); /* an answer without its request */
        usbipx_fill(r, u);
    }
    struct usbipx_pdu *rec = state->current;
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
    state->tracker = uip_tracker_new(&cb, NULL, 0, 4096);
    state->open_urbs = g_hash_table_new_full(usbipx_key_hash, usbipx_key_equal, g_free, NULL);
}

void usbipx_track_cleanup(void)
{
    if (!state)
        return;
    uip_tracker_free(state->tracker);
    g_hash_table_destroy(state->open_urbs);
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
    const struct uip_header *h = &pdu->hdr;
    rec->command = pdu->is_op ? 0 : h->command;
    rec->cmd_direction = pdu->cmd_direction;
    rec->direction_inferred = pdu->direction_inferred;
    state->current = rec;
    state->submit_xfer_type = UIP_XFER_UNKNOWN;
    uip_tracker_pdu(state->tracker, conn_id, pdu);
    state->current = NULL;
    if (pdu->is_op)
        return;
    if (h->command == UIP_CMD_SUBMIT) {
        struct usbipx_urb *r = wmem_new0(wmem_file_scope(), struct usbipx_urb);
        r->seqnum = h->seqnum;
        r->devid = h->devid;
        r->ep = (uint8_t)(h->ep & 15);
        r->direction = (int8_t)h->direction;
        r->xfer_type = state->submit_xfer_type;
        r->frame_submit = (uint32_t)pdu->frame;
        r->t_submit_ns = pdu->ts_ns;
        r->transfer_buffer_length = h->u.cmd_submit.transfer_buffer_length;
        r->depth_dev_at_submit = rec->depth_dev;
        r->depth_ep_at_submit = rec->depth_ep;
        g_hash_table_replace(state->open_urbs, usbipx_key_new(conn_id, h->seqnum), r);
        rec->urb = r;
    } else if (h->command == UIP_CMD_UNLINK) {
        uint64_t key[2] = {conn_id, h->u.cmd_unlink.unlink_seqnum};
        struct usbipx_urb *victim = g_hash_table_lookup(state->open_urbs, key);
        if (victim) { /* the tracker raised UIP_ANOM_UNLINK_UNKNOWN otherwise */
            victim->frame_unlink = (uint32_t)pdu->frame;
            victim->t_unlink_ns = pdu->ts_ns;
        }
        rec->urb = victim;
    }
}
