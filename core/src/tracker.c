/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tracker.c -- the URB transaction table (contract in uip/tracker.h): submits matched with
 * completions by (connection, seqnum or usbmon URB id), unlinks, queue depth, endpoint types. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include "uip/tracker.h"
#include "uip/usb.h"

struct uip_urb_key {
    uint32_t conn_id;
    uint64_t id;
};

/* An URB between its submit and its end. */
struct uip_pending {
    struct uip_urb_key key;
    struct uip_urb urb;
    bool completed;      /* RET_SUBMIT seen, waiting for the RET_UNLINK of a racing unlink */
    uint8_t *data;       /* kept OUT data (or IN data while waiting as above) */
};

/* A CMD_UNLINK waiting for its RET_UNLINK. */
struct uip_unlink {
    struct uip_urb_key key; /* the unlink's own seqnum */
    uint64_t victim;
    uint32_t devid;
    uint64_t ts_ns, frame;
};

/* How many of a device's last finished URBs are remembered: a CMD_UNLINK of one of them crossed
 * its answer on the wire (the client sent it before the answer reached it), not an unknown URB. */
#define UIP_RECENT_FINISHED 64

struct uip_device {
    struct uip_device_info info;
    uint32_t outstanding;
    uint32_t ep_outstanding[2][16];
    bool submitted[2][16];          /* [direction][ep]: a submit seen, at last_submit_ns */
    uint64_t last_submit_ns[2][16];
    uint64_t recent_finished[UIP_RECENT_FINISHED]; /* ids, a ring */
    unsigned recent_next, recent_count;
};

struct uip_tracker {
    struct uip_tracker_callbacks cb;
    void *user;
    uint32_t data_keep, control_keep;
    GHashTable *pending; /* key -> struct uip_pending */
    GHashTable *unlinks; /* key -> struct uip_unlink */
    GHashTable *devices; /* key (conn, devid) -> struct uip_device */
    GHashTable *unsent;  /* usbipd-win URBs an unlink won before their completion was written */
    uint64_t unsent_completions;
};

const char *uip_xfer_type_name(enum uip_xfer_type t)
{
    switch (t) {
    case UIP_XFER_CONTROL: return "control";
    case UIP_XFER_ISOCHRONOUS: return "isochronous";
    case UIP_XFER_BULK: return "bulk";
    case UIP_XFER_INTERRUPT: return "interrupt";
    default: return "unknown";
    }
}

const char *uip_urb_outcome_name(enum uip_urb_outcome o)
{
    switch (o) {
    case UIP_URB_COMPLETED: return "completed";
    case UIP_URB_UNLINKED: return "unlinked";
    case UIP_URB_UNLINK_TOO_LATE: return "unlink-too-late";
    case UIP_URB_PENDING_AT_END: return "pending-at-end";
    case UIP_URB_CONNECTION_CLOSED: return "connection-closed";
    case UIP_URB_NO_SUBMIT: return "no-submit";
    case UIP_URB_BEFORE_CAPTURE: return "before-capture";
    default: return "unknown";
    }
}

static guint uip_key_hash(gconstpointer p)
{
    const struct uip_urb_key *k = p;
    uint64_t h = k->id * 0x9E3779B97F4A7C15ull ^ (uint64_t)k->conn_id * 0xC2B2AE3D27D4EB4Full;
    return (guint)(h ^ (h >> 32));
}

static gboolean uip_key_equal(gconstpointer a, gconstpointer b)
{
    const struct uip_urb_key *x = a, *y = b;
    return x->conn_id == y->conn_id && x->id == y->id;
}

static void uip_pending_free(gpointer p)
{
    struct uip_pending *u = p;
    free(u->data);
    free(u);
}

struct uip_tracker *uip_tracker_new(const struct uip_tracker_callbacks *cb, void *user,
                                    uint32_t data_keep, uint32_t control_keep)
{
    struct uip_tracker *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cb = *cb;
    t->user = user;
    t->data_keep = data_keep;
    t->control_keep = control_keep;
    t->pending = g_hash_table_new_full(uip_key_hash, uip_key_equal, NULL, uip_pending_free);
    t->unlinks = g_hash_table_new_full(uip_key_hash, uip_key_equal, NULL, free);
    t->devices = g_hash_table_new_full(uip_key_hash, uip_key_equal, free, free);
    t->unsent = g_hash_table_new_full(uip_key_hash, uip_key_equal, free, NULL);
    return t;
}

void uip_tracker_free(struct uip_tracker *t)
{
    if (!t)
        return;
    g_hash_table_destroy(t->pending);
    g_hash_table_destroy(t->unlinks);
    g_hash_table_destroy(t->devices);
    g_hash_table_destroy(t->unsent);
    free(t);
}

/* ---- devices ---------------------------------------------------------------------- */

static struct uip_device *uip_device_get(struct uip_tracker *t, uint32_t conn_id, uint32_t devid)
{
    struct uip_urb_key k = {conn_id, devid};
    struct uip_device *d = g_hash_table_lookup(t->devices, &k);
    if (d)
        return d;
    d = calloc(1, sizeof *d);
    struct uip_urb_key *kk = malloc(sizeof *kk);
    if (!d || !kk) {
        free(d);
        free(kk);
        return NULL;
    }
    *kk = k;
    d->info.conn_id = conn_id;
    d->info.devid = devid;
    memset(d->info.ep_type, UIP_XFER_UNKNOWN, sizeof d->info.ep_type);
    g_hash_table_insert(t->devices, kk, d);
    if (t->cb.device)
        t->cb.device(t->user, &d->info);
    return d;
}

/* The device if seen already (uip_device_get makes it). */
static struct uip_device *uip_device_find(const struct uip_tracker *t, uint32_t conn_id, uint32_t devid)
{
    struct uip_urb_key k = {conn_id, devid};
    return g_hash_table_lookup(t->devices, &k);
}

const struct uip_device_info *uip_tracker_device(const struct uip_tracker *t, uint32_t conn_id,
                                                 uint32_t devid)
{
    struct uip_device *d = uip_device_find(t, conn_id, devid);
    return d ? &d->info : NULL;
}

struct uip_ep_walk {
    struct uip_device *dev;
};

static void uip_note_endpoint(void *user, const struct uip_usb_endpoint *ep)
{
    struct uip_ep_walk *w = user;
    w->dev->info.ep_type[(ep->address & 0x80) ? 1 : 0][ep->address & 0x0f] = ep->attributes & 3;
}

/* A completed GET_DESCRIPTOR(CONFIGURATION) teaches the endpoints' transfer types. */
static void uip_learn_config(struct uip_tracker *t, struct uip_device *dev, const struct uip_urb *u)
{
    struct uip_setup s;
    if (!u->has_setup || u->direction != UIP_DIR_IN || !u->data_kept || u->status != 0)
        return;
    uip_setup_decode(u->setup, &s);
    if (s.bm_request_type != 0x80 || s.b_request != UIP_USB_REQ_GET_DESCRIPTOR ||
        (s.w_value >> 8) != UIP_USB_DT_CONFIG)
        return;
    struct uip_ep_walk w = {dev};
    if (uip_usb_config_endpoints(u->data, u->data_kept, uip_note_endpoint, &w) > 0 && t->cb.device)
        t->cb.device(t->user, &dev->info);
}

static uint8_t uip_guess_type(const struct uip_device *dev, const struct uip_urb *u)
{
    if (u->ep == 0)
        return UIP_XFER_CONTROL;
    if (uip_np_is_iso(u->number_of_packets))
        return UIP_XFER_ISOCHRONOUS;
    if (dev) {
        uint8_t t = dev->info.ep_type[u->direction == UIP_DIR_IN][u->ep & 15];
        if (t != UIP_XFER_UNKNOWN)
            return t;
    }
    /* Linux leaves interval 0 on bulk URBs and sets it on interrupt ones; usbip-win2 sends every
     * endpoint's bInterval (drivers/ude/proto.cpp:76), a NAK rate on high-speed bulk OUT ones. */
    if (uip_interval_is_binterval(u->number_of_packets))
        return UIP_XFER_UNKNOWN;
    return u->interval > 0 ? UIP_XFER_INTERRUPT : UIP_XFER_UNKNOWN;
}

/* ---- events ------------------------------------------------------------------------ */

/* u: the URB concerned; tracked: it is the table's own (its tag reaches the user). */
static void uip_emit_event(struct uip_tracker *t, enum uip_event_kind kind, struct uip_urb *u,
                           bool tracked, const struct uip_device *dev, uint64_t id, uint64_t ts,
                           uint64_t frame, uint32_t data_len, enum uip_anomaly anomaly)
{
    if (!t->cb.event)
        return;
    struct uip_event ev = {
        .kind = kind, .urb = tracked ? u : NULL, .conn_id = u->conn_id, .devid = u->devid, .ep = u->ep,
        .direction = u->direction, .xfer_type = u->xfer_type, .id = id, .ts_ns = ts, .frame = frame,
        .data_len = data_len, .anomaly = anomaly,
        .has_since_prev = kind == UIP_EV_SUBMIT && u->has_since_prev,
        .since_prev_ns = kind == UIP_EV_SUBMIT ? u->since_prev_ns : 0,
    };
    if (dev) {
        ev.depth_dev = dev->outstanding;
        ev.depth_ep = dev->ep_outstanding[u->direction == UIP_DIR_IN][u->ep & 15];
    }
    t->cb.event(t->user, &ev);
}

static void uip_emit_anomaly(struct uip_tracker *t, uint32_t conn_id, uint64_t id,
                             enum uip_anomaly a, uint64_t ts, uint64_t frame)
{
    struct uip_urb u = {.conn_id = conn_id, .id = id, .direction = UIP_DIR_UNKNOWN,
                        .xfer_type = UIP_XFER_UNKNOWN};
    uip_emit_event(t, UIP_EV_ANOMALY, &u, false, NULL, id, ts, frame, 0, a);
}

static void uip_outstanding_add(struct uip_device *dev, const struct uip_urb *u, int delta)
{
    if (!dev)
        return;
    uint32_t *ep = &dev->ep_outstanding[u->direction == UIP_DIR_IN][u->ep & 15];
    if (delta > 0) {
        dev->outstanding++;
        (*ep)++;
    } else {
        if (dev->outstanding)
            dev->outstanding--;
        if (*ep)
            (*ep)--;
    }
}

/* URB p ends: its record goes to the user with the bytes the tracker kept of it (an OUT
 * request's data, or an answer kept across its unlink), whichever way it ended. */
static void uip_finish_urb(struct uip_tracker *t, struct uip_pending *p)
{
    if (p->urb.direction == UIP_DIR_OUT || p->completed)
        p->urb.data = p->data;
    struct uip_device *dev = uip_device_find(t, p->urb.conn_id, p->urb.devid);
    if (dev) {
        dev->recent_finished[dev->recent_next] = p->urb.id;
        dev->recent_next = (dev->recent_next + 1) % UIP_RECENT_FINISHED;
        if (dev->recent_count < UIP_RECENT_FINISHED)
            dev->recent_count++;
    }
    if (t->cb.urb)
        t->cb.urb(t->user, &p->urb);
    g_hash_table_remove(t->pending, &p->key);
}

/* ---- submits and completions (shared by USB/IP and usbmon) ----------------------------- */

static void uip_submit(struct uip_tracker *t, const struct uip_urb *u, const uint8_t *data,
                       uint32_t kept)
{
    struct uip_urb_key k = {u->conn_id, u->id};
    struct uip_device *dev = uip_device_get(t, u->conn_id, u->devid);
    struct uip_pending *old = g_hash_table_lookup(t->pending, &k);

    if (old) { /* the earlier one never got an answer we saw */
        old->urb.anomalies |= UIP_ANOM_DUPLICATE_SEQNUM;
        old->urb.outcome = UIP_URB_PENDING_AT_END;
        if (!old->completed)
            uip_outstanding_add(uip_device_get(t, u->conn_id, old->urb.devid), &old->urb, -1);
        uip_emit_anomaly(t, u->conn_id, u->id, UIP_ANOM_DUPLICATE_SEQNUM, u->t_submit_ns,
                         u->frame_submit);
        uip_finish_urb(t, old);
    }
    struct uip_pending *p = calloc(1, sizeof *p);
    if (!p)
        return;
    p->key = k;
    p->urb = *u;
    p->urb.xfer_type = uip_guess_type(dev, u);
    uint32_t keep = u->ep == 0 ? t->control_keep : t->data_keep;
    if (kept > keep)
        kept = keep;
    if (kept && (p->data = malloc(kept))) {
        memcpy(p->data, data, kept);
        p->urb.data_kept = kept;
    } else {
        p->urb.data_kept = 0;
    }
    p->urb.data = NULL;
    uip_outstanding_add(dev, u, +1);
    if (dev) {
        int in = u->direction == UIP_DIR_IN;
        p->urb.depth_dev_at_submit = dev->outstanding;
        p->urb.depth_ep_at_submit = dev->ep_outstanding[in][u->ep & 15];
        p->urb.has_since_prev = dev->submitted[in][u->ep & 15];
        if (p->urb.has_since_prev)
            p->urb.since_prev_ns = u->t_submit_ns - dev->last_submit_ns[in][u->ep & 15];
        dev->submitted[in][u->ep & 15] = true;
        dev->last_submit_ns[in][u->ep & 15] = u->t_submit_ns;
    }
    g_hash_table_insert(t->pending, &p->key, p);
    uip_emit_event(t, UIP_EV_SUBMIT, &p->urb, true, dev, u->id, u->t_submit_ns, u->frame_submit,
                   u->direction == UIP_DIR_OUT ? (uint32_t)u->transfer_buffer_length : 0, 0);
}

/* The answer to URB k: status, length, IN data. An answer to no request seen ends as unmatched:
 * UIP_URB_NO_SUBMIT (an anomaly) or UIP_URB_BEFORE_CAPTURE (usbmon). */
static void uip_complete(struct uip_tracker *t, struct uip_urb_key k, const struct uip_urb *ret,
                         const uint8_t *in_data, uint32_t in_kept, const struct uip_iso_desc *iso,
                         uint32_t iso_count, enum uip_urb_outcome unmatched)
{
    struct uip_pending *p = g_hash_table_lookup(t->pending, &k);
    if (!p) {
        struct uip_urb u = *ret;
        u.outcome = unmatched;
        u.xfer_type = UIP_XFER_UNKNOWN;
        u.data = in_data;
        u.data_kept = in_kept;
        u.iso = iso;
        u.iso_count = iso_count;
        if (unmatched == UIP_URB_NO_SUBMIT) {
            u.anomalies |= UIP_ANOM_RET_WITHOUT_CMD;
            uip_emit_anomaly(t, k.conn_id, k.id, UIP_ANOM_RET_WITHOUT_CMD, ret->t_complete_ns,
                             ret->frame_complete);
        }
        if (t->cb.urb)
            t->cb.urb(t->user, &u);
        return;
    }
    struct uip_urb *u = &p->urb;
    struct uip_device *dev = uip_device_get(t, u->conn_id, u->devid);
    u->status = ret->status;
    u->actual_length = ret->actual_length;
    u->error_count = ret->error_count;
    u->t_complete_ns = ret->t_complete_ns;
    u->t_complete_first_ns = ret->t_complete_first_ns;
    u->frame_complete = ret->frame_complete;
    u->anomalies |= ret->anomalies;
    if (ret->check != 0 && u->check == 0)
        u->check = ret->check;
    if (u->actual_length > u->transfer_buffer_length)
        u->anomalies |= UIP_ANOM_ACTUAL_ABOVE_LENGTH;
    if (u->direction == UIP_DIR_IN) {
        uint32_t keep = u->ep == 0 ? t->control_keep : t->data_keep;
        if (in_kept > keep)
            in_kept = keep;
        u->data_len = (uint32_t)(ret->actual_length > 0 ? ret->actual_length : 0);
        u->data = in_data;
        u->data_kept = in_kept;
    } else {
        u->data = p->data;
    }
    u->iso = iso;
    u->iso_count = iso_count;
    uip_outstanding_add(dev, u, -1);
    /* An unlink sent before the answer came too late: it waits for its RET_UNLINK. */
    u->outcome = u->unlinked ? UIP_URB_UNLINK_TOO_LATE : UIP_URB_COMPLETED;
    uip_emit_event(t, UIP_EV_COMPLETE, u, true, dev, u->id, u->t_complete_ns, u->frame_complete,
                   u->direction == UIP_DIR_IN ? u->data_len : 0, 0);
    if (dev)
        uip_learn_config(t, dev, u);
    if (u->unlinked) {
        p->completed = true;
        if (u->direction == UIP_DIR_IN) {
            free(p->data);
            p->data = in_kept ? malloc(in_kept) : NULL;
            if (p->data)
                memcpy(p->data, in_data, in_kept);
            u->data_kept = p->data ? in_kept : 0;
            u->data = p->data;
        }
        u->iso = NULL;
        u->iso_count = 0;
        return;
    }
    uip_finish_urb(t, p);
}

/* ---- USB/IP PDUs ------------------------------------------------------------------------ */

static void uip_tracker_op(struct uip_tracker *t, uint32_t conn_id, const struct uip_pdu *pdu)
{
    if (pdu->op.code != UIP_OP_REP_IMPORT)
        return;
    if (pdu->op.status != 0) {
        struct uip_device *d = uip_device_get(t, conn_id, 0);
        if (d) {
            d->info.import_failed = true;
            d->info.import_status = pdu->op.status;
            if (t->cb.device)
                t->cb.device(t->user, &d->info);
        }
        return;
    }
    struct uip_device_record rec;
    if (uip_decode_device_record(pdu->op_body, pdu->op_body_len, &rec) != 0)
        return;
    struct uip_device *d = uip_device_get(t, conn_id, rec.busnum << 16 | (rec.devnum & 0xffff));
    if (d) {
        d->info.has_record = true;
        d->info.record = rec;
        if (t->cb.device)
            t->cb.device(t->user, &d->info);
    }
}

/* Whether the device finished the URB id lately (see UIP_RECENT_FINISHED). */
static bool uip_recently_finished(const struct uip_device *dev, uint64_t id)
{
    for (unsigned i = 0; dev && i < dev->recent_count; i++)
        if (dev->recent_finished[i] == id)
            return true;
    return false;
}

/* A CMD_SUBMIT: a new URB, outstanding until its answer or unlink. */
static void uip_on_cmd_submit(struct uip_tracker *t, uint32_t conn_id, const struct uip_pdu *pdu)
{
    const struct uip_header *h = &pdu->hdr;
    struct uip_urb u = {
        .conn_id = conn_id, .devid = h->devid, .id = h->seqnum, .ep = (uint8_t)(h->ep & 15),
        .direction = (int8_t)h->direction, .transfer_flags = h->u.cmd_submit.transfer_flags,
        .transfer_buffer_length = h->u.cmd_submit.transfer_buffer_length,
        .number_of_packets = h->u.cmd_submit.number_of_packets,
        .interval = h->u.cmd_submit.interval, .start_frame = h->u.cmd_submit.start_frame,
        .t_submit_ns = pdu->ts_ns, .t_submit_first_ns = pdu->ts_first_ns,
        .frame_submit = pdu->frame, .check = pdu->check,
    };
    if (pdu->check != 0)
        u.anomalies |= UIP_ANOM_BAD_HEADER;
    if (pdu->data_missing)
        u.anomalies |= UIP_ANOM_DATA_MISSING;
    if (h->ep == 0) {
        u.has_setup = true;
        memcpy(u.setup, h->u.cmd_submit.setup, 8);
    }
    u.data_len = h->direction == UIP_DIR_OUT && u.transfer_buffer_length > 0
                     ? (uint32_t)u.transfer_buffer_length : 0;
    uip_submit(t, &u, pdu->data, pdu->data_kept);
}

/* A RET_SUBMIT: the answer to the URB of its seqnum. */
static void uip_on_ret_submit(struct uip_tracker *t, uint32_t conn_id, const struct uip_pdu *pdu)
{
    const struct uip_header *h = &pdu->hdr;
    struct uip_urb r = {
        .conn_id = conn_id, .id = h->seqnum, .status = h->u.ret_submit.status,
        .actual_length = h->u.ret_submit.actual_length,
        .error_count = h->u.ret_submit.error_count, .t_complete_ns = pdu->ts_ns,
        .t_complete_first_ns = pdu->ts_first_ns,
        .frame_complete = pdu->frame, .check = pdu->check, .direction = (int8_t)pdu->cmd_direction,
        .number_of_packets = h->u.ret_submit.number_of_packets,
    };
    if (pdu->check != 0)
        r.anomalies |= UIP_ANOM_BAD_HEADER;
    if (pdu->data_missing)
        r.anomalies |= UIP_ANOM_DATA_MISSING;
    if (pdu->iso_count && uip_check_iso(h, pdu->cmd_direction, pdu->iso, pdu->iso_count, -1) != 0)
        r.anomalies |= UIP_ANOM_ISO_MISMATCH;
    uip_complete(t, (struct uip_urb_key){conn_id, h->seqnum}, &r, pdu->data, pdu->data_kept, pdu->iso,
                 pdu->iso_count, UIP_URB_NO_SUBMIT);
}

/* A CMD_UNLINK: its victim is marked (or, unknown and not just finished, an anomaly), and the
 * unlink waits for its RET_UNLINK. */
static void uip_on_cmd_unlink(struct uip_tracker *t, uint32_t conn_id, const struct uip_pdu *pdu)
{
    const struct uip_header *h = &pdu->hdr;
    struct uip_urb_key vk = {conn_id, h->u.cmd_unlink.unlink_seqnum};
    struct uip_pending *victim = g_hash_table_lookup(t->pending, &vk);
    struct uip_unlink *ul = calloc(1, sizeof *ul);
    if (!ul)
        return;
    ul->key = (struct uip_urb_key){conn_id, h->seqnum};
    ul->victim = vk.id;
    ul->devid = h->devid;
    ul->ts_ns = pdu->ts_ns;
    ul->frame = pdu->frame;
    g_hash_table_replace(t->unlinks, &ul->key, ul);
    struct uip_urb unknown = {.conn_id = conn_id, .devid = h->devid, .id = vk.id,
                              .direction = UIP_DIR_UNKNOWN, .xfer_type = UIP_XFER_UNKNOWN};
    struct uip_urb *u = victim ? &victim->urb : &unknown;
    if (victim) {
        u->unlinked = true;
        u->unlink_id = h->seqnum;
        u->t_unlink_ns = pdu->ts_ns;
        u->frame_unlink = pdu->frame;
    } else if (!uip_recently_finished(uip_device_find(t, conn_id, h->devid), vk.id)) {
        uip_emit_anomaly(t, conn_id, h->seqnum, UIP_ANOM_UNLINK_UNKNOWN, pdu->ts_ns, pdu->frame);
    }
    uip_emit_event(t, UIP_EV_UNLINK, u, victim != NULL, uip_device_get(t, conn_id, u->devid), h->seqnum,
                   pdu->ts_ns, pdu->frame, 0, 0);
}

/* A RET_UNLINK: the unlink of its seqnum ends; its victim, if still outstanding, is unlinked. */
static void uip_on_ret_unlink(struct uip_tracker *t, uint32_t conn_id, const struct uip_pdu *pdu)
{
    const struct uip_header *h = &pdu->hdr;
    struct uip_urb_key k = {conn_id, h->seqnum};
    struct uip_unlink *ul = g_hash_table_lookup(t->unlinks, &k);
    if (!ul) {
        uip_emit_anomaly(t, conn_id, h->seqnum, UIP_ANOM_RET_WITHOUT_CMD, pdu->ts_ns, pdu->frame);
        return;
    }
    struct uip_urb_key vk = {conn_id, ul->victim};
    struct uip_pending *victim = g_hash_table_lookup(t->pending, &vk);
    struct uip_urb unknown = {.conn_id = conn_id, .devid = ul->devid, .id = ul->victim,
                              .direction = UIP_DIR_UNKNOWN, .xfer_type = UIP_XFER_UNKNOWN};
    struct uip_urb *u = victim ? &victim->urb : &unknown;
    struct uip_device *dev = uip_device_get(t, conn_id, u->devid);
    if (victim) {
        u->unlink_status = h->u.ret_unlink.status;
        u->t_unlink_ret_ns = pdu->ts_ns;
        u->frame_unlink_ret = pdu->frame;
        if (!victim->completed) {
            u->outcome = UIP_URB_UNLINKED;
            uip_outstanding_add(dev, u, -1);
        }
    }
    uip_emit_event(t, UIP_EV_UNLINK_RET, u, victim != NULL, dev, h->seqnum, pdu->ts_ns, pdu->frame, 0, 0);
    if (victim)
        uip_finish_urb(t, victim);
    g_hash_table_remove(t->unlinks, &k);
}

void uip_tracker_pdu(struct uip_tracker *t, uint32_t conn_id, const struct uip_pdu *pdu)
{
    if (pdu->is_op) {
        uip_tracker_op(t, conn_id, pdu);
        return;
    }
    switch (pdu->hdr.command) {
    case UIP_CMD_SUBMIT: uip_on_cmd_submit(t, conn_id, pdu); break;
    case UIP_RET_SUBMIT: uip_on_ret_submit(t, conn_id, pdu); break;
    case UIP_CMD_UNLINK: uip_on_cmd_unlink(t, conn_id, pdu); break;
    case UIP_RET_UNLINK: uip_on_ret_unlink(t, conn_id, pdu); break;
    default: break;
    }
}

bool uip_tracker_lookup_cmd(const struct uip_tracker *t, uint32_t conn_id, uint32_t seqnum,
                            struct uip_cmd_info *out)
{
    struct uip_urb_key k = {conn_id, seqnum};
    const struct uip_pending *p = g_hash_table_lookup(t->pending, &k);
    if (!p)
        return false;
    out->direction = p->urb.direction;
    out->ep = p->urb.ep;
    return true;
}

uint32_t uip_tracker_outstanding(const struct uip_tracker *t, uint32_t conn_id)
{
    GHashTableIter it;
    gpointer k, v;
    uint32_t n = 0;
    g_hash_table_iter_init(&it, t->pending);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const struct uip_pending *p = v;
        n += p->key.conn_id == conn_id && !p->completed;
    }
    return n;
}

/* ---- usbmon ----------------------------------------------------------------------------------- */

static uint8_t uip_usbmon_type(uint8_t usbmon_type)
{
    static const uint8_t map[4] = {UIP_XFER_ISOCHRONOUS, UIP_XFER_INTERRUPT, UIP_XFER_CONTROL,
                                   UIP_XFER_BULK};
    return usbmon_type < 4 ? map[usbmon_type] : UIP_XFER_UNKNOWN;
}

/* usbipd-win's records mark their device: its devnum is the device's hub port
 * (Usbipd/ExportedDevice.cs:56 exports BusId.Port as devnum, PcapNg.cs:93 writes it). */
static void uip_mark_usbipd_win(struct uip_tracker *t, uint32_t conn_id, uint32_t devid)
{
    struct uip_device *d = uip_device_get(t, conn_id, devid);
    if (!d || d->info.usbipd_win)
        return;
    d->info.usbipd_win = true;
    if (t->cb.device)
        t->cb.device(t->user, &d->info);
}

/* A completion usbipd-win wrote after the RET_UNLINK that says an unlink won: never sent. */
static bool uip_usbipd_unsent(struct uip_tracker *t, struct uip_urb_key k)
{
    if (!g_hash_table_remove(t->unsent, &k))
        return false;
    t->unsent_completions++;
    return true;
}

/* A usbmon submission ('S') as the URB u. */
static void uip_usbmon_submit(struct uip_tracker *t, const struct uip_usbmon_event *ev,
                              struct uip_urb *u)
{
    u->transfer_buffer_length = (int32_t)ev->length;
    u->number_of_packets = ev->xfer_type == 0 ? ev->numdesc : 0;
    u->interval = (int32_t)ev->interval;
    u->transfer_flags = ev->xfer_flags;
    u->t_submit_ns = u->t_submit_first_ns = ev->ts_ns;
    u->frame_submit = ev->frame;
    u->has_setup = ev->setup_present;
    if (ev->setup_present)
        memcpy(u->setup, ev->setup, 8);
    u->data_len = u->direction == UIP_DIR_OUT ? ev->length : 0;
    uip_submit(t, u, ev->data, u->direction == UIP_DIR_OUT ? ev->len_cap : 0);
    /* usbmon knows the type; keep it over the guess. usbipd-win's type is a guess of its own
     * (Tools.cs:138-146: interval 0 is bulk), taken only when the tracker has none. */
    struct uip_urb_key k = {u->conn_id, u->id};
    struct uip_pending *p = g_hash_table_lookup(t->pending, &k);
    if (p && (!ev->usbipd_win || p->urb.xfer_type == UIP_XFER_UNKNOWN))
        p->urb.xfer_type = u->xfer_type;
}

void uip_tracker_usbmon(struct uip_tracker *t, const struct uip_usbmon_event *ev)
{
    struct uip_urb u = {
        .conn_id = ev->busnum, .devid = (uint32_t)ev->busnum << 16 | ev->devnum, .id = ev->urb_id,
        .ep = ev->endpoint & 15, .direction = (ev->endpoint & 0x80) ? UIP_DIR_IN : UIP_DIR_OUT,
        .xfer_type = uip_usbmon_type(ev->xfer_type),
    };
    struct uip_urb_key k = {u.conn_id, u.id};
    if (ev->usbipd_win)
        uip_mark_usbipd_win(t, u.conn_id, u.devid);
    if (ev->type == 'S') {
        uip_usbmon_submit(t, ev, &u);
        return;
    }
    u.status = ev->status;
    u.actual_length = (int32_t)ev->length;
    u.error_count = ev->error_count;
    u.t_complete_ns = u.t_complete_first_ns = ev->ts_ns;
    u.frame_complete = ev->frame;
    if (ev->usbipd_win && uip_usbipd_unsent(t, k))
        return;
    /* A bus was running before the capture began: an URB may complete whose submission the capture
     * never saw (a keyboard's interrupt IN, the root hub's status URB). usbipd-win's records start
     * with the URBs it serves, so there an unmatched completion is still an anomaly. */
    enum uip_urb_outcome unmatched = ev->usbipd_win ? UIP_URB_NO_SUBMIT : UIP_URB_BEFORE_CAPTURE;
    uip_complete(t, k, &u, ev->data, u.direction == UIP_DIR_IN ? ev->len_cap : 0, NULL, 0, unmatched);
}

/* usbipd-win writes a completion before it knows whether a racing unlink won
 * (AttachedEndpoint.cs:413 writes it; AttachedClient.cs:91-111 then sends it only if the unlink
 * lost, and says which in the RET_UNLINK's status). An error status means the unlink won: a
 * completion already taken is undone (the URB ends unlinked, as the client saw it), a later one
 * will be one it never sent. */
static void uip_usbipd_settle(struct uip_tracker *t, uint32_t conn_id, const struct uip_header *h)
{
    struct uip_urb_key k = {conn_id, h->seqnum};
    struct uip_unlink *ul = g_hash_table_lookup(t->unlinks, &k);
    if (!ul || h->u.ret_unlink.status == 0)
        return;
    struct uip_urb_key vk = {conn_id, ul->victim};
    struct uip_pending *p = g_hash_table_lookup(t->pending, &vk);
    if (!p)
        return;
    if (!p->completed) {
        struct uip_urb_key *kk = malloc(sizeof *kk);
        if (kk) {
            *kk = vk;
            g_hash_table_add(t->unsent, kk);
        }
        return;
    }
    struct uip_urb *u = &p->urb;
    p->completed = false; /* the RET_UNLINK ends it as never answered */
    u->status = 0;
    u->actual_length = 0;
    u->error_count = 0;
    u->t_complete_ns = u->t_complete_first_ns = 0;
    u->frame_complete = 0;
    u->data = NULL;
    if (u->direction == UIP_DIR_IN)
        u->data_len = u->data_kept = 0;
    uip_outstanding_add(uip_device_get(t, conn_id, u->devid), u, +1); /* taken off again below */
    t->unsent_completions++;
}

void uip_tracker_usbipd_unlink(struct uip_tracker *t, const struct uip_usbipd_unlink *u)
{
    struct uip_pdu pdu = {
        .hdr = u->hdr, .cmd_direction = UIP_DIR_UNKNOWN, .length = UIP_HEADER_SIZE,
        .ts_first_ns = u->ts_ns, .ts_ns = u->ts_ns, .frame_first = u->frame, .frame = u->frame,
    };
    if (u->hdr.command == UIP_RET_UNLINK)
        uip_usbipd_settle(t, u->busnum, &u->hdr);
    uip_tracker_pdu(t, u->busnum, &pdu);
}

uint64_t uip_tracker_unsent_completions(const struct uip_tracker *t)
{
    return t->unsent_completions;
}

/* ---- ends ----------------------------------------------------------------------------------------- */

static gint uip_pending_cmp(gconstpointer pa, gconstpointer pb)
{
    const struct uip_pending *a = *(struct uip_pending *const *)pa;
    const struct uip_pending *b = *(struct uip_pending *const *)pb;
    if (a->key.conn_id != b->key.conn_id)
        return a->key.conn_id < b->key.conn_id ? -1 : 1;
    return a->key.id < b->key.id ? -1 : a->key.id > b->key.id;
}

static void uip_flush(struct uip_tracker *t, bool all, uint32_t conn_id,
                      enum uip_urb_outcome outcome)
{
    GHashTableIter it;
    gpointer k, v;
    GPtrArray *done = g_ptr_array_new();

    g_hash_table_iter_init(&it, t->pending);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        struct uip_pending *p = v;
        if (all || p->key.conn_id == conn_id)
            g_ptr_array_add(done, p);
    }
    g_ptr_array_sort(done, uip_pending_cmp); /* in seqnum order, for stable output */
    for (guint i = 0; i < done->len; i++) {
        struct uip_pending *p = done->pdata[i];
        if (!p->completed) {
            p->urb.outcome = outcome;
            uip_outstanding_add(uip_device_get(t, p->key.conn_id, p->urb.devid), &p->urb, -1);
        }
        uip_finish_urb(t, p);
    }
    g_ptr_array_free(done, TRUE);
}

void uip_tracker_conn_closed(struct uip_tracker *t, uint32_t conn_id, bool at_end, uint64_t ts_ns)
{
    uip_flush(t, false, conn_id, at_end ? UIP_URB_PENDING_AT_END : UIP_URB_CONNECTION_CLOSED);
}

void uip_tracker_finish(struct uip_tracker *t, uint64_t ts_ns)
{
    uip_flush(t, true, 0, UIP_URB_PENDING_AT_END);
}
