/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main.c -- usbip-analyze: argument parsing and wiring of the core session to the reports. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "classview.h"
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

/* Everything run holds, on every way out of main. */
static void run_free(struct run *r)
{
    analysis_free(r->analysis);
    classview_free(r->classview);
    conn_ends_free(r->conn_ends);
    timeline_free(r->timeline);
    whatif_set_free(r->whatif);
    plot_set_free(r->plots);
    live_view_free(r->view);
}

/* Open a --urbs, --scsi or --json-lines file ('-': stdout); NULL with a message on stderr when it cannot be written. */
static FILE *output_open(const char *path)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
    if (!f)
        fprintf(stderr, "usbip-analyze: cannot write %s: %s\n", path, strerror(errno));
    return f;
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

/* usbip-analyze --diff GOOD BAD: the two captures and --busid, --json; other options do not apply. */
static int diff_main(struct diff_options *diff, int n_args, char **args, bool json,
                     const struct uip_session_config *cfg, bool other_options)
{
    if (!diff->good) {
        fprintf(stderr, "usbip-analyze: --busid and --device pick the device --diff compares: give --diff GOOD BAD\n");
        return EXIT_USAGE;
    }
    if (n_args != 2) {
        fprintf(stderr, "usbip-analyze: --diff compares two captures: GOOD BAD (%d given)\n", n_args);
        return EXIT_USAGE;
    }
    if (other_options) {
        fprintf(stderr, "usbip-analyze: --diff takes --busid, --device, --json, --port and --any-port only\n");
        return EXIT_USAGE;
    }
    diff->good = args[0];
    diff->bad = args[1];
    diff->json = json;
    char err[1400] = "";
    enum diff_result rc = diff_run(diff, cfg, stdout, err, sizeof err);
    if (err[0])
        fprintf(stderr, "usbip-analyze: %s\n", err);
    return (int)rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},     {"urbs", required_argument, NULL, 'u'},
        {"scsi", required_argument, NULL, 's'},
        {"port", required_argument, NULL, 'p'}, {"any-port", no_argument, NULL, OPT_ANY_PORT},
        {"help", no_argument, NULL, 'h'},     {"version", no_argument, NULL, 'V'},
        {"timeline", no_argument, NULL, 't'}, {"interval", required_argument, NULL, OPT_INTERVAL},
        {"what-if", required_argument, NULL, OPT_WHAT_IF}, {"tcp", required_argument, NULL, OPT_TCP}, {"plot", required_argument, NULL, 'P'},
        {"interface", required_argument, NULL, 'i'}, {"filter", required_argument, NULL, 'f'},
        {"write", required_argument, NULL, 'w'}, {"count", required_argument, NULL, 'c'},
        {"autostop", required_argument, NULL, 'a'},
        {"json-lines", required_argument, NULL, OPT_JSON_LINES},
        {"plot-format", required_argument, NULL, 'F'}, {"measured", required_argument, NULL, 'M'},
        {"diff", no_argument, NULL, OPT_DIFF}, {"busid", required_argument, NULL, OPT_BUSID},
        {"device", required_argument, NULL, OPT_DEVICE},
        {NULL, 0, NULL, 0},
    };
    bool json = false, timeline = false;
    double interval = 1.0;
    const char *urbs_path = NULL, *scsi_path = NULL, *lines_path = NULL;
    uint64_t whatif_rtts[WHATIF_MAX_DELAYS];
    struct whatif_tcp_overrides tcp_overrides = {0};
    size_t n_whatif_rtts = 0;
    bool whatif = false;
    const char *plot_dir = NULL;
    unsigned plot_formats = PLOT_SVG;
    const char *measured_paths[MAX_MEASURED];
    size_t n_measured = 0;
    struct uip_session_config cfg = {.data_keep = 64, .control_keep = 4096};
    struct uip_live_config live = {.stop = &live_stop};
    struct diff_options diff = {0};
    int c;

    while ((c = getopt_long(argc, argv, "i:f:w:c:a:", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'u': urbs_path = optarg; break;
        case OPT_JSON_LINES: lines_path = optarg; break;
        case 's': scsi_path = optarg; break;
        case OPT_ANY_PORT: cfg.capture.detect_any_port = true; break;
        case 't': timeline = true; break;
        case 'i': live.interface = optarg; break;
        case 'f': live.filter = optarg; break;
        case 'w': live.write_path = optarg; break;
        case 'c': {
            char *end;
            unsigned long long n = strtoull(optarg, &end, 10);
            if (*end || !n || optarg[0] == '-') {
                fprintf(stderr, "usbip-analyze: -c wants a packet count above 0, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            live.count = n;
            break;
        }
        case 'a':
            if (!parse_autostop(optarg, &live.duration_ns)) {
                fprintf(stderr, "usbip-analyze: -a wants duration:SECONDS, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_INTERVAL: {
            char *end;
            interval = strtod(optarg, &end);
            if (*end || !(interval >= 1e-6 && interval <= 86400)) {
                fprintf(stderr, "usbip-analyze: --interval wants seconds in 0.000001..86400, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        }
        case OPT_WHAT_IF: {
            char why[160];
            if (!whatif_parse_delays(optarg, whatif_rtts, WHATIF_MAX_DELAYS, &n_whatif_rtts, why, sizeof why)) {
                fprintf(stderr, "usbip-analyze: %s\n", why);
                return EXIT_USAGE;
            }
            whatif = true;
            break;
        }
        case OPT_TCP: {
            char why[200];
            if (!whatif_parse_tcp(optarg, &tcp_overrides, why, sizeof why)) {
                fprintf(stderr, "usbip-analyze: %s\n", why);
                return EXIT_USAGE;
            }
            break;
        }
        case 'P': plot_dir = optarg; break;
        case 'M':
            if (n_measured == MAX_MEASURED) {
                fprintf(stderr, "usbip-analyze: at most %d --measured captures\n", MAX_MEASURED);
                return EXIT_USAGE;
            }
            measured_paths[n_measured++] = optarg;
            break;
        case 'F':
            plot_formats = !strcmp(optarg, "svg") ? PLOT_SVG : !strcmp(optarg, "png") ? PLOT_PNG
                         : !strcmp(optarg, "svg,png") || !strcmp(optarg, "png,svg") ? PLOT_SVG | PLOT_PNG : 0;
            if (!plot_formats) {
                fprintf(stderr, "usbip-analyze: --plot-format wants svg, png or svg,png, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'p': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 65535) {
                fprintf(stderr, "usbip-analyze: --port wants 1..65535, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            cfg.capture.port = (uint16_t)v;
            break;
        }
        case OPT_DIFF: diff.good = ""; break;
        case OPT_BUSID: diff.busid = optarg; break;
        case OPT_DEVICE: {
            unsigned v, p;
            char tail;
            if (sscanf(optarg, "%4x:%4x%c", &v, &p, &tail) != 2) {
                fprintf(stderr, "usbip-analyze: --device wants VID:PID in hex like 18d1:4ee2, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            diff.by_model = true;
            diff.vendor = (uint16_t)v;
            diff.product = (uint16_t)p;
            break;
        }
        case 'h': usage(stdout); return EXIT_CLEAN;
        case 'V': printf("usbip-analyze " VERSION "\n"); return EXIT_CLEAN;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (diff.good || diff.busid || diff.by_model)
        return diff_main(&diff, argc - optind, argv + optind, json, &cfg,
                         urbs_path || scsi_path || lines_path || timeline || whatif || plot_dir || n_measured ||
                             live.interface || live.filter || live.write_path || live.count || live.duration_ns);
    if (live.interface ? optind != argc : optind != argc - 1) {
        fprintf(stderr, "usbip-analyze: %s\n", live.interface ? "-i captures live: no capture file too"
                                                : optind >= argc ? "no capture given" : "one capture at a time");
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!live.interface && (live.filter || live.write_path || live.count || live.duration_ns)) {
        fprintf(stderr, "usbip-analyze: -f, -w, -c and -a apply to a live capture (-i IFACE)\n");
        return EXIT_USAGE;
    }
    char live_label[160];
    snprintf(live_label, sizeof live_label, "%s (live)", live.interface ? live.interface : "");
    const char *path = live.interface ? live_label : argv[optind];
    bool urbs_stdout = urbs_path && !strcmp(urbs_path, "-");
    bool scsi_stdout = scsi_path && !strcmp(scsi_path, "-");
    bool lines_stdout = lines_path && !strcmp(lines_path, "-");
    if (urbs_stdout + scsi_stdout + lines_stdout > 1) {
        fprintf(stderr, "usbip-analyze: only one of --urbs, --scsi and --json-lines can write to stdout\n");
        return EXIT_USAGE;
    }
    char plot_err[512] = "";
    if (plot_dir && !plot_prepare_dir(plot_dir, plot_err, sizeof plot_err)) {
        fprintf(stderr, "usbip-analyze: %s\n", plot_err);
        return EXIT_USAGE;
    }
    if (n_measured && !plot_dir) {
        fprintf(stderr, "usbip-analyze: --measured places points on --plot's what-if charts: give --plot DIR\n");
        return EXIT_USAGE;
    }
    struct plot_point measured[MAX_MEASURED];
    for (size_t k = 0; k < n_measured; k++) {
        enum measured_result mr = measured_point(measured_paths[k], &cfg, &measured[k], plot_err, sizeof plot_err);
        if (mr != MEASURED_OK) {
            fprintf(stderr, "usbip-analyze: %s\n", plot_err);
            return mr == MEASURED_UNREADABLE ? EXIT_UNREADABLE : EXIT_USAGE;
        }
    }
    struct run run = {.analysis = analysis_new(),
                      .classview = classview_new(),
                      .conn_ends = conn_ends_new(),
                      .timeline = timeline ? timeline_new((uint64_t)(interval * 1e9)) : NULL,
                      .whatif = whatif || plot_dir ? whatif_set_new() : NULL,
                      .plots = plot_dir ? plot_set_new() : NULL};
    run.flush_rows = live.interface != NULL;
    if (run.whatif)
        whatif_set_tcp_overrides(run.whatif, &tcp_overrides);
    if ((urbs_path && !(run.urbs_csv = output_open(urbs_path))) ||
        (scsi_path && !(run.scsi_csv = output_open(scsi_path))) ||
        (lines_path && !(run.json_lines = output_open(lines_path)))) {
        output_close(run.urbs_csv, urbs_path);
        output_close(run.scsi_csv, scsi_path);
        run_free(&run);
        return EXIT_USAGE;
    }
    if (run.urbs_csv)
        urb_rows_csv_header(run.urbs_csv);
    if (run.scsi_csv)
        classview_scsi_csv(run.classview, run.scsi_csv);
    struct uip_session_callbacks cb = {.tracker = {.urb = on_urb, .event = on_event, .device = on_device},
                                       .handshake = on_handshake};
    char err[512] = "";
    int code = 0;
    if (live.interface)
        catch_stop_signals();
    if (live.interface && isatty(fileno(stdout)) && !urbs_stdout && !scsi_stdout && !lines_stdout) {
        run.view = live_view_new(stdout, path, "stops and reports");
        live.tick = on_tick;
        live.tick_user = &run;
    }
    struct uip_session *s = live.interface
                                ? uip_session_open_live(&live, &cfg, &cb, &run, &code, err, sizeof err)
                                : uip_session_open(path, &cfg, &cb, &run, &code, err, sizeof err);
    if (!s) {
        fprintf(stderr, "usbip-analyze: %s\n", err);
        output_close(run.urbs_csv, urbs_path);
        output_close(run.scsi_csv, scsi_path);
        output_close(run.json_lines, lines_path);
        run_free(&run);
        return code == UIP_ERR_BAD_ARGUMENT || code == UIP_ERR_BAD_FILTER ? EXIT_USAGE : EXIT_UNREADABLE;
    }
    run.session = s;
    if (live.interface) /* as tshark says it: the capture is up */
        fprintf(stderr, "usbip-analyze: capturing on %s\n", live.interface);
    int rc = uip_session_run(s, err, sizeof err);
    if (run.view)
        live_view_end(run.view);
    struct uip_session_stats st;
    uip_session_stats(s, &st);
    analysis_sort(run.analysis);
    classview_finish(run.classview);
    struct report_input in = {.capture_path = path, .analysis = run.analysis, .stats = &st,
                              .classview = run.classview, .conn_ends = run.conn_ends,
                              .session = s, .read_error = rc == UIP_OK ? NULL : err,
                              .timeline = run.timeline, .whatif = whatif ? run.whatif : NULL,
                              .whatif_rtts_ns = whatif_rtts, .n_whatif_rtts = n_whatif_rtts};
    if (run.whatif)
        whatif_set_fit(run.whatif);
    if (run.whatif_out_of_memory)
        fprintf(stderr, "usbip-analyze: out of memory: the what-if model leaves out some URBs\n");
    if (json)
        report_json(stdout, &in);
    else if (!urbs_stdout && !scsi_stdout && !lines_stdout)
        report_text(stdout, &in);
    int status = rc != UIP_OK ? EXIT_CORRUPT : report_has_problems(&in) ? EXIT_PROBLEMS : EXIT_CLEAN;
    if (rc != UIP_OK)
        fprintf(stderr, "usbip-analyze: %s\n", err);
    else if (!st.capture.connections && !analysis_n_devices(run.analysis)) {
        fprintf(stderr, "usbip-analyze: no USB/IP traffic found in %s (try --any-port or --port)\n", path);
        status = EXIT_PROBLEMS;
    }
    if (run.plots) {
        bool own = n_whatif_rtts > 0;
        if (!plot_write(run.plots, plot_dir, plot_formats, st.capture.first_ts_ns, run.whatif,
                        own ? whatif_rtts : plot_default_rtts_ns,
                        own ? n_whatif_rtts : sizeof plot_default_rtts_ns / sizeof plot_default_rtts_ns[0],
                        measured, n_measured, plot_err, sizeof plot_err)) {
            fprintf(stderr, "usbip-analyze: %s\n", plot_err);
            status = EXIT_NO_PLOTS;
        }
    }
    bool urbs_written = output_close(run.urbs_csv, urbs_path);
    bool scsi_written = output_close(run.scsi_csv, scsi_path);
    bool lines_written = output_close(run.json_lines, lines_path);
    if (!urbs_written || !scsi_written || !lines_written)
        status = EXIT_USAGE;
    uip_session_close(s);
    run_free(&run);
    return status;
}
