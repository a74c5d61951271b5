/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main.c -- usbip-analyze: the command line parsed (parse_options, check_options), the core's
 * session wired to the analyzer's views and run (analyze), the reports written (run_output). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "classview.h"
#include "device_table.h"
#include "diff.h"
#include "live_view.h"
#include "measured.h"
#include "plot.h"
#include "report.h"
#include "stats.h"
#include "urb_rows.h"
#include "uip/error.h"
#include "uip/session.h"
#include "uip/usb.h"

/* Exit codes (documented in analyzer/README.md and --help). */
enum {
    EXIT_CLEAN = 0,      /* analyzed; nothing unparsed, no anomaly */
    EXIT_PROBLEMS = 1,   /* analyzed; skipped bytes, TCP gaps or anomalies found, or no USB/IP at all */
    EXIT_USAGE = 2,      /* bad command line, or an unwritable --urbs/--scsi file */
    EXIT_UNREADABLE = 3, /* capture missing, not a capture, or unsupported link type */
    EXIT_CORRUPT = 4,    /* capture corrupt part-way: report covers what came before */
    EXIT_NO_PLOTS = 5,   /* --plot: the charts could not be drawn (gnuplot missing or failing) */
};

/* --measured captures, at most. */
#define MAX_MEASURED 16

/* The round trips of --plot's what-if curve when --what-if does not give them. */
static const uint64_t plot_default_rtts_ns[] = {0, 1000000, 2000000, 5000000, 10000000, 20000000,
                                                50000000, 100000000, 200000000, 500000000, 1000000000};

#define VERSION "0.1.0"

struct run {
    struct device_registry *devices; /* every view's state of each device */
    struct analysis *analysis;
    struct classview *classview;
    struct conn_ends *conn_ends;
    struct timeline *timeline;
    struct whatif_set *whatif;
    bool whatif_out_of_memory;
    struct plot_set *plots;
    FILE *urbs_csv;
    bool flush_rows; /* live: each CSV row out as its URB finishes */
    FILE *json_lines;
    FILE *scsi_csv;
    struct live_view *view;       /* live on a terminal: redrawn every second */
    struct uip_session *session;  /* for the view: the connections' state */
};

/* Long options without a short one. */
enum { OPT_ANY_PORT = 256, OPT_INTERVAL, OPT_WHAT_IF, OPT_JSON_LINES, OPT_TCP, OPT_DIFF, OPT_BUSID, OPT_DEVICE };

static void usage(FILE *out)
{
    fprintf(out,
            "usage: usbip-analyze [options] CAPTURE\n"
            "       usbip-analyze [options] -i IFACE [-f FILTER] [-w FILE] [-c COUNT] [-a duration:S]\n"
            "       usbip-analyze --diff [--busid BUSID] [--device VID:PID] [--json] GOOD BAD\n"
            "Account for every USB/IP URB in a pcap/pcapng capture ('-' for stdin): USB/IP over\n"
            "TCP, Linux usbmon, or a capture usbipd-win wrote itself; or watch an interface live.\n\n"
            "  -i, --interface IFACE  capture live on IFACE (usbmonN for usbmon) until SIGINT or\n"
            "                  SIGTERM or a stop condition, then report\n"
            "  -f, --filter FILTER  BPF filter of the live capture (default: tcp port PORT; with\n"
            "                  --any-port, tcp; none on usbmon)\n"
            "  -w, --write FILE  also save what is captured live to FILE (pcap)\n"
            "  -c, --count N   stop the live capture after N packets\n"
            "  -a, --autostop duration:S  stop the live capture after S seconds\n"
            "  --json          one JSON document on stdout instead of the text report\n"
            "  --urbs FILE     write one CSV row per URB to FILE ('-' for stdout)\n"
            "  --scsi FILE     write one CSV row per SCSI command (mass storage) to FILE ('-' for\n"
            "                  stdout; only one of --urbs, --scsi, --json-lines to stdout)\n"
            "  --json-lines FILE  write one JSON object per URB, as it finishes, to FILE ('-' for\n"
            "                  stdout; the --urbs columns as keys; flushed per line)\n"
            "  --port N        USB/IP server port (default 3240)\n"
            "  --any-port      also recognise USB/IP on other ports by content\n"
            "  --timeline      add queue depth and throughput per device and interval\n"
            "  --interval S    the timeline's interval in seconds (default 1)\n"
            "  --what-if LIST  predict throughput at other network round trips, e.g.\n"
            "                  0,10,20,50,100,200,500,1000ms (us, ms or s; ms when none)\n"
            "  --tcp LIST      the what-if model's TCP where the capture does not tell it:\n"
            "                  mss=BYTES (segment payload; path MTU less 52), rmem=BYTES (the\n"
            "                  receivers' tcp_rmem maximum), slow-start-end=BYTES (window)\n"
            "  --plot DIR      draw per device latency, queue depth, throughput and the what-if\n"
            "                  curve as SVG into DIR (with gnuplot)\n"
            "  --plot-format F svg (default), png or svg,png\n"
            "  --measured CAPTURE  with --plot: put CAPTURE's main bulk stream, as measured, on\n"
            "                  the what-if charts at its own round trip (repeatable, at most 16)\n"
            "  --diff GOOD BAD  compare one device's session in two captures: URBs aligned by\n"
            "                  request, the first divergence in context, latency per endpoint side\n"
            "                  by side, the likely cause (exit 0 alike, 1 different)\n"
            "  --busid BUSID   with --diff: the device to compare when a capture holds several\n"
            "  --device VID:PID  with --diff: ... by its USB identity (a re-enumerated busid holds two)\n"
            "  --help          this text\n"
            "  --version       the version\n\n"
            "exit codes: 0 clean; 1 problems in the traffic (skipped bytes, TCP gaps, anomalies)\n"
            "            or no USB/IP traffic at all;\n"
            "            2 usage (also a live filter that does not compile); 3 capture unreadable\n"
            "            (live: no permission, no such interface); 4 capture corrupt part-way;\n"
            "            5 --plot could not draw its charts\n");
}

static void on_urb(void *user, const struct uip_urb *u)
{
    struct run *r = user;
    analysis_urb(r->analysis, u);
    classview_urb(r->classview, u);
    conn_ends_urb(r->conn_ends, u);
    if (r->whatif && !whatif_set_urb(r->whatif, u))
        r->whatif_out_of_memory = true;
    if (r->plots)
        plot_urb(r->plots, u);
    if (r->urbs_csv) {
        urb_rows_csv(r->urbs_csv, u);
        if (r->flush_rows)
            fflush(r->urbs_csv);
    }
    if (r->json_lines) {
        urb_rows_json(r->json_lines, u);
        fflush(r->json_lines); /* one object per URB as it finishes, for pipelines */
    }
    if (r->view)
        live_view_urb(r->view, u);
}

static void on_event(void *user, const struct uip_event *ev)
{
    struct run *r = user;
    analysis_event(r->analysis, ev);
    if (r->timeline)
        timeline_event(r->timeline, ev);
    if (r->plots)
        plot_event(r->plots, ev);
    if (r->view)
        live_view_event(r->view, ev);
}

/* Every second of a live capture on a terminal: redraw the view. */
static void on_tick(void *user)
{
    struct run *r = user;
    live_view_draw(r->view, r->analysis, r->session);
}

static void on_device(void *user, const struct uip_device_info *d)
{
    struct run *r = user;
    analysis_device(r->analysis, d);
    classview_device(r->classview, d);
}

/* A connection's SYNs: the what-if model's TCP takes its segment sizes and windows from them. */
static void on_handshake(void *user, uint32_t conn_id, const struct uip_tcp_handshake *h)
{
    struct run *r = user;
    if (r->whatif && !whatif_set_handshake(r->whatif, conn_id, h))
        r->whatif_out_of_memory = true;
}

/* Everything run holds, on every way out of analyze. */
static void run_free(struct run *r)
{
    analysis_free(r->analysis);
    classview_free(r->classview);
    conn_ends_free(r->conn_ends);
    timeline_free(r->timeline);
    whatif_set_free(r->whatif);
    plot_set_free(r->plots);
    live_view_free(r->view);
    device_registry_free(r->devices);
}

/* Open a --urbs, --scsi or --json-lines file ('-': stdout); NULL with a message on stderr when it cannot be written. */
static FILE *output_open(const char *path)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
    if (!f)
        fprintf(stderr, "usbip-analyze: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

/* Whether a --urbs, --scsi or --json-lines path is stdout. */
static bool output_to_stdout(const char *path)
{
    return path && !strcmp(path, "-");
}

/* Close a --urbs, --scsi or --json-lines file; false (with a message) when its rows could not all be written. */
static bool output_close(FILE *f, const char *path)
{
    if (!f || f == stdout)
        return true;
    if (fclose(f) == 0)
        return true;
    fprintf(stderr, "usbip-analyze: error writing %s\n", path);
    return false;
}

/* What the command line asked for. */
struct options {
    bool json, timeline, whatif;
    double interval;
    const char *urbs_path, *scsi_path, *lines_path;
    uint64_t whatif_rtts[WHATIF_MAX_DELAYS];
    size_t n_whatif_rtts;
    struct whatif_tcp_overrides tcp_overrides;
    const char *plot_dir;
    unsigned plot_formats;
    const char *measured_paths[MAX_MEASURED];
    size_t n_measured;
    struct uip_session_config cfg;
    struct uip_live_config live;
    struct diff_options diff;
    bool diff_given;   /* --diff */
    char **args;       /* the operands: one capture, none with -i, two with --diff */
    int n_args;
};

/* One of --urbs, --scsi, --json-lines writes its rows to stdout: no text report, no live view. */
static bool rows_on_stdout(const struct options *o)
{
    return output_to_stdout(o->urbs_path) || output_to_stdout(o->scsi_path) || output_to_stdout(o->lines_path);
}

/* Set by SIGINT and SIGTERM: a live capture stops and reports. */
static volatile sig_atomic_t live_stop;

static void on_stop_signal(int sig)
{
    (void)sig;
    live_stop = 1;
}

static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal; /* no SA_RESTART: the capture's wait ends at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* -a duration:S (tcpdump's and tshark's autostop) into *ns; false when it is not that. */
static bool parse_autostop(const char *arg, uint64_t *ns)
{
    static const char key[] = "duration:";
    char *end;
    if (strncmp(arg, key, sizeof key - 1) != 0)
        return false;
    double s = strtod(arg + sizeof key - 1, &end);
    if (*end || !(s > 0 && s <= 31536000))
        return false;
    *ns = (uint64_t)(s * 1e9);
    return true;
}

/* One option's argument into o; -1 when it was good, else the exit code (the message printed). */
static int parse_option(int c, const char *arg, struct options *o)
{
    char why[200];
    char *end;
    switch (c) {
    case 'j': o->json = true; break;
    case 'u': o->urbs_path = arg; break;
    case OPT_JSON_LINES: o->lines_path = arg; break;
    case 's': o->scsi_path = arg; break;
    case OPT_ANY_PORT: o->cfg.capture.detect_any_port = true; break;
    case 't': o->timeline = true; break;
    case 'i': o->live.interface = arg; break;
    case 'f': o->live.filter = arg; break;
    case 'w': o->live.write_path = arg; break;
    case 'c': {
        unsigned long long n = strtoull(arg, &end, 10);
        if (*end || !n || arg[0] == '-') {
            fprintf(stderr, "usbip-analyze: -c wants a packet count above 0, not '%s'\n", arg);
            return EXIT_USAGE;
        }
        o->live.count = n;
        break;
    }
    case 'a':
        if (!parse_autostop(arg, &o->live.duration_ns)) {
            fprintf(stderr, "usbip-analyze: -a wants duration:SECONDS, not '%s'\n", arg);
            return EXIT_USAGE;
        }
        break;
    case OPT_INTERVAL:
        o->interval = strtod(arg, &end);
        if (*end || !(o->interval >= 1e-6 && o->interval <= 86400)) {
            fprintf(stderr, "usbip-analyze: --interval wants seconds in 0.000001..86400, not '%s'\n", arg);
            return EXIT_USAGE;
        }
        break;
    case OPT_WHAT_IF:
        if (!whatif_parse_delays(arg, o->whatif_rtts, WHATIF_MAX_DELAYS, &o->n_whatif_rtts, why, sizeof why)) {
            fprintf(stderr, "usbip-analyze: %s\n", why);
            return EXIT_USAGE;
        }
        o->whatif = true;
        break;
    case OPT_TCP:
        if (!whatif_parse_tcp(arg, &o->tcp_overrides, why, sizeof why)) {
            fprintf(stderr, "usbip-analyze: %s\n", why);
            return EXIT_USAGE;
        }
        break;
    case 'P': o->plot_dir = arg; break;
    case 'M':
        if (o->n_measured == MAX_MEASURED) {
            fprintf(stderr, "usbip-analyze: at most %d --measured captures\n", MAX_MEASURED);
            return EXIT_USAGE;
        }
        o->measured_paths[o->n_measured++] = arg;
        break;
    case 'F':
        o->plot_formats = !strcmp(arg, "svg") ? PLOT_SVG : !strcmp(arg, "png") ? PLOT_PNG
                        : !strcmp(arg, "svg,png") || !strcmp(arg, "png,svg") ? PLOT_SVG | PLOT_PNG : 0;
        if (!o->plot_formats) {
            fprintf(stderr, "usbip-analyze: --plot-format wants svg, png or svg,png, not '%s'\n", arg);
            return EXIT_USAGE;
        }
        break;
    case 'p': {
        long v = strtol(arg, &end, 10);
        if (*end || v < 1 || v > 65535) {
            fprintf(stderr, "usbip-analyze: --port wants 1..65535, not '%s'\n", arg);
            return EXIT_USAGE;
        }
        o->cfg.capture.port = (uint16_t)v;
        break;
    }
    case OPT_DIFF: o->diff_given = true; break;
    case OPT_BUSID: o->diff.busid = arg; break;
    case OPT_DEVICE: {
        unsigned v, p;
        char tail;
        if (sscanf(arg, "%4x:%4x%c", &v, &p, &tail) != 2) {
            fprintf(stderr, "usbip-analyze: --device wants VID:PID in hex like 18d1:4ee2, not '%s'\n", arg);
            return EXIT_USAGE;
        }
        o->diff.by_model = true;
        o->diff.vendor = (uint16_t)v;
        o->diff.product = (uint16_t)p;
        break;
    }
    case 'h': usage(stdout); return EXIT_CLEAN;
    case 'V': printf("usbip-analyze " VERSION "\n"); return EXIT_CLEAN;
    default: usage(stderr); return EXIT_USAGE;
    }
    return -1;
}

/* The command line into o; -1 when the analysis is to run, else the exit code. */
static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},     {"urbs", required_argument, NULL, 'u'},
        {"scsi", required_argument, NULL, 's'},
        {"port", required_argument, NULL, 'p'}, {"any-port", no_argument, NULL, OPT_ANY_PORT},
        {"help", no_argument, NULL, 'h'},     {"version", no_argument, NULL, 'V'},
        {"timeline", no_argument, NULL, 't'}, {"interval", required_argument, NULL, OPT_INTERVAL},
        {"what-if", required_argument, NULL, OPT_WHAT_IF}, {"tcp", required_argument, NULL, OPT_TCP},
        {"plot", required_argument, NULL, 'P'},
        {"interface", required_argument, NULL, 'i'}, {"filter", required_argument, NULL, 'f'},
        {"write", required_argument, NULL, 'w'}, {"count", required_argument, NULL, 'c'},
        {"autostop", required_argument, NULL, 'a'},
        {"json-lines", required_argument, NULL, OPT_JSON_LINES},
        {"plot-format", required_argument, NULL, 'F'}, {"measured", required_argument, NULL, 'M'},
        {"diff", no_argument, NULL, OPT_DIFF}, {"busid", required_argument, NULL, OPT_BUSID},
        {"device", required_argument, NULL, OPT_DEVICE},
        {NULL, 0, NULL, 0},
    };
    int c, rc;
    while ((c = getopt_long(argc, argv, "i:f:w:c:a:", opts, NULL)) != -1)
        if ((rc = parse_option(c, optarg, o)) >= 0)
            return rc;
    o->args = argv + optind;
    o->n_args = argc - optind;
    return -1;
}

/* usbip-analyze --diff GOOD BAD: the two captures and --busid, --device, --json; other options do
 * not apply. */
static int diff_main(struct options *o)
{
    bool other_options = o->urbs_path || o->scsi_path || o->lines_path || o->timeline || o->whatif ||
                         o->plot_dir || o->n_measured || o->live.interface || o->live.filter ||
                         o->live.write_path || o->live.count || o->live.duration_ns;
    if (!o->diff_given) {
        fprintf(stderr, "usbip-analyze: --busid and --device pick the device --diff compares: give --diff GOOD BAD\n");
        return EXIT_USAGE;
    }
    if (o->n_args != 2) {
        fprintf(stderr, "usbip-analyze: --diff compares two captures: GOOD BAD (%d given)\n", o->n_args);
        return EXIT_USAGE;
    }
    if (other_options) {
        fprintf(stderr, "usbip-analyze: --diff takes --busid, --device, --json, --port and --any-port only\n");
        return EXIT_USAGE;
    }
    o->diff.good = o->args[0];
    o->diff.bad = o->args[1];
    o->diff.json = o->json;
    char err[1400] = "";
    enum diff_result rc = diff_run(&o->diff, &o->cfg, stdout, err, sizeof err);
    if (err[0])
        fprintf(stderr, "usbip-analyze: %s\n", err);
    return (int)rc;
}

/* The operands and the options together; -1 when they fit, else EXIT_USAGE (the message printed). */
static int check_options(const struct options *o)
{
    const struct uip_live_config *live = &o->live;
    if (live->interface ? o->n_args != 0 : o->n_args != 1) {
        fprintf(stderr, "usbip-analyze: %s\n", live->interface ? "-i captures live: no capture file too"
                                                : o->n_args == 0 ? "no capture given" : "one capture at a time");
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!live->interface && (live->filter || live->write_path || live->count || live->duration_ns)) {
        fprintf(stderr, "usbip-analyze: -f, -w, -c and -a apply to a live capture (-i IFACE)\n");
        return EXIT_USAGE;
    }
    if (output_to_stdout(o->urbs_path) + output_to_stdout(o->scsi_path) + output_to_stdout(o->lines_path) > 1) {
        fprintf(stderr, "usbip-analyze: only one of --urbs, --scsi and --json-lines can write to stdout\n");
        return EXIT_USAGE;
    }
    if (o->n_measured && !o->plot_dir) {
        fprintf(stderr, "usbip-analyze: --measured places points on --plot's what-if charts: give --plot DIR\n");
        return EXIT_USAGE;
    }
    return -1;
}

/* The --urbs, --scsi and --json-lines files closed; false when one could not be written. */
static bool outputs_close(struct run *r, const struct options *o)
{
    bool urbs = output_close(r->urbs_csv, o->urbs_path);
    bool scsi = output_close(r->scsi_csv, o->scsi_path);
    bool lines = output_close(r->json_lines, o->lines_path);
    r->urbs_csv = r->scsi_csv = r->json_lines = NULL;
    return urbs && scsi && lines;
}

/* The views the options ask for, and their files open; -1 when ready, else the exit code. */
static int run_prepare(struct run *r, const struct options *o)
{
    struct device_registry *devices = device_registry_new();
    *r = (struct run){.devices = devices,
                      .analysis = analysis_new(devices),
                      .classview = classview_new(devices),
                      .conn_ends = conn_ends_new(),
                      .timeline = o->timeline ? timeline_new((uint64_t)(o->interval * 1e9), devices) : NULL,
                      .whatif = o->whatif || o->plot_dir ? whatif_set_new(devices) : NULL,
                      .plots = o->plot_dir ? plot_set_new(devices) : NULL,
                      .flush_rows = o->live.interface != NULL};
    if (r->whatif)
        whatif_set_tcp_overrides(r->whatif, &o->tcp_overrides);
    if ((o->urbs_path && !(r->urbs_csv = output_open(o->urbs_path))) ||
        (o->scsi_path && !(r->scsi_csv = output_open(o->scsi_path))) ||
        (o->lines_path && !(r->json_lines = output_open(o->lines_path)))) {
        outputs_close(r, o);
        return EXIT_USAGE;
    }
    if (r->urbs_csv)
        urb_rows_csv_header(r->urbs_csv);
    if (r->scsi_csv)
        classview_scsi_csv(r->classview, r->scsi_csv);
    return -1;
}

/* The reports of a finished run (text or JSON, plots) and its exit status. */
static int run_output(struct run *r, const struct options *o, const char *path, int rc, const char *err,
                      const struct plot_point *measured)
{
    struct uip_session_stats st;
    uip_session_stats(r->session, &st);
    analysis_sort(r->analysis);
    classview_finish(r->classview);
    struct report_input in = {.capture_path = path, .analysis = r->analysis, .stats = &st,
                              .classview = r->classview, .conn_ends = r->conn_ends,
                              .session = r->session, .read_error = rc == UIP_OK ? NULL : err,
                              .timeline = r->timeline, .whatif = o->whatif ? r->whatif : NULL,
                              .whatif_rtts_ns = o->whatif_rtts, .n_whatif_rtts = o->n_whatif_rtts};
    if (r->whatif)
        whatif_set_fit(r->whatif);
    if (r->whatif_out_of_memory)
        fprintf(stderr, "usbip-analyze: out of memory: the what-if model leaves out some URBs\n");
    if (o->json)
        report_json(stdout, &in);
    else if (!rows_on_stdout(o))
        report_text(stdout, &in);
    int status = rc != UIP_OK ? EXIT_CORRUPT : report_has_problems(&in) ? EXIT_PROBLEMS : EXIT_CLEAN;
    if (rc != UIP_OK)
        fprintf(stderr, "usbip-analyze: %s\n", err);
    else if (!st.capture.connections && !analysis_n_devices(r->analysis)) {
        fprintf(stderr, "usbip-analyze: no USB/IP traffic found in %s (try --any-port or --port)\n", path);
        status = EXIT_PROBLEMS;
    }
    if (r->plots) {
        bool own = o->n_whatif_rtts > 0;
        char plot_err[512] = "";
        if (!plot_write(r->plots, o->plot_dir, o->plot_formats, st.capture.first_ts_ns, r->whatif,
                        own ? o->whatif_rtts : plot_default_rtts_ns,
                        own ? o->n_whatif_rtts : sizeof plot_default_rtts_ns / sizeof plot_default_rtts_ns[0],
                        measured, o->n_measured, plot_err, sizeof plot_err)) {
            fprintf(stderr, "usbip-analyze: %s\n", plot_err);
            status = EXIT_NO_PLOTS;
        }
    }
    return status;
}

/* Analyze the capture (or the live interface) as o asks: set up, run, report. */
static int analyze(struct options *o)
{
    char live_label[160];
    snprintf(live_label, sizeof live_label, "%s (live)", o->live.interface ? o->live.interface : "");
    const char *path = o->live.interface ? live_label : o->args[0];
    char err[512] = "";
    if (o->plot_dir && !plot_prepare_dir(o->plot_dir, err, sizeof err)) {
        fprintf(stderr, "usbip-analyze: %s\n", err);
        return EXIT_USAGE;
    }
    struct plot_point measured[MAX_MEASURED];
    for (size_t k = 0; k < o->n_measured; k++) {
        enum measured_result mr = measured_point(o->measured_paths[k], &o->cfg, &measured[k], err, sizeof err);
        if (mr != MEASURED_OK) {
            fprintf(stderr, "usbip-analyze: %s\n", err);
            return mr == MEASURED_UNREADABLE ? EXIT_UNREADABLE : EXIT_USAGE;
        }
    }
    struct run run;
    int status = run_prepare(&run, o);
    if (status >= 0) {
        run_free(&run);
        return status;
    }
    struct uip_session_callbacks cb = {.tracker = {.urb = on_urb, .event = on_event, .device = on_device},
                                       .handshake = on_handshake};
    int code = 0;
    if (o->live.interface)
        catch_stop_signals();
    if (o->live.interface && isatty(fileno(stdout)) && !rows_on_stdout(o)) {
        run.view = live_view_new(stdout, path, "stops and reports", run.devices);
        o->live.tick = on_tick;
        o->live.tick_user = &run;
    }
    run.session = o->live.interface ? uip_session_open_live(&o->live, &o->cfg, &cb, &run, &code, err, sizeof err)
                                    : uip_session_open(path, &o->cfg, &cb, &run, &code, err, sizeof err);
    if (!run.session) {
        fprintf(stderr, "usbip-analyze: %s\n", err);
        outputs_close(&run, o);
        run_free(&run);
        return code == UIP_ERR_BAD_ARGUMENT || code == UIP_ERR_BAD_FILTER ? EXIT_USAGE : EXIT_UNREADABLE;
    }
    if (o->live.interface) /* as tshark says it: the capture is up */
        fprintf(stderr, "usbip-analyze: capturing on %s\n", o->live.interface);
    int rc = uip_session_run(run.session, err, sizeof err);
    if (run.view)
        live_view_end(run.view);
    status = run_output(&run, o, path, rc, err, measured);
    if (!outputs_close(&run, o))
        status = EXIT_USAGE;
    uip_session_close(run.session);
    run_free(&run);
    return status;
}

int main(int argc, char **argv)
{
    struct options o = {.interval = 1.0, .plot_formats = PLOT_SVG,
                        .cfg = {.data_keep = 64, .control_keep = 4096},
                        .live = {.stop = &live_stop}};
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (o.diff_given || o.diff.busid || o.diff.by_model)
        return diff_main(&o);
    if ((rc = check_options(&o)) >= 0)
        return rc;
    return analyze(&o);
}
