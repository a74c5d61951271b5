/* SPDX-License-Identifier: GPL-2.0-or-later */
/* capture.c -- read a capture and turn it into per-direction TCP byte streams (or usbmon
 * records): a pcapng file (its first byte 0x0A) goes through the core's own block reader
 * (pcapng.c), which lets each interface have its own link type; any other file through libpcap,
 * which checks it, and a classic pcap file of IP traffic is then read in place (pcap_map.c), so
 * skipped bulk data is never copied. Link layers and IP in netlayer.c, reassembly in
 * tcp_stream.c, usbipd-win's own records in usbipd_win.c. */
#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "uip/capture.h"
#include "uip/error.h"
#include "netlayer.h"
#include "pcap_map.h"
#include "pcapng.h"
#include "tcp_stream.h"
#include "usbipd_win.h"
#include "usbmon.h"

/* LINKTYPE_RAW as written in files; libpcap calls it DLT_RAW. */
#define UIP_LINKTYPE_RAW 101

struct uip_capture {
    FILE *fp;               /* the file read by the pcapng reader (NULL: libpcap owns it) */
    bool own_fp;            /* fp is not stdin */
    struct uip_pcapng *ng;  /* a pcapng file, read by the core */
    pcap_t *pcap;           /* any other, read by libpcap */
    struct uip_pcap_map *map; /* the same file read in place, when it is classic pcap */
    int dlt;
    bool usbmon;            /* the link type is usbmon: records are URB events, not packets */
    struct uip_capture_config cfg;
    struct uip_capture_stats stats;
    struct uip_tcp_table *tcp;
    struct uip_capture_callbacks cb;
    void *user;
    /* live captures */
    pcap_dumper_t *dump;    /* what is captured, saved (-w) */
    uint64_t count;         /* stop conditions (0: none) */
    uint64_t deadline_ns;   /* CLOCK_MONOTONIC */
    int live_fd;            /* the descriptor the run loop waits on (live: >= 0) */
    volatile sig_atomic_t *stop;
    void (*tick)(void *tick_user);
    void *tick_user;
    uint64_t tick_ns, next_tick_ns; /* CLOCK_MONOTONIC */
};

const char *uip_ignore_reason_name(enum uip_ignore_reason r)
{
    switch (r) {
    case UIP_IGN_TRUNCATED: return "truncated by the capture's snaplen";
    case UIP_IGN_LINK_LAYER: return "malformed link-layer header";
    case UIP_IGN_NOT_IP: return "not IP";
    case UIP_IGN_BAD_IP: return "malformed IP header";
    case UIP_IGN_IP_FRAGMENT: return "IP fragment";
    case UIP_IGN_NOT_TCP: return "not TCP";
    case UIP_IGN_BAD_TCP: return "malformed TCP header";
    case UIP_IGN_OTHER_PORT: return "TCP not USB/IP";
    case UIP_IGN_NO_PAYLOAD: return "no new payload (ACK, SYN, FIN)";
    case UIP_IGN_RETRANSMISSION: return "retransmission";
    case UIP_IGN_NO_MEMORY: return "out of memory";
    case UIP_IGN_USBMON_BAD: return "malformed usbmon record";
    case UIP_IGN_LINKTYPE: return "interface of an unsupported link type";
    case UIP_IGN_UNLINK_BAD: return "usbipd-win unlink record without an unlink";
    default: return "unknown";
    }
}

bool uip_linktype_is_usbmon(int dlt)
{
    return dlt == DLT_USB_LINUX || dlt == DLT_USB_LINUX_MMAPPED;
}

static bool uip_linktype_supported(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
    case 14: /* DLT_RAW on some BSDs */
        return true;
    default:
        return uip_linktype_is_usbmon(dlt);
    }
}

/* libpcap's messages name the file; keep one line. */
static void uip_set_err(char *err, size_t errlen, const char *path, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s: %s", strcmp(path, "-") ? path : "stdin", msg);
}

/* The DLT for a link type as written in a pcapng file. */
static int uip_dlt_of_linktype(int lt)
{
    return lt == UIP_LINKTYPE_RAW ? DLT_RAW : lt;
}

static int uip_unsupported(int dlt, const char *where, char *msg, size_t n)
{
    const char *name = pcap_datalink_val_to_name(dlt);
    snprintf(msg, n, "link type %d (%s)%s is not supported", dlt, name ? name : "unknown", where);
    return UIP_ERR_UNSUPPORTED_LINKTYPE;
}

static void uip_capture_ng_stats(struct uip_capture *c)
{
    memcpy(c->stats.pcapng_blocks, uip_pcapng_blocks(c->ng), sizeof c->stats.pcapng_blocks);
    c->stats.pcapng_sections = c->stats.pcapng_blocks[UIP_PCAPNG_SHB];
    c->stats.pcapng_interfaces = uip_pcapng_interfaces_total(c->ng);
}

/* A pcapng file: its section header and the interfaces described before its first packet.
 * One of those must have a supported link type (records of the others are counted unused). */
static int uip_capture_open_pcapng(struct uip_capture *c, char *msg, size_t n)
{
    c->ng = uip_pcapng_open(c->fp);
    if (!c->ng) {
        snprintf(msg, n, "out of memory");
        return UIP_ERR_NO_MEMORY;
    }
    if (uip_pcapng_head(c->ng, msg, n) < 0)
        return UIP_ERR_BAD_CAPTURE;
    c->stats.pcapng = true;
    uip_capture_ng_stats(c);
    uint32_t n_if = uip_pcapng_if_count(c->ng);
    char where[96];
    c->dlt = n_if ? uip_dlt_of_linktype(uip_pcapng_if_linktype(c->ng, 0)) : -1;
    for (uint32_t i = 0; i < n_if; i++)
        if (uip_linktype_supported(uip_dlt_of_linktype(uip_pcapng_if_linktype(c->ng, i))))
            return UIP_OK;
    if (!n_if)
        return UIP_OK;
    snprintf(where, sizeof where, " (interface 0, pcapng block at offset %llu)%s",
             (unsigned long long)uip_pcapng_if_offset(c->ng, 0),
             n_if > 1 ? ", as are the others'" : "");
    return uip_unsupported(c->dlt, where, msg, n);
}

/* Any other file, through libpcap (which takes fp over); a classic pcap file of IP traffic is
 * then also mapped to be read in place. */
static int uip_capture_open_libpcap(struct uip_capture *c, char *msg, size_t n)
{
    char pcap_err[PCAP_ERRBUF_SIZE] = "";
    c->pcap = pcap_fopen_offline_with_tstamp_precision(c->fp, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
    if (!c->pcap) {
        snprintf(msg, n, "%s", pcap_err[0] ? pcap_err : "not a pcap or pcapng capture");
        return UIP_ERR_BAD_CAPTURE;
    }
    FILE *fp = c->fp;
    c->fp = NULL; /* pcap_close closes it */
    c->dlt = pcap_datalink(c->pcap);
    if (!uip_linktype_supported(c->dlt))
        return uip_unsupported(c->dlt, "", msg, n);
    c->usbmon = uip_linktype_is_usbmon(c->dlt);
    if (c->own_fp && !c->usbmon)
        c->map = uip_pcap_map_open(fileno(fp)); /* NULL: libpcap reads it (no mmap) */
    return UIP_OK;
}

/* Open the file and look at its first byte: 0x0A starts every pcapng file, no pcap file. */
static int uip_capture_open_file(struct uip_capture *c, const char *path, char *msg, size_t n)
{
    c->own_fp = strcmp(path, "-") != 0;
    c->fp = c->own_fp ? fopen(path, "rb") : stdin;
    if (!c->fp) {
        snprintf(msg, n, "%s", strerror(errno));
        return UIP_ERR_IO;
    }
    int ch = fgetc(c->fp);
    if (ch == EOF) {
        snprintf(msg, n, "empty file, not a pcap or pcapng capture");
        return UIP_ERR_BAD_CAPTURE;
    }
    ungetc(ch, c->fp);
    if (ch == (UIP_PCAPNG_SHB_TYPE & 0xff))
        return uip_capture_open_pcapng(c, msg, n);
    return uip_capture_open_libpcap(c, msg, n);
}

static uint64_t uip_monotonic_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* The kernel buffer of a live capture, bytes. */
#define UIP_LIVE_BUFFER (64 * 1024 * 1024)

/* The live capture's pcap handle, activated, filtered, and its file to write. */
static int uip_capture_open_iface(struct uip_capture *c, const struct uip_live_config *live,
                                  char *msg, size_t n)
{
    char pcap_err[PCAP_ERRBUF_SIZE] = "";
    c->pcap = pcap_create(live->interface, pcap_err);
    if (!c->pcap) {
        snprintf(msg, n, "%s", pcap_err);
        return UIP_ERR_IO;
    }
    /* The kernel's buffer is tcpdump -B 65536's: with libpcap's 2 MiB default, loopback's 64 KiB
     * segments overflow it whenever the analyzer is a moment late (the lab's emulated guest
     * dropped segments of a 1 MiB read). Not immediate mode: that takes TPACKET_V2, a ring of
     * fixed snaplen-sized slots (some 250 packets in 64 MiB, which 200,000 small URBs overflowed);
     * TPACKET_V3's blocks hold packets at their own size and hand them over at the latest after
     * the 100 ms timeout. */
    if (pcap_set_snaplen(c->pcap, 262144) != 0 || pcap_set_timeout(c->pcap, 100) != 0 ||
        pcap_set_buffer_size(c->pcap, UIP_LIVE_BUFFER) != 0) {
        snprintf(msg, n, "cannot set the capture up: %s", pcap_geterr(c->pcap));
        return UIP_ERR_IO;
    }
    if (pcap_set_tstamp_precision(c->pcap, PCAP_TSTAMP_PRECISION_NANO) != 0) {
        /* not offered: microseconds, which uip_capture_run converts */
    }
    int rc = pcap_activate(c->pcap);
    if (rc == PCAP_ERROR_PERM_DENIED) {
        snprintf(msg, n, "no permission to capture (%s): run as root, give the program "
                         "CAP_NET_RAW and CAP_NET_ADMIN (setcap cap_net_raw,cap_net_admin=eip), or "
                         "join the group allowed to capture (wireshark)", pcap_geterr(c->pcap));
        return UIP_ERR_PERMISSION;
    }
    if (rc == PCAP_ERROR_NO_SUCH_DEVICE) {
        snprintf(msg, n, "no such interface (%s); tcpdump -D lists them", pcap_geterr(c->pcap));
        return UIP_ERR_NO_INTERFACE;
    }
    if (rc < 0) {
        snprintf(msg, n, "cannot capture: %s", pcap_geterr(c->pcap));
        return UIP_ERR_IO;
    }
    c->dlt = pcap_datalink(c->pcap);
    c->usbmon = uip_linktype_is_usbmon(c->dlt);
    if (!uip_linktype_supported(c->dlt))
        return uip_unsupported(c->dlt, "the interface's", msg, n);
    char deflt[32];
    const char *filter = live->filter;
    if (!filter && !c->usbmon) {
        snprintf(deflt, sizeof deflt, c->cfg.detect_any_port ? "tcp" : "tcp port %u", c->cfg.port);
        filter = deflt;
    }
    if (filter) {
        struct bpf_program prog;
        if (pcap_compile(c->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
            snprintf(msg, n, "filter '%s' does not compile: %s", filter, pcap_geterr(c->pcap));
            return UIP_ERR_BAD_FILTER;
        }
        rc = pcap_setfilter(c->pcap, &prog);
        pcap_freecode(&prog);
        if (rc < 0) {
            snprintf(msg, n, "cannot set filter '%s': %s", filter, pcap_geterr(c->pcap));
            return UIP_ERR_IO;
        }
    }
    if (live->write_path && !(c->dump = pcap_dump_open(c->pcap, live->write_path))) {
        snprintf(msg, n, "cannot write %s: %s", live->write_path, pcap_geterr(c->pcap));
        return UIP_ERR_IO;
    }
    /* Non-blocking, so that the run loop waits on the descriptor itself, 100 ms at a time, and
     * sees the stop conditions between packets. */
    c->live_fd = pcap_get_selectable_fd(c->pcap);
    if (c->live_fd < 0 || pcap_setnonblock(c->pcap, 1, pcap_err) < 0) {
        snprintf(msg, n, "cannot wait on the capture: %s", pcap_err[0] ? pcap_err : "no descriptor");
        return UIP_ERR_IO;
    }
    c->count = live->count;
    c->deadline_ns = live->duration_ns ? uip_monotonic_ns() + live->duration_ns : 0;
    c->stop = live->stop;
    c->tick = live->tick;
    c->tick_user = live->tick_user;
    c->tick_ns = live->tick_ns ? live->tick_ns : 1000000000u;
    c->next_tick_ns = uip_monotonic_ns() + c->tick_ns;
    return UIP_OK;
}

/* The common tail of both opens: configuration, callbacks and the TCP table. */
static int uip_capture_setup(struct uip_capture *c, const struct uip_capture_callbacks *cb,
                             void *user)
{
    c->stats.linktype = c->dlt;
    c->cb = *cb;
    c->user = user;
    c->tcp = uip_tcp_table_new(&c->cfg, cb, user, &c->stats);
    return c->tcp ? UIP_OK : UIP_ERR_NO_MEMORY;
}

static struct uip_capture *uip_capture_new(const struct uip_capture_config *cfg)
{
    struct uip_capture *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->live_fd = -1;
    c->cfg = *cfg;
    if (!c->cfg.port)
        c->cfg.port = UIP_TCP_PORT;
    if (!c->cfg.ooo_limit)
        c->cfg.ooo_limit = 4u * 1024 * 1024;
    return c;
}

/* Open from a file (path) or live (live), then the set-up both share; one way out on failure. */
static struct uip_capture *uip_capture_start(const char *path, const struct uip_live_config *live,
                                             const struct uip_capture_config *cfg,
                                             const struct uip_capture_callbacks *cb, void *user,
                                             int *code, char *err, size_t errlen)
{
    char msg[PCAP_ERRBUF_SIZE + 300] = "out of memory";
    struct uip_capture *c = uip_capture_new(cfg);

    *code = UIP_ERR_NO_MEMORY;
    if (c)
        *code = live ? uip_capture_open_iface(c, live, msg, sizeof msg)
                     : uip_capture_open_file(c, path, msg, sizeof msg);
    if (*code == UIP_OK && (*code = uip_capture_setup(c, cb, user)) == UIP_OK)
        return c;
    if (*code == UIP_ERR_NO_MEMORY)
        snprintf(msg, sizeof msg, "out of memory");
    uip_set_err(err, errlen, live ? live->interface : path, msg);
    uip_capture_close(c);
    return NULL;
}

struct uip_capture *uip_capture_open(const char *path, const struct uip_capture_config *cfg,
                                     const struct uip_capture_callbacks *cb, void *user,
                                     int *code, char *err, size_t errlen)
{
    return uip_capture_start(path, NULL, cfg, cb, user, code, err, errlen);
}

struct uip_capture *uip_capture_open_live(const struct uip_live_config *live,
                                          const struct uip_capture_config *cfg,
                                          const struct uip_capture_callbacks *cb, void *user,
                                          int *code, char *err, size_t errlen)
{
    return uip_capture_start(NULL, live, cfg, cb, user, code, err, errlen);
}

static void uip_ignore(struct uip_capture *c, enum uip_ignore_reason r)
{
    c->stats.ignored[r]++;
}

static void uip_count_packet(struct uip_capture *c, uint64_t ts)
{
    c->stats.packets++;
    if (c->stats.packets == 1)
        c->stats.first_ts_ns = ts;
    c->stats.last_ts_ns = ts;
}

/* One packet of link type dlt (a usbmon header in the byte order big), however it was read. */
static void uip_capture_packet(struct uip_capture *c, int dlt, bool big, const uint8_t *data,
                               uint32_t caplen, uint32_t len, uint64_t ts, uint64_t frame)
{
    enum uip_ignore_reason why;
    if (uip_linktype_is_usbmon(dlt)) {
        if (uip_usbmon_packet(dlt, big, data, caplen, ts, frame, &c->cb, c->user, &why))
            c->stats.packets_used++;
        else
            uip_ignore(c, why);
        return;
    }
    struct uip_ip_packet ip;
    if (!uip_net_decode(dlt, data, caplen, len, &ip, &why)) {
        uip_ignore(c, why);
        return;
    }
    uip_tcp_table_packet(c->tcp, &ip, ts, frame);
}

/* One pcapng record, by its interface's link type; usbipd-win's two interfaces by what they
 * hold. */
static void uip_capture_ng_record(struct uip_capture *c, const struct uip_pcapng_record *rec,
                                  uint64_t frame)
{
    int dlt = uip_dlt_of_linktype(rec->linktype);
    bool usbipd_win = uip_usbipd_win_section(c->ng);
    enum uip_ignore_reason why = UIP_IGN_LINKTYPE;
    bool used = false;

    uip_count_packet(c, rec->ts_ns);
    c->stats.usbipd_win |= usbipd_win;
    if (!uip_linktype_supported(dlt))
        used = false;
    else if (usbipd_win && dlt == DLT_USB_LINUX_MMAPPED)
        used = uip_usbipd_win_usbmon(rec, frame, &c->cb, c->user, &why);
    else if (usbipd_win && dlt == DLT_RAW)
        used = uip_usbipd_win_unlink(rec, frame, &c->cb, c->user, &why);
    else {
        uip_capture_packet(c, dlt, rec->big, rec->data, rec->caplen, rec->len, rec->ts_ns, frame);
        return;
    }
    if (used)
        c->stats.packets_used++;
    else
        uip_ignore(c, why);
}

static int uip_capture_corrupt(struct uip_capture *c, uint64_t frame, const char *why, char *err,
                               size_t errlen)
{
    c->stats.truncated_file = true;
    if (err && errlen)
        snprintf(err, errlen, "capture corrupt after packet %llu: %s", (unsigned long long)frame,
                 why);
    return UIP_ERR_BAD_CAPTURE;
}

static int uip_capture_run_pcapng(struct uip_capture *c, char *err, size_t errlen)
{
    struct uip_pcapng_record rec;
    char why[256] = "";
    uint64_t frame = 0, ts = 0;
    int rc;
    while ((rc = uip_pcapng_next(c->ng, &rec, why, sizeof why)) == 1) {
        ts = rec.ts_ns;
        uip_capture_ng_record(c, &rec, ++frame);
    }
    uip_capture_ng_stats(c);
    uip_tcp_table_finish(c->tcp, ts, frame);
    return rc < 0 ? uip_capture_corrupt(c, frame, why, err, errlen) : UIP_OK;
}

static int uip_capture_run_map(struct uip_capture *c, char *err, size_t errlen)
{
    struct uip_pcap_record rec;
    char why[PCAP_ERRBUF_SIZE] = "";
    uint64_t frame = 0, ts = 0;
    bool host_big = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
    int rc;
    while ((rc = uip_pcap_map_next(c->map, &rec, why, sizeof why)) == 1) {
        ts = rec.ts_ns;
        uip_count_packet(c, ts);
        uip_capture_packet(c, c->dlt, host_big, rec.data, rec.caplen, rec.len, ts, ++frame);
    }
    uip_tcp_table_finish(c->tcp, ts, frame);
    return rc < 0 ? uip_capture_corrupt(c, frame, why, err, errlen) : UIP_OK;
}

int uip_capture_run(struct uip_capture *c, char *err, size_t errlen)
{
    uint64_t frame = 0, ts = 0;
    /* libpcap hands usbmon headers over in this host's byte order */
    bool host_big = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
    int rc;

    if (c->ng)
        return uip_capture_run_pcapng(c, err, errlen);
    if (c->map)
        return uip_capture_run_map(c, err, errlen);
    struct pcap_pkthdr *hdr;
    const u_char *data;
    uint64_t sub_ns = pcap_get_tstamp_precision(c->pcap) == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000;
    for (;;) {
        uint64_t now = c->deadline_ns || c->tick ? uip_monotonic_ns() : 0; /* one clock read a packet */
        if ((c->stop && *c->stop) || (c->count && frame >= c->count) || (c->deadline_ns && now >= c->deadline_ns)) {
            rc = PCAP_ERROR_BREAK;
            break;
        }
        if (c->tick && now >= c->next_tick_ns) {
            c->next_tick_ns = now + c->tick_ns;
            c->tick(c->tick_user);
        }
        rc = pcap_next_ex(c->pcap, &hdr, &data);
        if (rc == 0) { /* live: nothing yet; wait a little for more (a signal ends the wait) */
            struct pollfd pfd = {.fd = c->live_fd, .events = POLLIN};
            poll(&pfd, 1, 100);
            continue;
        }
        if (rc != 1)
            break;
        if (c->dump)
            pcap_dump((u_char *)c->dump, hdr, data);
        ts = (uint64_t)hdr->ts.tv_sec * 1000000000u + (uint64_t)hdr->ts.tv_usec * sub_ns;
        uip_count_packet(c, ts);
        uip_capture_packet(c, c->dlt, host_big, data, hdr->caplen, hdr->len, ts, ++frame);
    }
    if (c->dump)
        pcap_dump_flush(c->dump);
    struct pcap_stat ps;
    if (c->live_fd >= 0 && pcap_stats(c->pcap, &ps) == 0)
        c->stats.live_dropped = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
    uip_tcp_table_finish(c->tcp, ts, frame);
    return rc == PCAP_ERROR ? uip_capture_corrupt(c, frame, pcap_geterr(c->pcap), err, errlen)
                            : UIP_OK;
}

const struct uip_capture_stats *uip_capture_stats(const struct uip_capture *c)
{
    return &c->stats;
}

const struct uip_conn_info *uip_capture_conn(const struct uip_capture *c, uint32_t conn_id)
{
    return uip_tcp_table_conn(c->tcp, conn_id);
}

void uip_capture_close(struct uip_capture *c)
{
    if (!c)
        return;
    uip_tcp_table_free(c->tcp);
    uip_pcap_map_close(c->map);
    uip_pcapng_close(c->ng);
    if (c->dump)
        pcap_dump_close(c->dump);
    if (c->pcap)
        pcap_close(c->pcap);
    if (c->fp && c->own_fp)
        fclose(c->fp);
    free(c);
}
