/* capture.c -- read a capture and turn it into per-direction TCP byte streams (or usbmon
 * records): libpcap opens and checks every capture and reads pcapng, stdin and usbmon; a classic
 * pcap file of IP traffic is then read in place (pcap_map.c), so skipped bulk data is never
 * copied. Link layers and IP in netlayer.c, reassembly in tcp_stream.c. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "uip/capture.h"
#include "uip/error.h"
#include "netlayer.h"
#include "pcap_map.h"
#include "tcp_stream.h"
#include "usbmon.h"

struct uip_capture {
    pcap_t *pcap;
    struct uip_pcap_map *map; /* the same file read in place, when it is classic pcap */
    int dlt;
    bool usbmon;            /* the link type is usbmon: records are URB events, not packets */
    bool usbmon_big_endian; /* libpcap hands usbmon headers over in this host's byte order */
    struct uip_capture_config cfg;
    struct uip_capture_stats stats;
    struct uip_tcp_table *tcp;
    struct uip_capture_callbacks cb;
    void *user;
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

struct uip_capture *uip_capture_open(const char *path, const struct uip_capture_config *cfg,
                                     const struct uip_capture_callbacks *cb, void *user,
                                     int *code, char *err, size_t errlen)
{
    char pcap_err[PCAP_ERRBUF_SIZE] = "";
    struct uip_capture *c;
    FILE *fp;

    *code = UIP_ERR_IO;
    fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!fp) {
        uip_set_err(err, errlen, path, strerror(errno));
        return NULL;
    }
    if (fp != stdin) {
        int ch = fgetc(fp);
        if (ch == EOF) {
            *code = UIP_ERR_BAD_CAPTURE;
            uip_set_err(err, errlen, path, "empty file, not a pcap or pcapng capture");
            fclose(fp);
            return NULL;
        }
        ungetc(ch, fp);
    }
    c = calloc(1, sizeof *c);
    if (!c) {
        *code = UIP_ERR_NO_MEMORY;
        uip_set_err(err, errlen, path, "out of memory");
        if (fp != stdin)
            fclose(fp);
        return NULL;
    }
    c->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
    if (!c->pcap) {
        *code = UIP_ERR_BAD_CAPTURE;
        uip_set_err(err, errlen, path, pcap_err[0] ? pcap_err : "not a pcap or pcapng capture");
        if (fp != stdin)
            fclose(fp);
        free(c);
        return NULL;
    }
    c->dlt = pcap_datalink(c->pcap);
    if (!uip_linktype_supported(c->dlt)) {
        char msg[160];
        const char *name = pcap_datalink_val_to_name(c->dlt);
        snprintf(msg, sizeof msg, "link type %d (%s) is not supported", c->dlt,
                 name ? name : "unknown");
        *code = UIP_ERR_UNSUPPORTED_LINKTYPE;
        uip_set_err(err, errlen, path, msg);
        pcap_close(c->pcap);
        free(c);
        return NULL;
    }
    c->usbmon_big_endian = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
    c->usbmon = uip_linktype_is_usbmon(c->dlt);
    if (fp != stdin && !c->usbmon)
        c->map = uip_pcap_map_open(fileno(fp)); /* NULL: libpcap reads it (pcapng, no mmap) */
    c->cfg = *cfg;
    if (!c->cfg.port)
        c->cfg.port = UIP_TCP_PORT;
    if (!c->cfg.ooo_limit)
        c->cfg.ooo_limit = 4u * 1024 * 1024;
    c->stats.linktype = c->dlt;
    c->cb = *cb;
    c->user = user;
    c->tcp = uip_tcp_table_new(&c->cfg, cb, user, &c->stats);
    if (!c->tcp) {
        *code = UIP_ERR_NO_MEMORY;
        uip_set_err(err, errlen, path, "out of memory");
        uip_pcap_map_close(c->map);
        pcap_close(c->pcap);
        free(c);
        return NULL;
    }
    *code = UIP_OK;
    return c;
}

static void uip_ignore(struct uip_capture *c, enum uip_ignore_reason r)
{
    c->stats.ignored[r]++;
}

/* One record, whichever way it was read. */
static void uip_capture_record(struct uip_capture *c, const uint8_t *data, uint32_t caplen,
                               uint32_t len, uint64_t ts, uint64_t frame)
{
    enum uip_ignore_reason why;
    c->stats.packets++;
    if (c->stats.packets == 1)
        c->stats.first_ts_ns = ts;
    c->stats.last_ts_ns = ts;
    if (c->usbmon) {
        if (uip_usbmon_packet(c->dlt, c->usbmon_big_endian, data, caplen, ts, frame, &c->cb,
                              c->user, &why))
            c->stats.packets_used++;
        else
            uip_ignore(c, why);
        return;
    }
    struct uip_ip_packet ip;
    if (!uip_net_decode(c->dlt, data, caplen, len, &ip, &why)) {
        uip_ignore(c, why);
        return;
    }
    uip_tcp_table_packet(c->tcp, &ip, ts, frame);
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

int uip_capture_run(struct uip_capture *c, char *err, size_t errlen)
{
    uint64_t frame = 0, ts = 0;
    int rc;

    if (c->map) {
        struct uip_pcap_record rec;
        char why[PCAP_ERRBUF_SIZE] = "";
        while ((rc = uip_pcap_map_next(c->map, &rec, why, sizeof why)) == 1) {
            ts = rec.ts_ns;
            uip_capture_record(c, rec.data, rec.caplen, rec.len, ts, ++frame);
        }
        uip_tcp_table_finish(c->tcp, ts, frame);
        return rc < 0 ? uip_capture_corrupt(c, frame, why, err, errlen) : UIP_OK;
    }
    struct pcap_pkthdr *hdr;
    const u_char *data;
    while ((rc = pcap_next_ex(c->pcap, &hdr, &data)) == 1) {
        ts = (uint64_t)hdr->ts.tv_sec * 1000000000u + (uint64_t)hdr->ts.tv_usec;
        uip_capture_record(c, data, hdr->caplen, hdr->len, ts, ++frame);
    }
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
    pcap_close(c->pcap);
    free(c);
}
