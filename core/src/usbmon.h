/* usbmon.h -- decode Linux usbmon records (LINKTYPE_USB_LINUX 189, USB_LINUX_MMAPPED 220). */
#ifndef UIP_USBMON_H
#define UIP_USBMON_H

#include <stdint.h>
#include <stdbool.h>
#include "uip/capture.h"

/* Decode one record (header fields big-endian if big) and pass it to cb->usbmon.
 * False with *why if it is malformed. */
bool uip_usbmon_packet(int dlt, bool big, const uint8_t *p, uint32_t caplen, uint64_t ts,
                       uint64_t frame, const struct uip_capture_callbacks *cb, void *user,
                       enum uip_ignore_reason *why);

#endif
