/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_wire.c -- USB/IP wire format: round trips, byte layout, checks and PDU lengths. */
#include <criterion/criterion.h>
#include <string.h>
#include "uip/error.h"
#include "uip/wire.h"

static struct uip_header cmd_submit(uint32_t seq, uint32_t dir, uint32_t ep, int32_t tbl, uint32_t np)
{
    struct uip_header h = {.command = UIP_CMD_SUBMIT, .seqnum = seq, .devid = 0x00010002,
                           .direction = dir, .ep = ep};
    h.u.cmd_submit.transfer_buffer_length = tbl;
    h.u.cmd_submit.number_of_packets = np;
    return h;
}

static struct uip_header ret_submit(uint32_t seq, int32_t status, int32_t actual, uint32_t np)
{
    struct uip_header h = {.command = UIP_RET_SUBMIT, .seqnum = seq};
    h.u.ret_submit.status = status;
    h.u.ret_submit.actual_length = actual;
    h.u.ret_submit.number_of_packets = np;
    return h;
}

Test(wire, cmd_submit_layout_is_big_endian_with_raw_setup)
{
    struct uip_header h = cmd_submit(0x01020304, UIP_DIR_IN, 0, 18, 0), back;
    const uint8_t setup[8] = {0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x12, 0x00};
    uint8_t raw[UIP_HEADER_SIZE];
    memcpy(h.u.cmd_submit.setup, setup, 8);
    h.u.cmd_submit.interval = -1;
    uip_encode_header(&h, raw);
    cr_assert_eq(raw[UIP_OFF_COMMAND + 3], 1);
    cr_assert_eq(raw[UIP_OFF_SEQNUM], 0x01);
    cr_assert_eq(raw[UIP_OFF_SEQNUM + 3], 0x04);
    cr_assert_eq(raw[UIP_OFF_DIRECTION + 3], 1);
    cr_assert_eq(raw[UIP_OFF_TRANSFER_BUFFER_LENGTH + 3], 18);
    cr_assert_eq(memcmp(raw + UIP_OFF_SETUP, setup, 8), 0, "setup is copied raw");
    cr_assert_eq(uip_decode_header(raw, sizeof raw, &back), UIP_OK);
    cr_assert_eq(memcmp(&h, &back, sizeof h), 0);
    cr_assert_eq(back.u.cmd_submit.interval, -1);
    cr_assert_eq(uip_check_header(&back, raw), UIP_OK);
}

Test(wire, every_command_round_trips)
{
    struct uip_header hs[4] = {cmd_submit(7, UIP_DIR_OUT, 2, 512, 0), ret_submit(7, -32, 13, 0)};
    hs[2] = (struct uip_header){.command = UIP_CMD_UNLINK, .seqnum = 9, .devid = 0x10002};
    hs[2].u.cmd_unlink.unlink_seqnum = 7;
    hs[3] = (struct uip_header){.command = UIP_RET_UNLINK, .seqnum = 9};
    hs[3].u.ret_unlink.status = -104;
    for (int i = 0; i < 4; i++) {
        uint8_t raw[UIP_HEADER_SIZE];
        struct uip_header back;
        uip_encode_header(&hs[i], raw);
        cr_assert_eq(uip_decode_header(raw, sizeof raw, &back), UIP_OK);
        cr_assert_eq(memcmp(&hs[i], &back, sizeof back), 0, "command %u", hs[i].command);
        cr_assert_eq(uip_check_header(&back, raw), UIP_OK, "command %u", hs[i].command);
    }
}

Test(wire, decode_never_reads_past_the_end)
{
    uint8_t raw[UIP_HEADER_SIZE] = {0, 0, 0, 1};
    struct uip_header h;
    for (size_t n = 0; n < UIP_HEADER_SIZE; n++)
        cr_assert_eq(uip_decode_header(raw, n, &h), UIP_ERR_TRUNCATED);
    raw[3] = 9;
    cr_assert_eq(uip_decode_header(raw, sizeof raw, &h), UIP_ERR_BAD_COMMAND);
}

Test(wire, device_record_round_trip_and_unterminated_strings)
{
    struct uip_device_record d = {.busnum = 1, .devnum = 2, .speed = UIP_SPEED_HIGH,
                                  .id_vendor = 0x46f4, .id_product = 0x0001, .num_interfaces = 1};
    struct uip_device_record back;
    uint8_t raw[UIP_DEVICE_RECORD_SIZE];
    strcpy(d.path, "/sys/devices/pci0000:00/0000:00:04.0/usb1/1-1");
    strcpy(d.busid, "1-1");
    uip_encode_device_record(&d, raw);
    cr_assert_eq(raw[UIP_OFF_DEV_ID_VENDOR], 0x46);
    cr_assert_eq(uip_decode_device_record(raw, sizeof raw, &back), UIP_OK);
    cr_assert_str_eq(back.busid, "1-1");
    cr_assert_str_eq(back.path, d.path);
    cr_assert_eq(back.id_vendor, 0x46f4);
    memset(raw + UIP_OFF_DEV_BUSID, 'x', UIP_BUSID_SIZE); /* no NUL on the wire */
    cr_assert_eq(uip_decode_device_record(raw, sizeof raw, &back), UIP_OK);
    cr_assert_eq(strlen(back.busid), UIP_BUSID_SIZE);
    cr_assert_eq(uip_decode_device_record(raw, sizeof raw - 1, &back), UIP_ERR_TRUNCATED);
}

Test(wire, checks_reject_what_linux_never_sends)
{
    uint8_t raw[UIP_HEADER_SIZE];
    struct uip_header h = cmd_submit(1, 2, 0, 0, 0);
    cr_assert_eq(uip_check_header(&h, NULL), UIP_ERR_BAD_DIRECTION);
    h = cmd_submit(1, 0, 16, 0, 0);
    cr_assert_eq(uip_check_header(&h, NULL), UIP_ERR_BAD_ENDPOINT);
    h = cmd_submit(0, 0, 1, 0, 0);
    cr_assert_eq(uip_check_header(&h, NULL), UIP_ERR_BAD_SEQNUM);
    h = cmd_submit(1, 0, 1, -1, 0);
    cr_assert_eq(uip_check_header(&h, NULL), UIP_ERR_BAD_TRANSFER_LENGTH);
    h = cmd_submit(1, 0, 1, (int32_t)UIP_MAX_TRANSFER_LENGTH + 1, 0);
    cr_assert_eq(uip_check_header(&h, NULL), UIP_ERR_BAD_TRANSFER_LENGTH);
    h = cmd_submit(1, 0, 1, 64, UIP_MAX_ISO_PACKETS + 1);
    cr_assert_eq(uip_check_header(&h, NULL), UIP_ERR_BAD_ISO_COUNT);
    h = cmd_submit(1, 0, 1, 64, UIP_NP_NOT_ISO); /* usbip-win2 */
    cr_assert_eq(uip_check_header(&h, NULL), UIP_OK);
    h = cmd_submit(1, UIP_DIR_IN, 1, 512, 0);
    memcpy(h.u.cmd_submit.setup, "\xa1\xfe\x00\x00\x00\x00\x01\x00", 8);
    uip_encode_header(&h, raw);
    cr_assert_eq(uip_check_header(&h, raw), UIP_OK,
                 "usb-storage's bulk URBs carry a stale setup packet (GET_MAX_LUN) on real captures");
    h = ret_submit(1, 0, -5, 0);
    cr_assert_eq(uip_check_header(&h, NULL), UIP_ERR_BAD_ACTUAL_LENGTH);
    h = ret_submit(1, 0, 5, 0);
    h.ep = 3;
    cr_assert_eq(uip_check_header(&h, NULL), UIP_ERR_BAD_ENDPOINT, "RET carries ep 0");
    h = ret_submit(1, 0, 5, 0);
    uip_encode_header(&h, raw);
    raw[UIP_OFF_RET_PADDING + 7] = 1;
    cr_assert_eq(uip_check_header(&h, raw), UIP_ERR_BAD_PADDING);
    cr_assert_eq(uip_check_header(&h, NULL), UIP_OK);
}

Test(wire, ret_against_cmd_catches_actual_above_request)
{
    struct uip_header c = cmd_submit(1, UIP_DIR_IN, 1, 64, 0), r = ret_submit(1, 0, 65, 0);
    cr_assert_eq(uip_check_ret_against_cmd(&r, &c), UIP_ERR_BAD_ACTUAL_LENGTH);
    r.u.ret_submit.actual_length = 64;
    cr_assert_eq(uip_check_ret_against_cmd(&r, &c), UIP_OK);
    c.u.cmd_submit.number_of_packets = UIP_NP_NOT_ISO;
    r.u.ret_submit.number_of_packets = UIP_NP_NOT_ISO;
    cr_assert_eq(uip_check_ret_against_cmd(&r, &c), UIP_OK, "win2's echo is not iso");
    c.u.cmd_submit.number_of_packets = 8;
    cr_assert_eq(uip_check_ret_against_cmd(&r, &c), UIP_ERR_BAD_ISO_COUNT);
}

Test(wire, iso_in_packets_must_sum_to_actual_length)
{
    struct uip_header r = ret_submit(1, 0, 300, 3);
    struct uip_iso_desc d[3] = {{0, 192, 100, 0}, {192, 192, 100, 0}, {384, 192, 100, 0}};
    cr_assert_eq(uip_check_iso(&r, UIP_DIR_IN, d, 3, 576), UIP_OK);
    d[1].actual_length = 99;
    cr_assert_eq(uip_check_iso(&r, UIP_DIR_IN, d, 3, 576), UIP_ERR_BAD_ISO_LENGTHS);
    d[1].actual_length = 100;
    cr_assert_eq(uip_check_iso(&r, UIP_DIR_IN, d, 3, 500), UIP_ERR_BAD_ISO_LENGTHS, "offset past buffer");
    d[0].actual_length = 193;
    cr_assert_eq(uip_check_iso(&r, UIP_DIR_OUT, d, 3, -1), UIP_ERR_BAD_ISO_LENGTHS);
}

Test(wire, urb_pdu_lengths_follow_the_kernel)
{
    uint64_t len, len_in;
    struct uip_header h = cmd_submit(1, UIP_DIR_OUT, 2, 31, 0);
    cr_assert_eq(uip_urb_pdu_length(&h, UIP_DIR_UNKNOWN, &len, NULL), UIP_OK);
    cr_assert_eq(len, 48 + 31, "OUT data follows CMD_SUBMIT");
    h = cmd_submit(1, UIP_DIR_IN, 1, 4096, 0);
    cr_assert_eq(uip_urb_pdu_length(&h, UIP_DIR_UNKNOWN, &len, NULL), UIP_OK);
    cr_assert_eq(len, 48, "no data after an IN CMD_SUBMIT");
    h = cmd_submit(1, UIP_DIR_OUT, 3, 576, 3);
    cr_assert_eq(uip_urb_pdu_length(&h, UIP_DIR_UNKNOWN, &len, NULL), UIP_OK);
    cr_assert_eq(len, 48 + 576 + 3 * 16, "iso OUT: the whole buffer, unpacked, then descriptors");
    h = cmd_submit(1, UIP_DIR_OUT, 2, 31, UIP_NP_NOT_ISO);
    cr_assert_eq(uip_urb_pdu_length(&h, UIP_DIR_UNKNOWN, &len, NULL), UIP_OK);
    cr_assert_eq(len, 48 + 31, "0xFFFFFFFF is not a packet count");

    h = ret_submit(1, -75 /* -EOVERFLOW */, 13, 0);
    cr_assert_eq(uip_urb_pdu_length(&h, UIP_DIR_IN, &len, NULL), UIP_OK);
    cr_assert_eq(len, 48 + 13, "IN data even with an error status");
    cr_assert_eq(uip_urb_pdu_length(&h, UIP_DIR_OUT, &len, NULL), UIP_OK);
    cr_assert_eq(len, 48);
    cr_assert_eq(uip_urb_pdu_length(&h, UIP_DIR_UNKNOWN, &len, &len_in), UIP_OK);
    cr_assert_eq(len, 48);
    cr_assert_eq(len_in, 48 + 13);
    h = ret_submit(1, 0, 300, 3);
    cr_assert_eq(uip_urb_pdu_length(&h, UIP_DIR_IN, &len, NULL), UIP_OK);
    cr_assert_eq(len, 48 + 300 + 3 * 16, "iso IN: packed data, then descriptors");
    h = ret_submit(1, 0, -1, 0);
    cr_assert_eq(uip_urb_pdu_length(&h, UIP_DIR_IN, &len, NULL), UIP_ERR_BAD_ACTUAL_LENGTH);
    h = cmd_submit(1, UIP_DIR_IN, 1, 8, 0x7fffffff);
    cr_assert_eq(uip_urb_pdu_length(&h, UIP_DIR_IN, &len, NULL), UIP_ERR_BAD_ISO_COUNT);
    h = (struct uip_header){.command = UIP_CMD_UNLINK, .seqnum = 2};
    cr_assert_eq(uip_urb_pdu_length(&h, UIP_DIR_UNKNOWN, &len, NULL), UIP_OK);
    cr_assert_eq(len, 48);
}

Test(wire, op_lengths_walk_devlist_records_with_caps)
{
    uint8_t buf[12 + 2 * (UIP_DEVICE_RECORD_SIZE + 4 * 4)] = {0};
    struct uip_op_header oh = {UIP_PROTOCOL_VERSION, UIP_OP_REP_DEVLIST, 0};
    uint64_t len = 0, need = 0;
    uip_encode_op_header(&oh, buf);
    buf[11] = 2;
    buf[12 + UIP_OFF_DEV_NUM_INTERFACES] = 3;
    cr_assert_eq(uip_op_pdu_length(buf, 12 + 100, &len, &need), UIP_ERR_TRUNCATED);
    cr_assert_eq(need, 12 + UIP_DEVICE_RECORD_SIZE);
    size_t second = 12 + UIP_DEVICE_RECORD_SIZE + 3 * 4;
    buf[second + UIP_OFF_DEV_NUM_INTERFACES] = 1;
    cr_assert_eq(uip_op_pdu_length(buf, sizeof buf, &len, &need), UIP_OK);
    cr_assert_eq(len, second + UIP_DEVICE_RECORD_SIZE + 4);
    buf[second + UIP_OFF_DEV_NUM_INTERFACES] = 200;
    cr_assert_eq(uip_op_pdu_length(buf, sizeof buf, &len, &need), UIP_ERR_BAD_INTERFACE_COUNT);
    buf[8] = 0xff;
    cr_assert_eq(uip_op_pdu_length(buf, sizeof buf, &len, &need), UIP_ERR_BAD_DEVICE_COUNT);

    oh.code = UIP_OP_REP_IMPORT;
    uip_encode_op_header(&oh, buf);
    cr_assert_eq(uip_op_pdu_length(buf, 8, &len, &need), UIP_OK);
    cr_assert_eq(len, UIP_OP_REP_IMPORT_SIZE);
    oh.status = UIP_ST_NODEV;
    uip_encode_op_header(&oh, buf);
    cr_assert_eq(uip_op_pdu_length(buf, 8, &len, &need), UIP_OK);
    cr_assert_eq(len, 8, "a refused import is the header alone");
    oh.code = UIP_OP_REQ_IMPORT;
    uip_encode_op_header(&oh, buf);
    cr_assert_eq(uip_op_pdu_length(buf, 8, &len, &need), UIP_OK);
    cr_assert_eq(len, 40);
    oh.code = 0x1234;
    uip_encode_op_header(&oh, buf);
    cr_assert_eq(uip_op_pdu_length(buf, 8, &len, &need), UIP_ERR_BAD_OP_CODE);
    oh = (struct uip_op_header){0x0206, UIP_OP_REQ_DEVLIST, 0};
    uip_encode_op_header(&oh, buf);
    cr_assert_eq(uip_op_pdu_length(buf, 8, &len, &need), UIP_ERR_BAD_VERSION);
}

Test(wire, names)
{
    cr_assert_str_eq(uip_command_name(UIP_RET_UNLINK), "RET_UNLINK");
    cr_assert_null(uip_command_name(5));
    cr_assert_str_eq(uip_op_code_name(UIP_OP_REQ_IMPORT), "OP_REQ_IMPORT");
    cr_assert_str_eq(uip_op_status_name(4), "NODEV");
    cr_assert_null(uip_op_status_name(6));
    cr_assert_str_eq(uip_speed_name(UIP_SPEED_HIGH), "high (480 Mbit/s)");
}
