/* SPDX-License-Identifier: GPL-2.0-or-later */
/* synth_pdu.h -- code-built USB/IP byte streams for tests (synthetic, never captures):
 * append OP and URB messages to a growable buffer with the core's encoders. */
#ifndef SYNTH_PDU_H
#define SYNTH_PDU_H

#include <stddef.h>
#include <stdint.h>
#include "uip/wire.h"

struct synth_buf {
    uint8_t *data;
    size_t len, cap;
};

void synth_buf_free(struct synth_buf *b);
void synth_append(struct synth_buf *b, const void *p, size_t n);

/* OP messages */
void synth_op_req_import(struct synth_buf *b, const char *busid);
void synth_op_rep_import(struct synth_buf *b, uint32_t status, const struct uip_device_record *d);
void synth_op_req_devlist(struct synth_buf *b);

/* URB messages; data may be NULL (filled with a byte pattern); devid 0x00010002 */
void synth_cmd_submit(struct synth_buf *b, uint32_t seqnum, uint32_t dir, uint32_t ep,
                      int32_t length, uint32_t np, const uint8_t setup[8], const uint8_t *out_data);
void synth_ret_submit(struct synth_buf *b, uint32_t seqnum, int32_t status, int32_t actual,
                      uint32_t np, const uint8_t *in_data, size_t in_len);
void synth_cmd_unlink(struct synth_buf *b, uint32_t seqnum, uint32_t victim);
void synth_ret_unlink(struct synth_buf *b, uint32_t seqnum, int32_t status);
/* iso descriptors: count descriptors of packet_len each with actual lengths actual[i] */
void synth_iso_descs(struct synth_buf *b, uint32_t count, uint32_t packet_len, const uint32_t *actual);
/* A sample device record (qemu usb-storage-like, busid "1-1"). */
struct uip_device_record synth_device_record(void);

#endif
