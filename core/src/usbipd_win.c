/* SPDX-License-Identifier: GPL-2.0-or-later */
/* usbipd_win.c -- usbipd-win's own captures (`usbipd server usbipd:PcapNg:Path=x.pcapng`),
 * read as Usbipd/PcapNg.cs of dorssel/usbipd-win writes them (line numbers at 7295216a):
 * interface 0 holds usbmon records it synthesizes from the USB/IP traffic it serves, interface 1
 * the unlinks, as IPv4/TCP packets carrying the 48-byte USB/IP header. */
#include <pcap/pcap.h>
#include <string.h>
#include "uip/error.h"
#include "netlayer.h"
#include "usbipd_win.h"
#include "usbmon.h"

#define UIP_USBIPD_WIN_APPL "usbipd-win" /* Directory.Build.props:56 <Product> */
#define UIP_LINKTYPE_RAW 101

/* PcapNg.cs:449-450 writes shb_userappl "{Program.Product} {version}"; 454-474 name the two
 * interfaces "USB" (link type 220) and "UNLINK" (101): either identifies the writer. */
bool uip_usbipd_win_section(const struct uip_pcapng *r)
{
    if (!strncmp(uip_pcapng_userappl(r), UIP_USBIPD_WIN_APPL, strlen(UIP_USBIPD_WIN_APPL)))
        return true;
    return uip_pcapng_if_count(r) == 2 && uip_pcapng_if_linktype(r, 0) == DLT_USB_LINUX_MMAPPED &&
           !strcmp(uip_pcapng_if_name(r, 0), "USB") &&
           uip_pcapng_if_linktype(r, 1) == UIP_LINKTYPE_RAW &&
           !strcmp(uip_pcapng_if_name(r, 1), "UNLINK");
}

/* Where the data of a submission is: PcapNg.cs:101 writes len_cap 0 on every submission, though
 * 118 appends the OUT data; an isochronous one (166-193) has its data before the descriptors. */
static void uip_usbipd_win_submit_data(const struct uip_pcapng_record *rec,
                                       struct uip_usbmon_event *ev)
{
    uint32_t after = rec->caplen - UIP_USBMON_MMAP_HDR;
    uint32_t descs = ev->xfer_type == 0 ? ev->ndesc * UIP_USBMON_ISO_DESC : 0;
    ev->data = rec->data + UIP_USBMON_MMAP_HDR;
    ev->len_cap = after - descs; /* uip_usbmon_decode checked the descriptors fit */
}

bool uip_usbipd_win_usbmon(const struct uip_pcapng_record *rec, uint64_t frame,
                           const struct uip_capture_callbacks *cb, void *user,
                           enum uip_ignore_reason *why)
{
    struct uip_usbmon_event ev;
    if (!uip_usbmon_decode(DLT_USB_LINUX_MMAPPED, rec->big, rec->data, rec->caplen, &ev)) {
        *why = UIP_IGN_USBMON_BAD;
        return false;
    }
    if (ev.type == 'S')
        uip_usbipd_win_submit_data(rec, &ev);
    ev.usbipd_win = true;
    uip_usbmon_deliver(&ev, rec->ts_ns, frame, cb, user);
    return true;
}

/* PcapNg.cs:256-276: the server side is 10.0.0.0 port 3240, the device side 10.0.BUS.PORT on a
 * port from 0x8000 up; a CMD_UNLINK goes from the device side, a RET_UNLINK to it. */
static bool uip_usbipd_win_bus(const struct uip_ip_packet *ip, uint16_t *bus)
{
    if (ip->family != 4)
        return false;
    if (ip->dport == UIP_TCP_PORT && ip->sport != UIP_TCP_PORT)
        *bus = ip->src[2];
    else if (ip->sport == UIP_TCP_PORT && ip->dport != UIP_TCP_PORT)
        *bus = ip->dst[2];
    else
        return false;
    return true;
}

bool uip_usbipd_win_unlink(const struct uip_pcapng_record *rec, uint64_t frame,
                           const struct uip_capture_callbacks *cb, void *user,
                           enum uip_ignore_reason *why)
{
    struct uip_ip_packet ip;
    struct uip_usbipd_unlink u = {.ts_ns = rec->ts_ns, .frame = frame};
    if (!uip_net_decode(DLT_RAW, rec->data, rec->caplen, rec->len, &ip, why))
        return false;
    /* cut by usbipd:PcapNg:SnapLength (PcapNg.cs:35-47, 487): the header is not all there */
    if (ip.payload_captured < UIP_HEADER_SIZE && ip.payload_len >= UIP_HEADER_SIZE) {
        *why = UIP_IGN_TRUNCATED;
        return false;
    }
    /* PcapNg.cs:302: the header alone, as UsbIpHeader.ToBytes() writes it */
    if (!uip_usbipd_win_bus(&ip, &u.busnum) ||
        ip.payload_captured != UIP_HEADER_SIZE ||
        uip_decode_header(ip.payload, ip.payload_captured, &u.hdr) != UIP_OK ||
        (u.hdr.command != UIP_CMD_UNLINK && u.hdr.command != UIP_RET_UNLINK)) {
        *why = UIP_IGN_UNLINK_BAD;
        return false;
    }
    if (cb->usbipd_unlink)
        cb->usbipd_unlink(user, &u);
    return true;
}
