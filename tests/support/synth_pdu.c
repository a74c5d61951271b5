/* SPDX-License-Identifier: GPL-2.0-or-later */
/* synth_pdu.c -- code-built USB/IP byte streams for tests (see synth_pdu.h). */
#include <stdlib.h>
#include <string.h>
#include "synth_pdu.h"

void synth_buf_free(struct synth_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void synth_append(struct synth_buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d)
            abort();
        b->data = d;
        b->cap = cap;
    }
    if (p)
        memcpy(b->data + b->len, p, n);
    else
        for (size_t i = 0; i < n; i++)
            b->data[b->len + i] = (uint8_t)(0xA0 + i % 7); /* recognisable data pattern */
    b->len += n;
}

static void synth_op_header(struct synth_buf *b, uint16_t code, uint32_t status)
{
    struct uip_op_header h = {UIP_PROTOCOL_VERSION, code, status};
    uint8_t raw[UIP_OP_HEADER_SIZE];
    uip_encode_op_header(&h, raw);
    synth_append(b, raw, sizeof raw);
}

void synth_op_req_import(struct synth_buf *b, const char *busid)
{
    uint8_t id[UIP_BUSID_SIZE] = {0};
    strncpy((char *)id, busid, UIP_BUSID_SIZE - 1);
    synth_op_header(b, UIP_OP_REQ_IMPORT, 0);
    synth_append(b, id, sizeof id);
}

void synth_op_rep_import(struct synth_buf *b, uint32_t status, const struct uip_device_record *d)
{
    synth_op_header(b, UIP_OP_REP_IMPORT, status);
    if (status == 0) {
        uint8_t raw[UIP_DEVICE_RECORD_SIZE];
        uip_encode_device_record(d, raw);
        synth_append(b, raw, sizeof raw);
    }
}

void synth_op_req_devlist(struct synth_buf *b)
{
    synth_op_header(b, UIP_OP_REQ_DEVLIST, 0);
}

static void synth_header(struct synth_buf *b, const struct uip_header *h)
{
    uint8_t raw[UIP_HEADER_SIZE];
    uip_encode_header(h, raw);
    synth_append(b, raw, sizeof raw);
}

void synth_cmd_submit(struct synth_buf *b, uint32_t seqnum, uint32_t dir, uint32_t ep,
                      int32_t length, uint32_t np, const uint8_t setup[8], const uint8_t *out_data)
{
    struct uip_header h = {.command = UIP_CMD_SUBMIT, .seqnum = seqnum, .devid = 0x00010002,
                           .direction = dir, .ep = ep};
    h.u.cmd_submit.transfer_buffer_length = length;
    h.u.cmd_submit.number_of_packets = np;
    if (setup)
        memcpy(h.u.cmd_submit.setup, setup, 8);
    synth_header(b, &h);
    if (dir == UIP_DIR_OUT && length > 0)
        synth_append(b, out_data, (size_t)length);
}

void synth_ret_submit(struct synth_buf *b, uint32_t seqnum, int32_t status, int32_t actual,
                      uint32_t np, const uint8_t *in_data, size_t in_len)
{
    struct uip_header h = {.command = UIP_RET_SUBMIT, .seqnum = seqnum};
    h.u.ret_submit.status = status;
    h.u.ret_submit.actual_length = actual;
    h.u.ret_submit.number_of_packets = np;
    synth_header(b, &h);
    if (in_len)
        synth_append(b, in_data, in_len);
}

void synth_cmd_unlink(struct synth_buf *b, uint32_t seqnum, uint32_t victim)
{
    struct uip_header h = {.command = UIP_CMD_UNLINK, .seqnum = seqnum, .devid = 0x00010002};
    h.u.cmd_unlink.unlink_seqnum = victim;
    synth_header(b, &h);
}

void synth_ret_unlink(struct synth_buf *b, uint32_t seqnum, int32_t status)
{
    struct uip_header h = {.command = UIP_RET_UNLINK, .seqnum = seqnum};
    h.u.ret_unlink.status = status;
    synth_header(b, &h);
}

void synth_iso_descs(struct synth_buf *b, uint32_t count, uint32_t packet_len, const uint32_t *actual)
{
    for (uint32_t i = 0; i < count; i++) {
        struct uip_iso_desc d = {i * packet_len, packet_len, actual ? actual[i] : 0, 0};
        uint8_t raw[UIP_ISO_DESC_SIZE];
        uip_encode_iso_desc(&d, raw);
        synth_append(b, raw, sizeof raw);
    }
}

struct uip_device_record synth_device_record(void)
{
    struct uip_device_record d = {.busnum = 1, .devnum = 2, .speed = UIP_SPEED_HIGH,
                                  .id_vendor = 0x46f4, .id_product = 0x0001,
                                  .configuration_value = 1, .num_configurations = 1,
                                  .num_interfaces = 1};
    strcpy(d.path, "/sys/devices/pci0000:00/0000:00:04.0/usb1/1-1");
    strcpy(d.busid, "1-1");
    return d;
}
