/* SPDX-License-Identifier: GPL-2.0-or-later */
/* classview_hid.c -- the HID view: per interrupt IN endpoint of a HID interface, the reports
 * answered per second, the polling latency (submit to completion: how long the device held the
 * URB before it had a report) and the polling interval asked, as Linux's vhci or usbip-win2
 * counts it (see classview.h). */
#include <glib.h>
#include <inttypes.h>
#include "classview_int.h"
#include "stats.h"
#include "uip/usb.h"

struct hid_ep {
    uint8_t ep;
    uint64_t urbs, reports, errors, unanswered;
    int32_t interval;          /* the last URB's: urb->interval (Linux) or bInterval (usbip-win2) */
    bool is_binterval;         /* the last URB came from usbip-win2 (uip_interval_is_binterval) */
    struct lat_hist latency;   /* URBs answered without error, submit to completion */
    uint64_t first_submit, last_complete;
};

struct cv_hid {
    GPtrArray *eps; /* struct hid_ep *, in order of first URB */
};

struct cv_hid *cv_hid_new(void)
{
    struct cv_hid *h = g_new0(struct cv_hid, 1);
    h->eps = g_ptr_array_new_with_free_func(g_free);
    return h;
}

void cv_hid_free(struct cv_hid *h)
{
    if (!h)
        return;
    g_ptr_array_free(h->eps, TRUE);
    g_free(h);
}

static struct hid_ep *hid_ep_get(struct cv_hid *h, uint8_t ep)
{
    for (guint i = 0; i < h->eps->len; i++) {
        struct hid_ep *e = g_ptr_array_index(h->eps, i);
        if (e->ep == ep)
            return e;
    }
    struct hid_ep *e = g_new0(struct hid_ep, 1);
    e->ep = ep;
    g_ptr_array_add(h->eps, e);
    return e;
}

void cv_hid_urb(struct cv_hid *h, const struct uip_urb *u)
{
    struct hid_ep *e = hid_ep_get(h, u->ep);
    e->urbs++;
    e->interval = u->interval;
    e->is_binterval = uip_interval_is_binterval(u->number_of_packets);
    if (!e->first_submit || u->t_submit_ns < e->first_submit)
        e->first_submit = u->t_submit_ns;
    if (!cv_answered(u)) {
        e->unanswered++;
        return;
    }
    if (u->t_complete_ns > e->last_complete)
        e->last_complete = u->t_complete_ns;
    if (u->status != 0) {
        e->errors++; /* a stall, a protocol error: no report */
        return;
    }
    lat_hist_add(&e->latency, u->t_complete_ns - u->t_submit_ns);
    if (u->actual_length > 0)
        e->reports++;
}

/* Reports per second from the endpoint's first submit to its last answer. */
static double report_rate(const struct hid_ep *e)
{
    return e->last_complete > e->first_submit
               ? (double)e->reports / cv_secs(e->last_complete - e->first_submit) : 0.0;
}

/* The polling period asked, in seconds; 0 when its unit is not known. */
static double interval_s(const struct hid_ep *e, uint32_t speed)
{
    return cv_secs(uip_interrupt_period_ns(e->interval, speed, e->is_binterval));
}

void cv_hid_text(FILE *out, const struct cv_hid *h, uint32_t speed)
{
    for (guint i = 0; i < h->eps->len; i++) {
        const struct hid_ep *e = g_ptr_array_index(h->eps, i);
        fprintf(out, "  HID: ep %u IN interrupt: %" PRIu64 " reports in %" PRIu64 " URBs (%.1f per second)",
                e->ep, e->reports, e->urbs, report_rate(e));
        if (e->latency.count)
            fprintf(out, ", polling latency p50 %.3f ms, p99 %.3f ms",
                    cv_secs(lat_hist_quantile(&e->latency, 0.5)) * 1e3,
                    cv_secs(lat_hist_quantile(&e->latency, 0.99)) * 1e3);
        fprintf(out, ", %s %d", e->is_binterval ? "bInterval" : "interval", e->interval);
        if (interval_s(e, speed) > 0)
            fprintf(out, " (%.3f ms)", interval_s(e, speed) * 1e3);
        if (e->errors)
            fprintf(out, ", %" PRIu64 " errors", e->errors);
        if (e->unanswered)
            fprintf(out, ", %" PRIu64 " never answered", e->unanswered);
        fputc('\n', out);
    }
}

void cv_hid_json(FILE *out, const struct cv_hid *h, uint32_t speed)
{
    fprintf(out, "{\"endpoints\":[");
    for (guint i = 0; i < h->eps->len; i++) {
        const struct hid_ep *e = g_ptr_array_index(h->eps, i);
        fprintf(out, "%s{\"ep\":%u,\"urbs\":%" PRIu64 ",\"reports\":%" PRIu64 ",\"reports_per_s\":%.3f"
                     ",\"latency\":{\"count\":%" PRIu64 ",\"p50\":%.9f,\"p99\":%.9f},\"interval\":%d"
                     ",\"interval_kind\":\"%s\"",
                i ? "," : "", e->ep, e->urbs, e->reports, report_rate(e), e->latency.count,
                cv_secs(lat_hist_quantile(&e->latency, 0.5)), cv_secs(lat_hist_quantile(&e->latency, 0.99)),
                e->interval, e->is_binterval ? "bInterval" : "urb");
        if (interval_s(e, speed) > 0) /* its unit is known from the speed */
            fprintf(out, ",\"interval_s\":%.6f", interval_s(e, speed));
        fprintf(out, ",\"errors\":%" PRIu64 ",\"unanswered\":%" PRIu64 "}", e->errors, e->unanswered);
    }
    fprintf(out, "]}");
}
