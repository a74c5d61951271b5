/* SPDX-License-Identifier: GPL-2.0-or-later */
/* recording.c -- the recorded device of a capture, loaded through the core's session: its
 * device record and interfaces, and its URBs in submit order with their recorded answers. */
#include "recording.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "descriptors.h"
#include "uip/error.h"
#include "uip/session.h"
#include "uip/usb.h"

#define DEFAULT_BUSID "1-1"

/* A URB as the tracker delivered it, with its connection and device. */
struct loaded_urb {
    uint32_t conn_id;
    uint32_t devid;
    struct replay_urb urb;
};

/* A device record seen in an OP reply, with its interfaces when the reply carried them. */
struct seen_device {
    uint32_t conn_id;
    bool imported; /* OP_REP_IMPORT (else OP_REP_DEVLIST) */
    struct uip_device_record record;
    struct uip_interface_record ifaces[UIP_MAX_INTERFACES];
    uint32_t n_ifaces;
};

struct loader {
    GArray *urbs;    /* struct loaded_urb */
    GArray *devices; /* struct seen_device, in capture order */
    GArray *ends;    /* struct uip_conn_end of each connection, conn_id - 1 */
};

static void loader_devlist(struct loader *l, uint32_t conn_id, const uint8_t *body, uint32_t len)
{
    if (len < 4)
        return;
    uint32_t count =
        (uint32_t)body[0] << 24 | (uint32_t)body[1] << 16 | (uint32_t)body[2] << 8 | body[3];
    size_t off = 4;
    for (uint32_t i = 0; i < count && i < UIP_MAX_DEVLIST_DEVICES; i++) {
        struct seen_device d = {.conn_id = conn_id};
        if (uip_decode_device_record(body + off, len - off, &d.record) != UIP_OK)
            return;
        off += UIP_DEVICE_RECORD_SIZE;
        for (uint32_t k = 0; k < d.record.num_interfaces; k++) {
            struct uip_interface_record ir;
            if (uip_decode_interface_record(body + off, len - off, &ir) != UIP_OK)
                return;
            off += UIP_INTERFACE_RECORD_SIZE;
            if (d.n_ifaces < UIP_MAX_INTERFACES)
                d.ifaces[d.n_ifaces++] = ir;
        }
        g_array_append_val(l->devices, d);
    }
}

static void on_pdu(void *user, uint32_t conn_id, enum uip_side side, const struct uip_pdu *pdu)
{
    struct loader *l = user;
    if (!pdu->is_op || side != UIP_SIDE_SERVER || pdu->op.status != UIP_ST_OK)
        return;
    if (pdu->op.code == UIP_OP_REP_IMPORT) {
        struct seen_device d = {.conn_id = conn_id, .imported = true};
        if (uip_decode_device_record(pdu->op_body, pdu->op_body_len, &d.record) == UIP_OK)
            g_array_append_val(l->devices, d);
    } else if (pdu->op.code == UIP_OP_REP_DEVLIST) {
        loader_devlist(l, conn_id, pdu->op_body, pdu->op_body_len);
    }
}

static void on_urb(void *user, const struct uip_urb *u)
{
    struct loader *l = user;
    if (uip_outcome_unmatched(u->outcome))
        return;
    struct loaded_urb lu = {.conn_id = u->conn_id, .devid = u->devid};
    struct replay_urb *r = &lu.urb;
    r->seqnum = (uint32_t)u->id;
    r->ep = u->ep;
    r->direction = u->direction;
    r->xfer_type = u->xfer_type;
    r->has_setup = u->has_setup;
    memcpy(r->setup, u->setup, sizeof r->setup);
    r->transfer_buffer_length = u->transfer_buffer_length;
    r->transfer_flags = u->transfer_flags;
    r->interval = u->interval;
    r->answered = uip_outcome_answered(u->outcome);
    r->unlink_raced = u->outcome == UIP_URB_UNLINK_TOO_LATE;
    r->t_submit_ns = u->t_submit_ns;
    r->frame_submit = u->frame_submit;
    if (u->unlinked && !r->answered && u->t_unlink_ns)
        r->t_unlink_ns = u->t_unlink_ns;
    uint32_t size = u->data_kept;
    if (r->answered) {
        r->status = u->status;
        r->actual_length = u->actual_length;
        r->start_frame = u->start_frame;
        r->error_count = u->error_count;
        r->latency_ns = u->t_complete_ns > u->t_submit_ns ? u->t_complete_ns - u->t_submit_ns : 0;
        /* IN data lost in a capture gap is answered as zeros, never as a short PDU. */
        if (u->direction == UIP_DIR_IN && u->actual_length > 0 &&
            (uint32_t)u->actual_length <= UIP_MAX_TRANSFER_LENGTH)
            size = (uint32_t)u->actual_length;
    }
    if (size) {
        r->data = calloc(1, size);
        if (!r->data)
            return;
        if (u->data_kept)
            memcpy(r->data, u->data, u->data_kept < size ? u->data_kept : size);
        r->data_len = size;
    }
    if (r->answered && u->iso_count) {
        r->iso = malloc(u->iso_count * sizeof *r->iso);
        if (r->iso) {
            memcpy(r->iso, u->iso, u->iso_count * sizeof *r->iso);
            r->iso_count = u->iso_count;
        }
    }
    g_array_append_val(l->urbs, lu);
}

static int by_submit_order(const void *a, const void *b)
{
    const struct replay_urb *x = a, *y = b;
    if (x->frame_submit != y->frame_submit)
        return x->frame_submit < y->frame_submit ? -1 : 1;
    if (x->t_submit_ns != y->t_submit_ns)
        return x->t_submit_ns < y->t_submit_ns ? -1 : 1;
    return x->seqnum < y->seqnum ? -1 : x->seqnum > y->seqnum;
}

/* The answered control IN URB whose setup asks for descriptor type with the most data. */
static const struct replay_urb *find_descriptor(const struct replay_recording *r, uint8_t type)
{
    const struct replay_urb *best = NULL;
    for (size_t i = 0; i < r->n_urbs; i++) {
        const struct replay_urb *u = &r->urbs[i];
        if (u->ep != 0 || !u->has_setup || !u->answered || u->status != 0 || !u->data_len)
            continue;
        struct uip_setup s;
        uip_setup_decode(u->setup, &s);
        if (s.bm_request_type == 0x80 && s.b_request == UIP_USB_REQ_GET_DESCRIPTOR &&
            s.w_value >> 8 == type && (!best || u->data_len > best->data_len))
            best = u;
    }
    return best;
}

static bool build_device_from_descriptors(struct replay_recording *r, const char *busid, uint32_t devid,
                                          char *err, size_t errlen)
{
    const struct replay_urb *dev = find_descriptor(r, UIP_USB_DT_DEVICE);
    if (!dev || replay_device_from_descriptor(dev->data, dev->data_len, &r->device) != UIP_OK) {
        snprintf(err, errlen,
                 "the capture holds neither the import of a device nor its device descriptor");
        return false;
    }
    snprintf(r->device.busid, sizeof r->device.busid, "%s", busid ? busid : DEFAULT_BUSID);
    snprintf(r->device.path, sizeof r->device.path, "/sys/devices/usbip-replay/%s", r->device.busid);
    r->device.busnum = devid >> 16;
    r->device.devnum = devid & 0xffff;
    r->device.configuration_value = 1;
    return true;
}

/* Interfaces from the recorded configuration descriptor, and bNumInterfaces / the
 * configuration value from it when the device record did not come from the wire. */
static void fill_interfaces(struct replay_recording *r)
{
    const struct replay_urb *cfg = find_descriptor(r, UIP_USB_DT_CONFIG);
    if (!cfg || cfg->data_len < 9)
        return;
    r->n_ifaces = replay_interfaces_from_config(cfg->data, cfg->data_len, r->ifaces, UIP_MAX_INTERFACES);
    if (!r->device_from_import) {
        r->device.num_interfaces = cfg->data[4];
        r->device.configuration_value = cfg->data[5];
    }
}

/* When the recorded server ended the connection (a FIN or RST it sent first, not the capture's
 * end), where in the session: after the last answer before it, and how long after. */
static void note_server_close(struct replay_recording *r, const struct uip_conn_end *end)
{
    if (end->by != UIP_SIDE_SERVER || (end->kind != UIP_END_CLOSED && end->kind != UIP_END_RESET))
        return;
    uint64_t last = 0;
    for (size_t i = 0; i < r->n_urbs; i++) {
        const struct replay_urb *u = &r->urbs[i];
        uint64_t answered_at = u->t_submit_ns + u->latency_ns;
        if (u->answered && answered_at <= end->ts_ns && answered_at >= last) {
            last = answered_at;
            r->close_after = i;
            r->server_closed = true;
        }
    }
    if (r->server_closed)
        r->close_delay_ns = end->ts_ns - last;
}

/* Pick the device to play and keep its connection's URBs, in submit order. */
static enum replay_load_result select_device(struct loader *l, const char *busid,
                                             struct replay_recording *out, char *err, size_t errlen)
{
    const struct seen_device *chosen = NULL, *listed = NULL;
    for (guint i = 0; i < l->devices->len; i++) {
        const struct seen_device *d = &g_array_index(l->devices, struct seen_device, i);
        if (busid && strcmp(d->record.busid, busid))
            continue;
        if (d->imported && !chosen)
            chosen = d;
        if (!d->imported && !listed)
            listed = d;
    }
    if (busid && !chosen && !listed && l->devices->len) {
        snprintf(err, errlen, "no device with busid %s in the capture", busid);
        return REPLAY_LOAD_NO_DEVICE;
    }
    uint32_t conn_id = 0, devid = 0;
    if (chosen) {
        conn_id = chosen->conn_id;
        devid = chosen->record.busnum << 16 | (chosen->record.devnum & 0xffff);
    } else if (l->urbs->len) {
        conn_id = g_array_index(l->urbs, struct loaded_urb, 0).conn_id;
        devid = g_array_index(l->urbs, struct loaded_urb, 0).devid;
    } else {
        snprintf(err, errlen, "no USB/IP device in the capture (no import and no URB)");
        return REPLAY_LOAD_NO_DEVICE;
    }
    out->conn_id = conn_id;
    out->urbs = calloc(l->urbs->len ? l->urbs->len : 1, sizeof *out->urbs);
    if (!out->urbs) {
        snprintf(err, errlen, "out of memory");
        return REPLAY_LOAD_UNREADABLE;
    }
    for (guint i = 0; i < l->urbs->len; i++) {
        struct loaded_urb *lu = &g_array_index(l->urbs, struct loaded_urb, i);
        if (lu->conn_id != conn_id || lu->devid != devid)
            continue;
        out->urbs[out->n_urbs++] = lu->urb;
        lu->urb.data = NULL; /* ownership moved */
        lu->urb.iso = NULL;
    }
    qsort(out->urbs, out->n_urbs, sizeof *out->urbs, by_submit_order);
    if (chosen || listed) {
        const struct seen_device *rec = chosen ? chosen : listed;
        out->device = rec->record;
        out->device_from_import = true;
    } else if (!build_device_from_descriptors(out, busid, devid, err, errlen)) {
        return REPLAY_LOAD_NO_DEVICE;
    }
    if (listed && listed->n_ifaces) {
        memcpy(out->ifaces, listed->ifaces, sizeof out->ifaces);
        out->n_ifaces = listed->n_ifaces;
    } else {
        fill_interfaces(out);
    }
    if (out->n_urbs) {
        out->first_ts_ns = out->urbs[0].t_submit_ns;
        out->last_ts_ns = out->urbs[out->n_urbs - 1].t_submit_ns;
    }
    if (conn_id && conn_id <= l->ends->len)
        note_server_close(out, &g_array_index(l->ends, struct uip_conn_end, conn_id - 1));
    return REPLAY_LOAD_OK;
}

static void loader_free(struct loader *l)
{
    g_array_free(l->ends, TRUE);
    for (guint i = 0; i < l->urbs->len; i++) {
        struct loaded_urb *lu = &g_array_index(l->urbs, struct loaded_urb, i);
        free(lu->urb.data);
        free(lu->urb.iso);
    }
    g_array_free(l->urbs, TRUE);
    g_array_free(l->devices, TRUE);
}

enum replay_load_result replay_recording_load(const char *path, const char *busid,
                                              struct replay_recording *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    struct loader l = {.urbs = g_array_new(FALSE, TRUE, sizeof(struct loaded_urb)),
                       .devices = g_array_new(FALSE, TRUE, sizeof(struct seen_device)),
                       .ends = g_array_new(FALSE, TRUE, sizeof(struct uip_conn_end))};
    struct uip_session_config cfg = {.capture = {.detect_any_port = true},
                                     .data_keep = UIP_MAX_TRANSFER_LENGTH,
                                     .control_keep = UIP_MAX_TRANSFER_LENGTH};
    struct uip_session_callbacks cb = {.pdu = on_pdu, .tracker = {.urb = on_urb}};
    int code = 0;
    char why[512] = "";
    struct uip_session *s = uip_session_open(path, &cfg, &cb, &l, &code, why, sizeof why);
    if (!s) {
        snprintf(err, errlen, "%s", why);
        loader_free(&l);
        return REPLAY_LOAD_UNREADABLE;
    }
    int rc = uip_session_run(s, why, sizeof why);
    struct uip_session_stats st;
    uip_session_stats(s, &st);
    for (uint32_t id = 1; id <= st.capture.connections; id++) {
        const struct uip_conn_info *c = uip_session_conn(s, id);
        struct uip_conn_end end = c ? c->end : (struct uip_conn_end){.by = -1};
        g_array_append_val(l.ends, end);
    }
    uip_session_close(s);
    if (rc != UIP_OK) {
        snprintf(err, errlen, "%s", why);
        loader_free(&l);
        return REPLAY_LOAD_CORRUPT;
    }
    enum replay_load_result res = select_device(&l, busid, out, err, errlen);
    loader_free(&l);
    if (res != REPLAY_LOAD_OK)
        replay_recording_free(out);
    return res;
}

void replay_recording_free(struct replay_recording *r)
{
    for (size_t i = 0; i < r->n_urbs; i++) {
        free(r->urbs[i].data);
        free(r->urbs[i].iso);
    }
    free(r->urbs);
    r->urbs = NULL;
    r->n_urbs = 0;
}
