/* capture.c -- read a capture through libpcap and turn it into per-direction TCP byte
 * streams (or usbmon records); link layers and IP in netlayer.c, reassembly in tcp_stream.c. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "uip/capture.h"
#include "uip/error.h"
#include "netlayer.h"
#include "tcp_stream.h"
#include "usbmon.h"

struct uip_capture {
    pcap_t *pcap;
    int dlt;
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

int uip_capture_run(struct uip_capture *c, char *err, size_t errlen)
{
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int rc;
    uint64_t frame = 0, ts = 0;
    bool usbmon = uip_linktype_is_usbmon(c->dlt);

    while ((rc = pcap_next_ex(c->pcap, &hdr, &data)) == 1) {
        frame++;
        ts = (uint64_t)hdr->ts.tv_sec * 1000000000u + (uint64_t)hdr->ts.tv_usec;
        c->stats.packets++;
        if (c->stats.packets == 1)
            c->stats.first_ts_ns = ts;
        c->stats.last_ts_ns = ts;
        if (usbmon) {
            enum uip_ignore_reason why;
            if (uip_usbmon_packet(c->dlt, c->usbmon_big_endian, data, hdr->caplen, ts, frame,
                                  &c->cb, c->user, &why)) {
                c->stats.packets_used++;
            } else {
                uip_ignore(c, why);
            }
            continue;
        }
        struct uip_ip_packet ip;
        enum uip_ignore_reason why;
        if (!uip_net_decode(c->dlt, data, hdr->caplen, hdr->len, &ip, &why)) {
            uip_ignore(c, why);
            continue;
        }
        uip_tcp_table_packet(c->tcp, &ip, ts, frame);
    }
    uip_tcp_table_finish(c->tcp, ts, frame);
    if (rc == PCAP_ERROR) {
        c->stats.truncated_file = true;
        if (err && errlen)
            snprintf(err, errlen, "capture corrupt after packet %llu: %s",
                     (unsigned long long)frame, pcap_geterr(c->pcap));
        return UIP_ERR_BAD_CAPTURE;
    }
    return UIP_OK;
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
    pcap_close(c->pcap);
    free(c);
}
