/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wire.c -- decode, encode, check and measure USB/IP messages (layout in uip/wire.h). */
#include <string.h>
#include "uip/error.h"
#include "uip/wire.h"
#include "reader.h"

/* ---- OP messages ---------------------------------------------------------- */

int uip_decode_op_header(const uint8_t *buf, size_t len, struct uip_op_header *out)
{
    if (!uip_in_bounds(len, 0, UIP_OP_HEADER_SIZE))
        return UIP_ERR_TRUNCATED;
    out->version = uip_get_be16(buf + UIP_OFF_OP_VERSION);
    out->code = uip_get_be16(buf + UIP_OFF_OP_CODE);
    out->status = uip_get_be32(buf + UIP_OFF_OP_STATUS);
    return UIP_OK;
}

void uip_encode_op_header(const struct uip_op_header *h, uint8_t out[UIP_OP_HEADER_SIZE])
{
    uip_put_be16(out + UIP_OFF_OP_VERSION, h->version);
    uip_put_be16(out + UIP_OFF_OP_CODE, h->code);
    uip_put_be32(out + UIP_OFF_OP_STATUS, h->status);
}

/* Copy a fixed-size wire string into a NUL-terminated buffer of size n + 1. */
static void uip_copy_wire_string(char *dst, const uint8_t *src, size_t n)
{
    size_t i = 0;
    while (i < n && src[i])
        i++;
    memcpy(dst, src, i);
    dst[i] = '\0';
}

int uip_decode_device_record(const uint8_t *buf, size_t len, struct uip_device_record *out)
{
    if (!uip_in_bounds(len, 0, UIP_DEVICE_RECORD_SIZE))
        return UIP_ERR_TRUNCATED;
    uip_copy_wire_string(out->path, buf + UIP_OFF_DEV_PATH, UIP_PATH_SIZE);
    uip_copy_wire_string(out->busid, buf + UIP_OFF_DEV_BUSID, UIP_BUSID_SIZE);
    out->busnum = uip_get_be32(buf + UIP_OFF_DEV_BUSNUM);
    out->devnum = uip_get_be32(buf + UIP_OFF_DEV_DEVNUM);
    out->speed = uip_get_be32(buf + UIP_OFF_DEV_SPEED);
    out->id_vendor = uip_get_be16(buf + UIP_OFF_DEV_ID_VENDOR);
    out->id_product = uip_get_be16(buf + UIP_OFF_DEV_ID_PRODUCT);
    out->bcd_device = uip_get_be16(buf + UIP_OFF_DEV_BCD_DEVICE);
    out->device_class = buf[UIP_OFF_DEV_CLASS];
    out->device_subclass = buf[UIP_OFF_DEV_SUBCLASS];
    out->device_protocol = buf[UIP_OFF_DEV_PROTOCOL];
    out->configuration_value = buf[UIP_OFF_DEV_CONFIG_VALUE];
    out->num_configurations = buf[UIP_OFF_DEV_NUM_CONFIGS];
    out->num_interfaces = buf[UIP_OFF_DEV_NUM_INTERFACES];
    return UIP_OK;
}

void uip_encode_device_record(const struct uip_device_record *d, uint8_t out[UIP_DEVICE_RECORD_SIZE])
{
    memset(out, 0, UIP_DEVICE_RECORD_SIZE);
    memcpy(out + UIP_OFF_DEV_PATH, d->path, strnlen(d->path, UIP_PATH_SIZE));
    memcpy(out + UIP_OFF_DEV_BUSID, d->busid, strnlen(d->busid, UIP_BUSID_SIZE));
    uip_put_be32(out + UIP_OFF_DEV_BUSNUM, d->busnum);
    uip_put_be32(out + UIP_OFF_DEV_DEVNUM, d->devnum);
    uip_put_be32(out + UIP_OFF_DEV_SPEED, d->speed);
    uip_put_be16(out + UIP_OFF_DEV_ID_VENDOR, d->id_vendor);
    uip_put_be16(out + UIP_OFF_DEV_ID_PRODUCT, d->id_product);
    uip_put_be16(out + UIP_OFF_DEV_BCD_DEVICE, d->bcd_device);
    out[UIP_OFF_DEV_CLASS] = d->device_class;
    out[UIP_OFF_DEV_SUBCLASS] = d->device_subclass;
    out[UIP_OFF_DEV_PROTOCOL] = d->device_protocol;
    out[UIP_OFF_DEV_CONFIG_VALUE] = d->configuration_value;
    out[UIP_OFF_DEV_NUM_CONFIGS] = d->num_configurations;
    out[UIP_OFF_DEV_NUM_INTERFACES] = d->num_interfaces;
}

int uip_decode_interface_record(const uint8_t *buf, size_t len, struct uip_interface_record *out)
{
    if (!uip_in_bounds(len, 0, UIP_INTERFACE_RECORD_SIZE))
        return UIP_ERR_TRUNCATED;
    out->iface_class = buf[0];
    out->iface_subclass = buf[1];
    out->iface_protocol = buf[2];
    return UIP_OK;
}

void uip_encode_interface_record(const struct uip_interface_record *i,
                                 uint8_t out[UIP_INTERFACE_RECORD_SIZE])
{
    out[0] = i->iface_class;
    out[1] = i->iface_subclass;
    out[2] = i->iface_protocol;
    out[3] = 0;
}

/* ---- URB messages --------------------------------------------------------- */

int uip_decode_header(const uint8_t *buf, size_t len, struct uip_header *out)
{
    if (!uip_in_bounds(len, 0, UIP_HEADER_SIZE))
        return UIP_ERR_TRUNCATED;
    memset(out, 0, sizeof *out);
    out->command = uip_get_be32(buf + UIP_OFF_COMMAND);
    out->seqnum = uip_get_be32(buf + UIP_OFF_SEQNUM);
    out->devid = uip_get_be32(buf + UIP_OFF_DEVID);
    out->direction = uip_get_be32(buf + UIP_OFF_DIRECTION);
    out->ep = uip_get_be32(buf + UIP_OFF_EP);
    switch (out->command) {
    case UIP_CMD_SUBMIT:
        out->u.cmd_submit.transfer_flags = uip_get_be32(buf + UIP_OFF_TRANSFER_FLAGS);
        out->u.cmd_submit.transfer_buffer_length =
            (int32_t)uip_get_be32(buf + UIP_OFF_TRANSFER_BUFFER_LENGTH);
        out->u.cmd_submit.start_frame = (int32_t)uip_get_be32(buf + UIP_OFF_START_FRAME);
        out->u.cmd_submit.number_of_packets = uip_get_be32(buf + UIP_OFF_NUMBER_OF_PACKETS);
        out->u.cmd_submit.interval = (int32_t)uip_get_be32(buf + UIP_OFF_INTERVAL);
        memcpy(out->u.cmd_submit.setup, buf + UIP_OFF_SETUP, UIP_SETUP_SIZE);
        return UIP_OK;
    case UIP_RET_SUBMIT:
        out->u.ret_submit.status = (int32_t)uip_get_be32(buf + UIP_OFF_STATUS);
        out->u.ret_submit.actual_length = (int32_t)uip_get_be32(buf + UIP_OFF_ACTUAL_LENGTH);
        out->u.ret_submit.start_frame = (int32_t)uip_get_be32(buf + UIP_OFF_START_FRAME);
        out->u.ret_submit.number_of_packets = uip_get_be32(buf + UIP_OFF_NUMBER_OF_PACKETS);
        out->u.ret_submit.error_count = (int32_t)uip_get_be32(buf + UIP_OFF_ERROR_COUNT);
        return UIP_OK;
    case UIP_CMD_UNLINK:
        out->u.cmd_unlink.unlink_seqnum = uip_get_be32(buf + UIP_OFF_UNLINK_SEQNUM);
        return UIP_OK;
    case UIP_RET_UNLINK:
        out->u.ret_unlink.status = (int32_t)uip_get_be32(buf + UIP_OFF_STATUS);
        return UIP_OK;
    default:
        return UIP_ERR_BAD_COMMAND;
    }
}

void uip_encode_header(const struct uip_header *h, uint8_t out[UIP_HEADER_SIZE])
{
    memset(out, 0, UIP_HEADER_SIZE);
    uip_put_be32(out + UIP_OFF_COMMAND, h->command);
    uip_put_be32(out + UIP_OFF_SEQNUM, h->seqnum);
    uip_put_be32(out + UIP_OFF_DEVID, h->devid);
    uip_put_be32(out + UIP_OFF_DIRECTION, h->direction);
    uip_put_be32(out + UIP_OFF_EP, h->ep);
    switch (h->command) {
    case UIP_CMD_SUBMIT:
        uip_put_be32(out + UIP_OFF_TRANSFER_FLAGS, h->u.cmd_submit.transfer_flags);
        uip_put_be32(out + UIP_OFF_TRANSFER_BUFFER_LENGTH,
                     (uint32_t)h->u.cmd_submit.transfer_buffer_length);
        uip_put_be32(out + UIP_OFF_START_FRAME, (uint32_t)h->u.cmd_submit.start_frame);
        uip_put_be32(out + UIP_OFF_NUMBER_OF_PACKETS, h->u.cmd_submit.number_of_packets);
        uip_put_be32(out + UIP_OFF_INTERVAL, (uint32_t)h->u.cmd_submit.interval);
        memcpy(out + UIP_OFF_SETUP, h->u.cmd_submit.setup, UIP_SETUP_SIZE);
        break;
    case UIP_RET_SUBMIT:
        uip_put_be32(out + UIP_OFF_STATUS, (uint32_t)h->u.ret_submit.status);
        uip_put_be32(out + UIP_OFF_ACTUAL_LENGTH, (uint32_t)h->u.ret_submit.actual_length);
        uip_put_be32(out + UIP_OFF_START_FRAME, (uint32_t)h->u.ret_submit.start_frame);
        uip_put_be32(out + UIP_OFF_NUMBER_OF_PACKETS, h->u.ret_submit.number_of_packets);
        uip_put_be32(out + UIP_OFF_ERROR_COUNT, (uint32_t)h->u.ret_submit.error_count);
        break;
    case UIP_CMD_UNLINK:
        uip_put_be32(out + UIP_OFF_UNLINK_SEQNUM, h->u.cmd_unlink.unlink_seqnum);
        break;
    case UIP_RET_UNLINK:
        uip_put_be32(out + UIP_OFF_STATUS, (uint32_t)h->u.ret_unlink.status);
        break;
    default:
        break;
    }
}

int uip_decode_iso_desc(const uint8_t *buf, size_t len, struct uip_iso_desc *out)
{
    if (!uip_in_bounds(len, 0, UIP_ISO_DESC_SIZE))
        return UIP_ERR_TRUNCATED;
    out->offset = uip_get_be32(buf + UIP_OFF_ISO_OFFSET);
    out->length = uip_get_be32(buf + UIP_OFF_ISO_LENGTH);
    out->actual_length = uip_get_be32(buf + UIP_OFF_ISO_ACTUAL_LENGTH);
    out->status = (int32_t)uip_get_be32(buf + UIP_OFF_ISO_STATUS);
    return UIP_OK;
}

void uip_encode_iso_desc(const struct uip_iso_desc *d, uint8_t out[UIP_ISO_DESC_SIZE])
{
    uip_put_be32(out + UIP_OFF_ISO_OFFSET, d->offset);
    uip_put_be32(out + UIP_OFF_ISO_LENGTH, d->length);
    uip_put_be32(out + UIP_OFF_ISO_ACTUAL_LENGTH, d->actual_length);
    uip_put_be32(out + UIP_OFF_ISO_STATUS, (uint32_t)d->status);
}

/* ---- checks ----------------------------------------------------------------- */

bool uip_np_is_iso(uint32_t number_of_packets)
{
    return number_of_packets != 0 && number_of_packets != UIP_NP_NOT_ISO;
}

bool uip_interval_is_binterval(uint32_t number_of_packets)
{
    return number_of_packets == UIP_NP_NOT_ISO;
}

static int uip_check_np(uint32_t np)
{
    if (uip_np_is_iso(np) && np > UIP_MAX_ISO_PACKETS)
        return UIP_ERR_BAD_ISO_COUNT;
    return UIP_OK;
}

/* Fields the host side (VHCI) always fills: direction, endpoint, device address. */
static int uip_check_cmd_base(const struct uip_header *h)
{
    if (h->direction != UIP_DIR_OUT && h->direction != UIP_DIR_IN)
        return UIP_ERR_BAD_DIRECTION;
    if (h->ep > 15)
        return UIP_ERR_BAD_ENDPOINT;
    if ((h->devid & 0xffffu) > 127)
        return UIP_ERR_BAD_DEVID;
    return UIP_OK;
}

/* The stub sends RET_* with devid, direction and ep zeroed (setup_base_pdu in stub_tx.c). */
static int uip_check_ret_base(const struct uip_header *h)
{
    if (h->direction != 0)
        return UIP_ERR_BAD_DIRECTION;
    if (h->ep != 0)
        return UIP_ERR_BAD_ENDPOINT;
    if (h->devid != 0)
        return UIP_ERR_BAD_DEVID;
    return UIP_OK;
}

int uip_check_header(const struct uip_header *h, const uint8_t *raw)
{
    int rc;

    if (h->seqnum == 0)
        return UIP_ERR_BAD_SEQNUM;
    switch (h->command) {
    case UIP_CMD_SUBMIT:
        if ((rc = uip_check_cmd_base(h)) != UIP_OK)
            return rc;
        if (h->u.cmd_submit.transfer_buffer_length < 0 ||
            (uint32_t)h->u.cmd_submit.transfer_buffer_length > UIP_MAX_TRANSFER_LENGTH)
            return UIP_ERR_BAD_TRANSFER_LENGTH;
        if ((rc = uip_check_np(h->u.cmd_submit.number_of_packets)) != UIP_OK)
            return rc;
        /* No check on the setup bytes off endpoint 0: vhci copies urb->setup_packet whenever
         * it is set, and usb-storage reuses one URB, so its bulk CMD_SUBMITs carry the last
         * control request's setup packet (seen in captures/). */
        return UIP_OK;
    case UIP_RET_SUBMIT:
        if ((rc = uip_check_ret_base(h)) != UIP_OK)
            return rc;
        if (h->u.ret_submit.status > 0)
            return UIP_ERR_BAD_FIELD;
        if (h->u.ret_submit.actual_length < 0 ||
            (uint32_t)h->u.ret_submit.actual_length > UIP_MAX_TRANSFER_LENGTH)
            return UIP_ERR_BAD_ACTUAL_LENGTH;
        if (h->u.ret_submit.error_count < 0)
            return UIP_ERR_BAD_FIELD;
        if ((rc = uip_check_np(h->u.ret_submit.number_of_packets)) != UIP_OK)
            return rc;
        if (raw && !uip_all_zero(raw + UIP_OFF_RET_PADDING, 8))
            return UIP_ERR_BAD_PADDING;
        return UIP_OK;
    case UIP_CMD_UNLINK:
        if ((rc = uip_check_cmd_base(h)) != UIP_OK)
            return rc;
        if (h->u.cmd_unlink.unlink_seqnum == 0)
            return UIP_ERR_BAD_SEQNUM;
        /* No check on the 24 bytes after unlink_seqnum: Linux's stub reads only the unlinked
         * seqnum (stub_rx.c, stub_recv_cmd_unlink), and usbip-win2 builds its CMD_UNLINK in a
         * header reused from an earlier PDU without clearing them (drivers/ude/proto.cpp:84-95
         * sets the other fields only; the buffer comes from a lookaside list, wsk_context.cpp:81). */
        return UIP_OK;
    case UIP_RET_UNLINK:
        if ((rc = uip_check_ret_base(h)) != UIP_OK)
            return rc;
        if (h->u.ret_unlink.status > 0)
            return UIP_ERR_BAD_FIELD;
        if (raw && !uip_all_zero(raw + UIP_OFF_UNLINK_PADDING, UIP_HEADER_SIZE - UIP_OFF_UNLINK_PADDING))
            return UIP_ERR_BAD_PADDING;
        return UIP_OK;
    default:
        return UIP_ERR_BAD_COMMAND;
    }
}

int uip_check_ret_against_cmd(const struct uip_header *ret, const struct uip_header *cmd)
{
    if (ret->u.ret_submit.actual_length > cmd->u.cmd_submit.transfer_buffer_length)
        return UIP_ERR_BAD_ACTUAL_LENGTH;
    if (uip_np_is_iso(cmd->u.cmd_submit.number_of_packets) !=
            uip_np_is_iso(ret->u.ret_submit.number_of_packets) ||
        (uip_np_is_iso(cmd->u.cmd_submit.number_of_packets) &&
         cmd->u.cmd_submit.number_of_packets != ret->u.ret_submit.number_of_packets))
        return UIP_ERR_BAD_ISO_COUNT;
    return UIP_OK;
}

int uip_check_iso(const struct uip_header *h, int direction, const struct uip_iso_desc *d,
                  uint32_t count, int32_t buffer_length)
{
    uint64_t sum_actual = 0;

    for (uint32_t i = 0; i < count; i++) {
        if (d[i].actual_length > d[i].length)
            return UIP_ERR_BAD_ISO_LENGTHS;
        if (buffer_length >= 0 && (uint64_t)d[i].offset + d[i].length > (uint64_t)buffer_length)
            return UIP_ERR_BAD_ISO_LENGTHS;
        sum_actual += d[i].actual_length;
    }
    /* IN data travels packed, so the packets' actual lengths add up to the URB's. */
    if (h->command == UIP_RET_SUBMIT && direction == UIP_DIR_IN &&
        sum_actual != (uint64_t)(uint32_t)h->u.ret_submit.actual_length)
        return UIP_ERR_BAD_ISO_LENGTHS;
    return UIP_OK;
}

/* ---- lengths ------------------------------------------------------------------ */

int uip_urb_pdu_length(const struct uip_header *h, int cmd_direction, uint64_t *len,
                       uint64_t *len_if_in)
{
    uint64_t base = UIP_HEADER_SIZE, in_len, out_len;
    uint32_t np;

    switch (h->command) {
    case UIP_CMD_SUBMIT:
        if (h->direction != UIP_DIR_OUT && h->direction != UIP_DIR_IN)
            return UIP_ERR_BAD_DIRECTION;
        if (h->u.cmd_submit.transfer_buffer_length < 0 ||
            (uint32_t)h->u.cmd_submit.transfer_buffer_length > UIP_MAX_TRANSFER_LENGTH)
            return UIP_ERR_BAD_TRANSFER_LENGTH;
        np = h->u.cmd_submit.number_of_packets;
        if (uip_check_np(np) != UIP_OK)
            return UIP_ERR_BAD_ISO_COUNT;
        if (uip_np_is_iso(np))
            base += (uint64_t)np * UIP_ISO_DESC_SIZE;
        if (h->direction == UIP_DIR_OUT)
            base += (uint32_t)h->u.cmd_submit.transfer_buffer_length;
        in_len = out_len = base;
        break;
    case UIP_RET_SUBMIT:
        if (h->u.ret_submit.actual_length < 0 ||
            (uint32_t)h->u.ret_submit.actual_length > UIP_MAX_TRANSFER_LENGTH)
            return UIP_ERR_BAD_ACTUAL_LENGTH;
        np = h->u.ret_submit.number_of_packets;
        if (uip_check_np(np) != UIP_OK)
            return UIP_ERR_BAD_ISO_COUNT;
        if (uip_np_is_iso(np))
            base += (uint64_t)np * UIP_ISO_DESC_SIZE;
        out_len = base;
        in_len = base + (uint32_t)h->u.ret_submit.actual_length;
        if (cmd_direction == UIP_DIR_IN)
            out_len = in_len;
        else if (cmd_direction == UIP_DIR_OUT)
            in_len = out_len;
        else if (cmd_direction != UIP_DIR_UNKNOWN)
            return UIP_ERR_BAD_DIRECTION;
        break;
    case UIP_CMD_UNLINK:
    case UIP_RET_UNLINK:
        in_len = out_len = base;
        break;
    default:
        return UIP_ERR_BAD_COMMAND;
    }
    *len = out_len;
    if (len_if_in)
        *len_if_in = in_len;
    return UIP_OK;
}

/* Length of an OP_REP_DEVLIST: fixed part, then each device record and its interfaces. */
static int uip_devlist_length(const uint8_t *buf, size_t len, uint64_t *pdu_len, uint64_t *need)
{
    uint64_t off = UIP_OP_REP_DEVLIST_MIN_SIZE;
    uint32_t count;

    if (!uip_in_bounds(len, 0, UIP_OP_REP_DEVLIST_MIN_SIZE)) {
        *need = UIP_OP_REP_DEVLIST_MIN_SIZE;
        return UIP_ERR_TRUNCATED;
    }
    count = uip_get_be32(buf + UIP_OFF_DEVLIST_COUNT);
    if (count > UIP_MAX_DEVLIST_DEVICES)
        return UIP_ERR_BAD_DEVICE_COUNT;
    for (uint32_t i = 0; i < count; i++) {
        uint8_t n_ifaces;
        if (!uip_in_bounds(len, off, UIP_DEVICE_RECORD_SIZE)) {
            *need = off + UIP_DEVICE_RECORD_SIZE;
            return UIP_ERR_TRUNCATED;
        }
        n_ifaces = buf[off + UIP_OFF_DEV_NUM_INTERFACES];
        if (n_ifaces > UIP_MAX_INTERFACES)
            return UIP_ERR_BAD_INTERFACE_COUNT;
        off += UIP_DEVICE_RECORD_SIZE + (uint64_t)n_ifaces * UIP_INTERFACE_RECORD_SIZE;
    }
    *pdu_len = off;
    return UIP_OK;
}

int uip_op_pdu_length(const uint8_t *buf, size_t len, uint64_t *pdu_len, uint64_t *need)
{
    struct uip_op_header h;

    if (uip_decode_op_header(buf, len, &h) != UIP_OK) {
        *need = UIP_OP_HEADER_SIZE;
        return UIP_ERR_TRUNCATED;
    }
    if ((h.version >> 8) != (UIP_PROTOCOL_VERSION >> 8))
        return UIP_ERR_BAD_VERSION;
    switch (h.code) {
    case UIP_OP_REQ_DEVLIST:
        *pdu_len = UIP_OP_HEADER_SIZE;
        return UIP_OK;
    case UIP_OP_REQ_IMPORT:
    case UIP_OP_REQ_DEVINFO:
        *pdu_len = UIP_OP_REQ_IMPORT_SIZE;
        return UIP_OK;
    case UIP_OP_REP_IMPORT:
        *pdu_len = h.status == UIP_ST_OK ? UIP_OP_REP_IMPORT_SIZE : UIP_OP_HEADER_SIZE;
        return UIP_OK;
    case UIP_OP_REP_DEVINFO:
        if (h.status != UIP_ST_OK) {
            *pdu_len = UIP_OP_HEADER_SIZE;
            return UIP_OK;
        }
        if (!uip_in_bounds(len, 0, UIP_OP_REP_IMPORT_SIZE)) {
            *need = UIP_OP_REP_IMPORT_SIZE;
            return UIP_ERR_TRUNCATED;
        }
        if (buf[UIP_OP_HEADER_SIZE + UIP_OFF_DEV_NUM_INTERFACES] > UIP_MAX_INTERFACES)
            return UIP_ERR_BAD_INTERFACE_COUNT;
        *pdu_len = UIP_OP_REP_IMPORT_SIZE +
                   (uint64_t)buf[UIP_OP_HEADER_SIZE + UIP_OFF_DEV_NUM_INTERFACES] *
                       UIP_INTERFACE_RECORD_SIZE;
        return UIP_OK;
    case UIP_OP_REP_DEVLIST:
        return uip_devlist_length(buf, len, pdu_len, need);
    default:
        return UIP_ERR_BAD_OP_CODE;
    }
}

/* ---- names --------------------------------------------------------------------- */

const char *uip_command_name(uint32_t command)
{
    switch (command) {
    case UIP_CMD_SUBMIT: return "CMD_SUBMIT";
    case UIP_CMD_UNLINK: return "CMD_UNLINK";
    case UIP_RET_SUBMIT: return "RET_SUBMIT";
    case UIP_RET_UNLINK: return "RET_UNLINK";
    default: return NULL;
    }
}

const char *uip_op_code_name(uint16_t code)
{
    switch (code) {
    case UIP_OP_REQ_DEVINFO: return "OP_REQ_DEVINFO";
    case UIP_OP_REP_DEVINFO: return "OP_REP_DEVINFO";
    case UIP_OP_REQ_IMPORT: return "OP_REQ_IMPORT";
    case UIP_OP_REP_IMPORT: return "OP_REP_IMPORT";
    case UIP_OP_REQ_DEVLIST: return "OP_REQ_DEVLIST";
    case UIP_OP_REP_DEVLIST: return "OP_REP_DEVLIST";
    default: return NULL;
    }
}

const char *uip_op_status_name(uint32_t status)
{
    static const char *const names[] = {"OK", "NA", "DEV_BUSY", "DEV_ERR", "NODEV", "ERROR"};
    return status < sizeof names / sizeof names[0] ? names[status] : NULL;
}

const char *uip_speed_name(uint32_t speed)
{
    static const char *const names[] = {
        "unknown", "low (1.5 Mbit/s)", "full (12 Mbit/s)", "high (480 Mbit/s)",
        "wireless (480 Mbit/s)", "super (5 Gbit/s)", "super-plus (10 Gbit/s)",
    };
    return speed < sizeof names / sizeof names[0] ? names[speed] : NULL;
}
