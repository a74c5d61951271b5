/* SPDX-License-Identifier: GPL-2.0-or-later */
/* whatif_report.c -- usbip-analyze --what-if: delay list parsing, one model per device, and the
 * predictions as text and JSON (see whatif_report.h, analyzer/README.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "json_out.h"
#include "device_table.h"
#include "whatif_report.h"
#include "whatif_tcp.h"

#define MIB 1048576.0
/* Below this much bulk data, the plain words give round trips, not round trips per MiB. */
#define WORDS_PER_MIB_FROM 65536u

/* The next comma-separated item of *p into item (n bytes), *p moved past it (NULL after the last).
 * false when it is empty or does not fit. */
static bool next_item(const char **p, char *item, size_t n)
{
    const char *comma = strchr(*p, ',');
    size_t len = comma ? (size_t)(comma - *p) : strlen(*p);
    if (!len || len >= n)
        return false;
    memcpy(item, *p, len);
    item[len] = 0;
    *p = comma ? comma + 1 : NULL;
    return true;
}

bool whatif_parse_delays(const char *arg, uint64_t *delays_ns, size_t max, size_t *n,
                         char *err, size_t errlen)
{
    *n = 0;
    for (const char *p = arg; p;) {
        char item[32];
        if (!next_item(&p, item, sizeof item)) {
            snprintf(err, errlen, "--what-if wants round trips like 0,10,100ms, not '%s'", arg);
            return false;
        }
        char *unit;
        errno = 0;
        double v = strtod(item, &unit);
        double scale = !*unit || !strcmp(unit, "ms") ? 1e6 : !strcmp(unit, "s") ? 1e9
                     : !strcmp(unit, "us") ? 1e3 : 0;
        if (unit == item || errno || !scale || !(v >= 0) || v * scale > (double)WHATIF_MAX_DELAY_NS) {
            snprintf(err, errlen, "--what-if: '%s' is not a round trip in 0..60 s (a number with "
                                  "us, ms or s; ms when none)", item);
            return false;
        }
        if (*n == max) {
            snprintf(err, errlen, "--what-if takes at most %zu round trips", max);
            return false;
        }
        delays_ns[(*n)++] = (uint64_t)(v * scale + 0.5);
    }
    return true;
}

bool whatif_parse_tcp(const char *arg, struct whatif_tcp_overrides *o, char *err, size_t errlen)
{
    for (const char *p = arg; p;) {
        char item[64];
        if (!next_item(&p, item, sizeof item)) {
            snprintf(err, errlen, "--tcp wants KEY=BYTES items like mss=1448,rmem=6291456, not '%s'", arg);
            return false;
        }
        char *eq = strchr(item, '='), *end;
        errno = 0;
        unsigned long long v = eq ? strtoull(eq + 1, &end, 10) : 0;
        if (!eq || end == eq + 1 || *end || errno || eq[1] == '-') {
            snprintf(err, errlen, "--tcp: '%s' is not KEY=BYTES", item);
            return false;
        }
        *eq = 0;
        if (!strcmp(item, "mss") && v >= 64 && v <= 65535)
            o->mss = (uint32_t)v;
        else if (!strcmp(item, "rmem") && v >= 4096 && v <= (1ull << 31))
            o->rmem_max = v;
        else if (!strcmp(item, "slow-start-end") && v >= 1 && v <= (1ull << 31))
            o->slow_start_end = v;
        else {
            snprintf(err, errlen, "--tcp: '%s=%llu' is not one of mss=64..65535, rmem=4096..2147483648, "
                                  "slow-start-end=1..2147483648", item, v);
            return false;
        }
    }
    return true;
}

/* ---- one model per device ------------------------------------------------------------------ */

struct whatif_device {
    uint32_t conn_id, devid;
    struct whatif_model *model;
};

/* What a connection's SYNs announced, kept until the fit hands it to its devices' models. */
struct whatif_conn_handshake {
    uint32_t conn_id;
    struct uip_tcp_handshake h;
};

struct whatif_set {
    struct device_table *devs; /* struct whatif_device */
    struct whatif_conn_handshake *handshakes;
    size_t n_handshakes, cap_handshakes;
    struct whatif_tcp_overrides tcp_overrides;
};

static void device_free(void *p)
{
    whatif_model_free(((struct whatif_device *)p)->model);
}

struct whatif_set *whatif_set_new(struct device_registry *devices)
{
    struct whatif_set *s = calloc(1, sizeof(struct whatif_set));
    if (s)
        s->devs = device_table_new(devices, sizeof(struct whatif_device), device_free);
    return s;
}

void whatif_set_free(struct whatif_set *s)
{
    if (!s)
        return;
    device_table_free(s->devs);
    free(s->handshakes);
    free(s);
}

static struct whatif_device *device_get(struct whatif_set *s, uint32_t conn_id, uint32_t devid)
{
    bool made;
    struct whatif_device *d = device_table_get(s->devs, conn_id, devid, &made);
    if (made)
        d->model = whatif_model_new();
    return d->model ? d : NULL;
}

bool whatif_set_urb(struct whatif_set *s, const struct uip_urb *u)
{
    bool answered = uip_outcome_answered(u->outcome);
    if (!answered || !u->t_submit_first_ns || u->t_complete_ns < u->t_submit_first_ns)
        return true; /* nothing the model can time */
    struct whatif_device *d = device_get(s, u->conn_id, u->devid);
    if (!d)
        return false;
    /* the host submitted the URB when its CMD_SUBMIT's first byte left (an OUT URB's data is
     * part of its latency) */
    struct whatif_urb w = {.submit_ns = u->t_submit_first_ns, .complete_ns = u->t_complete_ns,
                           .bytes = u->actual_length > 0 ? (uint32_t)u->actual_length : 0,
                           .ep = u->ep, .direction = u->direction, .xfer_type = u->xfer_type};
    return whatif_model_add(d->model, &w);
}

void whatif_set_tcp_overrides(struct whatif_set *s, const struct whatif_tcp_overrides *o)
{
    s->tcp_overrides = *o;
}

bool whatif_set_handshake(struct whatif_set *s, uint32_t conn_id, const struct uip_tcp_handshake *h)
{
    if (s->n_handshakes == s->cap_handshakes) {
        size_t cap = s->cap_handshakes ? s->cap_handshakes * 2 : 4;
        struct whatif_conn_handshake *grown = realloc(s->handshakes, cap * sizeof *grown);
        if (!grown)
            return false;
        s->handshakes = grown;
        s->cap_handshakes = cap;
    }
    s->handshakes[s->n_handshakes++] = (struct whatif_conn_handshake){conn_id, *h};
    return true;
}

/* Linux sends segments of its peer's MSS less the 12 bytes of the timestamp option it uses. */
#define TCP_TIMESTAMP_OPTION_BYTES 12u

/* A connection's TCP as its SYNs tell it: each sender's segment size and its receiver's first
 * window come from what the peer announced. */
static void tcp_from_handshake(struct whatif_tcp_config *c, const struct uip_tcp_handshake *h)
{
    for (int sender = 0; sender < 2; sender++) { /* 0: the client, 1: the server */
        int peer = sender == 0 ? UIP_SIDE_SERVER : UIP_SIDE_CLIENT;
        if (h->mss[peer] <= TCP_TIMESTAMP_OPTION_BYTES)
            return;
        c->mss[sender] = h->mss[peer] - TCP_TIMESTAMP_OPTION_BYTES;
        c->syn_window[sender] = h->syn_window[peer];
    }
    c->mss_from_capture = true;
    c->syn_from_capture = true;
}

static int device_order(const void *pa, const void *pb)
{
    const struct whatif_device *a = *(const struct whatif_device *const *)pa;
    const struct whatif_device *b = *(const struct whatif_device *const *)pb;
    if (a->conn_id != b->conn_id)
        return a->conn_id < b->conn_id ? -1 : 1;
    return (a->devid > b->devid) - (a->devid < b->devid);
}

void whatif_set_fit(struct whatif_set *s)
{
    device_table_sort(s->devs, device_order);
    for (unsigned i = 0; i < device_table_len(s->devs); i++) {
        struct whatif_device *d = device_table_at(s->devs, i);
        struct whatif_tcp_config tcp = *whatif_model_tcp(d->model);
        for (size_t k = 0; k < s->n_handshakes; k++)
            if (s->handshakes[k].conn_id == d->conn_id)
                tcp_from_handshake(&tcp, &s->handshakes[k].h);
        const struct whatif_tcp_overrides *o = &s->tcp_overrides;
        if (o->mss) {
            tcp.mss[0] = tcp.mss[1] = o->mss;
            tcp.mss_from_user = true;
        }
        if (o->rmem_max) {
            tcp.rmem_max = o->rmem_max;
            tcp.rmem_from_user = true;
        }
        if (o->slow_start_end) {
            tcp.slow_start_end = o->slow_start_end;
            tcp.slow_start_from_user = true;
        }
        whatif_model_set_tcp(d->model, &tcp);
        whatif_model_fit(d->model);
    }
}

const struct whatif_model *whatif_set_model(const struct whatif_set *s, uint32_t conn_id, uint32_t devid)
{
    const struct whatif_device *d = device_table_find(s->devs, conn_id, devid);
    return d ? d->model : NULL;
}

bool whatif_set_main_stream(const struct whatif_set *s, double *rtt_s, double *throughput_Bps, uint8_t *ep,
                            int8_t *direction)
{
    uint64_t best = 0;
    for (unsigned i = 0; i < device_table_len(s->devs); i++) {
        const struct whatif_device *d = device_table_at(s->devs, i);
        struct whatif_prediction p;
        uint64_t rtt = whatif_model_base_rtt_ns(d->model);
        whatif_model_predict(d->model, rtt, &p); /* as captured: the phase, its bytes */
        for (unsigned k = 0; k < p.n_streams; k++) {
            const struct whatif_stream *st = &p.streams[k];
            if (st->xfer_type != UIP_XFER_BULK || st->bytes <= best || st->captured_s <= 0)
                continue;
            best = st->bytes;
            *rtt_s = (double)rtt / 1e9;
            *throughput_Bps = (double)st->bytes / st->captured_s;
            *ep = st->ep;
            *direction = st->direction;
        }
    }
    return best > 0;
}

/* ---- shared wording -------------------------------------------------------------------------- */

/* A rate in the seed's form: 31.1 MB/s, 968 kB/s, 86.0 kB/s, 5.25 kB/s. */
static void format_rate(double bytes_per_s, char *buf, size_t n)
{
    if (bytes_per_s >= 1e6)
        snprintf(buf, n, "%.1f MB/s", bytes_per_s / 1e6);
    else if (bytes_per_s >= 1e5)
        snprintf(buf, n, "%.0f kB/s", bytes_per_s / 1e3);
    else if (bytes_per_s >= 1e4)
        snprintf(buf, n, "%.1f kB/s", bytes_per_s / 1e3);
    else
        snprintf(buf, n, "%.2f kB/s", bytes_per_s / 1e3);
}

static bool is_bulk_data(const struct whatif_stream *st)
{
    return st->xfer_type == UIP_XFER_BULK && st->bytes > 0;
}

/* The bulk stream that moved the most bytes, or -1. */
static int main_stream(const struct whatif_prediction *p)
{
    int best = -1;
    for (unsigned i = 0; i < p->n_streams; i++)
        if (is_bulk_data(&p->streams[i]) && (best < 0 || p->streams[i].bytes > p->streams[best].bytes))
            best = (int)i;
    return best;
}

/* The round trip the plain-words sentence speaks of: 100 ms when asked for, else the largest. */
static uint64_t explained_delay(const uint64_t *delays_ns, size_t n)
{
    uint64_t pick = 0;
    for (size_t i = 0; i < n; i++) {
        if (delays_ns[i] == 100000000ull)
            return delays_ns[i];
        if (delays_ns[i] > pick)
            pick = delays_ns[i];
    }
    return pick;
}

/* "each 1 MiB read costs N serial round trips; at 100 ms that alone caps it near X kB/s". */
static void explanation(const struct whatif_model *m, const uint64_t *delays_ns, size_t n, char *buf,
                        size_t len)
{
    uint64_t rtt = explained_delay(delays_ns, n);
    struct whatif_prediction *p = malloc(sizeof *p);
    if (!p) {
        snprintf(buf, len, "out of memory");
        return;
    }
    whatif_model_predict(m, rtt, p);
    int s = main_stream(p);
    if (s < 0) {
        snprintf(buf, len, "no bulk data to predict a throughput for; the session's critical path "
                           "holds %.0f serial round trips", p->round_trips);
        free(p);
        return;
    }
    const struct whatif_stream *st = &p->streams[s];
    if (st->bytes < WORDS_PER_MIB_FROM) {
        snprintf(buf, len, "its %" PRIu64 " bytes of bulk data took %.0f serial round trips; at %.0f ms "
                           "those alone take %.1f s", st->bytes, st->round_trips, (double)rtt / 1e6,
                 st->round_trips * (double)rtt / 1e9);
        free(p);
        return;
    }
    double per_mib = st->round_trips * MIB / (double)st->bytes;
    if (rtt == 0) {
        snprintf(buf, len, "each 1 MiB %s costs %.1f serial round trips (no round trip above 0 ms was "
                           "asked for to price them at)", st->direction == UIP_DIR_IN ? "read" : "write",
                 per_mib);
        free(p);
        return;
    }
    char cap[32];
    format_rate(MIB / (per_mib * ((double)rtt / 1e9)), cap, sizeof cap);
    snprintf(buf, len, "each 1 MiB %s costs %.1f serial round trips; at %.0f ms that alone caps it "
                       "near %s", st->direction == UIP_DIR_IN ? "read" : "write", per_mib,
             (double)rtt / 1e6, cap);
    free(p);
}

/* A range is worth printing when the early end of slow start costs this much more time. */
#define RANGE_FROM 1.05

static bool is_range(double duration_s, double duration_max_s)
{
    return duration_max_s > duration_s * RANGE_FROM;
}

/* The TCP the model assumed, and where each input came from. */
static void tcp_inputs(const struct whatif_model *m, char *buf, size_t n)
{
    const struct whatif_tcp_config *c = whatif_model_tcp(m);
    char ss[160];
    if (c->slow_start_end)
        snprintf(ss, sizeof ss, "slow start ends at %" PRIu64 " bytes (%s)", c->slow_start_end,
                 c->slow_start_from_user ? "--tcp" : "default");
    else if (whatif_model_windows_captured(m))
        snprintf(ss, sizeof ss, "slow start's end unknown at other round trips (a range: none, or "
                                "the window rounds this capture shows)");
    else
        snprintf(ss, sizeof ss, "slow start's end unknown (a range: none, or HyStart's earliest at %u "
                                "segments)", WHATIF_TCP_HYSTART_LOW_SEGMENTS);
    snprintf(buf, n, "TCP: segments %u B to the server, %u B to the client (%s); first windows %u/%u B "
                     "(%s); receive buffers up to %" PRIu64 " B (%s); initial window %u segments "
                     "(Linux); %s",
             c->mss[0], c->mss[1], c->mss_from_user ? "--tcp" : c->mss_from_capture ? "SYNs" : "default",
             c->syn_window[0], c->syn_window[1], c->syn_from_capture ? "SYNs" : "default", c->rmem_max,
             c->rmem_from_user ? "--tcp" : "default tcp_rmem", c->initial_segments, ss);
    if (!c->syn_from_capture) {
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "; the capture holds no SYN: the connection's windows may be open "
                                     "already (the range's fast end) or open as from its start (its slow end)");
    }
}

static void device_label(uint32_t devid, char *buf, size_t n)
{
    snprintf(buf, n, "%u-%u", devid >> 16, devid & 0xffff);
}

/* ---- text -------------------------------------------------------------------------------------- */

static void text_device(FILE *out, const struct whatif_device *d, const uint64_t *delays_ns, size_t n,
                        struct whatif_prediction *preds)
{
    char dev[24], rate[32], words[256], tcp[640];
    device_label(d->devid, dev, sizeof dev);
    fprintf(out, "Connection %u, device %s: %zu URBs modelled, base round trip %.3f ms (fastest small URB)\n",
            d->conn_id, dev, whatif_model_urbs(d->model),
            (double)whatif_model_base_rtt_ns(d->model) / 1e6);
    for (size_t k = 0; k < n; k++)
        whatif_model_predict(d->model, delays_ns[k], &preds[k]);
    bool any = false;
    for (unsigned s = 0; n && s < preds[0].n_streams; s++) {
        const struct whatif_stream *st0 = &preds[0].streams[s];
        if (!is_bulk_data(st0))
            continue;
        any = true;
        format_rate(st0->captured_s > 0 ? (double)st0->bytes / st0->captured_s : 0, rate, sizeof rate);
        fprintf(out, "  ep %u %s bulk: %" PRIu64 " bytes in %" PRIu64 " URBs, %.3f s as captured (%s)\n",
                st0->ep, st0->direction == UIP_DIR_IN ? "IN" : "OUT", st0->bytes, st0->urbs,
                st0->captured_s, rate);
        for (size_t k = 0; k < n; k++) {
            const struct whatif_stream *st = &preds[k].streams[s];
            double busy = st->network_s + st->device_s + st->host_s;
            format_rate(st->throughput_Bps, rate, sizeof rate);
            fprintf(out, "  %6.0fms : %-12s network %3.0f%%  device %3.0f%%  host %3.0f%%  "
                         "%.0f serial round trips (%.1f per MiB)",
                    (double)delays_ns[k] / 1e6, rate, busy > 0 ? 100 * st->network_s / busy : 0,
                    busy > 0 ? 100 * st->device_s / busy : 0, busy > 0 ? 100 * st->host_s / busy : 0,
                    st->round_trips, st->bytes ? st->round_trips * MIB / (double)st->bytes : 0);
            if (is_range(st->duration_s, st->duration_max_s)) {
                format_rate((double)st->bytes / st->duration_max_s, rate, sizeof rate);
                fprintf(out, "; as low as %s if slow start ends early", rate);
            }
            fprintf(out, "\n");
        }
    }
    if (!any) {
        fprintf(out, "  no bulk data; session duration:");
        for (size_t k = 0; k < n; k++)
            fprintf(out, "%s %.0fms: %.3f s", k ? "," : "", (double)delays_ns[k] / 1e6,
                    preds[k].duration_s);
        fprintf(out, "\n");
    }
    explanation(d->model, delays_ns, n, words, sizeof words);
    fprintf(out, "  %s\n", words);
    tcp_inputs(d->model, tcp, sizeof tcp);
    fprintf(out, "  %s\n", tcp);
}

void whatif_text(FILE *out, const struct whatif_set *s, const uint64_t *delays_ns, size_t n)
{
    struct whatif_prediction *preds = calloc(n ? n : 1, sizeof *preds);
    if (!preds)
        return;
    fprintf(out, "\nWhat-if: the session replayed along its critical path at other network round trips\n");
    for (unsigned i = 0; i < device_table_len(s->devs); i++)
        text_device(out, device_table_at(s->devs, i), delays_ns, n, preds);
    free(preds);
}

/* ---- JSON -------------------------------------------------------------------------------------- */

static void json_shares(FILE *out, double network, double device, double host, double round_trips)
{
    fprintf(out, "\"network\":%.9f,\"device\":%.9f,\"host\":%.9f,\"round_trips\":%.3f", network,
            device, host, round_trips);
}

/* ,"tcp":{...}: the TCP the model assumed, each input with where it came from. */
static void json_tcp(FILE *out, const struct whatif_model *m)
{
    const struct whatif_tcp_config *c = whatif_model_tcp(m);
    fprintf(out, ",\"tcp\":{\"windows_captured\":%s,\"syns\":%s",
            whatif_model_windows_captured(m) ? "true" : "false", c->syn_from_capture ? "true" : "false");
    fprintf(out, ",\"mss_to_server\":%u,\"mss_to_client\":%u,\"mss_from\":\"%s\"", c->mss[0], c->mss[1],
            c->mss_from_user ? "user" : c->mss_from_capture ? "capture" : "default");
    fprintf(out, ",\"first_window_to_server\":%u,\"first_window_to_client\":%u,\"first_window_from\":\"%s\"",
            c->syn_window[0], c->syn_window[1], c->syn_from_capture ? "capture" : "default");
    fprintf(out, ",\"rmem_max\":%" PRIu64 ",\"rmem_max_from\":\"%s\"", c->rmem_max,
            c->rmem_from_user ? "user" : "default");
    fprintf(out, ",\"initial_segments\":%u,\"initial_segments_from\":\"default\"", c->initial_segments);
    if (c->slow_start_end)
        fprintf(out, ",\"slow_start_end\":%" PRIu64 ",\"slow_start_end_from\":\"%s\"}", c->slow_start_end,
                c->slow_start_from_user ? "user" : "default");
    else
        fprintf(out, ",\"slow_start_end\":null,\"slow_start_end_from\":\"unknown\"}");
}

static void json_device(FILE *out, const struct whatif_device *d, const uint64_t *delays_ns, size_t n,
                        struct whatif_prediction *preds)
{
    char words[256];
    for (size_t k = 0; k < n; k++)
        whatif_model_predict(d->model, delays_ns[k], &preds[k]);
    fprintf(out, "{\"connection\":%u,\"devid\":%u,\"urbs\":%zu,\"base_rtt\":%.9f,\"predictions\":[",
            d->conn_id, d->devid, whatif_model_urbs(d->model),
            (double)whatif_model_base_rtt_ns(d->model) / 1e9);
    for (size_t k = 0; k < n; k++) {
        fprintf(out, "%s{\"rtt\":%.9f,\"duration\":%.9f,", k ? "," : "", preds[k].rtt_s,
                preds[k].duration_s);
        json_shares(out, preds[k].network_s, preds[k].device_s, preds[k].host_s, preds[k].round_trips);
        fprintf(out, "}");
    }
    fprintf(out, "],\"streams\":[");
    bool first = true;
    for (unsigned s = 0; n && s < preds[0].n_streams; s++) {
        const struct whatif_stream *st0 = &preds[0].streams[s];
        if (!is_bulk_data(st0))
            continue;
        fprintf(out, "%s{\"ep\":%u,\"direction\":\"%s\",\"type\":\"bulk\",\"bytes\":%" PRIu64
                     ",\"urbs\":%" PRIu64 ",\"captured_duration\":%.9f,\"captured_throughput_Bps\":%.1f"
                     ",\"predictions\":[",
                first ? "" : ",", st0->ep, st0->direction == UIP_DIR_IN ? "in" : "out", st0->bytes,
                st0->urbs, st0->captured_s,
                st0->captured_s > 0 ? (double)st0->bytes / st0->captured_s : 0.0);
        for (size_t k = 0; k < n; k++) {
            const struct whatif_stream *st = &preds[k].streams[s];
            fprintf(out, "%s{\"rtt\":%.9f,\"duration\":%.9f,\"throughput_Bps\":%.1f,", k ? "," : "",
                    preds[k].rtt_s, st->duration_s, st->throughput_Bps);
            fprintf(out, "\"duration_max\":%.9f,\"throughput_min_Bps\":%.1f,", st->duration_max_s,
                    st->duration_max_s > 0 ? (double)st->bytes / st->duration_max_s : 0.0);
            json_shares(out, st->network_s, st->device_s, st->host_s, st->round_trips);
            fprintf(out, ",\"round_trips_per_MiB\":%.3f}",
                    st->bytes ? st->round_trips * MIB / (double)st->bytes : 0.0);
        }
        fprintf(out, "]}");
        first = false;
    }
    explanation(d->model, delays_ns, n, words, sizeof words);
    fprintf(out, "],\"explanation\":");
    json_string(out, words);
    json_tcp(out, d->model);
    fprintf(out, "}");
}

void whatif_json(FILE *out, const struct whatif_set *s, const uint64_t *delays_ns, size_t n)
{
    struct whatif_prediction *preds = calloc(n ? n : 1, sizeof *preds);
    fprintf(out, "{\"model\":\"critical-path replay\",\"rtts\":[");
    for (size_t k = 0; k < n; k++)
        fprintf(out, "%s%.9f", k ? "," : "", (double)delays_ns[k] / 1e9);
    fprintf(out, "],\"devices\":[");
    for (unsigned i = 0; preds && i < device_table_len(s->devs); i++) {
        fprintf(out, "%s", i ? "," : "");
        json_device(out, device_table_at(s->devs, i), delays_ns, n, preds);
    }
    fprintf(out, "]}");
    free(preds);
}
