/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_netlayer.c -- uip_net_decode on synthetic frames: each link layer to TCP, each refusal,
 * the acknowledgment, window and window scale option. */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <string.h>
#include "netlayer.h"
#include "synth_link.h"

static const uint8_t PAYLOAD[] = "CMD_SUBMIT bytes";
#define PLEN 16u

static struct synth_seg seg(int family)
{
    struct synth_seg s = {.family = family, .sport = 40000, .dport = 3240, .seq = 0x11223344,
                          .flags = 0x18, .payload = PAYLOAD, .len = PLEN};
    static const uint8_t a4[4] = {10, 0, 0, 1}, b4[4] = {10, 0, 0, 2};
    static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    static const uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
    memcpy(s.src, family == 4 ? a4 : a6, family == 4 ? 4 : 16);
    memcpy(s.dst, family == 4 ? b4 : b6, family == 4 ? 4 : 16);
    return s;
}

/* Decode b (all captured) and check every field against s; the payload must start at off. */
static void expect_tcp(int dlt, struct synth_buf *b, size_t off, const struct synth_seg *s)
{
    struct uip_ip_packet ip;
    enum uip_ignore_reason why = UIP_IGN__COUNT;
    cr_assert(uip_net_decode(dlt, b->data, (uint32_t)b->len, (uint32_t)b->len, &ip, &why),
              "dlt %d family %d refused: %d", dlt, s->family, why);
    cr_assert_eq(ip.family, s->family);
    cr_assert_arr_eq(ip.src, s->src, s->family == 4 ? 4 : 16);
    cr_assert_arr_eq(ip.dst, s->dst, s->family == 4 ? 4 : 16);
    cr_assert_eq(ip.sport, s->sport);
    cr_assert_eq(ip.dport, s->dport);
    cr_assert_eq(ip.seq, s->seq);
    cr_assert_eq(ip.flags, s->flags);
    cr_assert_eq(ip.payload, b->data + off, "payload at %td, expected %zu", ip.payload - b->data,
                 off);
    cr_assert_eq(ip.payload_len, s->len);
    cr_assert_eq(ip.payload_captured, s->len);
    cr_assert_arr_eq(ip.payload, s->payload, s->len);
    synth_buf_free(b);
}

/* Decode the first caplen bytes of b and expect a refusal for reason want. */
static void expect_refused(int dlt, struct synth_buf *b, size_t caplen, enum uip_ignore_reason want)
{
    struct uip_ip_packet ip;
    enum uip_ignore_reason why = UIP_IGN__COUNT;
    cr_assert(!uip_net_decode(dlt, b->data, (uint32_t)caplen, (uint32_t)b->len, &ip, &why),
              "dlt %d caplen %zu accepted", dlt, caplen);
    cr_assert_eq(why, want, "dlt %d caplen %zu: reason %d, expected %d", dlt, caplen, why, want);
    synth_buf_free(b);
}

Test(netlayer, ethernet_untagged_and_vlan_tagged)
{
    static const uint16_t one[] = {0x8100}, qinq[] = {0x88a8, 0x8100}, dot1q2[] = {0x8100, 0x8100};
    const uint16_t *tags[] = {NULL, one, qinq, dot1q2};
    const int ntags[] = {0, 1, 2, 2};
    for (int fam = 4; fam <= 6; fam += 2)
        for (int i = 0; i < 4; i++) {
            struct synth_buf b = {0};
            struct synth_seg s = seg(fam);
            synth_eth(&b, fam == 4 ? 0x0800 : 0x86dd, tags[i], ntags[i]);
            synth_ip_packet(&b, &s);
            expect_tcp(DLT_EN10MB, &b, 14 + 4 * (size_t)ntags[i] + (fam == 4 ? 20 : 40) + 20, &s);
        }
}

Test(netlayer, linux_cooked_sll_and_sll2)
{
    for (int fam = 4; fam <= 6; fam += 2) {
        struct synth_buf b = {0}, b2 = {0};
        struct synth_seg s = seg(fam);
        synth_sll(&b, fam == 4 ? 0x0800 : 0x86dd);
        synth_ip_packet(&b, &s);
        expect_tcp(DLT_LINUX_SLL, &b, 16 + (fam == 4 ? 20 : 40) + 20, &s);
        synth_sll2(&b2, fam == 4 ? 0x0800 : 0x86dd);
        synth_ip_packet(&b2, &s);
        expect_tcp(DLT_LINUX_SLL2, &b2, 20 + (fam == 4 ? 20 : 40) + 20, &s);
    }
}

Test(netlayer, null_and_loop_families_in_both_byte_orders)
{
    static const struct { uint32_t af; int family; } fams[] = {
        {2, 4}, {24, 6}, {28, 6}, {30, 6}, {10, 6}};
    for (size_t i = 0; i < sizeof fams / sizeof fams[0]; i++)
        for (int big = 0; big < 2; big++) {
            struct synth_buf b = {0};
            struct synth_seg s = seg(fams[i].family);
            synth_null(&b, fams[i].af, big);
            synth_ip_packet(&b, &s);
            expect_tcp(DLT_NULL, &b, 4 + (s.family == 4 ? 20 : 40) + 20, &s);
        }
    for (int fam = 4; fam <= 6; fam += 2) { /* DLT_LOOP: the family is always big-endian */
        struct synth_buf b = {0};
        struct synth_seg s = seg(fam);
        synth_null(&b, fam == 4 ? 2 : 30, true);
        synth_ip_packet(&b, &s);
        expect_tcp(DLT_LOOP, &b, 4 + (fam == 4 ? 20 : 40) + 20, &s);
    }
}

Test(netlayer, raw_ip_link_types)
{
    const int dlts[] = {DLT_RAW, DLT_IPV4, DLT_IPV6};
    for (int i = 0; i < 3; i++)
        for (int fam = 4; fam <= 6; fam += 2) {
            if ((dlts[i] == DLT_IPV4 && fam == 6) || (dlts[i] == DLT_IPV6 && fam == 4))
                continue;
            struct synth_buf b = {0};
            struct synth_seg s = seg(fam);
            synth_ip_packet(&b, &s);
            expect_tcp(dlts[i], &b, (fam == 4 ? 20 : 40) + 20, &s);
        }
}

Test(netlayer, ip_and_tcp_options_and_ipv6_hop_by_hop_are_skipped)
{
    struct synth_buf b = {0}, b6 = {0};
    struct synth_seg s = seg(4), s6 = seg(6);
    s.ip_opt_words = 3;  /* IHL 8: 32 bytes */
    s.tcp_opt_words = 3; /* data offset 8: 32 bytes */
    synth_eth(&b, 0x0800, NULL, 0);
    synth_ip_packet(&b, &s);
    expect_tcp(DLT_EN10MB, &b, 14 + 32 + 32, &s);
    s6.v6_hop_by_hop = true;
    synth_eth(&b6, 0x86dd, NULL, 0);
    synth_ip_packet(&b6, &s6);
    expect_tcp(DLT_EN10MB, &b6, 14 + 40 + 8 + 20, &s6);
}

Test(netlayer, not_ip_not_tcp_and_fragments)
{
    struct synth_buf b = {0};
    struct synth_seg s = seg(4);
    synth_eth(&b, 0x0806, NULL, 0); /* ARP */
    synth_append(&b, NULL, 28);
    expect_refused(DLT_EN10MB, &b, b.len, UIP_IGN_NOT_IP);
    synth_null(&b, 7, false); /* AF 7 is neither IPv4 nor IPv6 */
    synth_ip_packet(&b, &s);
    expect_refused(DLT_NULL, &b, b.len, UIP_IGN_NOT_IP);
    synth_sll2(&b, 0x88cc); /* LLDP */
    synth_append(&b, NULL, 20);
    expect_refused(DLT_LINUX_SLL2, &b, b.len, UIP_IGN_NOT_IP);
    synth_append(&b, "\x50\x00", 2); /* raw, version nibble 5 */
    expect_refused(DLT_RAW, &b, b.len, UIP_IGN_NOT_IP);

    s.proto = 17;
    synth_ip_packet(&b, &s);
    expect_refused(DLT_RAW, &b, b.len, UIP_IGN_NOT_TCP);
    struct synth_seg icmp6 = seg(6);
    icmp6.proto = 58;
    synth_ip_packet(&b, &icmp6);
    expect_refused(DLT_RAW, &b, b.len, UIP_IGN_NOT_TCP);

    const uint16_t frags[] = {0x2000 /* MF */, 0x0010 /* offset 128 */, 0x3fff};
    for (int i = 0; i < 3; i++) {
        s = seg(4);
        s.frag = frags[i];
        synth_ip_packet(&b, &s);
        expect_refused(DLT_RAW, &b, b.len, UIP_IGN_IP_FRAGMENT);
    }
    s = seg(4);
    s.frag = 0x4000; /* DF alone is not a fragment */
    synth_ip_packet(&b, &s);
    expect_tcp(DLT_RAW, &b, 40, &s);

    struct synth_seg f6 = seg(6);
    static const uint8_t frag_hdr[8] = {6, 0, 0, 0, 0, 0, 0, 1};
    f6.proto = 44;
    f6.payload = frag_hdr;
    f6.len = 8;
    synth_ip_packet(&b, &f6);
    expect_refused(DLT_RAW, &b, b.len, UIP_IGN_IP_FRAGMENT);
}

Test(netlayer, malformed_ip_and_tcp_headers)
{
    struct synth_buf b = {0};
    struct synth_seg s4 = seg(4), s6 = seg(6);
    synth_eth(&b, 0x0800, NULL, 0); /* ethertype IPv4, IPv6 packet */
    synth_ip_packet(&b, &s6);
    expect_refused(DLT_EN10MB, &b, b.len, UIP_IGN_BAD_IP);
    synth_eth(&b, 0x86dd, NULL, 0); /* ethertype IPv6, IPv4 packet (padded past 40 bytes) */
    synth_ip_packet(&b, &s4);
    expect_refused(DLT_EN10MB, &b, b.len, UIP_IGN_BAD_IP);

    synth_ip_packet(&b, &s4);
    b.data[0] = 0x44; /* IHL 16 bytes */
    expect_refused(DLT_RAW, &b, b.len, UIP_IGN_BAD_IP);
    synth_ip_packet(&b, &s4);
    b.data[2] = 0, b.data[3] = 19; /* total length below the header */
    expect_refused(DLT_RAW, &b, b.len, UIP_IGN_BAD_IP);

    synth_ip_packet(&b, &s4);
    b.data[20 + 12] = 4 << 4; /* TCP data offset 16 bytes */
    expect_refused(DLT_RAW, &b, b.len, UIP_IGN_BAD_TCP);
    synth_ip_packet(&b, &s4);
    b.data[20 + 12] = 15 << 4; /* 60 bytes, beyond the 36 after the IP header */
    expect_refused(DLT_RAW, &b, b.len, UIP_IGN_BAD_TCP);
}

Test(netlayer, truncated_at_every_layer)
{
    static const uint16_t one[] = {0x8100};
    struct synth_buf b = {0};
    struct synth_seg s4 = seg(4), s6 = seg(6);
    static const struct { int dlt, lt; size_t link; } links[] = {
        {DLT_EN10MB, SYNTH_LT_ETHERNET, 14}, {DLT_LINUX_SLL, SYNTH_LT_SLL, 16},
        {DLT_LINUX_SLL2, SYNTH_LT_SLL2, 20}, {DLT_NULL, SYNTH_LT_NULL, 4},
        {DLT_RAW, SYNTH_LT_RAW, 0}};
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        const struct synth_seg *s = i % 2 ? &s6 : &s4;
        size_t iph = s->family == 4 ? 20 : 40;
        /* one byte short of the link header (raw: nothing), of the IP header, of the TCP header */
        size_t cuts[] = {links[i].link ? links[i].link - 1 : 0, links[i].link + iph - 1,
                         links[i].link + iph + 19};
        for (int c = 0; c < 3; c++) {
            synth_frame(&b, links[i].lt, s);
            expect_refused(links[i].dlt, &b, cuts[c], UIP_IGN_TRUNCATED);
        }
    }
    synth_eth(&b, 0x0800, one, 1); /* the tag is there, the type after it is not */
    expect_refused(DLT_EN10MB, &b, 17, UIP_IGN_TRUNCATED);
    s4.tcp_opt_words = 2; /* 28-byte TCP header, 27 captured */
    synth_ip_packet(&b, &s4);
    expect_refused(DLT_RAW, &b, 20 + 27, UIP_IGN_TRUNCATED);
}

Test(netlayer, payload_lengths_snaplen_padding_and_short_frames)
{
    struct uip_ip_packet ip;
    enum uip_ignore_reason why;
    struct synth_buf b = {0};
    struct synth_seg s = seg(4);
    synth_frame(&b, SYNTH_LT_ETHERNET, &s); /* 14 + 20 + 20 + 16 = 70 bytes */
    cr_assert(uip_net_decode(DLT_EN10MB, b.data, 60, 70, &ip, &why)); /* snaplen 60 */
    cr_assert_eq(ip.payload_len, 16);
    cr_assert_eq(ip.payload_captured, 6);
    /* a frame shorter on the wire than the IP length says: the frame wins */
    cr_assert(uip_net_decode(DLT_EN10MB, b.data, 64, 64, &ip, &why));
    cr_assert_eq(ip.payload_len, 10);
    cr_assert_eq(ip.payload_captured, 10);
    synth_buf_free(&b);

    s.len = 2; /* 56 bytes, padded to the 60-byte Ethernet minimum */
    synth_frame(&b, SYNTH_LT_ETHERNET, &s);
    synth_append(&b, "\0\0\0\0", 4);
    cr_assert(uip_net_decode(DLT_EN10MB, b.data, 60, 60, &ip, &why));
    cr_assert_eq(ip.payload_len, 2);
    cr_assert_eq(ip.payload_captured, 2);
    synth_buf_free(&b);
}

/* A raw IPv4 TCP segment with flags and 12 bytes of options, its ack and window patched in. */
static struct uip_ip_packet with_options(uint8_t flags, const uint8_t opts[12])
{
    struct synth_buf b = {0};
    struct synth_seg s = seg(4);
    s.flags = flags;
    s.tcp_opt_words = 3;
    synth_ip_packet(&b, &s);
    uint8_t *tcp = b.data + 20;
    memcpy(tcp + 8, "\x01\x02\x03\x04", 4); /* ack */
    memcpy(tcp + 14, "\x12\x34", 2);         /* window */
    memcpy(tcp + 20, opts, 12);
    struct uip_ip_packet ip;
    enum uip_ignore_reason why;
    cr_assert(uip_net_decode(DLT_RAW, b.data, (uint32_t)b.len, (uint32_t)b.len, &ip, &why));
    cr_assert_eq(ip.ack, 0x01020304);
    cr_assert_eq(ip.window, 0x1234);
    cr_assert_eq(ip.payload_len, PLEN);
    synth_buf_free(&b);
    return ip;
}

Test(netlayer, ack_window_and_a_syns_window_scale)
{
    static const uint8_t linux_syn[12] = {2, 4, 0xff, 0xd7, 1, 3, 3, 7, 1, 1, 1, 1}; /* MSS, NOP, WS 7 */
    static const uint8_t too_large[12] = {3, 3, 20, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    static const uint8_t none[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    static const uint8_t after_end[12] = {0, 3, 3, 7, 1, 1, 1, 1, 1, 1, 1, 1};
    static const uint8_t zero_length[12] = {2, 0, 3, 3, 7, 1, 1, 1, 1, 1, 1, 1};
    static const uint8_t past_the_end[12] = {2, 40, 3, 3, 7, 1, 1, 1, 1, 1, 1, 1};
    static const uint8_t cut[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3};
    cr_assert_eq(with_options(0x02, linux_syn).wscale, 7);
    cr_assert_eq(with_options(0x12, linux_syn).wscale, 7);
    cr_assert_eq(with_options(0x10, linux_syn).wscale, -1, "only a SYN's option counts");
    cr_assert_eq(with_options(0x02, too_large).wscale, 14, "RFC 7323: at most 14");
    cr_assert_eq(with_options(0x02, none).wscale, -1);
    cr_assert_eq(with_options(0x02, after_end).wscale, -1);
    cr_assert_eq(with_options(0x02, zero_length).wscale, -1);
    cr_assert_eq(with_options(0x02, past_the_end).wscale, -1);
    cr_assert_eq(with_options(0x02, cut).wscale, -1);
}

Test(netlayer, a_syns_maximum_segment_size)
{
    static const uint8_t linux_syn[12] = {2, 4, 0xff, 0xd7, 1, 3, 3, 7, 1, 1, 1, 1}; /* MSS 65495 */
    static const uint8_t after_ws[12] = {1, 3, 3, 7, 2, 4, 0x05, 0xb4, 1, 1, 1, 1};  /* MSS 1460 */
    static const uint8_t bad_length[12] = {2, 3, 0x05, 0xb4, 1, 1, 1, 1, 1, 1, 1, 1};
    static const uint8_t cut[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4};
    cr_assert_eq(with_options(0x02, linux_syn).mss, 65495);
    cr_assert_eq(with_options(0x12, after_ws).mss, 1460);
    cr_assert_eq(with_options(0x12, after_ws).wscale, 7, "both options of one SYN");
    cr_assert_eq(with_options(0x10, linux_syn).mss, 0, "only a SYN's option counts");
    cr_assert_eq(with_options(0x02, bad_length).mss, 0, "an MSS option is 4 bytes long");
    cr_assert_eq(with_options(0x02, cut).mss, 0, "an option past the header is not read");
}
