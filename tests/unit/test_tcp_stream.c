/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_tcp_stream.c -- TCP reassembly: order, holes, retransmissions, overlaps, gaps, closes;
 * waits for the peer's receive window. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "tcp_stream.h"

#define CISN 1000u /* client's SYN sequence number */
#define SISN 5000u

struct rec {
    char log[512];  /* "c:abc|s:<gap 3>|" in delivery order */
    uint64_t ts[16]; /* time of each data delivery */
    int n_data, opens, closes, fed;
    bool reset, at_end;
    int waits;                /* window waits reported */
    enum uip_side wait_side;
    uint64_t wait_ts, wait_frame;
    int handshakes;           /* handshake callbacks */
    struct uip_tcp_handshake handshake;
    struct uip_conn_info info;
    struct uip_capture_stats stats;
};

static void on_open(void *user, const struct uip_conn_info *c)
{
    struct rec *r = user;
    r->opens++;
    r->info = *c;
}

static void on_data(void *user, uint32_t id, enum uip_side side, const uint8_t *p, size_t n,
                    uint64_t ts, uint64_t frame)
{
    struct rec *r = user;
    size_t l = strlen(r->log);
    snprintf(r->log + l, sizeof r->log - l, "%c:%.*s|", side == UIP_SIDE_CLIENT ? 'c' : 's',
             (int)n, (const char *)p);
    if (r->n_data < 16)
        r->ts[r->n_data] = ts;
    r->n_data++;
}

static void on_gap(void *user, uint32_t id, enum uip_side side, uint64_t n, uint64_t ts,
                   uint64_t frame)
{
    struct rec *r = user;
    size_t l = strlen(r->log);
    snprintf(r->log + l, sizeof r->log - l, "%c:<gap %llu>|", side == UIP_SIDE_CLIENT ? 'c' : 's',
             (unsigned long long)n);
}

static void on_close(void *user, uint32_t id, bool reset, bool at_end, uint64_t ts, uint64_t frame)
{
    struct rec *r = user;
    r->closes++;
    r->reset = reset;
    r->at_end = at_end;
}

static void on_handshake(void *user, uint32_t id, const struct uip_tcp_handshake *h)
{
    struct rec *r = user;
    (void)id;
    r->handshakes++;
    r->handshake = *h;
}

static void on_wait(void *user, uint32_t id, enum uip_side side, uint64_t ts, uint64_t frame)
{
    struct rec *r = user;
    r->waits++;
    r->wait_side = side;
    r->wait_ts = ts;
    r->wait_frame = frame;
}

static struct uip_tcp_table *table(struct rec *r, uint16_t port, bool detect, size_t ooo_limit)
{
    static const struct uip_capture_callbacks cb = {.conn_open = on_open, .stream_data = on_data,
                                                    .stream_gap = on_gap, .conn_close = on_close,
                                                    .window_wait = on_wait, .handshake = on_handshake};
    struct uip_capture_config cfg = {.port = port, .detect_any_port = detect,
                                     .ooo_limit = ooo_limit};
    memset(r, 0, sizeof *r);
    struct uip_tcp_table *t = uip_tcp_table_new(&cfg, &cb, r, &r->stats);
    cr_assert_not_null(t);
    return t;
}

/* One segment 10.0.0.1:40000 <-> 10.0.0.2:sport; captured < 0 means all of data. */
static void seg_at(struct uip_tcp_table *t, struct rec *r, bool from_client, uint16_t srv_port,
                   uint32_t seq, uint8_t flags, const char *data, int captured, uint64_t ts)
{
    struct uip_ip_packet ip = {.family = 4, .seq = seq, .flags = flags};
    static const uint8_t cli[4] = {10, 0, 0, 1}, srv[4] = {10, 0, 0, 2};
    memcpy(ip.src, from_client ? cli : srv, 4);
    memcpy(ip.dst, from_client ? srv : cli, 4);
    ip.sport = from_client ? 40000 : srv_port;
    ip.dport = from_client ? srv_port : 40000;
    ip.payload = (const uint8_t *)data;
    ip.payload_len = (uint32_t)strlen(data);
    ip.payload_captured = captured < 0 ? ip.payload_len : (uint32_t)captured;
    uip_tcp_table_packet(t, &ip, ts, ++r->fed);
}

static void seg(struct uip_tcp_table *t, struct rec *r, bool c, uint32_t seq, const char *data,
                uint64_t ts)
{
    seg_at(t, r, c, 3240, seq, 0x18, data, -1, ts);
}

static void handshake(struct uip_tcp_table *t, struct rec *r)
{
    seg_at(t, r, true, 3240, CISN, 0x02, "", -1, 1);
    seg_at(t, r, false, 3240, SISN, 0x12, "", -1, 2);
    seg_at(t, r, true, 3240, CISN + 1, 0x10, "", -1, 3);
}

/* Every packet fed is counted once, as used or under one reason. */
static void expect_accounted(const struct rec *r)
{
    uint64_t sum = r->stats.packets_used;
    for (int i = 0; i < UIP_IGN__COUNT; i++)
        sum += r->stats.ignored[i];
    cr_assert_eq(sum, (uint64_t)r->fed, "%llu counted for %d packets", (unsigned long long)sum,
                 r->fed);
}

Test(tcp_stream, in_order_both_directions_with_roles_from_the_port)
{
    struct rec r;
    struct uip_tcp_table *t = table(&r, 3240, false, 1 << 20);
    handshake(t, &r);
    seg(t, &r, true, CISN + 1, "abc", 10);
    seg(t, &r, false, SISN + 1, "xy", 11);
    seg(t, &r, true, CISN + 4, "def", 12);
    uip_tcp_table_finish(t, 20, 7);
    cr_assert_str_eq(r.log, "c:abc|s:xy|c:def|");
    cr_assert_eq(r.ts[0], 10);
    cr_assert_eq(r.ts[2], 12);
    cr_assert_eq(r.opens, 1);
    cr_assert_eq(r.info.conn_id, 1);
    cr_assert_eq(r.info.client_port, 40000);
    cr_assert_eq(r.info.server_port, 3240);
    cr_assert_arr_eq(r.info.client_addr, ((uint8_t[]){10, 0, 0, 1}), 4);
    cr_assert(r.info.saw_syn && !r.info.detected);
    cr_assert_eq(r.stats.stream_bytes, 8);
    cr_assert_eq(r.stats.packets_used, 3);
    cr_assert_eq(r.stats.ignored[UIP_IGN_NO_PAYLOAD], 3);
    cr_assert_eq(r.stats.gaps, 0);
    cr_assert(r.closes == 1 && r.at_end && !r.reset);
    expect_accounted(&r);
    uip_tcp_table_free(t);
}

Test(tcp_stream, server_seen_first_mid_stream_keeps_roles)
{
    struct rec r;
    struct uip_tcp_table *t = table(&r, 3240, false, 1 << 20);
    seg(t, &r, false, 777, "ret", 5);
    seg(t, &r, true, 90, "cmd", 6);
    cr_assert_str_eq(r.log, "s:ret|c:cmd|");
    cr_assert_eq(r.info.client_port, 40000);
    cr_assert_arr_eq(r.info.server_addr, ((uint8_t[]){10, 0, 0, 2}), 4);
    cr_assert(!r.info.saw_syn);
    uip_tcp_table_free(t);
}

Test(tcp_stream, out_of_order_within_the_bound_is_reordered)
{
    struct rec r;
    struct uip_tcp_table *t = table(&r, 3240, false, 64);
    handshake(t, &r);
    seg(t, &r, true, CISN + 7, "ghi", 10);
    seg(t, &r, true, CISN + 4, "def", 11);
    cr_assert_str_eq(r.log, "");
    seg(t, &r, true, CISN + 1, "abc", 12);
    cr_assert_str_eq(r.log, "c:abc|c:def|c:ghi|");
    cr_assert_eq(r.ts[2], 12, "held bytes are delivered when the hole is filled");
    cr_assert_eq(r.stats.gaps, 0);
    cr_assert_eq(r.stats.stream_bytes, 9);
    expect_accounted(&r);
    uip_tcp_table_free(t);
}

Test(tcp_stream, sequence_numbers_wrap)
{
    struct rec r;
    struct uip_tcp_table *t = table(&r, 3240, false, 64);
    seg_at(t, &r, true, 3240, 0xfffffffcu, 0x02, "", -1, 1);
    seg(t, &r, true, 0x00000000u, "def", 2); /* 0xfffffffd + 3 wraps to 0 */
    seg(t, &r, true, 0xfffffffdu, "abc", 3);
    seg(t, &r, true, 0x00000003u, "g", 4);
    cr_assert_str_eq(r.log, "c:abc|c:def|c:g|");
    uip_tcp_table_free(t);
}

Test(tcp_stream, retransmissions_and_overlaps_are_cut)
{
    struct rec r;
    struct uip_tcp_table *t = table(&r, 3240, false, 64);
    handshake(t, &r);
    seg(t, &r, true, CISN + 1, "abc", 10);
    seg(t, &r, true, CISN + 1, "abc", 11);   /* all old */
    seg(t, &r, true, CISN + 2, "bcdef", 12); /* 2 old, 3 new */
    seg(t, &r, true, CISN + 10, "jk", 13);   /* held twice, overlapping */
    seg(t, &r, true, CISN + 10, "jklm", 14);
    seg(t, &r, true, CISN + 7, "ghi", 15);
    cr_assert_str_eq(r.log, "c:abc|c:def|c:ghi|c:jk|c:lm|");
    cr_assert_eq(r.stats.ignored[UIP_IGN_RETRANSMISSION], 1);
    cr_assert_eq(r.stats.retransmitted_bytes, 3 + 2 + 2);
    cr_assert_eq(r.stats.stream_bytes, 13);
    cr_assert_eq(r.stats.gaps, 0);
    expect_accounted(&r);
    uip_tcp_table_free(t);
}

Test(tcp_stream, missing_bytes_are_a_counted_gap)
{
    struct rec r;
    struct uip_tcp_table *t = table(&r, 3240, false, 64);
    handshake(t, &r);
    seg(t, &r, true, CISN + 1, "abc", 10);
    seg(t, &r, true, CISN + 9, "ijk", 11); /* "defgh" never captured */
    uip_tcp_table_finish(t, 30, 9);
    cr_assert_str_eq(r.log, "c:abc|c:<gap 5>|c:ijk|");
    cr_assert_eq(r.stats.gaps, 1);
    cr_assert_eq(r.stats.gap_bytes, 5);
    cr_assert_eq(r.ts[1], 11, "bytes after a hole never filled keep their own packet's time");
    cr_assert(r.closes == 1 && r.at_end);
    uip_tcp_table_free(t);
}

Test(tcp_stream, snaplen_cut_payload_is_a_gap_and_the_stream_goes_on)
{
    struct rec r;
    struct uip_tcp_table *t = table(&r, 3240, false, 64);
    handshake(t, &r);
    seg_at(t, &r, true, 3240, CISN + 1, 0x18, "abcde", 2, 10);
    seg(t, &r, true, CISN + 6, "fg", 11);
    cr_assert_str_eq(r.log, "c:ab|c:<gap 3>|c:fg|");
    cr_assert_eq(r.stats.gap_bytes, 3);
    cr_assert_eq(r.stats.stream_bytes, 4);
    uip_tcp_table_free(t);
}

Test(tcp_stream, bound_exceeded_gives_up_on_the_hole)
{
    struct rec r;
    struct uip_tcp_table *t = table(&r, 3240, false, 4);
    handshake(t, &r);
    seg(t, &r, true, CISN + 1, "abc", 10);
    seg(t, &r, true, CISN + 7, "ghi", 11);  /* held: 3 bytes */
    seg(t, &r, true, CISN + 13, "mno", 12); /* 6 > 4: the hole before "ghi" is given up */
    cr_assert_str_eq(r.log, "c:abc|c:<gap 3>|c:ghi|");
    seg(t, &r, true, CISN + 10, "jkl", 13);
    cr_assert_str_eq(r.log, "c:abc|c:<gap 3>|c:ghi|c:jkl|c:mno|");
    seg(t, &r, true, CISN + 4, "def", 14);  /* too late: already given up */
    cr_assert_eq(r.stats.ignored[UIP_IGN_RETRANSMISSION], 1);
    cr_assert_eq(r.stats.gaps, 1);
    cr_assert_eq(r.stats.gap_bytes, 3);
    expect_accounted(&r);
    uip_tcp_table_free(t);
}

Test(tcp_stream, segment_larger_than_the_bound_is_an_overflow)
{
    struct rec r;
    struct uip_tcp_table *t = table(&r, 3240, false, 4);
    handshake(t, &r);
    seg(t, &r, true, CISN + 1, "abc", 10);
    seg(t, &r, true, CISN + 7, "ghijklmn", 11);
    cr_assert_str_eq(r.log, "c:abc|c:<gap 3>|c:ghijklmn|");
    cr_assert_eq(r.stats.gaps, 1);
    cr_assert_eq(r.stats.gap_bytes, 3);
    uip_tcp_table_free(t);
}

/* A segment too large to hold is used after its gap, never also counted as ignored. */
Test(tcp_stream, overflowed_segment_is_counted_once)
{
    struct rec r;
    struct uip_tcp_table *t = table(&r, 3240, false, 4);
    seg(t, &r, true, CISN + 1, "abc", 10);
    seg(t, &r, true, CISN + 7, "ghijklmn", 11);
    expect_accounted(&r);
    uip_tcp_table_free(t);
}

/* A late duplicate SYN must not rewind the direction's next sequence number (which would hold
 * the following in-order bytes and declare a false gap). */
Test(tcp_stream, late_duplicate_syn_is_a_retransmission)
{
    struct rec r;
    struct uip_tcp_table *t = table(&r, 3240, false, 64);
    handshake(t, &r);
    seg(t, &r, true, CISN + 1, "abc", 10);
    seg_at(t, &r, true, 3240, CISN, 0x02, "", -1, 11);
    seg(t, &r, true, CISN + 4, "def", 12);
    uip_tcp_table_finish(t, 20, 9);
    cr_assert_str_eq(r.log, "c:abc|c:def|");
    cr_assert_eq(r.stats.gaps, 0);
    uip_tcp_table_free(t);
}

Test(tcp_stream, fin_both_ways_or_rst_closes_once)
{
    struct rec r;
    struct uip_tcp_table *t = table(&r, 3240, false, 64);
    handshake(t, &r);
    seg_at(t, &r, true, 3240, CISN + 1, 0x11, "", -1, 10);
    cr_assert_eq(r.closes, 0);
    seg_at(t, &r, false, 3240, SISN + 1, 0x11, "", -1, 11);
    cr_assert(r.closes == 1 && !r.reset && !r.at_end);
    seg(t, &r, true, CISN + 1, "late", 12);
    cr_assert_eq(r.stats.ignored[UIP_IGN_RETRANSMISSION], 1);
    uip_tcp_table_finish(t, 20, 9);
    cr_assert_eq(r.closes, 1);
    uip_tcp_table_free(t);

    t = table(&r, 3240, false, 64);
    handshake(t, &r);
    seg_at(t, &r, false, 3240, SISN + 1, 0x04, "", -1, 10);
    cr_assert(r.closes == 1 && r.reset && !r.at_end);
    uip_tcp_table_free(t);
}

Test(tcp_stream, other_ports_ignored_unless_detected_by_content)
{
    static const char devlist_req[] = "\x01\x11\x80\x05\x00\x00\x00\x00"; /* OP_REQ_DEVLIST */
    struct rec r;
    struct uip_tcp_table *t = table(&r, 3240, false, 64);
    seg_at(t, &r, true, 5555, 100, 0x18, "GET / HTTP/1.1\r\n", -1, 1);
    cr_assert_eq(r.stats.ignored[UIP_IGN_OTHER_PORT], 1);
    cr_assert_eq(r.opens, 0);
    uip_tcp_table_free(t);

    t = table(&r, 3240, true, 64);
    struct uip_ip_packet ip = {.family = 4, .src = {10, 0, 0, 1}, .dst = {10, 0, 0, 2},
                               .sport = 40000, .dport = 5555, .seq = 100, .flags = 0x18,
                               .payload = (const uint8_t *)devlist_req, .payload_len = 8,
                               .payload_captured = 8};
    uip_tcp_table_packet(t, &ip, 1, 1);
    cr_assert_eq(r.opens, 1);
    cr_assert(r.info.detected);
    cr_assert_eq(r.info.client_port, 40000);
    cr_assert_eq(r.info.server_port, 5555);
    cr_assert_eq(r.stats.stream_bytes, 8);
    uip_tcp_table_free(t);

    t = table(&r, 3240, true, 64);
    seg_at(t, &r, true, 6666, 100, 0x18, "GET / HTTP/1.1\r\n", -1, 1);
    seg_at(t, &r, true, 6666, 116, 0x18, "\x01\x11\x80\x05", -1, 2);
    cr_assert_eq(r.stats.ignored[UIP_IGN_OTHER_PORT], 2);
    cr_assert_eq(r.opens, 0);
    uip_tcp_table_free(t);
}

/* A segment with its acknowledgment and window (the header's field, wscale for a SYN's option). */
static void seg_win(struct uip_tcp_table *t, struct rec *r, bool from_client, uint32_t seq,
                    uint8_t flags, uint32_t ack, uint16_t window, int8_t wscale, const char *data,
                    uint64_t ts)
{
    struct uip_ip_packet ip = {.family = 4, .seq = seq, .ack = ack, .window = window,
                               .wscale = wscale, .flags = flags, .sport = from_client ? 40000 : 3240,
                               .dport = from_client ? 3240 : 40000, .payload = (const uint8_t *)data};
    static const uint8_t cli[4] = {10, 0, 0, 1}, srv[4] = {10, 0, 0, 2};
    memcpy(ip.src, from_client ? cli : srv, 4);
    memcpy(ip.dst, from_client ? srv : cli, 4);
    ip.payload_len = ip.payload_captured = (uint32_t)strlen(data);
    uip_tcp_table_packet(t, &ip, ts, ++r->fed);
}

#define S40 "0123456789012345678901234567890123456789"

/* Both SYNs announce a shift of 4: the client's windows count in 16-byte units. Its first ACK
 * grants the server 4 x 16 = 64 bytes; the server sends 40 then 24, reaching the edge exactly,
 * the client answers with a zero window (the server still waits), then opens it: the server's
 * next bytes are one wait, reported at their packet. */
Test(tcp_stream, bytes_that_waited_for_the_peers_window_are_reported_once)
{
    struct rec r;
    struct uip_tcp_table *t = table(&r, 3240, false, 1 << 20);
    seg_win(t, &r, true, CISN, 0x02, 0, 64240, 4, "", 1);
    seg_win(t, &r, false, SISN, 0x12, CISN + 1, 65160, 4, "", 2);
    seg_win(t, &r, true, CISN + 1, 0x10, SISN + 1, 4, -1, "", 3);
    seg_win(t, &r, false, SISN + 1, 0x18, CISN + 1, 4000, -1, S40, 10);
    cr_assert_eq(r.waits, 0, "the server has window left");
    seg_win(t, &r, false, SISN + 41, 0x18, CISN + 1, 4000, -1, "012345678901234567890123", 11);
    seg_win(t, &r, true, CISN + 1, 0x10, SISN + 65, 0, -1, "", 12);
    cr_assert_eq(r.waits, 0, "a zero window moves nothing");
    seg_win(t, &r, true, CISN + 1, 0x10, SISN + 65, 8, -1, "", 13);
    seg_win(t, &r, false, SISN + 65, 0x18, CISN + 1, 4000, -1, "tail", 14);
    cr_assert_eq(r.waits, 1);
    cr_assert_eq(r.wait_side, UIP_SIDE_SERVER);
    cr_assert_eq(r.wait_ts, 14);
    cr_assert_eq(r.wait_frame, 8);
    /* the window has room: later bytes did not wait */
    seg_win(t, &r, false, SISN + 69, 0x18, CISN + 1, 4000, -1, S40, 15);
    cr_assert_eq(r.waits, 1);
    cr_assert_str_eq(r.log, "s:" S40 "|s:012345678901234567890123|s:tail|s:" S40 "|");
    uip_tcp_table_free(t);
}

/* Once both SYNs were seen, what each announced, by the side that sent it; told once. */
Test(tcp_stream, the_handshake_says_what_each_syn_announced)
{
    struct rec r;
    struct uip_tcp_table *t = table(&r, 3240, false, 1 << 20);
    struct uip_ip_packet syn = {.family = 4, .seq = CISN, .window = 64240, .wscale = 7, .mss = 1460,
                                .flags = 0x02, .sport = 40000, .dport = 3240};
    static const uint8_t cli[4] = {10, 0, 0, 1}, srv[4] = {10, 0, 0, 2};
    memcpy(syn.src, cli, 4);
    memcpy(syn.dst, srv, 4);
    uip_tcp_table_packet(t, &syn, 1, 1);
    cr_assert_eq(r.handshakes, 0, "one SYN is half a handshake");
    struct uip_ip_packet synack = {.family = 4, .seq = SISN, .ack = CISN + 1, .window = 65160,
                                   .wscale = 6, .mss = 1400, .flags = 0x12, .sport = 3240, .dport = 40000};
    memcpy(synack.src, srv, 4);
    memcpy(synack.dst, cli, 4);
    uip_tcp_table_packet(t, &synack, 2, 2);
    cr_assert_eq(r.handshakes, 1);
    cr_assert_eq(r.handshake.mss[UIP_SIDE_CLIENT], 1460);
    cr_assert_eq(r.handshake.mss[UIP_SIDE_SERVER], 1400);
    cr_assert_eq(r.handshake.wscale[UIP_SIDE_CLIENT], 7);
    cr_assert_eq(r.handshake.wscale[UIP_SIDE_SERVER], 6);
    cr_assert_eq(r.handshake.syn_window[UIP_SIDE_CLIENT], 64240);
    cr_assert_eq(r.handshake.syn_window[UIP_SIDE_SERVER], 65160);
    seg_win(t, &r, true, CISN + 1, 0x18, SISN + 1, 500, -1, "abc", 3);
    uip_tcp_table_packet(t, &synack, 4, 4); /* a retransmitted SYN-ACK */
    cr_assert_eq(r.handshakes, 1, "told once");
    uip_tcp_table_free(t);
}

/* Windows are scaled only when both SYNs carry the option; without the SYNs the scale is unknown
 * and nothing is reported. */
Test(tcp_stream, window_waits_need_both_syns_and_scale_only_when_both_announce_it)
{
    struct rec r;
    struct uip_tcp_table *t = table(&r, 3240, false, 1 << 20);
    seg_win(t, &r, true, CISN, 0x02, 0, 64240, 4, "", 1);
    seg_win(t, &r, false, SISN, 0x12, CISN + 1, 65160, -1, "", 2);
    seg_win(t, &r, true, CISN + 1, 0x10, SISN + 1, 40, -1, "", 3); /* 40 bytes, not 40 x 16 */
    seg_win(t, &r, false, SISN + 1, 0x18, CISN + 1, 4000, -1, S40, 4);
    seg_win(t, &r, true, CISN + 1, 0x10, SISN + 41, 40, -1, "", 5);
    seg_win(t, &r, false, SISN + 41, 0x18, CISN + 1, 4000, -1, S40, 6);
    cr_assert_eq(r.waits, 1);
    uip_tcp_table_free(t);

    t = table(&r, 3240, false, 1 << 20); /* mid-stream: no SYN */
    seg_win(t, &r, true, CISN + 1, 0x18, SISN + 1, 40, -1, "abc", 1);
    seg_win(t, &r, false, SISN + 1, 0x18, CISN + 4, 4000, -1, S40, 2);
    seg_win(t, &r, true, CISN + 4, 0x10, SISN + 41, 40, -1, "", 3);
    seg_win(t, &r, false, SISN + 41, 0x18, CISN + 4, 4000, -1, S40, 4);
    cr_assert_eq(r.waits, 0);
    uip_tcp_table_free(t);
}

/* How each connection ended: who sent the first FIN or the RST, and when. */
Test(tcp_stream, the_end_of_a_connection_says_who_ended_it_and_when)
{
    struct rec r;
    struct uip_tcp_table *t = table(&r, 3240, false, 64);
    handshake(t, &r);
    seg_at(t, &r, false, 3240, SISN + 1, 0x11, "", -1, 10); /* the server's FIN first */
    seg_at(t, &r, true, 3240, CISN + 1, 0x11, "", -1, 12);
    const struct uip_conn_info *c = uip_tcp_table_conn(t, 1);
    cr_assert_eq(c->end.kind, UIP_END_CLOSED);
    cr_assert_eq(c->end.by, UIP_SIDE_SERVER);
    cr_assert_eq(c->end.ts_ns, 10);
    cr_assert_eq(c->end.frame, 4);
    uip_tcp_table_free(t);

    t = table(&r, 3240, false, 64);
    handshake(t, &r);
    seg(t, &r, true, CISN + 1, "data", 8);
    seg_at(t, &r, true, 3240, CISN + 5, 0x04, "", -1, 9); /* the client resets */
    c = uip_tcp_table_conn(t, 1);
    cr_assert_eq(c->end.kind, UIP_END_RESET);
    cr_assert_eq(c->end.by, UIP_SIDE_CLIENT);
    cr_assert_eq(c->end.ts_ns, 9);
    uip_tcp_table_free(t);

    t = table(&r, 3240, false, 64);
    handshake(t, &r);
    c = uip_tcp_table_conn(t, 1);
    cr_assert_eq(c->end.kind, UIP_END_NONE, "not ended while it goes on");
    seg_at(t, &r, true, 3240, CISN + 1, 0x11, "", -1, 10); /* half-closed by the client */
    uip_tcp_table_finish(t, 30, 7);
    c = uip_tcp_table_conn(t, 1);
    cr_assert_eq(c->end.kind, UIP_END_OPEN);
    cr_assert_eq(c->end.by, UIP_SIDE_CLIENT);
    cr_assert_eq(c->end.ts_ns, 10, "the FIN's time");
    uip_tcp_table_free(t);

    t = table(&r, 3240, false, 64);
    handshake(t, &r);
    uip_tcp_table_finish(t, 30, 7);
    c = uip_tcp_table_conn(t, 1);
    cr_assert_eq(c->end.kind, UIP_END_OPEN);
    cr_assert_eq(c->end.by, -1);
    cr_assert_eq(c->end.ts_ns, 30, "the capture's end");
    uip_tcp_table_free(t);
}
