/* SPDX-License-Identifier: GPL-2.0-or-later */
/* live_view.c -- usbip-analyze -i and usbip-replay proxy on a terminal: a per-device view
 * redrawn every second (see live_view.h, analyzer/README.md "Watching live"). */
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include "device_table.h"
#include "live_view.h"
#include "uip/usb.h"

/* An outstanding URB: when it was submitted and where. */
struct lv_pending {
    uint64_t t_submit_ns, id;
    uint8_t ep;
    int8_t direction;
    uint8_t xfer_type;
};

struct lv_device {
    uint32_t conn_id, devid;
    uint64_t urbs, bytes_in, bytes_out, errors, stalls, unlinks;
    uint64_t tick_urbs, tick_in, tick_out; /* since the last redraw */
    struct lat_hist lat_all, lat_tick;
    uint32_t depth, depth_max;
    GHashTable *pending; /* URB id -> struct lv_pending */
};

struct live_view {
    FILE *out;
    char label[160], on_stop[40];
    struct device_table *devs; /* struct lv_device */
    uint64_t started_ns, last_draw_ns; /* CLOCK_REALTIME, as the capture's timestamps */
};

static uint64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void device_free(void *p)
{
    struct lv_device *d = p;
    if (d->pending)
        g_hash_table_destroy(d->pending);
}

struct live_view *live_view_new(FILE *out, const char *label, const char *on_stop,
                               struct device_registry *devices)
{
    struct live_view *v = g_new0(struct live_view, 1);
    v->out = out;
    snprintf(v->label, sizeof v->label, "%s", label);
    snprintf(v->on_stop, sizeof v->on_stop, "%s", on_stop);
    v->devs = device_table_new(devices, sizeof(struct lv_device), device_free);
    v->started_ns = v->last_draw_ns = realtime_ns();
    return v;
}

void live_view_free(struct live_view *v)
{
    if (!v)
        return;
    device_table_free(v->devs);
    g_free(v);
}

static struct lv_device *device_get(struct live_view *v, uint32_t conn_id, uint32_t devid)
{
    bool made;
    struct lv_device *d = device_table_get(v->devs, conn_id, devid, &made);
    if (made)
        d->pending = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
    return d;
}

void live_view_event(struct live_view *v, const struct uip_event *ev)
{
    if (ev->kind == UIP_EV_ANOMALY)
        return; /* it may name no device (an answer without its request has devid 0) */
    struct lv_device *d = device_get(v, ev->conn_id, ev->devid);
    if (ev->kind == UIP_EV_SUBMIT) {
        struct lv_pending *p = g_new(struct lv_pending, 1);
        *p = (struct lv_pending){ev->ts_ns, ev->id, ev->ep, ev->direction, ev->xfer_type};
        g_hash_table_replace(d->pending, &p->id, p);
    } else if (ev->kind == UIP_EV_COMPLETE || ev->kind == UIP_EV_UNLINK_RET) {
        g_hash_table_remove(d->pending, &ev->id);
    }
    d->depth = ev->depth_dev;
    if (d->depth > d->depth_max)
        d->depth_max = d->depth;
}

void live_view_urb(struct live_view *v, const struct uip_urb *u)
{
    if (uip_outcome_unmatched(u->outcome))
        return; /* an answer whose request was before the capture: no device, no time */
    struct lv_device *d = device_get(v, u->conn_id, u->devid);
    g_hash_table_remove(d->pending, &u->id); /* ended without an answer: closed, pending at the end */
    d->urbs++;
    d->tick_urbs++;
    d->unlinks += u->outcome == UIP_URB_UNLINKED;
    if (!uip_outcome_answered(u->outcome))
        return;
    uint64_t bytes = u->actual_length > 0 ? (uint64_t)u->actual_length : 0;
    if (u->direction == UIP_DIR_IN) {
        d->bytes_in += bytes;
        d->tick_in += bytes;
    } else {
        d->bytes_out += bytes;
        d->tick_out += bytes;
    }
    d->errors += u->status != 0;
    d->stalls += u->status == -EPIPE;
    if (u->t_submit_ns && u->t_complete_ns >= u->t_submit_ns) {
        lat_hist_add(&d->lat_all, u->t_complete_ns - u->t_submit_ns);
        lat_hist_add(&d->lat_tick, u->t_complete_ns - u->t_submit_ns);
    }
}

static void rate(double bytes_per_s, char *buf, size_t n)
{
    if (bytes_per_s >= 1e6)
        snprintf(buf, n, "%.1f MB/s", bytes_per_s / 1e6);
    else
        snprintf(buf, n, "%.1f kB/s", bytes_per_s / 1e3);
}

static const char *enumeration_state(const struct dev_stats *s)
{
    if (!s || !s->saw_first_descriptor)
        return "imported";
    if (s->configured)
        return "configured";
    return s->device_descriptor_ok ? "enumerating" : "waiting for its device descriptor";
}

static const char *connection_state(const struct uip_session *s, uint32_t conn_id)
{
    const struct uip_conn_info *c = s ? uip_session_conn(s, conn_id) : NULL;
    if (!c || c->end.kind == UIP_END_NONE)
        return "open";
    return c->end.kind == UIP_END_RESET ? "reset" : "closed";
}

/* The oldest outstanding URB of d, or NULL. */
static const struct lv_pending *oldest(const struct lv_device *d)
{
    GHashTableIter it;
    gpointer key, value;
    const struct lv_pending *best = NULL;
    g_hash_table_iter_init(&it, d->pending);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        const struct lv_pending *p = value;
        if (!best || p->t_submit_ns < best->t_submit_ns)
            best = p;
    }
    return best;
}

void live_view_draw(struct live_view *v, const struct analysis *a, const struct uip_session *s)
{
    uint64_t now = realtime_ns();
    double span = now > v->last_draw_ns ? (double)(now - v->last_draw_ns) / 1e9 : 1;
    v->last_draw_ns = now;
    fprintf(v->out, "\033[H\033[2J%s: watching for %.0f s (Ctrl-C %s)\n", v->label,
            (double)(now - v->started_ns) / 1e9, v->on_stop);
    if (!device_table_len(v->devs))
        fprintf(v->out, "no USB/IP URB yet\n");
    for (unsigned i = 0; i < device_table_len(v->devs); i++) {
        struct lv_device *d = device_table_at(v->devs, i);
        const struct dev_stats *ds = a ? analysis_find_device(a, d->conn_id, d->devid) : NULL;
        char in[32], out[32];
        rate((double)d->tick_in / span, in, sizeof in);
        rate((double)d->tick_out / span, out, sizeof out);
        fprintf(v->out, "connection %u, device %u-%u", d->conn_id, d->devid >> 16, d->devid & 0xffff);
        if (ds && ds->info.has_record)
            fprintf(v->out, " %04x:%04x (busid %s)", ds->info.record.id_vendor, ds->info.record.id_product,
                    ds->info.record.busid);
        fprintf(v->out, ": %s, connection %s\n", enumeration_state(ds), connection_state(s, d->conn_id));
        fprintf(v->out, "  %.0f URBs/s, in %s, out %s; %" PRIu64 " URBs in all\n", (double)d->tick_urbs / span,
                in, out, d->urbs);
        if (d->lat_tick.count)
            fprintf(v->out, "  latency last second p50 %.3f ms p99 %.3f ms; ",
                    (double)lat_hist_quantile(&d->lat_tick, 0.5) / 1e6,
                    (double)lat_hist_quantile(&d->lat_tick, 0.99) / 1e6);
        else
            fprintf(v->out, "  latency last second -; ");
        fprintf(v->out, "overall p50 %.3f ms p99 %.3f ms\n", (double)lat_hist_quantile(&d->lat_all, 0.5) / 1e6,
                (double)lat_hist_quantile(&d->lat_all, 0.99) / 1e6);
        fprintf(v->out, "  queue %u now, %u at most; errors %" PRIu64 ", stalls %" PRIu64 ", unlinks %" PRIu64 "\n",
                d->depth, d->depth_max, d->errors, d->stalls, d->unlinks);
        const struct lv_pending *p = oldest(d);
        if (p)
            fprintf(v->out, "  outstanding %u, the oldest %.1f s: ep %u %s %s, seqnum %" PRIu64 "\n",
                    g_hash_table_size(d->pending), now > p->t_submit_ns ? (double)(now - p->t_submit_ns) / 1e9 : 0,
                    p->ep, p->direction == UIP_DIR_IN ? "IN" : "OUT",
                    uip_xfer_type_name((enum uip_xfer_type)p->xfer_type), p->id);
        else
            fprintf(v->out, "  outstanding 0\n");
        d->tick_urbs = d->tick_in = d->tick_out = 0;
        memset(&d->lat_tick, 0, sizeof d->lat_tick);
    }
    fflush(v->out);
}

void live_view_end(struct live_view *v)
{
    fprintf(v->out, "\033[H\033[2J");
    fflush(v->out);
}
