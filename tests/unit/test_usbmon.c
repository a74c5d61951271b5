/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_usbmon.c -- uip_usbmon_packet on synthetic usbmon records (189, 220), both byte orders. */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <string.h>
#include "usbmon.h"
#include "synth_link.h"

struct got {
    int n;
    struct uip_usbmon_event ev;
};

static void on_usbmon(void *user, const struct uip_usbmon_event *ev)
{
    struct got *g = user;
    g->n++;
    g->ev = *ev;
}

static const struct uip_capture_callbacks cb = {.usbmon = on_usbmon};

static bool decode(int dlt, bool swapped, const struct synth_buf *b, size_t caplen, struct got *g,
                   enum uip_ignore_reason *why)
{
    memset(g, 0, sizeof *g);
    return uip_usbmon_packet(dlt, swapped, b->data, (uint32_t)caplen, 123456789012ull, 42, &cb, g,
                             why);
}

Test(usbmon, linux_189_control_submit_with_setup)
{
    static const uint8_t get_desc[8] = {0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x12, 0x00};
    struct synth_usbmon u = {.id = 0xffff8801deadbeefull, .type = 'S', .xfer_type = 2,
                             .epnum = 0x80, .devnum = 5, .busnum = 3, .setup = true,
                             .ts_sec = 1700000000, .ts_usec = 5, .status = -115, .length = 18};
    memcpy(u.setup_bytes, get_desc, 8);
    for (int big = 0; big < 2; big++) {
        struct synth_buf b = {0};
        struct got g;
        enum uip_ignore_reason why;
        synth_usbmon_header(&b, &u, false, big);
        cr_assert_eq(b.len, 48);
        cr_assert(decode(DLT_USB_LINUX, big, &b, b.len, &g, &why));
        cr_assert_eq(g.n, 1);
        cr_assert_eq(g.ev.urb_id, 0xffff8801deadbeefull, "big %d: %llx", big,
                     (unsigned long long)g.ev.urb_id);
        cr_assert_eq(g.ev.type, 'S');
        cr_assert_eq(g.ev.xfer_type, 2);
        cr_assert_eq(g.ev.endpoint, 0x80);
        cr_assert_eq(g.ev.devnum, 5);
        cr_assert_eq(g.ev.busnum, 3);
        cr_assert(g.ev.setup_present);
        cr_assert_arr_eq(g.ev.setup, get_desc, 8);
        cr_assert_eq(g.ev.status, -115);
        cr_assert_eq(g.ev.length, 18);
        cr_assert_eq(g.ev.len_cap, 0);
        cr_assert_eq(g.ev.ts_ns, 123456789012ull, "the record's time, not the header's");
        cr_assert_eq(g.ev.frame, 42);
        synth_buf_free(&b);
    }
}

Test(usbmon, linux_189_bulk_completion_data_follows_the_header)
{
    static const char data[] = "hello usbmon!";
    struct synth_usbmon u = {.id = 7, .type = 'C', .xfer_type = 3, .epnum = 0x81, .devnum = 2,
                             .busnum = 1, .length = 13, .len_cap = 13};
    for (int big = 0; big < 2; big++) {
        struct synth_buf b = {0};
        struct got g;
        enum uip_ignore_reason why;
        synth_usbmon_header(&b, &u, false, big);
        synth_append(&b, data, 13);
        cr_assert(decode(DLT_USB_LINUX, big, &b, b.len, &g, &why));
        cr_assert(!g.ev.setup_present);
        cr_assert_eq(g.ev.length, 13);
        cr_assert_eq(g.ev.len_cap, 13);
        cr_assert_eq(g.ev.data, b.data + 48);
        cr_assert_arr_eq(g.ev.data, data, 13);
        /* a record that claims more data than it holds is cut to what is there */
        cr_assert(decode(DLT_USB_LINUX, big, &b, 48 + 4, &g, &why));
        cr_assert_eq(g.ev.len_cap, 4);
        synth_buf_free(&b);
    }
}

Test(usbmon, mmapped_220_iso_descriptors_are_skipped)
{
    static const char data[] = "isodat";
    struct synth_usbmon u = {.id = 0x1122334455667788ull, .type = 'C', .xfer_type = 0,
                             .epnum = 0x83, .devnum = 4, .busnum = 2, .error_count = 1,
                             .numdesc = 2, .length = 6, .len_cap = 6, .interval = 8,
                             .start_frame = 1234, .xfer_flags = 0x204, .ndesc = 2};
    for (int big = 0; big < 2; big++) {
        struct synth_buf b = {0};
        struct got g;
        enum uip_ignore_reason why;
        synth_usbmon_header(&b, &u, true, big);
        cr_assert_eq(b.len, 64);
        synth_append(&b, NULL, 2 * 16); /* two iso descriptors */
        synth_append(&b, data, 6);
        cr_assert(decode(DLT_USB_LINUX_MMAPPED, big, &b, b.len, &g, &why));
        cr_assert_eq(g.ev.urb_id, 0x1122334455667788ull);
        cr_assert_eq(g.ev.error_count, 1);
        cr_assert_eq(g.ev.numdesc, 2);
        cr_assert_eq(g.ev.interval, 8);
        cr_assert_eq(g.ev.start_frame, 1234);
        cr_assert_eq(g.ev.xfer_flags, 0x204);
        cr_assert_eq(g.ev.ndesc, 2);
        cr_assert_eq(g.ev.data, b.data + 64 + 32);
        cr_assert_eq(g.ev.len_cap, 6);
        cr_assert_arr_eq(g.ev.data, data, 6);
        synth_buf_free(&b);
    }
}

Test(usbmon, malformed_records_are_refused)
{
    struct synth_usbmon ok = {.id = 1, .type = 'E', .xfer_type = 1, .epnum = 0x82, .ndesc = 0};
    struct synth_usbmon bad_type = ok, bad_xfer = ok, few_desc = ok, many_desc = ok;
    bad_type.type = 'X';
    bad_xfer.xfer_type = 4;
    few_desc.ndesc = 3;
    many_desc.ndesc = 2000;
    struct { const struct synth_usbmon *u; int dlt; size_t extra, cut; bool accepted; } cases[] = {
        {&ok, DLT_USB_LINUX, 0, 0, true},
        {&ok, DLT_USB_LINUX, 0, 1, false},          /* 47 bytes */
        {&ok, DLT_USB_LINUX_MMAPPED, 0, 0, true},
        {&ok, DLT_USB_LINUX_MMAPPED, 0, 1, false},  /* 63 bytes */
        {&bad_type, DLT_USB_LINUX, 0, 0, false},
        {&bad_xfer, DLT_USB_LINUX, 0, 0, false},
        {&few_desc, DLT_USB_LINUX_MMAPPED, 2 * 16, 0, false},
        {&many_desc, DLT_USB_LINUX_MMAPPED, 2000 * 16, 0, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct synth_buf b = {0};
        struct got g;
        enum uip_ignore_reason why = UIP_IGN__COUNT;
        synth_usbmon_header(&b, cases[i].u, cases[i].dlt == DLT_USB_LINUX_MMAPPED, false);
        if (cases[i].extra)
            synth_append(&b, NULL, cases[i].extra);
        bool r = decode(cases[i].dlt, false, &b, b.len - cases[i].cut, &g, &why);
        cr_assert_eq(r, cases[i].accepted, "case %zu", i);
        cr_assert_eq(g.n, r ? 1 : 0, "case %zu: callback only for accepted records", i);
        if (!r)
            cr_assert_eq(why, UIP_IGN_USBMON_BAD, "case %zu", i);
        synth_buf_free(&b);
    }
}

Test(usbmon, no_callback_is_fine)
{
    static const struct uip_capture_callbacks none = {0};
    struct synth_usbmon u = {.id = 1, .type = 'S', .xfer_type = 3};
    struct synth_buf b = {0};
    enum uip_ignore_reason why;
    synth_usbmon_header(&b, &u, false, false);
    cr_assert(uip_usbmon_packet(DLT_USB_LINUX, false, b.data, (uint32_t)b.len, 1, 1, &none, NULL,
                                &why));
    synth_buf_free(&b);
}
