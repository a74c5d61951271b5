/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_usb.c -- USB knowledge of the core: status names, request and descriptor names, setup
 * packet decoding (little-endian), and the bounds of the configuration descriptor walk. */
#include <criterion/criterion.h>
#include <string.h>
#include "uip/usb.h"
#include "uip/wire.h"

Test(usb, status_names_and_meanings)
{
    cr_assert_str_eq(uip_status_name(-32), "EPIPE");
    cr_assert_str_eq(uip_status_meaning(-32), "stall");
    cr_assert_str_eq(uip_status_name(-104), "ECONNRESET");
    cr_assert_str_eq(uip_status_name(-71), "EPROTO");
    cr_assert_str_eq(uip_status_name(0), "OK");
    cr_assert_null(uip_status_name(-9999));
    cr_assert_null(uip_status_name(32), "statuses are negative errnos");
}

Test(usb, setup_packet_is_little_endian)
{
    static const uint8_t raw[8] = {0x80, 0x06, 0x00, 0x02, 0x09, 0x04, 0x27, 0x01};
    struct uip_setup s;
    uip_setup_decode(raw, &s);
    cr_assert_eq(s.bm_request_type, 0x80);
    cr_assert_eq(s.b_request, 0x06);
    cr_assert_eq(s.w_value, 0x0200);
    cr_assert_eq(s.w_index, 0x0409);
    cr_assert_eq(s.w_length, 0x0127);
    cr_assert(uip_setup_is_standard(&s));
    cr_assert(uip_setup_is_in(&s));
    cr_assert_str_eq(uip_std_request_name(s.b_request), "GET_DESCRIPTOR");
    cr_assert_str_eq(uip_descriptor_type_name((uint8_t)(s.w_value >> 8)), "CONFIGURATION");
    struct uip_setup cls = {.bm_request_type = 0x21};
    cr_assert_not(uip_setup_is_standard(&cls));
}

struct eps {
    struct uip_usb_endpoint ep[8];
    int n;
};

static void collect(void *user, const struct uip_usb_endpoint *ep)
{
    struct eps *e = user;
    if (e->n < 8)
        e->ep[e->n++] = *ep;
}

Test(usb, configuration_walk_stays_in_bounds)
{
    static const uint8_t config[] = {
        9, 2, 32, 0, 1, 1, 0, 0x80, 50,
        9, 4, 0, 0, 2, 3, 1, 1, 0,          /* interface 0: HID */
        7, 5, 0x81, 3, 0x08, 0x00, 10,      /* 1 IN interrupt, 8 bytes */
        7, 5, 0x02, 2, 0x00, 0x02, 0,       /* 2 OUT bulk, 512 bytes */
    };
    struct eps e = {0};
    cr_assert_eq(uip_usb_config_endpoints(config, sizeof config, collect, &e), 2);
    cr_assert_eq(e.ep[0].address, 0x81);
    cr_assert_eq(e.ep[0].attributes & 3, 3);
    cr_assert_eq(e.ep[0].interface_class, 3);
    cr_assert_eq(e.ep[1].max_packet, 512);
    /* cut inside the last endpoint: only whole descriptors count */
    memset(&e, 0, sizeof e);
    cr_assert_eq(uip_usb_config_endpoints(config, sizeof config - 1, collect, &e), 1);
    /* a bLength of 0 or 1 stops the walk instead of looping */
    uint8_t bad[sizeof config];
    memcpy(bad, config, sizeof config);
    bad[9] = 0;
    cr_assert_eq(uip_usb_config_endpoints(bad, sizeof bad, collect, NULL), 0);
    /* a bLength past the end stops it too */
    bad[9] = 200;
    cr_assert_eq(uip_usb_config_endpoints(bad, sizeof bad, NULL, NULL), 0);
    cr_assert_eq(uip_usb_config_endpoints(config, 0, NULL, NULL), 0);
}

/* An interrupt URB's interval as a period: Linux's urb->interval counts frames at low and full
 * speed and microframes above (drivers/usb/core/urb.c); usbip-win2's bInterval is the exponent
 * 2^(b-1) microframes at every speed (drivers/ude/proto.cpp:76, wsk_receive.cpp:94-109). */
Test(usb, interrupt_period_from_either_client)
{
    static const struct {
        int32_t interval;
        uint32_t speed;
        bool is_binterval;
        uint64_t ns;
    } cases[] = {
        {10, UIP_SPEED_LOW, false, 10000000},
        {8, UIP_SPEED_FULL, false, 8000000},
        {64, UIP_SPEED_HIGH, false, 8000000},
        {8, UIP_SPEED_SUPER, false, 1000000},
        {8, UIP_SPEED_SUPER_PLUS, false, 1000000},
        {8, UIP_SPEED_UNKNOWN, false, 0},
        {8, UIP_SPEED_WIRELESS, false, 0},
        {0, UIP_SPEED_HIGH, false, 0},
        {-1, UIP_SPEED_FULL, false, 0},
        {1, UIP_SPEED_HIGH, true, 125000},
        {7, UIP_SPEED_HIGH, true, 8000000},
        {8, UIP_SPEED_FULL, true, 16000000},
        {16, UIP_SPEED_UNKNOWN, true, 4096000000ull},
        {0, UIP_SPEED_HIGH, true, 0},
        {17, UIP_SPEED_HIGH, true, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_eq(uip_interrupt_period_ns(cases[i].interval, cases[i].speed, cases[i].is_binterval),
                     cases[i].ns, "case %zu", i);
    cr_assert(uip_interval_is_binterval(UIP_NP_NOT_ISO));
    cr_assert_not(uip_interval_is_binterval(0), "Linux's vhci sends 0 on non-isochronous URBs");
    cr_assert_not(uip_interval_is_binterval(8));
}
