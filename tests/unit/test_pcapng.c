/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_pcapng.c -- the pcapng reader on code-built (synthetic) files: sections of both byte
 * orders, interfaces of different link types and time resolutions, every block type, records
 * above libpcap's limit, and broken blocks reported with their offset; then usbipd-win's two
 * interfaces through uip_capture. */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pcapng.h"
#include "uip/capture.h"
#include "uip/error.h"
#include "synth_link.h"

/* A file under construction: bytes in the current section's byte order. */
struct ng {
    struct synth_buf b;
    bool big;
    size_t blk; /* start of the open block */
};

static void put(struct ng *f, uint64_t v, int n)
{
    uint8_t x[8];
    for (int i = 0; i < n; i++)
        x[i] = (uint8_t)(v >> (8 * (f->big ? n - 1 - i : i)));
    synth_append(&f->b, x, (size_t)n);
}

static void pad(struct ng *f)
{
    static const uint8_t z[4];
    synth_append(&f->b, z, (4 - f->b.len % 4) % 4);
}

static void begin(struct ng *f, uint32_t type)
{
    f->blk = f->b.len;
    put(f, type, 4);
    put(f, 0, 4); /* total length, set by end() */
}

/* Close the block: trailing total length = leading + delta (0: a good block). */
static uint32_t end_with(struct ng *f, int32_t delta)
{
    pad(f);
    uint32_t total = (uint32_t)(f->b.len + 4 - f->blk);
    put(f, total + (uint32_t)delta, 4);
    struct ng at = {.big = f->big};
    put(&at, total, 4);
    memcpy(f->b.data + f->blk + 4, at.b.data, 4);
    synth_buf_free(&at.b);
    return total;
}

static uint32_t end(struct ng *f)
{
    return end_with(f, 0);
}

static void option(struct ng *f, uint16_t code, const void *v, uint16_t len)
{
    put(f, code, 2);
    put(f, len, 2);
    synth_append(&f->b, v, len);
    pad(f);
}

static void shb(struct ng *f, bool big, const char *userappl)
{
    f->big = big;
    begin(f, UIP_PCAPNG_SHB_TYPE);
    put(f, 0x1A2B3C4D, 4);
    put(f, 1, 2);
    put(f, 0, 2);
    put(f, UINT64_MAX, 8);
    if (userappl)
        option(f, 4, userappl, (uint16_t)strlen(userappl));
    end(f);
}

/* tsresol < 0: no option; name NULL: none; tsoffset 0: none. */
static void idb(struct ng *f, int lt, uint32_t snaplen, int tsresol, int64_t tsoffset,
                const char *name)
{
    begin(f, 1);
    put(f, (uint64_t)lt, 2);
    put(f, 0, 2);
    put(f, snaplen, 4);
    if (name)
        option(f, 2, name, (uint16_t)strlen(name));
    if (tsresol >= 0) {
        uint8_t r = (uint8_t)tsresol;
        option(f, 9, &r, 1);
    }
    if (tsoffset) {
        struct ng v = {.big = f->big};
        put(&v, (uint64_t)tsoffset, 8);
        option(f, 14, v.b.data, 8);
        synth_buf_free(&v.b);
    }
    put(f, 0, 4); /* opt_endofopt */
    end(f);
}

static void epb(struct ng *f, uint32_t ifid, uint64_t units, const void *data, uint32_t caplen,
                uint32_t len)
{
    begin(f, 6);
    put(f, ifid, 4);
    put(f, units >> 32, 4);
    put(f, units & 0xffffffffu, 4);
    put(f, caplen, 4);
    put(f, len, 4);
    synth_append(&f->b, data, caplen);
    end(f);
}

static void other_block(struct ng *f, uint32_t type, uint32_t body_words)
{
    begin(f, type);
    for (uint32_t i = 0; i < body_words; i++)
        put(f, 0, 4);
    end(f);
}

/* Every record of f into recs (at most max); the last uip_pcapng_next result in *rc. */
struct readout {
    int n, rc;
    struct uip_pcapng_record rec[16];
    uint8_t first[16][4];
    char err[256];
    uint64_t blocks[UIP_PCAPNG__COUNT];
};

static void read_all(const struct ng *f, struct readout *o)
{
    memset(o, 0, sizeof *o);
    struct uip_pcapng *r = uip_pcapng_from_bytes(f->b.data, f->b.len);
    cr_assert_not_null(r);
    struct uip_pcapng_record rec;
    while ((o->rc = uip_pcapng_next(r, &rec, o->err, sizeof o->err)) == 1) {
        if (o->n < 16) {
            memcpy(o->first[o->n], rec.data, rec.caplen < 4 ? rec.caplen : 4);
            o->rec[o->n] = rec;
        }
        o->n++;
    }
    memcpy(o->blocks, uip_pcapng_blocks(r), sizeof o->blocks);
    uip_pcapng_close(r);
}

static const uint8_t pkt[8] = {1, 2, 3, 4, 5, 6, 7, 8};

Test(pcapng, timestamp_resolutions_and_offset)
{
    struct ng f = {0};
    struct readout o;
    shb(&f, false, NULL);
    idb(&f, 220, 0, 7, 0, "USB");                    /* 100 ns, as usbipd-win */
    idb(&f, 1, 0, 0x80 | 20, 0, NULL);               /* 2^-20 s */
    idb(&f, 1, 0, -1, 1000, NULL);                   /* microseconds, 1000 s later */
    idb(&f, 1, 0, 9, -5, NULL);                      /* nanoseconds, 5 s earlier */
    epb(&f, 0, 17000000001234567ull, pkt, 8, 8);     /* 1700000000.1234567 s */
    epb(&f, 1, (5ull << 20) | (1u << 19), pkt, 8, 8); /* 5.5 s */
    epb(&f, 2, 1700000000123456ull, pkt, 8, 8);
    epb(&f, 3, 1700000000123456789ull, pkt, 8, 8);
    read_all(&f, &o);
    cr_assert_eq(o.rc, 0, "%s", o.err);
    cr_assert_eq(o.n, 4);
    cr_assert_eq(o.rec[0].ts_ns, 1700000000123456700ull);
    cr_assert_eq(o.rec[1].ts_ns, 5500000000ull);
    cr_assert_eq(o.rec[2].ts_ns, 1700001000123456000ull);
    cr_assert_eq(o.rec[3].ts_ns, 1699999995123456789ull);
    cr_assert_eq(o.rec[0].linktype, 220);
    cr_assert_eq(o.rec[1].linktype, 1);
    cr_assert_eq(o.blocks[UIP_PCAPNG_IDB], 4);
    synth_buf_free(&f.b);
}

Test(pcapng, sections_of_both_byte_orders)
{
    struct ng f = {0};
    struct readout o;
    shb(&f, false, NULL);
    idb(&f, 1, 0, -1, 0, NULL);
    epb(&f, 0, 1000001, pkt, 8, 8);
    shb(&f, true, NULL); /* a new section: big-endian, its interfaces numbered from 0 again */
    idb(&f, 101, 0, 9, 0, NULL);
    idb(&f, 220, 0, 9, 0, NULL);
    epb(&f, 1, 2000000003, pkt, 6, 8);
    epb(&f, 0, 3000000004, pkt + 2, 4, 4);
    read_all(&f, &o);
    cr_assert_eq(o.rc, 0, "%s", o.err);
    cr_assert_eq(o.n, 3);
    cr_assert(!o.rec[0].big && o.rec[1].big && o.rec[2].big);
    cr_assert_eq(o.rec[0].ts_ns, 1000001000ull);
    cr_assert_eq(o.rec[1].ts_ns, 2000000003ull);
    cr_assert_eq(o.rec[1].linktype, 220);
    cr_assert_eq(o.rec[1].caplen, 6);
    cr_assert_eq(o.rec[1].len, 8);
    cr_assert_eq(o.rec[2].linktype, 101);
    cr_assert_eq(o.first[2][0], 3);
    cr_assert_eq(o.blocks[UIP_PCAPNG_SHB], 2);
    cr_assert_eq(o.blocks[UIP_PCAPNG_EPB], 3);
    synth_buf_free(&f.b);
}

Test(pcapng, simple_and_obsolete_packets)
{
    struct ng f = {0};
    struct readout o;
    shb(&f, true, NULL);
    idb(&f, 1, 5, -1, 0, NULL); /* snaplen 5 */
    epb(&f, 0, 42, pkt, 5, 8);
    begin(&f, 3); /* SPB: original length 8, cut to interface 0's snaplen, no time of its own */
    put(&f, 8, 4);
    synth_append(&f.b, pkt, 8);
    end(&f);
    begin(&f, 2); /* obsolete packet block: 16-bit interface id and drops count */
    put(&f, 0, 2);
    put(&f, 7, 2);
    put(&f, 0, 4);
    put(&f, 43, 4);
    put(&f, 3, 4);
    put(&f, 3, 4);
    synth_append(&f.b, pkt, 3);
    end(&f);
    read_all(&f, &o);
    cr_assert_eq(o.rc, 0, "%s", o.err);
    cr_assert_eq(o.n, 3);
    cr_assert_eq(o.rec[1].caplen, 5);
    cr_assert_eq(o.rec[1].len, 8);
    cr_assert_eq(o.rec[1].ts_ns, 42000ull, "a simple packet takes the previous record's time");
    cr_assert_eq(o.rec[2].ts_ns, 43000ull);
    cr_assert_eq(o.rec[2].caplen, 3);
    cr_assert_eq(o.blocks[UIP_PCAPNG_SPB], 1);
    cr_assert_eq(o.blocks[UIP_PCAPNG_PB], 1);
    synth_buf_free(&f.b);
}

Test(pcapng, blocks_without_packets_counted_and_skipped)
{
    struct ng f = {0};
    struct readout o;
    shb(&f, false, NULL);
    idb(&f, 1, 0, -1, 0, NULL);
    other_block(&f, 4, 1);           /* name resolution */
    epb(&f, 0, 1, pkt, 8, 8);
    other_block(&f, 5, 3);           /* interface statistics */
    other_block(&f, 0x0A, 2);        /* decryption secrets */
    other_block(&f, 0x00000BAD, 1);  /* custom */
    other_block(&f, 0x40000BAD, 1);  /* custom, not to be copied */
    other_block(&f, 0x80001234, 0);  /* local use */
    epb(&f, 0, 2, pkt, 8, 8);
    read_all(&f, &o);
    cr_assert_eq(o.rc, 0, "%s", o.err);
    cr_assert_eq(o.n, 2);
    cr_assert_eq(o.blocks[UIP_PCAPNG_NRB], 1);
    cr_assert_eq(o.blocks[UIP_PCAPNG_ISB], 1);
    cr_assert_eq(o.blocks[UIP_PCAPNG_DSB], 1);
    cr_assert_eq(o.blocks[UIP_PCAPNG_CUSTOM], 2);
    cr_assert_eq(o.blocks[UIP_PCAPNG_OTHER], 1);
    synth_buf_free(&f.b);
}

Test(pcapng, records_above_libpcaps_limit)
{
    struct ng f = {0};
    struct readout o;
    uint32_t big = 300u * 1024; /* libpcap stops at 256 KiB */
    uint8_t *data = calloc(1, big);
    data[0] = 0xAB;
    shb(&f, false, NULL);
    idb(&f, 220, 0, 7, 0, NULL);
    epb(&f, 0, 1, data, big, big);
    read_all(&f, &o);
    cr_assert_eq(o.rc, 0, "%s", o.err);
    cr_assert_eq(o.n, 1);
    cr_assert_eq(o.rec[0].caplen, big);
    cr_assert_eq(o.first[0][0], 0xAB);
    free(data);
    synth_buf_free(&f.b);
}

/* ---- broken files: the message names the block's offset, what came before is read ---- */

static void expect_broken(struct ng *f, int records_before, const char *offset, const char *what)
{
    struct readout o;
    read_all(f, &o);
    cr_assert_eq(o.rc, -1, "want an error (%s), got rc %d", what, o.rc);
    cr_assert_eq(o.n, records_before);
    cr_assert(strstr(o.err, offset), "'%s' lacks '%s'", o.err, offset);
    cr_assert(strstr(o.err, what), "'%s' lacks '%s'", o.err, what);
    cr_assert(!strchr(o.err, '\n'));
    synth_buf_free(&f->b);
}

/* A good start: a section, one Ethernet interface, one record; its length. */
static size_t good_start(struct ng *f)
{
    shb(f, false, NULL);
    idb(f, 1, 0, -1, 0, NULL);
    epb(f, 0, 1, pkt, 8, 8);
    return f->b.len;
}

Test(pcapng_bad, truncated_block)
{
    struct ng f = {0};
    char at[32];
    size_t off = good_start(&f);
    epb(&f, 0, 2, pkt, 8, 8);
    f.b.len -= 6;
    snprintf(at, sizeof at, "offset %zu:", off);
    expect_broken(&f, 1, at, "truncated: the file ends 34 bytes into a block of 40");
}

Test(pcapng_bad, truncated_block_header)
{
    struct ng f = {0};
    char at[32];
    size_t off = good_start(&f);
    put(&f, 6, 4);
    put(&f, 40, 2);
    snprintf(at, sizeof at, "offset %zu:", off);
    expect_broken(&f, 1, at, "truncated: the file ends inside a block header");
}

Test(pcapng_bad, leading_and_trailing_lengths_disagree)
{
    struct ng f = {0};
    char at[32];
    size_t off = good_start(&f);
    begin(&f, 6);
    put(&f, 0, 4);
    put(&f, 0, 4);
    put(&f, 2, 4);
    put(&f, 8, 4);
    put(&f, 8, 4);
    synth_append(&f.b, pkt, 8);
    end_with(&f, 4);
    snprintf(at, sizeof at, "offset %zu:", off);
    expect_broken(&f, 1, at, "leading total length 40 differs from trailing 44");
}

Test(pcapng_bad, interface_id_out_of_range)
{
    struct ng f = {0};
    char at[32];
    size_t off = good_start(&f);
    epb(&f, 1, 2, pkt, 8, 8);
    snprintf(at, sizeof at, "offset %zu:", off);
    expect_broken(&f, 1, at, "interface id 1 out of range (the section describes 1)");
}

Test(pcapng_bad, captured_length_above_the_bound)
{
    struct ng f = {0};
    char at[32];
    size_t off = good_start(&f);
    epb(&f, 0, 2, pkt, 8, 8);
    /* the record's captured length field (block + 20) says 64 MiB + 1 */
    struct ng v = {.big = false};
    put(&v, UIP_PCAPNG_MAX_RECORD + 1u, 4);
    memcpy(f.b.data + off + 20, v.b.data, 4);
    synth_buf_free(&v.b);
    snprintf(at, sizeof at, "offset %zu:", off);
    expect_broken(&f, 1, at, "captured length 67108865 is above the reader's limit of 67108864");
}

Test(pcapng_bad, block_above_the_bound)
{
    struct ng f = {0};
    char at[32];
    size_t off = good_start(&f);
    put(&f, 6, 4);
    put(&f, 0x7FFFFFF0u, 4);
    snprintf(at, sizeof at, "offset %zu:", off);
    expect_broken(&f, 1, at, "total length 2147483632 is above the reader's limit");
}

Test(pcapng_bad, captured_length_beyond_the_block)
{
    struct ng f = {0};
    size_t off = good_start(&f);
    epb(&f, 0, 2, pkt, 8, 8);
    f.b.data[off + 20] = 9; /* captured length 9 in a block holding 8 */
    expect_broken(&f, 1, "offset 92:", "captured length 9 overruns the block (8 bytes of data)");
}

Test(pcapng_bad, length_not_a_multiple_of_four)
{
    struct ng f = {0};
    size_t off = good_start(&f);
    epb(&f, 0, 2, pkt, 8, 8);
    f.b.data[off + 4] = 41;
    expect_broken(&f, 1, "offset 92:", "total length 41 is not a multiple of 4");
}

/* A section that says little-endian, then a block written big-endian (as a file pasted
 * together from another machine's): its lengths do not read back. */
Test(pcapng_bad, block_in_the_other_byte_order)
{
    struct ng f = {0};
    size_t off = good_start(&f);
    f.big = true;
    epb(&f, 0, 2, pkt, 8, 8);
    (void)off;
    expect_broken(&f, 1, "offset 92:", "total length 671088640 is above the reader's limit");
}

Test(pcapng_bad, bad_time_resolution)
{
    struct ng f = {0};
    shb(&f, false, NULL);
    idb(&f, 1, 0, 20, 0, NULL); /* 10^-20 s: beyond 64 bits of nanoseconds */
    expect_broken(&f, 0, "offset 28:", "option 9 has an invalid value");
}

Test(pcapng_bad, option_overrunning_its_block)
{
    struct ng f = {0};
    shb(&f, false, NULL);
    begin(&f, 1);
    put(&f, 1, 2);
    put(&f, 0, 2);
    put(&f, 0, 4);
    put(&f, 2, 2);
    put(&f, 200, 2); /* if_name of 200 bytes in a block of 28 */
    end(&f);
    expect_broken(&f, 0, "offset 28:", "option 2 of 200 bytes overruns the block");
}

Test(pcapng_bad, not_a_section_header_first)
{
    struct ng f = {0};
    char err[256];
    idb(&f, 1, 0, -1, 0, NULL);
    struct uip_pcapng *r = uip_pcapng_from_bytes(f.b.data, f.b.len);
    cr_assert_eq(uip_pcapng_head(r, err, sizeof err), -1);
    cr_assert(strstr(err, "offset 0: not a pcapng section header"), "%s", err);
    uip_pcapng_close(r);
    synth_buf_free(&f.b);
}

/* ---- through uip_capture: link types per interface, usbipd-win ----------------------- */

struct run {
    int usbmon, unlinks;
    struct uip_usbmon_event ev;
    uint8_t ev_data[8];
    struct uip_usbipd_unlink ul;
    struct uip_capture_stats stats;
    int code, rc;
    char err[256];
};

static void on_usbmon(void *u, const struct uip_usbmon_event *ev)
{
    struct run *r = u;
    r->usbmon++;
    r->ev = *ev;
    memcpy(r->ev_data, ev->data, ev->len_cap < 8 ? ev->len_cap : 8);
}

static void on_unlink(void *u, const struct uip_usbipd_unlink *ul)
{
    struct run *r = u;
    r->unlinks++;
    r->ul = *ul;
}

static void run_capture(struct ng *f, struct run *r)
{
    static const struct uip_capture_callbacks cb = {.usbmon = on_usbmon, .usbipd_unlink = on_unlink};
    struct uip_capture_config cfg = {0};
    char path[64];
    memset(r, 0, sizeof *r);
    cr_assert_eq(synth_write_temp(&f->b, path, sizeof path), 0);
    synth_buf_free(&f->b);
    struct uip_capture *c = uip_capture_open(path, &cfg, &cb, r, &r->code, r->err, sizeof r->err);
    unlink(path);
    if (!c)
        return;
    r->rc = uip_capture_run(c, r->err, sizeof r->err);
    r->stats = *uip_capture_stats(c);
    uip_capture_close(c);
}

Test(pcapng_capture, unsupported_link_type_alone_is_refused)
{
    struct ng f = {0};
    struct run r;
    shb(&f, false, NULL);
    idb(&f, 147, 0, -1, 0, NULL); /* LINKTYPE_USER0 */
    epb(&f, 0, 1, pkt, 8, 8);
    run_capture(&f, &r);
    cr_assert_eq(r.code, UIP_ERR_UNSUPPORTED_LINKTYPE);
    cr_assert(strstr(r.err, "link type 147"), "%s", r.err);
}

Test(pcapng_capture, records_of_an_unsupported_interface_counted)
{
    struct ng f = {0};
    struct run r;
    shb(&f, false, NULL);
    idb(&f, 147, 0, -1, 0, NULL);
    idb(&f, 1, 0, -1, 0, NULL);
    epb(&f, 0, 1, pkt, 8, 8);
    epb(&f, 0, 2, pkt, 8, 8);
    run_capture(&f, &r);
    cr_assert_eq(r.code, UIP_OK, "%s", r.err);
    cr_assert_eq(r.rc, UIP_OK, "%s", r.err);
    cr_assert_eq(r.stats.packets, 2);
    cr_assert_eq(r.stats.ignored[UIP_IGN_LINKTYPE], 2);
    cr_assert(r.stats.pcapng);
    cr_assert_eq(r.stats.pcapng_interfaces, 2);
}

/* The 64-byte usbmon header usbipd-win writes for a submission (Usbipd/PcapNg.cs:88-117):
 * urb id = seqnum, len_cap 0 whatever data follows. */
static void usbipd_submit(struct ng *f, uint64_t units, const uint8_t *out, uint32_t n)
{
    struct synth_buf b = {0};
    struct synth_usbmon u = {.id = 7, .type = 'S', .xfer_type = 3, .epnum = 0x02, .devnum = 1,
                             .busnum = 3, .status = -115, .length = n, .len_cap = 0};
    synth_usbmon_header(&b, &u, true, false);
    synth_append(&b, out, n);
    epb(f, 0, units, b.data, (uint32_t)b.len, (uint32_t)b.len);
    synth_buf_free(&b);
}

/* usbipd-win's unlink record (PcapNg.cs:278-302): IPv4 from 10.0.BUS.PORT to 10.0.0.0:3240. */
static void usbipd_unlink_record(struct ng *f, uint64_t units, const uint8_t *payload, uint32_t n)
{
    struct synth_buf b = {0};
    struct synth_seg s = {.family = 4, .src = {10, 0, 3, 1}, .dst = {10, 0, 0, 0},
                          .sport = 0x8000, .dport = 3240, .flags = 0x1b, .payload = payload,
                          .len = n};
    synth_ip_packet(&b, &s);
    epb(f, 1, units, b.data, (uint32_t)b.len, (uint32_t)b.len);
    synth_buf_free(&b);
}

static void usbipd_file(struct ng *f, const char *userappl, const char *if0, const char *if1)
{
    shb(f, false, userappl);
    idb(f, 220, 0, 7, 0, if0);
    idb(f, 101, 0, 7, 0, if1);
}

Test(pcapng_capture, usbipd_win_submission_data_and_unlink)
{
    static const uint8_t cbw[4] = {0x55, 0x53, 0x42, 0x43};
    struct ng f = {0};
    struct run r;
    struct synth_buf unl = {0};
    usbipd_file(&f, NULL, "USB", "UNLINK"); /* recognised by its interfaces alone */
    usbipd_submit(&f, 10, cbw, 4);
    synth_cmd_unlink(&unl, 9, 7);
    usbipd_unlink_record(&f, 20, unl.data, (uint32_t)unl.len);
    synth_buf_free(&unl);
    run_capture(&f, &r);
    cr_assert_eq(r.rc, UIP_OK, "%s", r.err);
    cr_assert_eq(r.usbmon, 1);
    cr_assert(r.ev.usbipd_win);
    cr_assert_eq(r.ev.len_cap, 4, "the OUT data after a len_cap of 0");
    cr_assert_arr_eq(r.ev_data, cbw, 4);
    cr_assert_eq(r.ev.ts_ns, 1000);
    cr_assert_eq(r.unlinks, 1);
    cr_assert_eq(r.ul.busnum, 3);
    cr_assert_eq(r.ul.hdr.command, UIP_CMD_UNLINK);
    cr_assert_eq(r.ul.hdr.u.cmd_unlink.unlink_seqnum, 7);
    cr_assert_eq(r.stats.packets_used, 2);
    cr_assert(r.stats.usbipd_win);
}

/* An isochronous submission (PcapNg.cs:166-193): the OUT data, then the descriptors, with the
 * number of packets at offset 60 (185). */
Test(pcapng_capture, usbipd_win_isochronous_submission)
{
    static const uint8_t out[6] = {1, 2, 3, 4, 5, 6};
    struct ng f = {0};
    struct run r;
    struct synth_buf b = {0};
    struct synth_usbmon u = {.id = 8, .type = 'S', .xfer_type = 0, .epnum = 0x03, .devnum = 1,
                             .busnum = 1, .numdesc = 2, .status = -115, .length = 6,
                             .len_cap = 6 + 2 * 16, .interval = 1, .ndesc = 2};
    usbipd_file(&f, "usbipd-win 5.3.0", "USB", "UNLINK");
    synth_usbmon_header(&b, &u, true, false);
    synth_append(&b, out, sizeof out);
    for (int i = 0; i < 2; i++) {
        uint8_t desc[16] = {0, 0, 0, 0, (uint8_t)(3 * i), 0, 0, 0, 3};
        synth_append(&b, desc, sizeof desc);
    }
    epb(&f, 0, 5, b.data, (uint32_t)b.len, (uint32_t)b.len);
    synth_buf_free(&b);
    run_capture(&f, &r);
    cr_assert_eq(r.rc, UIP_OK, "%s", r.err);
    cr_assert_eq(r.usbmon, 1);
    cr_assert_eq(r.ev.len_cap, 6, "the data before the descriptors, not the descriptors");
    cr_assert_arr_eq(r.ev_data, out, 6);
}

Test(pcapng_capture, usbipd_win_recognised_by_its_application)
{
    static const uint8_t junk[48] = {0, 0, 0, 9};
    struct ng f = {0};
    struct run r;
    usbipd_file(&f, "usbipd-win 5.3.0", "a", "b");
    usbipd_unlink_record(&f, 20, junk, sizeof junk); /* command 9: not an unlink */
    run_capture(&f, &r);
    cr_assert_eq(r.rc, UIP_OK, "%s", r.err);
    cr_assert(r.stats.usbipd_win);
    cr_assert_eq(r.unlinks, 0);
    cr_assert_eq(r.stats.ignored[UIP_IGN_UNLINK_BAD], 1);
}

/* usbipd:PcapNg:SnapLength=64 (PcapNg.cs:35-47, 487) cuts an unlink record inside its header. */
Test(pcapng_capture, usbipd_win_unlink_cut_by_snaplen)
{
    struct ng f = {0};
    struct run r;
    struct synth_buf unl = {0}, b = {0};
    synth_cmd_unlink(&unl, 9, 7);
    struct synth_seg s = {.family = 4, .src = {10, 0, 3, 1}, .dst = {10, 0, 0, 0},
                          .sport = 0x8000, .dport = 3240, .flags = 0x1b, .payload = unl.data,
                          .len = (uint32_t)unl.len};
    synth_ip_packet(&b, &s);
    usbipd_file(&f, "usbipd-win 5.3.0", "USB", "UNLINK");
    epb(&f, 1, 20, b.data, 64, (uint32_t)b.len);
    synth_buf_free(&unl);
    synth_buf_free(&b);
    run_capture(&f, &r);
    cr_assert_eq(r.rc, UIP_OK, "%s", r.err);
    cr_assert_eq(r.unlinks, 0);
    cr_assert_eq(r.stats.ignored[UIP_IGN_TRUNCATED], 1);
}

Test(pcapng_capture, another_writers_usbmon_keeps_len_cap)
{
    static const uint8_t cbw[4] = {0x55, 0x53, 0x42, 0x43};
    struct ng f = {0};
    struct run r;
    usbipd_file(&f, "Dumpcap (Wireshark) 4.0.17", "usbmon0", "eth0");
    usbipd_submit(&f, 10, cbw, 4);
    run_capture(&f, &r);
    cr_assert_eq(r.rc, UIP_OK, "%s", r.err);
    cr_assert_eq(r.usbmon, 1);
    cr_assert(!r.ev.usbipd_win);
    cr_assert_eq(r.ev.len_cap, 0, "Linux's len_cap is the data captured");
}

Test(pcapng_capture, corrupt_part_way_reports_offset)
{
    struct ng f = {0};
    struct run r;
    size_t off = good_start(&f);
    epb(&f, 0, 2, pkt, 8, 8);
    f.b.len -= 4;
    run_capture(&f, &r);
    cr_assert_eq(r.code, UIP_OK);
    cr_assert_eq(r.rc, UIP_ERR_BAD_CAPTURE);
    cr_assert_eq(r.stats.packets, 1);
    char want[96];
    snprintf(want, sizeof want, "capture corrupt after packet 1: pcapng block at offset %zu:", off);
    cr_assert(strstr(r.err, want), "%s", r.err);
}
