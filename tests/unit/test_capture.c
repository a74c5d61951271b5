/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_capture.c -- synthetic pcap/pcapng files through uip_capture: link types, times, ignores. */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <string.h>
#include <unistd.h>
#include "uip/capture.h"
#include "uip/error.h"
#include "synth_link.h"

#define T1 1700000000123456000ull /* microsecond-aligned */
#define T2 1700000001654321000ull
#define TN 1700000002987654321ull /* nanosecond */

struct run {
    char stream[2][64]; /* bytes of each side, client then server */
    uint64_t ts[8];
    int n_data, opens, closes, n_usbmon;
    uint64_t gap_bytes;
    struct uip_conn_info info;
    struct uip_usbmon_event ev;
    struct uip_capture_stats stats;
    int rc;
};

static void on_open(void *u, const struct uip_conn_info *c)
{
    struct run *r = u;
    r->opens++;
    r->info = *c;
}

static void on_data(void *u, uint32_t id, enum uip_side side, const uint8_t *p, size_t n,
                    uint64_t ts, uint64_t frame)
{
    struct run *r = u;
    strncat(r->stream[side], (const char *)p, n < 63 - strlen(r->stream[side]) ? n : 0);
    if (r->n_data < 8)
        r->ts[r->n_data] = ts;
    r->n_data++;
}

static void on_gap(void *u, uint32_t id, enum uip_side side, uint64_t n, uint64_t ts, uint64_t f)
{
    ((struct run *)u)->gap_bytes += n;
}

static void on_close(void *u, uint32_t id, bool reset, bool at_end, uint64_t ts, uint64_t f)
{
    ((struct run *)u)->closes++;
}

static void on_usbmon(void *u, const struct uip_usbmon_event *ev)
{
    struct run *r = u;
    r->n_usbmon++;
    r->ev = *ev;
    r->ev.data = NULL;
}

static const struct uip_capture_callbacks cbs = {.conn_open = on_open, .stream_data = on_data,
                                                 .stream_gap = on_gap, .conn_close = on_close,
                                                 .usbmon = on_usbmon};

/* Write file to a temporary path and open it; NULL with *code on failure. */
static struct uip_capture *open_file(struct synth_buf *file, struct run *r, int *code)
{
    char path[64], err[256] = "";
    struct uip_capture_config cfg = {0};
    cr_assert_eq(synth_write_temp(file, path, sizeof path), 0);
    synth_buf_free(file);
    memset(r, 0, sizeof *r);
    struct uip_capture *c = uip_capture_open(path, &cfg, &cbs, r, code, err, sizeof err);
    unlink(path);
    return c;
}

static void run_file(struct synth_buf *file, struct run *r)
{
    int code;
    struct uip_capture *c = open_file(file, r, &code);
    cr_assert_not_null(c, "open failed: %d", code);
    r->rc = uip_capture_run(c, NULL, 0);
    r->stats = *uip_capture_stats(c);
    uip_capture_close(c);
}

static struct synth_seg seg(int family, bool from_client, const char *text)
{
    struct synth_seg s = {.family = family, .sport = 40000, .dport = 3240, .seq = 100,
                          .flags = 0x18, .payload = (const uint8_t *)text,
                          .len = (uint32_t)strlen(text)};
    s.src[0] = s.dst[0] = family == 4 ? 192 : 0xfd;
    s.src[family == 4 ? 3 : 15] = 1;
    s.dst[family == 4 ? 3 : 15] = 2;
    if (!from_client) {
        struct synth_seg c = s;
        memcpy(s.src, c.dst, 16);
        memcpy(s.dst, c.src, 16);
        s.sport = 3240;
        s.dport = 40000;
        s.seq = 900;
    }
    return s;
}

struct link_case {
    int lt, dlt, family;
    uint16_t tpids[2];
    int ntags;
    uint32_t af;
    bool af_big;
};

static void put_frame(struct synth_buf *b, const struct link_case *lc, const struct synth_seg *s)
{
    uint16_t et = lc->family == 4 ? 0x0800 : 0x86dd;
    switch (lc->lt) {
    case SYNTH_LT_ETHERNET: synth_eth(b, et, lc->tpids, lc->ntags); break;
    case SYNTH_LT_SLL: synth_sll(b, et); break;
    case SYNTH_LT_SLL2: synth_sll2(b, et); break;
    case SYNTH_LT_NULL: case SYNTH_LT_LOOP: synth_null(b, lc->af, lc->af_big); break;
    default: break;
    }
    synth_ip_packet(b, s);
}

/* A pcap file: client "hello " at T1, server "world!" at T2. */
static void conversation(struct synth_buf *f, const struct link_case *lc, bool nano, bool big)
{
    struct synth_buf fr = {0};
    struct synth_seg c = seg(lc->family, true, "hello "), s = seg(lc->family, false, "world!");
    synth_pcap_file_header(f, lc->lt, nano, big, 65535);
    put_frame(&fr, lc, &c);
    synth_pcap_record(f, T1, nano, big, fr.data, (uint32_t)fr.len, (uint32_t)fr.len);
    fr.len = 0;
    put_frame(&fr, lc, &s);
    synth_pcap_record(f, nano ? TN : T2, nano, big, fr.data, (uint32_t)fr.len, (uint32_t)fr.len);
    synth_buf_free(&fr);
}

static void expect_conversation(const struct run *r, const char *what, uint64_t t2)
{
    cr_assert_eq(r->rc, UIP_OK, "%s", what);
    cr_assert_str_eq(r->stream[UIP_SIDE_CLIENT], "hello ", "%s", what);
    cr_assert_str_eq(r->stream[UIP_SIDE_SERVER], "world!", "%s", what);
    cr_assert_eq(r->ts[0], T1, "%s: %llu", what, (unsigned long long)r->ts[0]);
    cr_assert_eq(r->ts[1], t2, "%s: %llu", what, (unsigned long long)r->ts[1]);
    cr_assert(r->stats.packets == 2 && r->stats.packets_used == 2, "%s", what);
    cr_assert(r->stats.first_ts_ns == T1 && r->stats.last_ts_ns == t2, "%s", what);
    cr_assert(r->opens == 1 && r->closes == 1, "%s", what);
}

Test(capture, every_link_type_yields_the_tcp_payload)
{
#define LINK(l, d, fam) {.lt = l, .dlt = d, .family = fam}
#define ETH(fam, n, t0, t1) {.lt = SYNTH_LT_ETHERNET, .dlt = DLT_EN10MB, .family = fam, \
                             .tpids = {t0, t1}, .ntags = n}
#define NUL(l, d, fam, a, big) {.lt = l, .dlt = d, .family = fam, .af = a, .af_big = big}
    static const struct link_case cases[] = {
        ETH(4, 0, 0, 0), ETH(6, 0, 0, 0), ETH(4, 1, 0x8100, 0), ETH(6, 1, 0x8100, 0),
        ETH(4, 2, 0x88a8, 0x8100), ETH(6, 2, 0x8100, 0x8100),
        LINK(SYNTH_LT_SLL, DLT_LINUX_SLL, 4), LINK(SYNTH_LT_SLL, DLT_LINUX_SLL, 6),
        LINK(SYNTH_LT_SLL2, DLT_LINUX_SLL2, 4), LINK(SYNTH_LT_SLL2, DLT_LINUX_SLL2, 6),
        NUL(SYNTH_LT_NULL, DLT_NULL, 4, 2, false), NUL(SYNTH_LT_NULL, DLT_NULL, 4, 2, true),
        NUL(SYNTH_LT_NULL, DLT_NULL, 6, 24, false), NUL(SYNTH_LT_NULL, DLT_NULL, 6, 24, true),
        NUL(SYNTH_LT_NULL, DLT_NULL, 6, 28, false), NUL(SYNTH_LT_NULL, DLT_NULL, 6, 28, true),
        NUL(SYNTH_LT_NULL, DLT_NULL, 6, 30, false), NUL(SYNTH_LT_NULL, DLT_NULL, 6, 30, true),
        NUL(SYNTH_LT_LOOP, DLT_LOOP, 4, 2, true), NUL(SYNTH_LT_LOOP, DLT_LOOP, 6, 30, true),
        LINK(SYNTH_LT_RAW, DLT_RAW, 4), LINK(SYNTH_LT_RAW, DLT_RAW, 6),
        LINK(SYNTH_LT_IPV4, DLT_IPV4, 4), LINK(SYNTH_LT_IPV6, DLT_IPV6, 6),
    };
#undef LINK
#undef ETH
#undef NUL
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char what[96];
        struct synth_buf f = {0};
        struct run r;
        snprintf(what, sizeof what, "case %zu: linktype %d IPv%d tags %d af %u%s", i, cases[i].lt,
                 cases[i].family, cases[i].ntags, cases[i].af, cases[i].af_big ? " BE" : "");
        conversation(&f, &cases[i], false, false);
        run_file(&f, &r);
        expect_conversation(&r, what, T2);
        cr_assert_eq(r.stats.linktype, cases[i].dlt, "%s", what);
        cr_assert_eq(r.info.family, cases[i].family, "%s", what);
        cr_assert_eq(r.info.client_addr[cases[i].family == 4 ? 3 : 15], 1, "%s", what);
        cr_assert_eq(r.info.server_port, 3240, "%s", what);
    }
}

Test(capture, pcap_microsecond_nanosecond_and_big_endian_files)
{
    static const struct link_case eth = {.lt = SYNTH_LT_ETHERNET, .dlt = DLT_EN10MB, .family = 4};
    for (int nano = 0; nano < 2; nano++)
        for (int big = 0; big < 2; big++) {
            char what[32];
            struct synth_buf f = {0};
            struct run r;
            snprintf(what, sizeof what, "nano %d big %d", nano, big);
            conversation(&f, &eth, nano, big);
            run_file(&f, &r);
            expect_conversation(&r, what, nano ? TN : T2);
        }
}

Test(capture, pcapng_interface_timestamp_resolutions)
{
    static const struct { int tsresol; uint64_t units; uint64_t ns; } res[] = {
        {-1, 1700000005123456ull, 1700000005123456000ull},     /* default: microseconds */
        {6, 1700000005123456ull, 1700000005123456000ull},
        {9, 1700000005123456789ull, 1700000005123456789ull},
        {3, 1700000005123ull, 1700000005123000000ull},
        {0x80 | 10, 1700000005ull * 1024 + 512, 1700000005500000000ull}, /* 2^-10 s */
    };
    for (size_t i = 0; i < sizeof res / sizeof res[0]; i++) {
        struct synth_buf f = {0}, fr = {0};
        struct synth_seg c = seg(6, true, "hello "), s = seg(6, false, "world!");
        struct run r;
        synth_pcapng_shb(&f);
        synth_pcapng_idb(&f, SYNTH_LT_SLL2, 65535, res[i].tsresol);
        synth_sll2(&fr, 0x86dd);
        synth_ip_packet(&fr, &c);
        synth_pcapng_epb(&f, 0, res[i].units, fr.data, (uint32_t)fr.len, (uint32_t)fr.len);
        fr.len = 0;
        synth_sll2(&fr, 0x86dd);
        synth_ip_packet(&fr, &s);
        synth_pcapng_epb(&f, 0, res[i].units + 1, fr.data, (uint32_t)fr.len, (uint32_t)fr.len);
        synth_buf_free(&fr);
        run_file(&f, &r);
        cr_assert_eq(r.rc, UIP_OK);
        cr_assert_eq(r.stats.linktype, DLT_LINUX_SLL2);
        cr_assert_str_eq(r.stream[UIP_SIDE_CLIENT], "hello ");
        cr_assert_str_eq(r.stream[UIP_SIDE_SERVER], "world!");
        cr_assert_eq(r.ts[0], res[i].ns, "tsresol %d: %llu", res[i].tsresol,
                     (unsigned long long)r.ts[0]);
    }
}

/* Append one Ethernet record of s (caplen bytes kept, 0: all). */
static void eth_record(struct synth_buf *f, uint16_t et, const struct synth_seg *s, uint32_t caplen)
{
    struct synth_buf fr = {0};
    synth_eth(&fr, et, NULL, 0);
    if (s)
        synth_ip_packet(&fr, s);
    else
        synth_append(&fr, NULL, 28); /* an ARP body */
    synth_pcap_record(f, T1, false, false, fr.data, caplen ? caplen : (uint32_t)fr.len,
                      (uint32_t)fr.len);
    synth_buf_free(&fr);
}

Test(capture, ignored_packets_are_counted_by_reason)
{
    struct synth_buf f = {0};
    struct run r;
    struct synth_seg good = seg(4, true, "payload"), udp = good, icmp = good, frag = good,
                     other = good, ack = seg(4, false, "");
    udp.proto = 17;
    icmp.proto = 1;
    frag.frag = 0x2000;
    other.dport = 8080;
    ack.flags = 0x10;
    synth_pcap_file_header(&f, SYNTH_LT_ETHERNET, false, false, 65535);
    eth_record(&f, 0x0806, NULL, 0);    /* ARP: not IP */
    eth_record(&f, 0x0800, &udp, 0);    /* not TCP */
    eth_record(&f, 0x0800, &icmp, 0);   /* not TCP */
    eth_record(&f, 0x0800, &good, 10);  /* cut in the Ethernet header */
    eth_record(&f, 0x0800, &good, 30);  /* cut in the IP header */
    eth_record(&f, 0x0800, &good, 50);  /* cut in the TCP header */
    eth_record(&f, 0x0800, &frag, 0);   /* IP fragment */
    eth_record(&f, 0x0800, &other, 0);  /* TCP, other port */
    eth_record(&f, 0x0800, &good, 0);   /* used */
    eth_record(&f, 0x0800, &good, 0);   /* retransmission */
    eth_record(&f, 0x0800, &ack, 0);    /* pure ACK */
    run_file(&f, &r);
    const uint64_t *ign = r.stats.ignored;
    cr_assert_eq(r.stats.packets, 11);
    cr_assert_eq(r.stats.packets_used, 1);
    cr_assert_eq(ign[UIP_IGN_NOT_IP], 1);
    cr_assert_eq(ign[UIP_IGN_NOT_TCP], 2);
    cr_assert_eq(ign[UIP_IGN_TRUNCATED], 3);
    cr_assert_eq(ign[UIP_IGN_IP_FRAGMENT], 1);
    cr_assert_eq(ign[UIP_IGN_OTHER_PORT], 1);
    cr_assert_eq(ign[UIP_IGN_RETRANSMISSION], 1);
    cr_assert_eq(ign[UIP_IGN_NO_PAYLOAD], 1);
    cr_assert_eq(r.stats.retransmitted_bytes, 7);
    cr_assert_str_eq(r.stream[UIP_SIDE_CLIENT], "payload");
    cr_assert_eq(r.stats.connections, 1);
    cr_assert_str_eq(uip_ignore_reason_name(UIP_IGN_NOT_TCP), "not TCP");
}

Test(capture, snaplen_cut_payload_is_a_gap_and_padding_is_dropped)
{
    struct synth_buf f = {0};
    struct run r;
    struct synth_seg cut = seg(4, true, "0123456789abcdef"), pad = seg(4, false, "ok");
    synth_pcap_file_header(&f, SYNTH_LT_ETHERNET, false, false, 64);
    eth_record(&f, 0x0800, &cut, 64);  /* 70 on the wire: 6 of 16 payload bytes lost */
    struct synth_buf fr = {0};
    synth_eth(&fr, 0x0800, NULL, 0);
    synth_ip_packet(&fr, &pad);
    synth_append(&fr, "\0\0\0\0", 4);  /* padded to 60 */
    synth_pcap_record(&f, T2, false, false, fr.data, (uint32_t)fr.len, (uint32_t)fr.len);
    synth_buf_free(&fr);
    run_file(&f, &r);
    cr_assert_str_eq(r.stream[UIP_SIDE_CLIENT], "0123456789");
    cr_assert_str_eq(r.stream[UIP_SIDE_SERVER], "ok");
    cr_assert_eq(r.gap_bytes, 6);
    cr_assert_eq(r.stats.gaps, 1);
    cr_assert_eq(r.stats.gap_bytes, 6);
    cr_assert_eq(r.stats.stream_bytes, 12);
}

Test(capture, bad_files_and_unsupported_link_types)
{
    struct synth_buf f = {0};
    struct run r;
    int code;
    synth_pcap_file_header(&f, 105, false, false, 65535); /* 802.11 */
    cr_assert_null(open_file(&f, &r, &code));
    cr_assert_eq(code, UIP_ERR_UNSUPPORTED_LINKTYPE);
    cr_assert_null(open_file(&f, &r, &code)); /* empty */
    cr_assert_eq(code, UIP_ERR_BAD_CAPTURE);
    synth_append(&f, "not a capture at all, just text", 31);
    cr_assert_null(open_file(&f, &r, &code));
    cr_assert_eq(code, UIP_ERR_BAD_CAPTURE);
    char err[128];
    cr_assert_null(uip_capture_open("/nonexistent/uip.pcap", &(struct uip_capture_config){0}, &cbs,
                                    &r, &code, err, sizeof err));
    cr_assert_eq(code, UIP_ERR_IO);

    static const struct link_case eth = {.lt = SYNTH_LT_ETHERNET, .dlt = DLT_EN10MB, .family = 4};
    conversation(&f, &eth, false, false);
    f.len -= 10; /* the file ends inside the second record */
    run_file(&f, &r);
    cr_assert_eq(r.rc, UIP_ERR_BAD_CAPTURE);
    cr_assert(r.stats.truncated_file);
    cr_assert_str_eq(r.stream[UIP_SIDE_CLIENT], "hello ");
    cr_assert_eq(r.closes, 1);
}

/* A usbmon pcap file of link type lt, one bulk completion with 4 data bytes. */
static void usbmon_file(struct synth_buf *f, int lt, bool big)
{
    struct synth_usbmon u = {.id = 0xffff888012345678ull, .type = 'C', .xfer_type = 3,
                             .epnum = 0x81, .devnum = 7, .busnum = 2, .status = -32,
                             .length = 4, .len_cap = 4};
    struct synth_buf rec = {0};
    synth_usbmon_header(&rec, &u, lt == SYNTH_LT_USB_LINUX_MMAPPED, big);
    synth_append(&rec, "\xde\xad\xbe\xef", 4);
    synth_pcap_file_header(f, lt, true, big, 65535);
    synth_pcap_record(f, TN, true, big, rec.data, (uint32_t)rec.len, (uint32_t)rec.len);
    synth_buf_free(&rec);
}

static void expect_usbmon(const struct run *r, const char *what)
{
    cr_assert_eq(r->n_usbmon, 1, "%s", what);
    cr_assert_eq(r->stats.packets_used, 1, "%s", what);
    cr_assert_eq(r->ev.urb_id, 0xffff888012345678ull, "%s: urb id %llx", what,
                 (unsigned long long)r->ev.urb_id);
    cr_assert_eq(r->ev.busnum, 2, "%s: bus %u", what, r->ev.busnum);
    cr_assert_eq(r->ev.status, -32, "%s: status %d", what, r->ev.status);
    cr_assert_eq(r->ev.length, 4, "%s: length %u", what, r->ev.length);
    cr_assert_eq(r->ev.len_cap, 4, "%s", what);
    cr_assert_eq(r->ev.endpoint, 0x81, "%s", what);
    cr_assert_eq(r->ev.ts_ns, TN, "%s", what);
}

Test(capture, usbmon_files_little_endian)
{
    cr_assert(uip_linktype_is_usbmon(DLT_USB_LINUX));
    cr_assert(uip_linktype_is_usbmon(DLT_USB_LINUX_MMAPPED));
    cr_assert(!uip_linktype_is_usbmon(DLT_EN10MB));
    const int lts[] = {SYNTH_LT_USB_LINUX, SYNTH_LT_USB_LINUX_MMAPPED};
    for (int i = 0; i < 2; i++) {
        struct synth_buf f = {0};
        struct run r;
        usbmon_file(&f, lts[i], false);
        run_file(&f, &r);
        expect_usbmon(&r, lts[i] == SYNTH_LT_USB_LINUX ? "189 LE" : "220 LE");
    }
}

/* A file written on a big-endian host: libpcap converts the usbmon header to this host's order,
 * so it must decode exactly as the little-endian file does (not be swapped a second time). */
Test(capture, usbmon_files_big_endian)
{
    const int lts[] = {SYNTH_LT_USB_LINUX, SYNTH_LT_USB_LINUX_MMAPPED};
    for (int i = 0; i < 2; i++) {
        struct synth_buf f = {0};
        struct run r;
        usbmon_file(&f, lts[i], true);
        run_file(&f, &r);
        expect_usbmon(&r, lts[i] == SYNTH_LT_USB_LINUX ? "189 BE" : "220 BE");
    }
}
