/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main.c -- usbip-replay: command line, modes (serve, drive, pair, proxy) and exit codes over the replay modules. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drive.h"
#include "log.h"
#include "pair.h"
#include "pcap_writer.h"
#include "proxy.h"
#include "recording.h"
#include "server.h"
#include "serial.h"
#include "storage.h"
#include "timing.h"

#define VERSION "0.1.0"
#define DEFAULT_LISTEN "127.0.0.1:3240"

enum exit_code {
    EXIT_CLEAN = 0,        /* served; the client did only what the recording holds */
    EXIT_DIVERGED = 1,     /* served; divergences were logged */
    EXIT_USAGE = 2,
    EXIT_UNREADABLE = 3,   /* capture unreadable */
    EXIT_CORRUPT = 4,      /* capture corrupt part-way */
    EXIT_NO_DEVICE = 5,    /* no device to play in the capture (or not the --busid asked for) */
    EXIT_NETWORK = 6,      /* cannot listen, or the server loop failed; drive: cannot connect */
    EXIT_REFUSED = 7,      /* drive: the server refused the import */
    EXIT_NO_ANSWER = 8,    /* drive: the server stopped answering (timeout) or closed the connection */
    EXIT_PROTOCOL = 9,     /* drive: the server sent something impossible */
};
#define DEFAULT_DRIVE_TIMEOUT_MS 10000

static void usage(FILE *f)
{
    fprintf(f,
            "usage: usbip-replay serve CAPTURE [options]\n"
            "Play the USB device recorded in a pcap/pcapng capture of a USB/IP session to a real\n"
            "USB/IP client (usbip list -r / usbip attach -r, the kernel's vhci-hcd).\n"
            "\n"
            "  --busid B          the recorded device to play (default: the first imported one;\n"
            "                     the busid to offer when the capture starts after the import: 1-1)\n"
            "  --listen ADDR:PORT where to listen (default " DEFAULT_LISTEN ")\n"
            "  --timing T         when answers go out: recorded (default: the recorded latency of\n"
            "                     each URB), fast (at once), scale=F (recorded x F), add=MS (recorded\n"
            "                     + MS milliseconds)\n"
            "  --unmatched A      answer to a request with nothing recorded: stall (default, -EPIPE),\n"
            "                     pending (never answered), or a negative errno such as -71\n"
            "  --once             stop when the first session that imported the device ends\n"
            "  --write OUT.pcap   record every session served (Ethernet/IPv4/TCP, for usbip-analyze\n"
            "                     and Wireshark)\n"
            "  --verbose          log every held URB, unlink and repeated request\n"
            "  --help, --version\n"
            "\n"
            "Every difference from the recording is logged on stderr as a 'divergence:' line.\n"
            "exit codes: 0 served with no divergence; 1 served, divergences logged;\n"
            "            2 usage; 3 capture unreadable; 4 capture corrupt part-way;\n"
            "            5 no device to play in the capture; 6 cannot listen (or the server failed)\n"
            "The server runs until SIGINT/SIGTERM (or, with --once, the end of the session).\n"
            "\n"
            "usage: usbip-replay drive CAPTURE --server HOST[:PORT] [options]\n"
            "Import the device from a real USB/IP server (usbipd + usbip-host, or serve), send it the\n"
            "host requests recorded in the capture (in recorded order, URBs that were outstanding\n"
            "together sent together) and compare every answer (status, actual_length, IN data) with\n"
            "the recorded one. The first divergence is shown with its context, then a count.\n"
            "\n"
            "  --server HOST[:PORT] the server (port 3240 by default)\n"
            "  --busid B          the busid to import (default: the recorded one)\n"
            "  --ignore LIST      fields not compared, FIELD[:SCOPE] separated by commas: FIELD status,\n"
            "                     length, data or all; SCOPE epN, epNin, epNout (one endpoint),\n"
            "                     strings (string descriptor answers) or serial (the serial number\n"
            "                     string); no SCOPE: every URB. e.g. --ignore data:ep1in,data:serial\n"
            "  --timeout S        the longest wait for an answer beyond its recorded latency (default\n"
            "                     10 s): a URB still unanswered then is a divergence and is unlinked\n"
            "                     if the server answered others meanwhile, else the server stopped\n"
            "                     answering (exit 8). URBs the recording never answered are sent,\n"
            "                     not waited for, and unlinked at the end\n"
            "  --write OUT.pcap   record the session (Ethernet/IPv4/TCP)\n"
            "  --verbose          also log answers that raced the final unlinks\n"
            "exit codes: 0 every answer as recorded; 1 divergences; 2 usage; 3 capture unreadable;\n"
            "            4 capture corrupt part-way; 5 no device in the capture; 6 cannot connect;\n"
            "            7 the server refused the import; 8 the server stopped answering (timeout)\n"
            "            or closed the connection; 9 the server sent something impossible\n"
            "\n"
            "usage: usbip-replay pair CAPTURE [options]\n"
            "Serve the recorded device and drive the recorded host requests to it, over loopback in\n"
            "one process: checks that the replay reproduces the recorded URB sequence (no divergence\n"
            "on either side) and measures it (URB round trips per second; how much later than the\n"
            "timing asked each answer came).\n"
            "\n"
            "  --timing T         the server's timing, as for serve (default fast)\n"
            "  --busid B, --ignore LIST, --timeout S, --write OUT.pcap, --verbose   as for drive\n"
            "exit codes: 0 reproduced, no divergence; 1 divergences; 2 usage; 3, 4, 5 as serve;\n"
            "            6 cannot listen on loopback; 8, 9 as drive\n"
            "\n"
            "usage: usbip-replay proxy --server HOST[:PORT] [options]\n"
            "Forward live USB/IP sessions from a real client to a real server (port 3240 by default),\n"
            "adding delay, and record them as the client sees them.\n"
            "\n"
            "  --listen ADDR:PORT where clients connect (default " DEFAULT_LISTEN ")\n"
            "  --delay-ms D       add D ms to the server-to-client direction (as the lab's netem\n"
            "                     sweep)\n"
            "  --delay-up-ms U    add U ms to the client-to-server direction\n"
            "  --jitter-ms J      add a random 0..J ms more to each chunk, both ways (order is kept)\n"
            "  --write OUT.pcap   record every session (requests as they leave the client, answers as\n"
            "                     they reach it)\n"
            "  --once             stop when the first proxied connection ends\n"
            "  --no-view          on a terminal, stdout shows a live view of the sessions\n"
            "                     forwarded (as usbip-analyze -i); this leaves it out\n"
            "exit codes: 0 stopped; 2 usage; 6 cannot listen\n");
}

/* A --busid that fits the wire's busid field (with its NUL); logs why not. */
static bool busid_arg_ok(const char *arg)
{
    if (*arg && strlen(arg) < UIP_BUSID_SIZE)
        return true;
    replay_log("--busid wants 1 to %d characters", UIP_BUSID_SIZE - 1);
    return false;
}

/* Milliseconds 0..3600000 (fractions allowed) as nanoseconds. */
static bool parse_ms(const char *text, uint64_t *ns)
{
    char *end;
    double ms = strtod(text, &end);
    if (end == text || *end || !(ms >= 0 && ms <= 3600000))
        return false;
    *ns = (uint64_t)(ms * 1e6);
    return true;
}

static int proxy_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'},   {"server", required_argument, NULL, 's'},
        {"delay-ms", required_argument, NULL, 'd'}, {"delay-up-ms", required_argument, NULL, 'u'},
        {"write", required_argument, NULL, 'w'},    {"once", no_argument, NULL, 'o'},
        {"jitter-ms", required_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
        {"no-view", no_argument, NULL, 'n'},        {NULL, 0, NULL, 0},
    };
    struct replay_proxy_config cfg = {.listen_addr = DEFAULT_LISTEN};
    const char *write_path = NULL;
    bool view = isatty(STDOUT_FILENO);
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l': cfg.listen_addr = optarg; break;
        case 's': cfg.server = optarg; break;
        case 'd':
        case 'u':
        case 'j':
            if (!parse_ms(optarg, c == 'd'   ? &cfg.delay_down_ns
                                  : c == 'u' ? &cfg.delay_up_ns
                                             : &cfg.jitter_ns)) {
                replay_log("--%s wants milliseconds in 0..3600000, not '%s'",
                           c == 'd' ? "delay-ms" : c == 'u' ? "delay-up-ms" : "jitter-ms", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'w': write_path = optarg; break;
        case 'o': cfg.once = true; break;
        case 'n': view = false; break;
        case 'h': usage(stdout); return EXIT_CLEAN;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (!cfg.server || optind != argc) {
        replay_log("proxy: %s", cfg.server ? "no arguments besides the options"
                                           : "--server HOST[:PORT] is required");
        return EXIT_USAGE;
    }
    char err[512];
    if (write_path && !(cfg.write = replay_pcap_open(write_path, err, sizeof err))) {
        replay_log("%s", err);
        return EXIT_USAGE;
    }
    char label[256];
    snprintf(label, sizeof label, "proxy %s -> %s", cfg.listen_addr, cfg.server);
    if (view && !(cfg.watch = replay_watch_new(stdout, label)))
        replay_log("out of memory: no live view");
    int rc = replay_proxy_run(&cfg);
    replay_watch_free(cfg.watch);
    replay_pcap_close(cfg.write);
    return rc ? EXIT_NETWORK : EXIT_CLEAN;
}

static bool parse_unmatched(const char *text, struct replay_serve_config *s)
{
    if (!strcmp(text, "stall")) {
        s->unmatched_pending = false;
        s->unmatched_status = -EPIPE;
        return true;
    }
    if (!strcmp(text, "pending")) {
        s->unmatched_pending = true;
        return true;
    }
    char *end;
    long v = strtol(text, &end, 10);
    if (*end || end == text || v >= 0 || v < -4095)
        return false;
    s->unmatched_pending = false;
    s->unmatched_status = (int32_t)v;
    return true;
}

/* Load the capture for serve and drive: an exit code other than EXIT_CLEAN on failure. */
static int load_recording(const char *path, const char *busid, struct replay_recording *rec)
{
    char err[512] = "";
    switch (replay_recording_load(path, busid, rec, err, sizeof err)) {
    case REPLAY_LOAD_OK: break;
    case REPLAY_LOAD_UNREADABLE: replay_log("%s", err); return EXIT_UNREADABLE;
    case REPLAY_LOAD_CORRUPT: replay_log("%s", err); return EXIT_CORRUPT;
    case REPLAY_LOAD_NO_DEVICE: replay_log("%s: %s", path, err); return EXIT_NO_DEVICE;
    }
    if (busid && strcmp(rec->device.busid, busid) && rec->device_from_import) {
        replay_log("%s: no device with busid %s", path, busid);
        replay_recording_free(rec);
        return EXIT_NO_DEVICE;
    }
    replay_log("%s: busid %s %04x:%04x, %zu URBs recorded on connection %u over %.3f s%s", path,
               rec->device.busid, rec->device.id_vendor, rec->device.id_product, rec->n_urbs, rec->conn_id,
               (double)(rec->last_ts_ns - rec->first_ts_ns) / 1e9,
               rec->device_from_import ? "" : " (device record built from the recorded descriptors)");
    return EXIT_CLEAN;
}

/* --timeout S: seconds in 0.1..3600, as milliseconds; logs why not. */
static bool parse_timeout(const char *text, int *ms)
{
    char *end;
    double s = strtod(text, &end);
    if (end == text || *end || !(s >= 0.1 && s <= 3600)) {
        replay_log("--timeout wants seconds in 0.1..3600, not '%s'", text);
        return false;
    }
    *ms = (int)(s * 1000);
    return true;
}

/* --timing T; logs why not. */
static bool parse_timing_arg(const char *text, struct replay_timing *timing)
{
    if (replay_timing_parse(text, timing))
        return true;
    replay_log("--timing wants recorded, fast, scale=F or add=MS, not '%s'", text);
    return false;
}

/* An option drive and pair share (--busid, --ignore, --timeout, --write, --verbose): EXIT_CLEAN
 * when c is one and its argument is good, EXIT_USAGE (logged) when the argument is bad, -1 when
 * c is not one of them. */
static int drive_option(int c, const char *arg, struct replay_drive_config *cfg, const char **write_path)
{
    char err[512];
    switch (c) {
    case 'b':
        if (!busid_arg_ok(arg))
            return EXIT_USAGE;
        cfg->busid = arg;
        return EXIT_CLEAN;
    case 'i':
        if (replay_drive_parse_ignore(arg, cfg, err, sizeof err))
            return EXIT_CLEAN;
        replay_log("%s", err);
        return EXIT_USAGE;
    case 't': return parse_timeout(arg, &cfg->timeout_ms) ? EXIT_CLEAN : EXIT_USAGE;
    case 'w': *write_path = arg; return EXIT_CLEAN;
    case 'v': replay_log_set_verbose(1); return EXIT_CLEAN;
    }
    return -1;
}

/* Load the capture (its device busid, NULL: the first one) and open --write's pcap (write_path
 * NULL: none): EXIT_CLEAN, or the exit code with its log line (nothing left open). */
static int open_run(const char *capture, const char *busid, const char *write_path,
                    struct replay_recording *rec, struct replay_pcap **write)
{
    int rc = load_recording(capture, busid, rec);
    if (rc != EXIT_CLEAN)
        return rc;
    char err[512];
    *write = NULL;
    if (write_path && !(*write = replay_pcap_open(write_path, err, sizeof err))) {
        replay_log("%s", err);
        replay_recording_free(rec);
        return EXIT_USAGE;
    }
    return EXIT_CLEAN;
}

static int drive_exit_code(enum replay_drive_result r);

static int drive_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"server", required_argument, NULL, 's'},  {"busid", required_argument, NULL, 'b'},
        {"ignore", required_argument, NULL, 'i'},  {"timeout", required_argument, NULL, 't'},
        {"write", required_argument, NULL, 'w'},   {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    struct replay_drive_config cfg = {.timeout_ms = DEFAULT_DRIVE_TIMEOUT_MS};
    const char *write_path = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 's') {
            cfg.server = optarg;
            continue;
        }
        if (c == 'h') {
            usage(stdout);
            return EXIT_CLEAN;
        }
        int rc = drive_option(c, optarg, &cfg, &write_path);
        if (rc != EXIT_CLEAN) {
            if (rc < 0)
                usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!cfg.server || optind != argc - 1) {
        replay_log("drive: %s", !cfg.server         ? "--server HOST[:PORT] is required"
                                : optind >= argc ? "no capture given"
                                                 : "one capture at a time");
        return EXIT_USAGE;
    }
    struct replay_recording rec;
    int rc = open_run(argv[optind], NULL, write_path, &rec, &cfg.write);
    if (rc != EXIT_CLEAN)
        return rc;
    cfg.rec = &rec;
    if (!cfg.busid)
        cfg.busid = rec.device.busid;
    enum replay_drive_result r = replay_drive_run(&cfg);
    replay_pcap_close(cfg.write);
    replay_recording_free(&rec);
    return r == REPLAY_DRIVE_DONE ? (replay_divergence_count() ? EXIT_DIVERGED : EXIT_CLEAN)
                                  : drive_exit_code(r);
}

/* The exit code of a drive that did not finish. */
static int drive_exit_code(enum replay_drive_result r)
{
    switch (r) {
    case REPLAY_DRIVE_DONE: return EXIT_CLEAN;
    case REPLAY_DRIVE_NO_CONNECT: return EXIT_NETWORK;
    case REPLAY_DRIVE_REFUSED: return EXIT_REFUSED;
    case REPLAY_DRIVE_NO_ANSWER: return EXIT_NO_ANSWER;
    case REPLAY_DRIVE_PROTOCOL: return EXIT_PROTOCOL;
    }
    return EXIT_PROTOCOL;
}

/* The class models serve uses for the recording (mass storage, serial adapter), logged. */
static void models_new(const struct replay_recording *rec, struct replay_serve_config *serve)
{
    struct replay_storage *storage = replay_storage_new(rec);
    struct replay_serial *serial = storage ? NULL : replay_serial_new(rec);
    serve->storage = storage;
    serve->serial = serial;
    if (storage)
        replay_log("mass-storage (bulk-only) traffic recorded: blocks the recording read are served "
                   "even if the live reads are cut differently");
    if (serial) {
        size_t writes, responses;
        replay_serial_counts(serial, &writes, &responses);
        replay_log("serial adapter recorded (%zu writes, %zu reads with data): each recorded response "
                   "comes after the live write it followed, at its recorded delay", writes, responses);
    }
}

static void models_free(struct replay_serve_config *serve)
{
    replay_storage_free((struct replay_storage *)serve->storage);
    replay_serial_free((struct replay_serial *)serve->serial);
}

static int serve_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"busid", required_argument, NULL, 'b'},  {"listen", required_argument, NULL, 'l'},
        {"timing", required_argument, NULL, 't'}, {"unmatched", required_argument, NULL, 'u'},
        {"once", no_argument, NULL, 'o'},         {"verbose", no_argument, NULL, 'v'},
        {"write", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    struct replay_server_config cfg = {.listen_addr = DEFAULT_LISTEN,
                                       .serve = {.unmatched_status = -EPIPE}};
    const char *busid = NULL, *write_path = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            if (!busid_arg_ok(optarg))
                return EXIT_USAGE;
            busid = optarg;
            break;
        case 'l': cfg.listen_addr = optarg; break;
        case 't':
            if (!parse_timing_arg(optarg, &cfg.serve.timing))
                return EXIT_USAGE;
            break;
        case 'u':
            if (!parse_unmatched(optarg, &cfg.serve)) {
                replay_log("--unmatched wants stall, pending or a negative errno, not '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'o': cfg.once = true; break;
        case 'w': write_path = optarg; break;
        case 'v': replay_log_set_verbose(1); break;
        case 'h': usage(stdout); return EXIT_CLEAN;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        replay_log("serve: %s", optind >= argc ? "no capture given" : "one capture at a time");
        return EXIT_USAGE;
    }
    struct replay_recording rec;
    int rc = open_run(argv[optind], busid, write_path, &rec, &cfg.write);
    if (rc != EXIT_CLEAN)
        return rc;
    cfg.serve.rec = &rec;
    models_new(&rec, &cfg.serve);
    enum replay_server_result r = replay_server_run(&cfg);
    models_free(&cfg.serve);
    replay_pcap_close(cfg.write);
    replay_recording_free(&rec);
    if (r != REPLAY_SERVER_STOPPED)
        return EXIT_NETWORK;
    uint64_t d = replay_divergence_count();
    replay_log("stopped: %llu divergence(s) from the recording", (unsigned long long)d);
    return d ? EXIT_DIVERGED : EXIT_CLEAN;
}

static int pair_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"busid", required_argument, NULL, 'b'},  {"timing", required_argument, NULL, 'T'},
        {"ignore", required_argument, NULL, 'i'}, {"timeout", required_argument, NULL, 't'},
        {"write", required_argument, NULL, 'w'},  {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    struct replay_pair_config cfg = {.serve = {.timing = {.mode = REPLAY_TIMING_FAST},
                                               .unmatched_status = -EPIPE},
                                     .drive = {.timeout_ms = DEFAULT_DRIVE_TIMEOUT_MS}};
    const char *write_path = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'T') {
            if (!parse_timing_arg(optarg, &cfg.serve.timing))
                return EXIT_USAGE;
            continue;
        }
        if (c == 'h') {
            usage(stdout);
            return EXIT_CLEAN;
        }
        int rc = drive_option(c, optarg, &cfg.drive, &write_path);
        if (rc != EXIT_CLEAN) {
            if (rc < 0)
                usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        replay_log("pair: %s", optind >= argc ? "no capture given" : "one capture at a time");
        return EXIT_USAGE;
    }
    struct replay_recording rec;
    int rc = open_run(argv[optind], cfg.drive.busid, write_path, &rec, &cfg.drive.write);
    if (rc != EXIT_CLEAN)
        return rc;
    cfg.serve.rec = cfg.drive.rec = &rec;
    cfg.drive.busid = rec.device.busid;
    models_new(&rec, &cfg.serve);
    struct replay_pair_report report;
    enum replay_drive_result r = replay_pair_run(&cfg, &report);
    models_free(&cfg.serve);
    replay_pcap_close(cfg.drive.write);
    replay_recording_free(&rec);
    if (report.server_failed)
        return EXIT_NETWORK;
    if (report.drive.answers && report.drive.elapsed_ns)
        replay_log("pair: %zu URB round trips in %.3f s: %.0f per second", report.drive.answers,
                   (double)report.drive.elapsed_ns / 1e9,
                   (double)report.drive.answers * 1e9 / (double)report.drive.elapsed_ns);
    if (r != REPLAY_DRIVE_DONE)
        return drive_exit_code(r);
    uint64_t total = report.serve_divergences + report.drive_divergences;
    if (total)
        replay_log("pair: the replay differs from the recording: %llu divergence(s) seen by the "
                   "server, %llu by the client",
                   (unsigned long long)report.serve_divergences, (unsigned long long)report.drive_divergences);
    else
        replay_log("pair: the replay reproduces the recording: every request as recorded, every "
                   "answer as recorded");
    return total ? EXIT_DIVERGED : EXIT_CLEAN;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return EXIT_CLEAN;
    }
    if (argc >= 2 && !strcmp(argv[1], "--version")) {
        printf("usbip-replay " VERSION "\n");
        return EXIT_CLEAN;
    }
    if (argc >= 2 && !strcmp(argv[1], "serve"))
        return serve_main(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "proxy"))
        return proxy_main(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "drive"))
        return drive_main(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "pair"))
        return pair_main(argc - 1, argv + 1);
    usage(stderr);
    return EXIT_USAGE;
}
