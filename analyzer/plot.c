/* SPDX-License-Identifier: GPL-2.0-or-later */
/* plot.c -- usbip-analyze --plot: per-device data files and a gnuplot script drawing URB latency,
 * queue depth, throughput over time and the what-if curve as SVG (see plot.h). */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "device_table.h"
#include "plot.h"

/* One answered URB, as the latency and throughput charts need it. */
struct plot_urb_point {
    uint64_t complete_ns, latency_ns;
    uint32_t bytes;
    uint8_t ep;
    int8_t direction;
    uint8_t xfer_type;
};

/* The device's queue depth right after one of its events. */
struct plot_depth_point {
    uint64_t ts_ns;
    uint32_t depth;
};

struct plot_device {
    uint32_t conn_id, devid;
    GArray *urbs;   /* struct plot_urb_point */
    GArray *depths; /* struct plot_depth_point */
};

struct plot_set {
    struct device_table *devs; /* struct plot_device */
};

static void device_free(void *data)
{
    struct plot_device *d = data;
    if (d->urbs)
        g_array_free(d->urbs, TRUE);
    if (d->depths)
        g_array_free(d->depths, TRUE);
}

struct plot_set *plot_set_new(struct device_registry *devices)
{
    struct plot_set *p = g_new0(struct plot_set, 1);
    p->devs = device_table_new(devices, sizeof(struct plot_device), device_free);
    return p;
}

void plot_set_free(struct plot_set *p)
{
    if (!p)
        return;
    device_table_free(p->devs);
    g_free(p);
}

static struct plot_device *device_get(struct plot_set *p, uint32_t conn_id, uint32_t devid)
{
    bool made;
    struct plot_device *d = device_table_get(p->devs, conn_id, devid, &made);
    if (made) {
        d->urbs = g_array_new(FALSE, FALSE, sizeof(struct plot_urb_point));
        d->depths = g_array_new(FALSE, FALSE, sizeof(struct plot_depth_point));
    }
    return d;
}

void plot_urb(struct plot_set *p, const struct uip_urb *u)
{
    bool answered = uip_outcome_answered(u->outcome);
    if (!answered || !u->t_submit_ns || u->t_complete_ns < u->t_submit_ns)
        return;
    struct plot_urb_point pt = {.complete_ns = u->t_complete_ns,
                                .latency_ns = u->t_complete_ns - u->t_submit_ns,
                                .bytes = u->actual_length > 0 ? (uint32_t)u->actual_length : 0,
                                .ep = u->ep, .direction = u->direction, .xfer_type = u->xfer_type};
    g_array_append_val(device_get(p, u->conn_id, u->devid)->urbs, pt);
}

void plot_event(struct plot_set *p, const struct uip_event *ev)
{
    if (ev->kind == UIP_EV_ANOMALY)
        return;
    struct plot_depth_point pt = {ev->ts_ns, ev->depth_dev};
    g_array_append_val(device_get(p, ev->conn_id, ev->devid)->depths, pt);
}

bool plot_prepare_dir(const char *dir, char *err, size_t errlen)
{
    if (g_mkdir_with_parents(dir, 0755) != 0 || g_access(dir, W_OK) != 0) {
        snprintf(err, errlen, "--plot: cannot write to directory %s: %s", dir, g_strerror(errno));
        return false;
    }
    return true;
}

/* ---- files ------------------------------------------------------------------------------------ */

static double rel_s(uint64_t ns, uint64_t origin_ns)
{
    return ns >= origin_ns ? (double)(ns - origin_ns) / 1e9 : -(double)(origin_ns - ns) / 1e9;
}

/* A path as a gnuplot single-quoted string (a quote is doubled). */
static void gp_path(FILE *gp, const char *path)
{
    fputc('\'', gp);
    for (const char *c = path; *c; c++) {
        if (*c == '\'')
            fputc('\'', gp);
        fputc(*c, gp);
    }
    fputc('\'', gp);
}

static int point_order(gconstpointer pa, gconstpointer pb)
{
    const struct plot_urb_point *a = pa, *b = pb;
    int ka = a->ep * 2 + (a->direction == UIP_DIR_IN), kb = b->ep * 2 + (b->direction == UIP_DIR_IN);
    if (ka != kb)
        return ka - kb;
    return (a->complete_ns > b->complete_ns) - (a->complete_ns < b->complete_ns);
}

/* latency.dat: one block per endpoint direction (gnuplot `index`); the plot clauses into `clauses`. */
static bool write_latency(const struct plot_device *d, const char *path, uint64_t origin_ns, GString *clauses)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    GArray *pts = g_array_copy(d->urbs);
    g_array_sort(pts, point_order);
    int block = -1, key = -1;
    for (guint i = 0; i < pts->len; i++) {
        const struct plot_urb_point *pt = &g_array_index(pts, struct plot_urb_point, i);
        int k = pt->ep * 2 + (pt->direction == UIP_DIR_IN);
        if (k != key) {
            key = k;
            block++;
            fprintf(f, "%s# ep %u %s %s: time_s latency_ms\n", block ? "\n\n" : "", pt->ep,
                    pt->direction == UIP_DIR_IN ? "IN" : "OUT", uip_xfer_type_name(pt->xfer_type));
            g_string_append_printf(clauses, "%sdat index %d using 1:2 with points pt 7 ps 0.5 title 'ep %u %s %s'",
                                   block ? ", " : "", block, pt->ep,
                                   pt->direction == UIP_DIR_IN ? "IN" : "OUT",
                                   uip_xfer_type_name(pt->xfer_type));
        }
        double ms = (double)pt->latency_ns / 1e6;
        fprintf(f, "%.9f %.6f\n", rel_s(pt->complete_ns, origin_ns), ms > 1e-6 ? ms : 1e-6);
    }
    g_array_free(pts, TRUE);
    return fclose(f) == 0;
}

static bool write_queue(const struct plot_device *d, const char *path, uint64_t origin_ns)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fprintf(f, "# time_s urbs_outstanding_after_the_event\n");
    for (guint i = 0; i < d->depths->len; i++) {
        const struct plot_depth_point *pt = &g_array_index(d->depths, struct plot_depth_point, i);
        fprintf(f, "%.9f %u\n", rel_s(pt->ts_ns, origin_ns), pt->depth);
    }
    return fclose(f) == 0;
}

/* A bin about a hundredth of the span, rounded to 1, 2 or 5 times a power of ten (1 ms at least). */
static uint64_t bin_width_ns(uint64_t span_ns)
{
    uint64_t step = 1000000;
    for (;;) {
        for (int m = 1; m <= 5; m += m == 1 ? 1 : 3)
            if ((uint64_t)m * step * 100 >= span_ns)
                return (uint64_t)m * step;
        step *= 10;
    }
}

static bool write_throughput(const struct plot_device *d, const char *path, uint64_t origin_ns)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    uint64_t first = UINT64_MAX, last = 0;
    for (guint i = 0; i < d->urbs->len; i++) {
        const struct plot_urb_point *pt = &g_array_index(d->urbs, struct plot_urb_point, i);
        first = pt->complete_ns < first ? pt->complete_ns : first;
        last = pt->complete_ns > last ? pt->complete_ns : last;
    }
    fprintf(f, "# bin_start_s kB_per_s (bytes answered in the bin, both directions)\n");
    if (first != UINT64_MAX) {
        uint64_t width = bin_width_ns(last - first);
        size_t n = (size_t)((last - first) / width) + 1;
        uint64_t *bytes = g_new0(uint64_t, n);
        for (guint i = 0; i < d->urbs->len; i++) {
            const struct plot_urb_point *pt = &g_array_index(d->urbs, struct plot_urb_point, i);
            bytes[(pt->complete_ns - first) / width] += pt->bytes;
        }
        for (size_t b = 0; b < n; b++)
            fprintf(f, "%.9f %.3f\n", rel_s(first + b * width, origin_ns),
                    (double)bytes[b] / ((double)width / 1e9) / 1e3);
        fprintf(f, "%.9f 0\n", rel_s(first + n * width, origin_ns));
        g_free(bytes);
    }
    return fclose(f) == 0;
}

/* whatif.dat: per bulk stream a block of "rtt_ms kB/s low_kB/s" (low: had TCP's slow start ended
 * early; drawn as a band where it differs); without bulk data one block of "rtt_ms session_s".
 * Returns the number of blocks written, -1 on a write error. */
static int write_whatif(const struct whatif_model *m, const char *path, const uint64_t *rtts_ns,
                        size_t n_rtts, const struct plot_point *measured, size_t n_measured, GString *clauses,
                        bool *by_duration)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    struct whatif_prediction *preds = g_new0(struct whatif_prediction, n_rtts ? n_rtts : 1);
    for (size_t k = 0; m && k < n_rtts; k++)
        whatif_model_predict(m, rtts_ns[k], &preds[k]);
    int blocks = 0;
    for (unsigned s = 0; m && n_rtts && s < preds[0].n_streams; s++) {
        const struct whatif_stream *st = &preds[0].streams[s];
        if (st->xfer_type != UIP_XFER_BULK || !st->bytes)
            continue;
        const char *dir = st->direction == UIP_DIR_IN ? "IN" : "OUT";
        fprintf(f, "%s# ep %u %s bulk, %" PRIu64 " bytes: rtt_ms predicted_kB_per_s low_kB_per_s\n",
                blocks ? "\n\n" : "", st->ep, dir, st->bytes);
        bool band = false;
        for (size_t k = 0; k < n_rtts; k++) {
            const struct whatif_stream *pk = &preds[k].streams[s];
            double low = pk->duration_max_s > 0 ? (double)pk->bytes / pk->duration_max_s : 0;
            band = band || pk->duration_max_s > pk->duration_s;
            fprintf(f, "%.6f %.6f %.6f\n", (double)rtts_ns[k] / 1e6, pk->throughput_Bps / 1e3, low / 1e3);
        }
        if (band)
            g_string_append_printf(clauses, "%sdat index %d using 1:3:2 with filledcurves fs transparent solid 0.25 "
                                            "noborder title 'ep %u %s: if slow start ends early'",
                                   blocks ? ", " : "", blocks, st->ep, dir);
        g_string_append_printf(clauses, "%sdat index %d using 1:2 with linespoints pt 7 title 'ep %u %s bulk'",
                               blocks || band ? ", " : "", blocks, st->ep, dir);
        blocks++;
    }
    *by_duration = blocks == 0;
    for (size_t k = 0; blocks && k < n_measured; k++) {
        fprintf(f, "\n\n# measured, %s: rtt_ms kB_per_s\n%.6f %.6f\n", measured[k].label, measured[k].rtt_ms,
                measured[k].kBps);
        g_string_append_printf(clauses, ", dat index %d using 1:2 with points pt 9 ps 2 title 'measured: %s'",
                               blocks++, measured[k].label);
    }
    if (!blocks) {
        fprintf(f, "# no bulk data: rtt_ms predicted_session_duration_s\n");
        for (size_t k = 0; k < n_rtts; k++)
            fprintf(f, "%.6f %.9f\n", (double)rtts_ns[k] / 1e6, preds[k].duration_s);
        g_string_append(clauses, "dat index 0 using 1:2 with linespoints pt 7 title 'whole session'");
        blocks = 1;
    }
    g_free(preds);
    return fclose(f) == 0 ? blocks : -1;
}

/* ---- the gnuplot script ------------------------------------------------------------------------ */

static void gp_chart(FILE *gp, const char *out, const char *dat, const char *title, const char *xlabel,
                     const char *ylabel, bool log_y, const char *clauses)
{
    fprintf(gp, "set output ");
    gp_path(gp, out);
    fprintf(gp, "\ndat = ");
    gp_path(gp, dat);
    fprintf(gp, "\nset title '%s' noenhanced\nset xlabel '%s' noenhanced\nset ylabel '%s' noenhanced\n"
                "%s\nplot %s\n",
            title, xlabel, ylabel, log_y ? "set logscale y" : "unset logscale y", clauses);
}

static bool run_gnuplot(const char *script, char *err, size_t errlen)
{
    gchar *argv[] = {(gchar *)"gnuplot", (gchar *)script, NULL};
    gchar *out = NULL, *errtext = NULL;
    gint status = 0;
    GError *gerr = NULL;
    bool ok = g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &errtext, &status, &gerr);
    if (!ok) {
        snprintf(err, errlen, "--plot: cannot run gnuplot (install gnuplot-nox, see "
                              "scripts/packages/plots.txt): %s", gerr->message);
        g_error_free(gerr);
    } else if (!g_spawn_check_wait_status(status, NULL)) {
        ok = false;
        gchar *nl = errtext ? strchr(g_strstrip(errtext), '\n') : NULL;
        if (nl)
            *nl = 0;
        snprintf(err, errlen, "--plot: gnuplot failed on %s: %s", script, errtext ? errtext : "");
    }
    g_free(out);
    g_free(errtext);
    return ok;
}

/* The gnuplot terminal of each format, and the file name extension. */
static const struct {
    unsigned format;
    const char *ext, *terminal;
} formats[] = {
    {PLOT_SVG, "svg", "svg size 960,540 dynamic font 'sans,12' background '#ffffff'"},
    {PLOT_PNG, "png", "pngcairo size 1280,720 font 'sans,12' background '#ffffff'"},
};

static bool write_device(const struct plot_device *d, const char *dir, unsigned format_mask, uint64_t origin_ns,
                         const struct whatif_set *whatif, const uint64_t *rtts_ns, size_t n_rtts,
                         const struct plot_point *measured, size_t n_measured, char *err, size_t errlen)
{
    char base[64], label[96];
    snprintf(base, sizeof base, "conn%u-dev%u-%u", d->conn_id, d->devid >> 16, d->devid & 0xffff);
    snprintf(label, sizeof label, "connection %u, device %u-%u", d->conn_id, d->devid >> 16, d->devid & 0xffff);
    const char *kinds[] = {"latency", "queue", "throughput", "whatif"};
    gchar *dat[4];
    for (int k = 0; k < 4; k++)
        dat[k] = g_strdup_printf("%s/%s-%s.dat", dir, base, kinds[k]);
    gchar *script = g_strdup_printf("%s/%s.gp", dir, base);
    GString *lat_clauses = g_string_new(""), *whatif_clauses = g_string_new("");
    bool by_duration = false;
    bool ok = write_latency(d, dat[0], origin_ns, lat_clauses) && write_queue(d, dat[1], origin_ns) &&
              write_throughput(d, dat[2], origin_ns) &&
              write_whatif(whatif ? whatif_set_model(whatif, d->conn_id, d->devid) : NULL, dat[3],
                           rtts_ns, n_rtts, measured, n_measured, whatif_clauses, &by_duration) >= 0;
    FILE *gp = ok ? fopen(script, "w") : NULL;
    if (!gp) {
        snprintf(err, errlen, "--plot: cannot write the files of %s in %s: %s", base, dir, g_strerror(errno));
        ok = false;
    } else {
        fprintf(gp, "# %s: %s (usbip-analyze --plot; data in the .dat files beside)\n"
                    "set grid\nset key outside right top\n", base, label);
        for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
            if (!(format_mask & formats[f].format))
                continue;
            gchar *out[4];
            for (int k = 0; k < 4; k++)
                out[k] = g_strdup_printf("%s/%s-%s.%s", dir, base, kinds[k], formats[f].ext);
            fprintf(gp, "set terminal %s\n", formats[f].terminal);
            char title[160];
            if (d->urbs->len) {
                snprintf(title, sizeof title, "URB latency, %s", label);
                gp_chart(gp, out[0], dat[0], title, "time since the capture began (s)",
                         "latency, submit to answer (ms)", true, lat_clauses->str);
            }
            snprintf(title, sizeof title, "Queue depth (URBs outstanding), %s", label);
            gp_chart(gp, out[1], dat[1], title, "time since the capture began (s)", "URBs outstanding", false,
                     "dat using 1:2 with steps lw 2 title 'device'");
            if (d->urbs->len) {
                snprintf(title, sizeof title, "Throughput, %s", label);
                gp_chart(gp, out[2], dat[2], title, "time since the capture began (s)", "throughput (kB/s)",
                         false, "dat using 1:2 with steps lw 2 title 'both directions'");
                snprintf(title, sizeof title, "What-if: predicted %s at another round trip, %s",
                         by_duration ? "session duration" : "throughput", label);
                gp_chart(gp, out[3], dat[3], title, "network round trip (ms)",
                         by_duration ? "predicted duration (s)" : "predicted throughput (kB/s)", !by_duration,
                         whatif_clauses->str);
            }
            for (int k = 0; k < 4; k++)
                g_free(out[k]);
        }
        ok = fclose(gp) == 0 && run_gnuplot(script, err, errlen);
    }
    for (int k = 0; k < 4; k++)
        g_free(dat[k]);
    g_free(script);
    g_string_free(lat_clauses, TRUE);
    g_string_free(whatif_clauses, TRUE);
    return ok;
}

bool plot_write(const struct plot_set *p, const char *dir, unsigned format_mask, uint64_t origin_ns,
                const struct whatif_set *whatif, const uint64_t *rtts_ns, size_t n_rtts,
                const struct plot_point *measured, size_t n_measured, char *err, size_t errlen)
{
    for (unsigned i = 0; i < device_table_len(p->devs); i++)
        if (!write_device(device_table_at(p->devs, i), dir, format_mask, origin_ns, whatif, rtts_ns, n_rtts,
                          measured, n_measured, err, errlen))
            return false;
    return true;
}
