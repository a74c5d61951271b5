/* SPDX-License-Identifier: GPL-2.0-or-later */
/* usb.c -- USB names and small parsers shared by the tools (see uip/usb.h). */
#include <errno.h>
#include <stdio.h>
#include "uip/usb.h"
#include "uip/tracker.h"
#include "uip/wire.h"
#include "reader.h"

struct uip_errno_name {
    int err;
    const char *name;
    const char *meaning;
};

/* URB status values from Documentation/driver-api/usb/error-codes.rst */
static const struct uip_errno_name uip_errno_names[] = {
    {EPIPE, "EPIPE", "stall"},
    {EPROTO, "EPROTO", "protocol error (bitstuff, no response)"},
    {EILSEQ, "EILSEQ", "CRC mismatch"},
    {ETIMEDOUT, "ETIMEDOUT", "timed out"},
    {ECONNRESET, "ECONNRESET", "unlinked (asynchronously)"},
    {ENOENT, "ENOENT", "killed (synchronously)"},
    {ESHUTDOWN, "ESHUTDOWN", "device or host controller disabled"},
    {ENODEV, "ENODEV", "device gone"},
    {EOVERFLOW, "EOVERFLOW", "babble: more data than requested"},
    {EREMOTEIO, "EREMOTEIO", "short packet with URB_SHORT_NOT_OK"},
    {EINPROGRESS, "EINPROGRESS", "still in progress"},
    {EXDEV, "EXDEV", "isochronous transfer partly completed"},
    {EINVAL, "EINVAL", "invalid request"},
    {ENOSR, "ENOSR", "buffer underrun"},
    {ECOMM, "ECOMM", "buffer overrun"},
    {EMSGSIZE, "EMSGSIZE", "bad packet size"},
    {ENOSPC, "ENOSPC", "not enough bandwidth"},
    {EHOSTUNREACH, "EHOSTUNREACH", "device suspended"},
    {ENOMEM, "ENOMEM", "out of memory"},
    {EBUSY, "EBUSY", "busy"},
    {EAGAIN, "EAGAIN", "too many isochronous packets queued"},
    {EFBIG, "EFBIG", "too many isochronous frames requested"},
    {EPERM, "EPERM", "submission rejected"},
};

static const struct uip_errno_name *uip_errno_lookup(int32_t status)
{
    for (size_t i = 0; i < sizeof uip_errno_names / sizeof uip_errno_names[0]; i++)
        if (-uip_errno_names[i].err == status)
            return &uip_errno_names[i];
    return NULL;
}

const char *uip_status_name(int32_t status)
{
    const struct uip_errno_name *e;
    if (status == 0)
        return "OK";
    e = uip_errno_lookup(status);
    return e ? e->name : NULL;
}

const char *uip_status_meaning(int32_t status)
{
    const struct uip_errno_name *e;
    if (status == 0)
        return "success";
    e = uip_errno_lookup(status);
    return e ? e->meaning : NULL;
}

const char *uip_std_request_name(uint8_t b_request)
{
    static const char *const names[] = {
        "GET_STATUS", "CLEAR_FEATURE", NULL, "SET_FEATURE", NULL, "SET_ADDRESS",
        "GET_DESCRIPTOR", "SET_DESCRIPTOR", "GET_CONFIGURATION", "SET_CONFIGURATION",
        "GET_INTERFACE", "SET_INTERFACE", "SYNCH_FRAME",
    };
    if (b_request == 0x30)
        return "SET_SEL";
    if (b_request == 0x31)
        return "SET_ISOCH_DELAY";
    return b_request < sizeof names / sizeof names[0] ? names[b_request] : NULL;
}

const char *uip_descriptor_type_name(uint8_t type)
{
    switch (type) {
    case 0x01: return "DEVICE";
    case 0x02: return "CONFIGURATION";
    case 0x03: return "STRING";
    case 0x04: return "INTERFACE";
    case 0x05: return "ENDPOINT";
    case 0x06: return "DEVICE_QUALIFIER";
    case 0x07: return "OTHER_SPEED_CONFIGURATION";
    case 0x08: return "INTERFACE_POWER";
    case 0x0b: return "INTERFACE_ASSOCIATION";
    case 0x0f: return "BOS";
    case 0x21: return "HID";
    case 0x22: return "HID_REPORT";
    case 0x29: return "HUB";
    case 0x2a: return "SUPERSPEED_HUB";
    default: return NULL;
    }
}

const char *uip_class_name(uint8_t class_code)
{
    switch (class_code) {
    case 0x00: return "(per interface)";
    case 0x01: return "Audio";
    case 0x02: return "Communications (CDC)";
    case 0x03: return "HID";
    case 0x05: return "Physical";
    case 0x06: return "Image";
    case 0x07: return "Printer";
    case 0x08: return "Mass Storage";
    case 0x09: return "Hub";
    case 0x0a: return "CDC Data";
    case 0x0b: return "Smart Card";
    case 0x0d: return "Content Security";
    case 0x0e: return "Video";
    case 0x0f: return "Personal Healthcare";
    case 0x10: return "Audio/Video";
    case 0xdc: return "Diagnostic";
    case 0xe0: return "Wireless Controller";
    case 0xef: return "Miscellaneous";
    case 0xfe: return "Application Specific";
    case 0xff: return "Vendor Specific";
    default: return NULL;
    }
}

void uip_setup_decode(const uint8_t raw[8], struct uip_setup *out)
{
    out->bm_request_type = raw[0];
    out->b_request = raw[1];
    out->w_value = uip_get_le16(raw + 2);
    out->w_index = uip_get_le16(raw + 4);
    out->w_length = uip_get_le16(raw + 6);
}

bool uip_setup_is_standard(const struct uip_setup *s)
{
    return (s->bm_request_type & 0x60) == 0;
}

bool uip_setup_is_in(const struct uip_setup *s)
{
    return (s->bm_request_type & 0x80) != 0;
}

static bool is_port_reset(const struct uip_setup *s)
{
    return s->bm_request_type == 0x23 && s->b_request == UIP_USB_REQ_SET_FEATURE && s->w_value == 4;
}

void uip_request_label(const struct uip_setup *s, char *out, size_t n)
{
    const char *req = uip_std_request_name(s->b_request);
    if (is_port_reset(s)) {
        snprintf(out, n, "SET_FEATURE(PORT_RESET)");
        return;
    }
    if (!uip_setup_is_standard(s) || !req) {
        snprintf(out, n, "%s request 0x%02x", (s->bm_request_type & 0x60) == 0x20 ? "class"
                                               : (s->bm_request_type & 0x60) == 0x40 ? "vendor"
                                                                                     : "standard",
                 s->b_request);
        return;
    }
    if (s->b_request == UIP_USB_REQ_GET_DESCRIPTOR) {
        const char *dt = uip_descriptor_type_name((uint8_t)(s->w_value >> 8));
        if (dt)
            snprintf(out, n, "GET_DESCRIPTOR(%s)", dt);
        else
            snprintf(out, n, "GET_DESCRIPTOR(0x%02x)", s->w_value >> 8);
    } else {
        snprintf(out, n, "%s", req);
    }
}

int uip_usb_config_endpoints(const uint8_t *buf, size_t len,
                             void (*fn)(void *user, const struct uip_usb_endpoint *ep), void *user)
{
    size_t off = 0;
    int count = 0;
    uint8_t iface = 0, alt = 0, iface_class = 0;

    while (uip_in_bounds(len, off, 2)) {
        uint8_t b_length = buf[off], type = buf[off + 1];
        if (b_length < 2 || !uip_in_bounds(len, off, b_length))
            break;
        if (type == 0x04 && b_length >= 9) {
            iface = buf[off + 2];
            alt = buf[off + 3];
            iface_class = buf[off + 5];
        } else if (type == 0x05 && b_length >= 7) {
            struct uip_usb_endpoint ep = {
                .address = buf[off + 2], .attributes = buf[off + 3],
                .max_packet = uip_get_le16(buf + off + 4), .interval = buf[off + 6],
                .interface_number = iface, .alt_setting = alt, .interface_class = iface_class,
            };
            if (fn)
                fn(user, &ep);
            count++;
        }
        off += b_length;
    }
    return count;
}

/* A high-speed microframe; 8 make a low/full-speed frame. */
#define UIP_MICROFRAME_NS 125000u

uint64_t uip_interrupt_period_ns(int32_t interval, uint32_t speed, bool is_binterval)
{
    if (is_binterval)
        return interval >= 1 && interval <= 16 ? (uint64_t)UIP_MICROFRAME_NS << (interval - 1) : 0;
    if (interval <= 0)
        return 0;
    switch (speed) {
    case UIP_SPEED_LOW:
    case UIP_SPEED_FULL:
        return (uint64_t)interval * 8 * UIP_MICROFRAME_NS;
    case UIP_SPEED_HIGH:
    case UIP_SPEED_SUPER:
    case UIP_SPEED_SUPER_PLUS:
        return (uint64_t)interval * UIP_MICROFRAME_NS;
    default:
        return 0;
    }
}

/* idVendor and idProduct's offsets in a device descriptor */
#define UIP_DEVICE_DESC_ID_VENDOR 8
#define UIP_DEVICE_DESC_ID_PRODUCT 10

bool uip_urb_device_ids(const struct uip_urb *u, uint16_t *vendor, uint16_t *product)
{
    struct uip_setup s;
    if (!u->has_setup || u->ep != 0 || u->status != 0 || !uip_outcome_answered(u->outcome) || !u->data)
        return false;
    uip_setup_decode(u->setup, &s);
    if (s.bm_request_type != 0x80 || s.b_request != UIP_USB_REQ_GET_DESCRIPTOR ||
        s.w_value >> 8 != UIP_USB_DT_DEVICE)
        return false;
    size_t answered = u->actual_length > 0 ? (size_t)u->actual_length : 0;
    size_t kept = u->data_kept < answered ? u->data_kept : answered; /* the answer's bytes at hand */
    if (!uip_in_bounds(kept, UIP_DEVICE_DESC_ID_PRODUCT, 2))
        return false;
    *vendor = uip_get_le16(u->data + UIP_DEVICE_DESC_ID_VENDOR);
    *product = uip_get_le16(u->data + UIP_DEVICE_DESC_ID_PRODUCT);
    return true;
}
