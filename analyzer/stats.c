/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stats.c -- aggregation of tracked URBs and events for usbip-analyze (see stats.h). */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "device_table.h"
#include "stats.h"
#include "uip/usb.h"

struct analysis {
    GHashTable *ep_index;  /* packed key -> struct ep_stats* */
    GPtrArray *eps;
    struct device_table *devs; /* struct dev_stats */
    uint64_t anomalies[8];
    uint64_t before_capture; /* usbmon completions whose submission the capture did not see */
};

/* ---- latency histogram --------------------------------------------------------------- */

static unsigned lat_bucket(uint64_t ns)
{
    if (ns < LAT_SUB)
        return (unsigned)ns;
    unsigned msb = 63 - (unsigned)__builtin_clzll(ns);            /* >= 5 */
    unsigned sub = (unsigned)(ns >> (msb - 5)) & (LAT_SUB - 1);    /* next 5 bits */
    return (msb - 4) * LAT_SUB + sub;
}

static uint64_t lat_bucket_mid(unsigned b)
{
    if (b < LAT_SUB)
        return b;
    unsigned msb = b / LAT_SUB + 4, sub = b % LAT_SUB;
    uint64_t lo = ((uint64_t)(LAT_SUB + sub)) << (msb - 5);
    uint64_t width = (uint64_t)1 << (msb - 5);
    return lo + width / 2;
}

void lat_hist_add(struct lat_hist *h, uint64_t ns)
{
    if (!h->count || ns < h->min)
        h->min = ns;
    if (ns > h->max)
        h->max = ns;
    h->count++;
    h->bucket[lat_bucket(ns)]++;
}

uint64_t lat_hist_quantile(const struct lat_hist *h, double q)
{
    if (!h->count)
        return 0;
    /* nearest rank: the smallest value with at least q of the samples at or below it */
    double r = q * (double)h->count;
    uint64_t rank = (uint64_t)r, seen = 0;
    if ((double)rank < r || rank == 0)
        rank++;
    for (unsigned b = 0; b < LAT_BUCKETS; b++) {
        seen += h->bucket[b];
        if (seen >= rank) {
            uint64_t v = lat_bucket_mid(b);
            return v < h->min ? h->min : v > h->max ? h->max : v;
        }
    }
    return h->max;
}

/* ---- tables ----------------------------------------------------------------------------- */

static uint64_t ep_key(uint32_t conn, uint32_t devid, uint8_t ep, int8_t dir)
{
    return (uint64_t)conn << 40 ^ (uint64_t)devid << 8 ^ (uint64_t)(ep & 15) << 1 ^ (uint64_t)(dir == 1);
}

static struct ep_stats *ep_get(struct analysis *a, uint32_t conn, uint32_t devid, uint8_t ep,
                               int8_t dir)
{
    uint64_t k = ep_key(conn, devid, ep, dir);
    struct ep_stats *e = g_hash_table_lookup(a->ep_index, &k);
    if (e)
        return e;
    e = g_new0(struct ep_stats, 1);
    uint64_t *kk = g_new(uint64_t, 1);
    *kk = k;
    e->conn_id = conn;
    e->devid = devid;
    e->ep = ep;
    e->direction = dir;
    e->xfer_type = UIP_XFER_UNKNOWN;
    g_hash_table_insert(a->ep_index, kk, e);
    g_ptr_array_add(a->eps, e);
    return e;
}

static struct dev_stats *dev_get(struct analysis *a, uint32_t conn, uint32_t devid)
{
    bool made;
    struct dev_stats *d = device_table_get(a->devs, conn, devid, &made);
    if (made) {
        d->info.conn_id = conn;
        d->info.devid = devid;
    }
    return d;
}

struct analysis *analysis_new(struct device_registry *devices)
{
    struct analysis *a = g_new0(struct analysis, 1);
    a->ep_index = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    a->eps = g_ptr_array_new_with_free_func(g_free);
    a->devs = device_table_new(devices, sizeof(struct dev_stats), NULL);
    return a;
}

void analysis_free(struct analysis *a)
{
    if (!a)
        return;
    g_hash_table_destroy(a->ep_index);
    g_ptr_array_free(a->eps, TRUE);
    device_table_free(a->devs);
    g_free(a);
}

/* ---- enumeration ---------------------------------------------------------------------------- */

/* The hub class SET_FEATURE(PORT_RESET) usbip-win2 sends on ep 0 to reset the device
 * (drivers/ude/device_ioctl.cpp:596-607), which Linux's stub turns into usb_reset_device
 * (stub_rx.c, is_reset_device_cmd); Linux's vhci resets without a request on the wire. */
static void note_control(struct dev_stats *d, const struct uip_urb *u)
{
    struct uip_setup s;
    char label[48];
    uip_setup_decode(u->setup, &s);
    uip_request_label(&s, label, sizeof label);
    struct enum_request *r = NULL;
    for (int i = 0; i < d->n_req; i++)
        if (!strcmp(d->req[i].name, label))
            r = &d->req[i];
    if (!r && d->n_req < MAX_ENUM_REQUESTS) {
        r = &d->req[d->n_req++];
        snprintf(r->name, sizeof r->name, "%s", label);
    }
    bool answered = uip_outcome_answered(u->outcome);
    if (r) {
        r->count++;
        if (u->outcome == UIP_URB_UNLINKED || u->outcome == UIP_URB_UNLINK_TOO_LATE)
            r->unlinked++;
        if (answered && u->status == 0)
            r->ok++;
        else if (answered && u->status == -32)
            r->stalled++;
        else if (answered)
            r->other_errors++;
    }
    bool std = uip_setup_is_standard(&s);
    if (std && s.b_request == UIP_USB_REQ_GET_DESCRIPTOR && (s.w_value >> 8) == UIP_USB_DT_DEVICE) {
        d->saw_first_descriptor = true;
        if (u->outcome == UIP_URB_COMPLETED && u->status == 0 && u->actual_length >= 8)
            d->device_descriptor_ok = true;
    }
    if (std && s.b_request == UIP_USB_REQ_SET_CONFIGURATION && s.w_value != 0 &&
        u->outcome == UIP_URB_COMPLETED && u->status == 0 && !d->configured) {
        d->configured = true;
        d->configured_ts = u->t_complete_ns;
    }
    if (u->unlinked) {
        d->control_unlinked++;
        if (u->outcome == UIP_URB_UNLINK_TOO_LATE)
            d->control_late++;
    }
    uint64_t end = u->unlinked && u->t_unlink_ns ? u->t_unlink_ns : u->t_complete_ns;
    if (u->t_submit_ns && end > u->t_submit_ns && end - u->t_submit_ns > d->max_control_wait_ns)
        d->max_control_wait_ns = end - u->t_submit_ns;
}

/* ---- inputs ------------------------------------------------------------------------------------ */

static void add_status(struct ep_stats *e, int32_t status)
{
    for (int i = 0; i < MAX_STATUS_KINDS; i++) {
        if (e->statuses[i].count && e->statuses[i].status == status) {
            e->statuses[i].count++;
            return;
        }
        if (!e->statuses[i].count) {
            e->statuses[i].status = status;
            e->statuses[i].count = 1;
            return;
        }
    }
    e->other_statuses++;
}

void analysis_urb(struct analysis *a, const struct uip_urb *u)
{
    /* duplicate seqnums and answers without request come as events too: counted there */
    uint32_t own = u->anomalies & ~(uint32_t)(UIP_ANOM_DUPLICATE_SEQNUM | UIP_ANOM_RET_WITHOUT_CMD);
    for (int b = 0; b < 8; b++)
        if (own & (1u << b))
            a->anomalies[b]++;
    if (u->outcome == UIP_URB_BEFORE_CAPTURE)
        a->before_capture++;
    if (uip_outcome_unmatched(u->outcome))
        return; /* not attributable to an endpoint: the anomaly count or before_capture says it */
    struct ep_stats *e = ep_get(a, u->conn_id, u->devid, u->ep, u->direction);
    struct dev_stats *d = dev_get(a, u->conn_id, u->devid);
    e->xfer_type = u->xfer_type;
    e->urbs++;
    d->urbs++;
    uint64_t moved = u->actual_length > 0 && uip_outcome_answered(u->outcome) ? (uint64_t)u->actual_length : 0;
    e->bytes += moved;
    if (u->direction == UIP_DIR_IN)
        d->bytes_in += moved;
    else
        d->bytes_out += moved;
    switch (u->outcome) {
    case UIP_URB_COMPLETED:
    case UIP_URB_UNLINK_TOO_LATE:
        if (u->t_submit_ns && u->t_complete_ns >= u->t_submit_ns)
            lat_hist_add(&e->lat, u->t_complete_ns - u->t_submit_ns);
        if (u->status != 0) {
            e->errors++;
            add_status(e, u->status);
        }
        break;
    case UIP_URB_PENDING_AT_END:
    case UIP_URB_CONNECTION_CLOSED:
        e->pending_at_end++;
        break;
    default:
        break;
    }
    if (u->unlinked)
        e->unlinked++;
    if (u->ep == 0 && u->has_setup)
        note_control(d, u);
}

void analysis_event(struct analysis *a, const struct uip_event *ev)
{
    if (ev->kind == UIP_EV_ANOMALY) {
        for (int b = 0; b < 8; b++)
            if (ev->anomaly == (1u << b))
                a->anomalies[b]++;
        return;
    }
    if (ev->direction != UIP_DIR_IN && ev->direction != UIP_DIR_OUT)
        return;
    struct ep_stats *e = ep_get(a, ev->conn_id, ev->devid, ev->ep, ev->direction);
    struct dev_stats *d = dev_get(a, ev->conn_id, ev->devid);
    if (!e->first_ts)
        e->first_ts = ev->ts_ns;
    if (e->last_event_ts && ev->ts_ns >= e->last_event_ts)
        e->depth_area += (uint64_t)e->depth_now * (ev->ts_ns - e->last_event_ts);
    e->last_event_ts = ev->ts_ns;
    e->last_ts = ev->ts_ns;
    e->depth_now = ev->depth_ep;
    if (ev->depth_ep > e->max_depth)
        e->max_depth = ev->depth_ep;
    if (!d->first_ts || ev->ts_ns < d->first_ts)
        d->first_ts = ev->ts_ns;
    if (ev->ts_ns > d->last_ts)
        d->last_ts = ev->ts_ns;
}

void analysis_device(struct analysis *a, const struct uip_device_info *info)
{
    struct dev_stats *d = dev_get(a, info->conn_id, info->devid);
    d->info = *info;
}

/* ---- output order ------------------------------------------------------------------------------- */

static gint ep_cmp(gconstpointer pa, gconstpointer pb)
{
    const struct ep_stats *a = *(struct ep_stats *const *)pa, *b = *(struct ep_stats *const *)pb;
    if (a->conn_id != b->conn_id)
        return a->conn_id < b->conn_id ? -1 : 1;
    if (a->devid != b->devid)
        return a->devid < b->devid ? -1 : 1;
    if (a->ep != b->ep)
        return a->ep < b->ep ? -1 : 1;
    return a->direction - b->direction;
}

static gint dev_cmp(gconstpointer pa, gconstpointer pb)
{
    const struct dev_stats *a = *(struct dev_stats *const *)pa, *b = *(struct dev_stats *const *)pb;
    if (a->conn_id != b->conn_id)
        return a->conn_id < b->conn_id ? -1 : 1;
    return a->devid < b->devid ? -1 : a->devid > b->devid;
}

void analysis_sort(struct analysis *a)
{
    g_ptr_array_sort(a->eps, ep_cmp);
    device_table_sort(a->devs, dev_cmp);
}

const struct dev_stats *analysis_find_device(const struct analysis *a, uint32_t conn_id, uint32_t devid)
{
    return device_table_find(a->devs, conn_id, devid);
}

unsigned analysis_n_devices(const struct analysis *a) { return device_table_len(a->devs); }
const struct dev_stats *analysis_device_at(const struct analysis *a, unsigned i)
{
    return device_table_at(a->devs, i);
}
unsigned analysis_n_endpoints(const struct analysis *a) { return a->eps->len; }
const struct ep_stats *analysis_endpoint_at(const struct analysis *a, unsigned i)
{
    return g_ptr_array_index(a->eps, i);
}

uint64_t analysis_anomalies(const struct analysis *a, enum uip_anomaly which)
{
    for (int b = 0; b < 8; b++)
        if (which == (1u << b))
            return a->anomalies[b];
    return 0;
}

uint64_t analysis_before_capture(const struct analysis *a) { return a->before_capture; }

uint64_t analysis_anomaly_total(const struct analysis *a)
{
    uint64_t n = 0;
    for (int b = 0; b < 8; b++)
        n += a->anomalies[b];
    return n;
}
