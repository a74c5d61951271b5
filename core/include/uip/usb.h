/* SPDX-License-Identifier: GPL-2.0-or-later */
/* usb.h -- USB knowledge shared by the tools: status (errno) names, standard requests,
 * descriptor types, class names, and a bounds-checked configuration descriptor walk. */
#ifndef UIP_USB_H
#define UIP_USB_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* Linux errno of a URB status: "EPIPE" for -32, ... NULL when unknown. status is negative. */
const char *uip_status_name(int32_t status);
/* What the status means for a USB transfer: "stall" for -EPIPE, "unlinked" for -ECONNRESET, ... */
const char *uip_status_meaning(int32_t status);

/* bRequest names of standard requests (bmRequestType type bits 00): "GET_DESCRIPTOR", ... */
const char *uip_std_request_name(uint8_t b_request);
/* Descriptor type names (high byte of wValue in GET_DESCRIPTOR): "DEVICE", "CONFIGURATION", ... */
const char *uip_descriptor_type_name(uint8_t type);
/* Interface/device class names: "Mass Storage", "HID", "CDC Data", ... */
const char *uip_class_name(uint8_t class_code);

/* Fields of an 8-byte setup packet (little-endian on the wire). */
struct uip_setup {
    uint8_t bm_request_type;
    uint8_t b_request;
    uint16_t w_value;
    uint16_t w_index;
    uint16_t w_length;
};
void uip_setup_decode(const uint8_t raw[8], struct uip_setup *out);
bool uip_setup_is_standard(const struct uip_setup *s);   /* type bits 00 */
bool uip_setup_is_in(const struct uip_setup *s);         /* bit 7 */
/* A request's name: "GET_DESCRIPTOR(DEVICE)", "SET_FEATURE(PORT_RESET)", "class request 0x20". */
void uip_request_label(const struct uip_setup *s, char *out, size_t n);

struct uip_urb;
/* The device's idVendor and idProduct, when u is a standard GET_DESCRIPTOR(DEVICE) answered OK
 * whose kept data holds them: how a device seen without an import record (usbmon, or a capture
 * that starts after the import) is known by its model. */
bool uip_urb_device_ids(const struct uip_urb *u, uint16_t *vendor, uint16_t *product);

#define UIP_USB_REQ_GET_STATUS 0x00
#define UIP_USB_REQ_CLEAR_FEATURE 0x01
#define UIP_USB_REQ_SET_FEATURE 0x03
#define UIP_USB_REQ_SET_ADDRESS 0x05
#define UIP_USB_REQ_GET_DESCRIPTOR 0x06
#define UIP_USB_REQ_SET_DESCRIPTOR 0x07
#define UIP_USB_REQ_GET_CONFIGURATION 0x08
#define UIP_USB_REQ_SET_CONFIGURATION 0x09
#define UIP_USB_REQ_GET_INTERFACE 0x0a
#define UIP_USB_REQ_SET_INTERFACE 0x0b
#define UIP_USB_REQ_SYNCH_FRAME 0x0c

#define UIP_USB_DT_DEVICE 0x01
#define UIP_USB_DT_CONFIG 0x02
#define UIP_USB_DT_STRING 0x03
#define UIP_USB_DT_INTERFACE 0x04
#define UIP_USB_DT_ENDPOINT 0x05
#define UIP_USB_DT_DEVICE_QUALIFIER 0x06
#define UIP_USB_DT_BOS 0x0f

/*
 * The polling period, in nanoseconds, that a CMD_SUBMIT's interval asks of an interrupt endpoint;
 * 0 when it cannot be told (speed unknown, interval out of range). speed: the import record's
 * (enum uip_speed). Linux's vhci sends urb->interval (is_binterval false): 1 ms frames at low
 * and full speed, 125 us microframes above (drivers/usb/core/urb.c). usbip-win2 sends the
 * endpoint's bInterval (is_binterval true, uip_interval_is_binterval): 2^(bInterval-1)
 * microframes at every speed, as it rewrites a low or full speed device's interrupt bInterval
 * to the high-speed one (drivers/ude/wsk_receive.cpp:94-109, 175-176, 353-354).
 */
uint64_t uip_interrupt_period_ns(int32_t interval, uint32_t speed, bool is_binterval);

/* One endpoint found in a configuration descriptor. */
struct uip_usb_endpoint {
    uint8_t address;        /* bEndpointAddress: number | 0x80 for IN */
    uint8_t attributes;     /* bmAttributes: bits 0-1 transfer type */
    uint16_t max_packet;
    uint8_t interval;
    uint8_t interface_number;
    uint8_t alt_setting;
    uint8_t interface_class;
};

/*
 * Walk a (possibly partial) configuration descriptor and call fn for each
 * endpoint descriptor that lies wholly inside buf. Never reads past len,
 * stops at a descriptor with bLength < 2. Returns the number of endpoints.
 */
int uip_usb_config_endpoints(const uint8_t *buf, size_t len,
                             void (*fn)(void *user, const struct uip_usb_endpoint *ep), void *user);

#endif
