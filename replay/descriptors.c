/* SPDX-License-Identifier: GPL-2.0-or-later */
/* descriptors.c -- a USB/IP device record and interface list built from the standard descriptors
 * a recording holds, for captures that start after the import. */
#include "descriptors.h"

#include "uip/error.h"
#include "uip/usb.h"

#define DEVICE_DESCRIPTOR_SIZE 18

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

int replay_device_from_descriptor(const uint8_t *desc, size_t len, struct uip_device_record *d)
{
    if (len < DEVICE_DESCRIPTOR_SIZE)
        return UIP_ERR_TRUNCATED;
    if (desc[0] < DEVICE_DESCRIPTOR_SIZE || desc[1] != UIP_USB_DT_DEVICE)
        return UIP_ERR_BAD_FIELD;
    uint16_t bcd_usb = le16(desc + 2);
    d->device_class = desc[4];
    d->device_subclass = desc[5];
    d->device_protocol = desc[6];
    d->speed = bcd_usb >= 0x0300 ? UIP_SPEED_SUPER : desc[7] == 64 ? UIP_SPEED_HIGH : UIP_SPEED_FULL;
    d->id_vendor = le16(desc + 8);
    d->id_product = le16(desc + 10);
    d->bcd_device = le16(desc + 12);
    d->num_configurations = desc[17];
    return UIP_OK;
}

uint32_t replay_interfaces_from_config(const uint8_t *desc, size_t len,
                                       struct uip_interface_record *ifaces, uint32_t max)
{
    uint32_t n = 0;
    size_t off = 0;
    while (off + 2 <= len && n < max) {
        uint8_t blen = desc[off];
        if (blen < 2 || off + blen > len)
            break;
        /* interface descriptor: bInterfaceNumber 2, bAlternateSetting 3, class 5..7 */
        if (desc[off + 1] == UIP_USB_DT_INTERFACE && blen >= 9 && desc[off + 3] == 0) {
            ifaces[n].iface_class = desc[off + 5];
            ifaces[n].iface_subclass = desc[off + 6];
            ifaces[n].iface_protocol = desc[off + 7];
            n++;
        }
        off += blen;
    }
    return n;
}
