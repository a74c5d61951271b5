/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report.c -- text and JSON reports of usbip-analyze (schema in analyzer/README.md). */
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>
#include "json_out.h"
#include "report.h"
#include "uip/usb.h"
#include "uip/wire.h"

/* Linux's USB control timeout (USB_CTRL_GET_TIMEOUT): 5 s. */
#define LINUX_CONTROL_TIMEOUT_NS 5000000000ull

static double secs(uint64_t ns) { return (double)ns / 1e9; }

/* The tracker's anomalies by name, in the text report and in the JSON's anomaly_kinds. */
static const struct {
    enum uip_anomaly anomaly;
    const char *name;
} anomaly_names[] = {
    {UIP_ANOM_DUPLICATE_SEQNUM, "duplicate seqnum"},
    {UIP_ANOM_RET_WITHOUT_CMD, "answer without request"},
    {UIP_ANOM_ACTUAL_ABOVE_LENGTH, "actual_length above transfer_buffer_length"},
    {UIP_ANOM_ISO_MISMATCH, "isochronous lengths inconsistent"},
    {UIP_ANOM_BAD_HEADER, "impossible header values"},
    {UIP_ANOM_UNLINK_UNKNOWN, "unlink of an unknown URB"},
    {UIP_ANOM_DATA_MISSING, "transfer data missing (a TCP gap or the capture's end)"},
};

static void conn_label(const struct uip_session *s, const struct dev_stats *d, char *buf, size_t n)
{
    const struct uip_conn_info *c = s ? uip_session_conn(s, d->conn_id) : NULL;
    char ca[INET6_ADDRSTRLEN] = "?", sa[INET6_ADDRSTRLEN] = "?";
    if (!c) {
        snprintf(buf, n, "%s bus %u", d->info.usbipd_win ? "usbipd-win" : "usbmon", d->conn_id);
        return;
    }
    inet_ntop(c->family == 4 ? AF_INET : AF_INET6, c->client_addr, ca, sizeof ca);
    inet_ntop(c->family == 4 ? AF_INET : AF_INET6, c->server_addr, sa, sizeof sa);
    snprintf(buf, n, "%s:%u -> %s:%u", ca, c->client_port, sa, c->server_port);
}

/* A Linux usbmon bus, whose devnums are USB addresses (1 the root hub, 0 the default address):
 * the session knows no TCP endpoints for it, and usbipd-win did not write it (its devnum is the
 * device's hub port). */
static bool is_usbmon(const struct report_input *in, const struct dev_stats *d)
{
    return (!in->session || !uip_session_conn(in->session, d->conn_id)) && !d->info.usbipd_win;
}

static const char *status_label(int32_t st, char *buf, size_t n)
{
    const char *name = uip_status_name(st);
    if (name)
        snprintf(buf, n, "%s", name);
    else
        snprintf(buf, n, "%d", st);
    return buf;
}

bool report_enumeration_diagnosis(const struct dev_stats *d, bool usbmon, char *buf, size_t n)
{
    /* On a usbmon bus, address 1 is the root hub and address 0 a new device before its
     * SET_ADDRESS: neither is a device whose enumeration can be judged on its own. */
    if (usbmon && (d->devid & 0xffff) == 1) {
        snprintf(buf, n, "the bus's root hub (hub class requests, not a device enumeration)");
        return false;
    }
    if (usbmon && (d->devid & 0xffff) == 0) {
        snprintf(buf, n, "the default address 0: a new device's requests before SET_ADDRESS");
        return false;
    }
    if (d->info.import_failed) {
        const char *st = uip_op_status_name(d->info.import_status);
        snprintf(buf, n, "import refused by the server (OP status %u %s): the device was not "
                         "exported, busy or gone", d->info.import_status, st ? st : "unknown");
        return true;
    }
    if (d->control_unlinked && d->max_control_wait_ns + 500000000ull >= LINUX_CONTROL_TIMEOUT_NS) {
        snprintf(buf, n, "%" PRIu64 " control request(s) waited %.1f s and were unlinked by the host "
                         "(%" PRIu64 " answered after it had given up): the round trip exceeded "
                         "Linux's 5 s control timeout, so the network latency, not the device, "
                         "broke enumeration%s",
                 d->control_unlinked, secs(d->max_control_wait_ns), d->control_late,
                 d->configured ? "; a later retry succeeded and the device was configured" : "");
        return !d->configured;
    }
    if (d->saw_first_descriptor && !d->device_descriptor_ok) {
        snprintf(buf, n, "the device descriptor was requested but never answered successfully");
        return true;
    }
    for (int i = 0; i < d->n_req; i++)
        if (d->req[i].stalled && !d->configured) {
            snprintf(buf, n, "%s stalled (EPIPE) and the configuration was never set",
                     d->req[i].name);
            return true;
        }
    if (d->saw_first_descriptor && !d->configured) {
        snprintf(buf, n, "enumeration did not finish: no successful SET_CONFIGURATION");
        return true;
    }
    if (d->configured) {
        snprintf(buf, n, "enumeration completed (configuration set)");
        return false;
    }
    snprintf(buf, n, "enumeration not in the capture (it starts after the device was configured)");
    return false;
}

static uint64_t skipped_total(const struct uip_session_stats *st)
{
    uint64_t n = 0;
    for (int r = 0; r < UIP_SKIP__COUNT; r++)
        n += st->framing.bytes_skipped[r];
    return n;
}

static uint64_t ignored_total(const struct uip_session_stats *st)
{
    uint64_t n = 0;
    for (int r = 0; r < UIP_IGN__COUNT; r++)
        n += st->capture.ignored[r];
    return n;
}

static void json_pcapng(FILE *out, const struct uip_session_stats *st)
{
    if (!st->capture.pcapng)
        return;
    fprintf(out, ",\"pcapng\":{\"sections\":%" PRIu64 ",\"interfaces\":%u,\"blocks\":{",
            st->capture.pcapng_sections, st->capture.pcapng_interfaces);
    for (int b = 0; b < UIP_PCAPNG__COUNT; b++) {
        fprintf(out, "%s", b ? "," : "");
        json_string(out, uip_pcapng_block_name((enum uip_pcapng_block)b));
        fprintf(out, ":%" PRIu64, st->capture.pcapng_blocks[b]);
    }
    fprintf(out, "},\"usbipd_win\":%s,\"unsent_completions\":%" PRIu64 "}",
            st->capture.usbipd_win ? "true" : "false", st->unsent_completions);
}

bool report_has_problems(const struct report_input *in)
{
    return skipped_total(in->stats) || in->stats->capture.gaps || in->stats->capture.live_dropped ||
           analysis_anomaly_total(in->analysis) || in->read_error;
}

/* Every block of a pcapng file, and usbipd-win's completions it never sent. */
static void text_pcapng(FILE *out, const struct uip_session_stats *st)
{
    if (!st->capture.pcapng)
        return;
    fprintf(out, "pcapng: %" PRIu64 " sections, %u interfaces; blocks:", st->capture.pcapng_sections,
            st->capture.pcapng_interfaces);
    for (int b = 0; b < UIP_PCAPNG__COUNT; b++)
        if (st->capture.pcapng_blocks[b])
            fprintf(out, " [%" PRIu64 " %s]", st->capture.pcapng_blocks[b],
                    uip_pcapng_block_name((enum uip_pcapng_block)b));
    fprintf(out, "\n");
    if (st->capture.usbipd_win)
        fprintf(out, "usbipd-win capture: %" PRIu64 " completions written but never sent (an "
                     "unlink won)\n", st->unsent_completions);
}

/* What the text and the JSON report print of a device, computed once. */
struct device_summary {
    char conn[128];       /* the connection's addresses, or "usbmon bus N" */
    double duration_s;    /* its first to its last URB */
    double throughput_Bps; /* bytes both ways over that */
    bool enumeration_failed;
    char diagnosis[512];
};

static void summarize_device(const struct report_input *in, const struct dev_stats *d, struct device_summary *s)
{
    conn_label(in->session, d, s->conn, sizeof s->conn);
    s->duration_s = d->last_ts > d->first_ts ? secs(d->last_ts - d->first_ts) : 0;
    s->throughput_Bps = s->duration_s > 0 ? (double)(d->bytes_in + d->bytes_out) / s->duration_s : 0.0;
    s->enumeration_failed = report_enumeration_diagnosis(d, is_usbmon(in, d), s->diagnosis, sizeof s->diagnosis);
}

/* What both reports print of an endpoint: latency in seconds, the mean queue depth. */
struct endpoint_summary {
    double min_s, p50_s, p90_s, p99_s, max_s;
    double queue_mean; /* URBs outstanding, averaged over the endpoint's active span */
};

static void summarize_endpoint(const struct ep_stats *e, struct endpoint_summary *s)
{
    double span = e->last_event_ts > e->first_ts ? (double)(e->last_event_ts - e->first_ts) : 0;
    *s = (struct endpoint_summary){
        .min_s = secs(e->lat.min), .p50_s = secs(lat_hist_quantile(&e->lat, 0.5)),
        .p90_s = secs(lat_hist_quantile(&e->lat, 0.9)), .p99_s = secs(lat_hist_quantile(&e->lat, 0.99)),
        .max_s = secs(e->lat.max), .queue_mean = span > 0 ? (double)e->depth_area / span : 0.0,
    };
}

/* The endpoints of device d that saw URBs, one at a time: *at is where to look from (start at 0). */
static const struct ep_stats *next_endpoint(const struct report_input *in, const struct dev_stats *d, unsigned *at)
{
    while (*at < analysis_n_endpoints(in->analysis)) {
        const struct ep_stats *e = analysis_endpoint_at(in->analysis, (*at)++);
        if (e->conn_id == d->conn_id && e->devid == d->devid && e->urbs)
            return e;
    }
    return NULL;
}

static void text_device(FILE *out, const struct report_input *in, const struct dev_stats *d)
{
    struct device_summary sum;
    summarize_device(in, d, &sum);
    fprintf(out, "\nConnection %u (%s), device %u-%u (devid 0x%08x)", d->conn_id, sum.conn,
            d->devid >> 16, d->devid & 0xffff, d->devid);
    if (d->info.has_record)
        fprintf(out, ": busid %s, %04x:%04x, %s speed", d->info.record.busid,
                d->info.record.id_vendor, d->info.record.id_product,
                uip_speed_name(d->info.record.speed) ? uip_speed_name(d->info.record.speed) : "?");
    fprintf(out, "\n");
    fprintf(out, "  duration %.3f s, %" PRIu64 " URBs, %" PRIu64 " bytes IN, %" PRIu64
                 " bytes OUT, throughput %.1f kB/s\n",
            sum.duration_s, d->urbs, d->bytes_in, d->bytes_out, sum.throughput_Bps / 1000);
    fprintf(out, "  %-4s %-3s %-11s %8s %12s %10s %10s %10s %10s %10s %5s %6s  %s\n", "ep", "dir",
            "type", "URBs", "bytes", "lat min", "p50", "p90", "p99", "max", "qmax", "qmean",
            "errors / unlinks / pending");
    unsigned at = 0;
    for (const struct ep_stats *e; (e = next_endpoint(in, d, &at));) {
        struct endpoint_summary es;
        summarize_endpoint(e, &es);
        fprintf(out, "  %-4u %-3s %-11s %8" PRIu64 " %12" PRIu64, e->ep,
                e->direction == 1 ? "IN" : "OUT", uip_xfer_type_name(e->xfer_type), e->urbs, e->bytes);
        if (e->lat.count)
            fprintf(out, " %9.3fms %9.3fms %9.3fms %9.3fms %9.3fms", es.min_s * 1e3, es.p50_s * 1e3,
                    es.p90_s * 1e3, es.p99_s * 1e3, es.max_s * 1e3);
        else
            fprintf(out, " %11s %11s %11s %11s %11s", "-", "-", "-", "-", "-");
        fprintf(out, " %5u %6.2f ", e->max_depth, es.queue_mean);
        if (!e->errors && !e->unlinked && !e->pending_at_end)
            fprintf(out, " -");
        for (int s = 0; s < MAX_STATUS_KINDS && e->statuses[s].count; s++) {
            char b[24];
            fprintf(out, " %s x%" PRIu64, status_label(e->statuses[s].status, b, sizeof b),
                    e->statuses[s].count);
        }
        if (e->unlinked)
            fprintf(out, " unlinked x%" PRIu64, e->unlinked);
        if (e->pending_at_end)
            fprintf(out, " pending x%" PRIu64, e->pending_at_end);
        fprintf(out, "\n");
    }
    if (d->n_req) {
        fprintf(out, "  enumeration requests:");
        for (int i = 0; i < d->n_req; i++) {
            const struct enum_request *r = &d->req[i];
            fprintf(out, "%s %s x%" PRIu64, i ? "," : "", r->name, r->count);
            if (r->stalled)
                fprintf(out, " (%" PRIu64 " stalled)", r->stalled);
            if (r->unlinked)
                fprintf(out, " (%" PRIu64 " unlinked)", r->unlinked);
        }
        fprintf(out, "\n");
    }
    fprintf(out, "  enumeration: %s%s\n", sum.enumeration_failed ? "FAILED: " : "", sum.diagnosis);
    classview_text(out, in->classview, d->conn_id, d->devid, in->stats->capture.first_ts_ns);
}

void report_text(FILE *out, const struct report_input *in)
{
    const struct uip_session_stats *st = in->stats;
    fprintf(out, "usbip-analyze: %s\n", in->capture_path);
    fprintf(out, "%" PRIu64 " packets, %" PRIu64 " USB/IP connections, %.3f s\n", st->capture.packets,
            st->capture.connections,
            st->capture.last_ts_ns > st->capture.first_ts_ns
                ? secs(st->capture.last_ts_ns - st->capture.first_ts_ns) : 0.0);
    unsigned n_dev = analysis_n_devices(in->analysis);
    for (unsigned i = 0; i < n_dev; i++) {
        const struct dev_stats *d = analysis_device_at(in->analysis, i);
        text_device(out, in, d);
        if (i + 1 == n_dev || analysis_device_at(in->analysis, i + 1)->conn_id != d->conn_id)
            conn_ends_text(out, in->conn_ends, is_usbmon(in, d) ? NULL : in->session, in->analysis,
                           d->conn_id, st->capture.first_ts_ns);
    }

    fprintf(out, "\nAccounting: %" PRIu64 " stream bytes, %" PRIu64 " parsed in %" PRIu64
                 " PDUs, %" PRIu64 " skipped",
            st->capture.stream_bytes, st->framing.bytes_parsed, st->framing.pdus, skipped_total(st));
    for (int r = 0; r < UIP_SKIP__COUNT; r++)
        if (st->framing.bytes_skipped[r])
            fprintf(out, " [%" PRIu64 " %s]", st->framing.bytes_skipped[r],
                    uip_skip_reason_name((enum uip_skip_reason)r));
    fprintf(out, "; %" PRIu64 " TCP gaps (%" PRIu64 " bytes missing), %" PRIu64
                 " bytes retransmitted",
            st->capture.gaps, st->capture.gap_bytes, st->capture.retransmitted_bytes);
    const uint64_t *waits = st->capture.window_waits;
    if (waits[UIP_SIDE_SERVER] || waits[UIP_SIDE_CLIENT])
        fprintf(out, "; receive window full: server %" PRIu64 ", client %" PRIu64, waits[UIP_SIDE_SERVER],
                waits[UIP_SIDE_CLIENT]);
    if (st->capture.live_dropped)
        fprintf(out, "; %" PRIu64 " packets dropped by the kernel before the live capture read them",
                st->capture.live_dropped);
    fprintf(out, "\n");
    fprintf(out, "Packets: %" PRIu64 " read, %" PRIu64 " carried USB/IP bytes, %" PRIu64 " not used",
            st->capture.packets, st->capture.packets_used, ignored_total(st));
    for (int r = 0; r < UIP_IGN__COUNT; r++)
        if (st->capture.ignored[r])
            fprintf(out, " [%" PRIu64 " %s]", st->capture.ignored[r],
                    uip_ignore_reason_name((enum uip_ignore_reason)r));
    fprintf(out, "\n");
    text_pcapng(out, st);
    if (analysis_anomaly_total(in->analysis)) {
        fprintf(out, "Anomalies:");
        for (size_t i = 0; i < sizeof anomaly_names / sizeof anomaly_names[0]; i++) {
            uint64_t n = analysis_anomalies(in->analysis, anomaly_names[i].anomaly);
            if (n)
                fprintf(out, " [%" PRIu64 " %s]", n, anomaly_names[i].name);
        }
        fprintf(out, "\n");
    }
    if (analysis_before_capture(in->analysis))
        fprintf(out, "Before the capture: %" PRIu64 " usbmon completions of URBs submitted before it "
                     "began (not counted in any endpoint)\n", analysis_before_capture(in->analysis));
    if (in->read_error)
        fprintf(out, "Capture corrupt: %s (the report covers what came before)\n", in->read_error);
    if (in->timeline)
        timeline_text(out, in->timeline);
    if (in->whatif)
        whatif_text(out, in->whatif, in->whatif_rtts_ns, in->n_whatif_rtts);
}

/* ---- JSON ---------------------------------------------------------------------------------------- */

void report_json(FILE *out, const struct report_input *in)
{
    const struct uip_session_stats *st = in->stats;
    fprintf(out, "{\"capture\":");
    json_string(out, in->capture_path);
    fprintf(out, ",\"packets\":%" PRIu64 ",\"connections\":%" PRIu64
                 ",\"first_time\":%.9f,\"last_time\":%.9f,\"devices\":[",
            st->capture.packets, st->capture.connections, secs(st->capture.first_ts_ns),
            secs(st->capture.last_ts_ns));
    for (unsigned i = 0; i < analysis_n_devices(in->analysis); i++) {
        const struct dev_stats *d = analysis_device_at(in->analysis, i);
        struct device_summary sum;
        summarize_device(in, d, &sum);
        fprintf(out, "%s{\"connection\":%u,\"connection_label\":", i ? "," : "", d->conn_id);
        json_string(out, sum.conn);
        fprintf(out, ",\"devid\":%u", d->devid);
        if (d->info.has_record) {
            fprintf(out, ",\"busid\":");
            json_string(out, d->info.record.busid);
            fprintf(out, ",\"vid\":\"%04x\",\"pid\":\"%04x\",\"speed\":%u",
                    d->info.record.id_vendor, d->info.record.id_product, d->info.record.speed);
        }
        if (d->info.import_failed)
            fprintf(out, ",\"import_status\":%u", d->info.import_status);
        fprintf(out, ",\"duration\":%.9f,\"urbs\":%" PRIu64 ",\"bytes_in\":%" PRIu64
                     ",\"bytes_out\":%" PRIu64 ",\"throughput_Bps\":%.1f",
                sum.duration_s, d->urbs, d->bytes_in, d->bytes_out, sum.throughput_Bps);
        fprintf(out, ",\"enumeration\":{\"failed\":%s,\"diagnosis\":", sum.enumeration_failed ? "true" : "false");
        json_string(out, sum.diagnosis);
        fprintf(out, ",\"configured\":%s,\"control_unlinked\":%" PRIu64 ",\"requests\":[",
                d->configured ? "true" : "false", d->control_unlinked);
        for (int r = 0; r < d->n_req; r++) {
            fprintf(out, "%s{\"request\":", r ? "," : "");
            json_string(out, d->req[r].name);
            fprintf(out, ",\"count\":%" PRIu64 ",\"ok\":%" PRIu64 ",\"stalled\":%" PRIu64
                         ",\"unlinked\":%" PRIu64 "}",
                    d->req[r].count, d->req[r].ok, d->req[r].stalled, d->req[r].unlinked);
        }
        fprintf(out, "]},\"endpoints\":[");
        bool first = true;
        unsigned at = 0;
        for (const struct ep_stats *e; (e = next_endpoint(in, d, &at));) {
            struct endpoint_summary es;
            summarize_endpoint(e, &es);
            fprintf(out, "%s{\"ep\":%u,\"direction\":\"%s\",\"type\":\"%s\",\"urbs\":%" PRIu64
                         ",\"bytes\":%" PRIu64 ",\"latency\":{\"count\":%" PRIu64
                         ",\"min\":%.9f,\"p50\":%.9f,\"p90\":%.9f,\"p99\":%.9f,\"max\":%.9f}"
                         ",\"queue_max\":%u,\"queue_mean\":%.4f,\"errors\":%" PRIu64
                         ",\"unlinked\":%" PRIu64 ",\"pending_at_end\":%" PRIu64 ",\"statuses\":{",
                    first ? "" : ",", e->ep, e->direction == 1 ? "in" : "out",
                    uip_xfer_type_name(e->xfer_type), e->urbs, e->bytes, e->lat.count, es.min_s,
                    es.p50_s, es.p90_s, es.p99_s, es.max_s, e->max_depth, es.queue_mean, e->errors,
                    e->unlinked, e->pending_at_end);
            for (int s = 0; s < MAX_STATUS_KINDS && e->statuses[s].count; s++) {
                char b[24];
                fprintf(out, "%s", s ? "," : "");
                json_string(out, status_label(e->statuses[s].status, b, sizeof b));
                fprintf(out, ":%" PRIu64, e->statuses[s].count);
            }
            fprintf(out, "}}");
            first = false;
        }
        fprintf(out, "]");
        if (classview_recognised(in->classview, d->conn_id, d->devid)) {
            fprintf(out, ",\"class\":");
            classview_json(out, in->classview, d->conn_id, d->devid);
        }
        fprintf(out, "}");
    }
    fprintf(out, "],\"connection_ends\":");
    conn_ends_json(out, in->conn_ends, in->session, in->analysis, st->capture.first_ts_ns);
    fprintf(out, ",\"accounting\":{\"stream_bytes\":%" PRIu64 ",\"parsed_bytes\":%" PRIu64
                 ",\"pdus\":%" PRIu64 ",\"skipped_bytes\":{",
            st->capture.stream_bytes, st->framing.bytes_parsed, st->framing.pdus);
    for (int r = 0; r < UIP_SKIP__COUNT; r++) {
        fprintf(out, "%s", r ? "," : "");
        json_string(out, uip_skip_reason_name((enum uip_skip_reason)r));
        fprintf(out, ":%" PRIu64, st->framing.bytes_skipped[r]);
    }
    fprintf(out, "},\"data_bytes_missing\":%" PRIu64 ",\"tcp_gaps\":%" PRIu64
                 ",\"tcp_gap_bytes\":%" PRIu64 ",\"retransmitted_bytes\":%" PRIu64
                 ",\"window_waits\":{\"server\":%" PRIu64 ",\"client\":%" PRIu64 "}",
            st->framing.data_bytes_missing, st->capture.gaps, st->capture.gap_bytes,
            st->capture.retransmitted_bytes, st->capture.window_waits[UIP_SIDE_SERVER],
            st->capture.window_waits[UIP_SIDE_CLIENT]);
    if (st->capture.live_dropped)
        fprintf(out, ",\"packets_dropped\":%" PRIu64, st->capture.live_dropped);
    fprintf(out, ",\"packets_used\":%" PRIu64 ",\"packets_ignored\":{", st->capture.packets_used);
    for (int r = 0; r < UIP_IGN__COUNT; r++) {
        fprintf(out, "%s", r ? "," : "");
        json_string(out, uip_ignore_reason_name((enum uip_ignore_reason)r));
        fprintf(out, ":%" PRIu64, st->capture.ignored[r]);
    }
    fprintf(out, "},\"anomalies\":%" PRIu64 ",\"anomaly_kinds\":{", analysis_anomaly_total(in->analysis));
    for (size_t i = 0; i < sizeof anomaly_names / sizeof anomaly_names[0]; i++) {
        fprintf(out, "%s", i ? "," : "");
        json_string(out, anomaly_names[i].name);
        fprintf(out, ":%" PRIu64, analysis_anomalies(in->analysis, anomaly_names[i].anomaly));
    }
    fprintf(out, "},\"completions_before_capture\":%" PRIu64, analysis_before_capture(in->analysis));
    json_pcapng(out, st);
    fprintf(out, "}");
    if (in->read_error) {
        fprintf(out, ",\"read_error\":");
        json_string(out, in->read_error);
    }
    if (in->timeline) {
        fprintf(out, ",\"timeline\":");
        timeline_json(out, in->timeline);
    }
    if (in->whatif) {
        fprintf(out, ",\"what_if\":");
        whatif_json(out, in->whatif, in->whatif_rtts_ns, in->n_whatif_rtts);
    }
    fprintf(out, "}\n");
}
