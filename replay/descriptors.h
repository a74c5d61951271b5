/* SPDX-License-Identifier: GPL-2.0-or-later */
/* descriptors.h -- a USB/IP device record and interface list built from the standard descriptors
 * a recording holds, for captures that start after the import. */
#ifndef REPLAY_DESCRIPTORS_H
#define REPLAY_DESCRIPTORS_H

#include <stddef.h>
#include <stdint.h>
#include "uip/wire.h"

/* Fill the descriptor fields of d from an 18-byte device descriptor. UIP_ERR_TRUNCATED if
 * shorter, UIP_ERR_BAD_FIELD if it is not a device descriptor. Speed is guessed from bcdUSB and
 * bMaxPacketSize0 (3.x: super; 64: high; else full). */
int replay_device_from_descriptor(const uint8_t *desc, size_t len, struct uip_device_record *d);

/* The alternate-setting-0 interfaces of a configuration descriptor (bounds-checked walk);
 * returns how many were stored in ifaces (at most max). */
uint32_t replay_interfaces_from_config(const uint8_t *desc, size_t len,
                                       struct uip_interface_record *ifaces, uint32_t max);

#endif
