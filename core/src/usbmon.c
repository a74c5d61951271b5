/* SPDX-License-Identifier: GPL-2.0-or-later */
/* usbmon.c -- usbmon records as written by tcpdump/Wireshark on Linux usbmonN: a 48-byte
 * (189) or 64-byte (220) header in the writing host's byte order, then iso descriptors, data.
 * libpcap converts the header of a file written on the other byte order to this host's; the
 * pcapng reader hands over the section's byte order instead. */
#include <pcap/pcap.h>
#include <string.h>
#include "reader.h"
#include "usbmon.h"

#define UIP_USBMON_HDR 48

/* The fixed header fields, then the type checks. */
static bool uip_usbmon_fields(const uint8_t *p, bool big, struct uip_usbmon_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->urb_id = uip_get_ord64(p, big);
    ev->type = (char)p[8];
    ev->xfer_type = p[9];
    ev->endpoint = p[10];
    ev->devnum = p[11];
    ev->busnum = uip_get_ord16(p + 12, big);
    ev->setup_present = p[14] == 0;
    ev->status = (int32_t)uip_get_ord32(p + 28, big);
    ev->length = uip_get_ord32(p + 32, big);
    ev->len_cap = uip_get_ord32(p + 36, big);
    if (ev->setup_present)
        memcpy(ev->setup, p + 40, 8);
    else if (ev->xfer_type == 0) {
        ev->error_count = (int32_t)uip_get_ord32(p + 40, big);
        ev->numdesc = uip_get_ord32(p + 44, big);
    }
    return (ev->type == 'S' || ev->type == 'C' || ev->type == 'E') && ev->xfer_type <= 3;
}

bool uip_usbmon_decode(int dlt, bool big, const uint8_t *p, uint32_t caplen,
                       struct uip_usbmon_event *ev)
{
    uint32_t off = dlt == DLT_USB_LINUX_MMAPPED ? UIP_USBMON_MMAP_HDR : UIP_USBMON_HDR;

    if (!uip_in_bounds(caplen, 0, off) || !uip_usbmon_fields(p, big, ev))
        return false;
    if (dlt == DLT_USB_LINUX_MMAPPED) {
        ev->interval = uip_get_ord32(p + 48, big);
        ev->start_frame = uip_get_ord32(p + 52, big);
        ev->xfer_flags = uip_get_ord32(p + 56, big);
        ev->ndesc = uip_get_ord32(p + 60, big);
        if (ev->ndesc > UIP_USBMON_MAX_NDESC ||
            !uip_in_bounds(caplen, off, (size_t)ev->ndesc * UIP_USBMON_ISO_DESC))
            return false;
        off += ev->ndesc * UIP_USBMON_ISO_DESC;
    }
    /* data present: never more than the record holds */
    uint32_t avail = caplen - off;
    if (ev->len_cap > avail)
        ev->len_cap = avail;
    ev->data = p + off;
    return true;
}

bool uip_usbmon_packet(int dlt, bool big, const uint8_t *p, uint32_t caplen, uint64_t ts,
                       uint64_t frame, const struct uip_capture_callbacks *cb, void *user,
                       enum uip_ignore_reason *why)
{
    struct uip_usbmon_event ev;

    if (!uip_usbmon_decode(dlt, big, p, caplen, &ev)) {
        *why = UIP_IGN_USBMON_BAD;
        return false;
    }
    uip_usbmon_deliver(&ev, ts, frame, cb, user);
    return true;
}

void uip_usbmon_deliver(struct uip_usbmon_event *ev, uint64_t ts, uint64_t frame,
                        const struct uip_capture_callbacks *cb, void *user)
{
    ev->ts_ns = ts;
    ev->frame = frame;
    if (cb->usbmon)
        cb->usbmon(user, ev);
}
