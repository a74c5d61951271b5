/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wire.h -- the USB/IP wire format, written once: constants, field offsets, decoded
 * message structs, decode/encode and the length of a PDU from its header. */
#ifndef UIP_WIRE_H
#define UIP_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/*
 * Reference: Linux drivers/usb/usbip/ and Documentation/usb/usbip_protocol.rst.
 * All header fields are big-endian except the 8-byte setup packet, which is
 * copied raw (USB little-endian). Users that print fields at their place in
 * the packet (the Wireshark plugin) use the UIP_OFF_* offsets below, so the
 * layout exists only here.
 */

#define UIP_TCP_PORT 3240
#define UIP_PROTOCOL_VERSION 0x0111

/* ---- OP messages (connection set-up phase) ---------------------------- */

#define UIP_OP_HEADER_SIZE 8
#define UIP_OFF_OP_VERSION 0
#define UIP_OFF_OP_CODE 2
#define UIP_OFF_OP_STATUS 4

enum uip_op_code {
    UIP_OP_REQ_DEVINFO = 0x8002,
    UIP_OP_REP_DEVINFO = 0x0002,
    UIP_OP_REQ_IMPORT = 0x8003,
    UIP_OP_REP_IMPORT = 0x0003,
    UIP_OP_REQ_DEVLIST = 0x8005,
    UIP_OP_REP_DEVLIST = 0x0005,
};
#define UIP_OP_REQUEST_BIT 0x8000

enum uip_op_status {
    UIP_ST_OK = 0,
    UIP_ST_NA = 1,
    UIP_ST_DEV_BUSY = 2,
    UIP_ST_DEV_ERR = 3,
    UIP_ST_NODEV = 4,
    UIP_ST_ERROR = 5,
};

#define UIP_PATH_SIZE 256
#define UIP_BUSID_SIZE 32
/* struct usbip_usb_device on the wire */
#define UIP_DEVICE_RECORD_SIZE 312
#define UIP_OFF_DEV_PATH 0
#define UIP_OFF_DEV_BUSID 256
#define UIP_OFF_DEV_BUSNUM 288
#define UIP_OFF_DEV_DEVNUM 292
#define UIP_OFF_DEV_SPEED 296
#define UIP_OFF_DEV_ID_VENDOR 300
#define UIP_OFF_DEV_ID_PRODUCT 302
#define UIP_OFF_DEV_BCD_DEVICE 304
#define UIP_OFF_DEV_CLASS 306
#define UIP_OFF_DEV_SUBCLASS 307
#define UIP_OFF_DEV_PROTOCOL 308
#define UIP_OFF_DEV_CONFIG_VALUE 309
#define UIP_OFF_DEV_NUM_CONFIGS 310
#define UIP_OFF_DEV_NUM_INTERFACES 311
/* struct usbip_usb_interface on the wire */
#define UIP_INTERFACE_RECORD_SIZE 4
#define UIP_MAX_INTERFACES 32
/* Cap on the device count of an OP_REP_DEVLIST: a length field is never trusted. */
#define UIP_MAX_DEVLIST_DEVICES 1024
/* OP_REQ_IMPORT = op header + busid; OP_REP_DEVLIST = op header + u32 count + records. */
#define UIP_OP_REQ_IMPORT_SIZE (UIP_OP_HEADER_SIZE + UIP_BUSID_SIZE)
#define UIP_OP_REP_IMPORT_SIZE (UIP_OP_HEADER_SIZE + UIP_DEVICE_RECORD_SIZE)
#define UIP_OFF_DEVLIST_COUNT 8
#define UIP_OP_REP_DEVLIST_MIN_SIZE 12

/* enum usb_device_speed as the kernel reports it in the device record */
enum uip_speed {
    UIP_SPEED_UNKNOWN = 0,
    UIP_SPEED_LOW = 1,
    UIP_SPEED_FULL = 2,
    UIP_SPEED_HIGH = 3,
    UIP_SPEED_WIRELESS = 4,
    UIP_SPEED_SUPER = 5,
    UIP_SPEED_SUPER_PLUS = 6,
};

struct uip_op_header {
    uint16_t version;
    uint16_t code;
    uint32_t status;
};

struct uip_interface_record {
    uint8_t iface_class;
    uint8_t iface_subclass;
    uint8_t iface_protocol;
};

struct uip_device_record {
    char path[UIP_PATH_SIZE + 1];   /* NUL-terminated copy, even if the wire's is not */
    char busid[UIP_BUSID_SIZE + 1]; /* NUL-terminated copy */
    uint32_t busnum;
    uint32_t devnum;
    uint32_t speed;
    uint16_t id_vendor;
    uint16_t id_product;
    uint16_t bcd_device;
    uint8_t device_class;
    uint8_t device_subclass;
    uint8_t device_protocol;
    uint8_t configuration_value;
    uint8_t num_configurations;
    uint8_t num_interfaces;
};

/* ---- URB messages (after a successful import) --------------------------- */

#define UIP_HEADER_SIZE 48
#define UIP_OFF_COMMAND 0
#define UIP_OFF_SEQNUM 4
#define UIP_OFF_DEVID 8
#define UIP_OFF_DIRECTION 12
#define UIP_OFF_EP 16
/* CMD_SUBMIT */
#define UIP_OFF_TRANSFER_FLAGS 20
#define UIP_OFF_TRANSFER_BUFFER_LENGTH 24
#define UIP_OFF_START_FRAME 28
#define UIP_OFF_NUMBER_OF_PACKETS 32
#define UIP_OFF_INTERVAL 36
#define UIP_OFF_SETUP 40
#define UIP_SETUP_SIZE 8
/* RET_SUBMIT */
#define UIP_OFF_STATUS 20
#define UIP_OFF_ACTUAL_LENGTH 24
/* start_frame 28, number_of_packets 32 as in CMD_SUBMIT */
#define UIP_OFF_ERROR_COUNT 36
#define UIP_OFF_RET_PADDING 40 /* 8 bytes */
/* CMD_UNLINK */
#define UIP_OFF_UNLINK_SEQNUM 20
#define UIP_OFF_UNLINK_PADDING 24 /* 24 bytes */
/* RET_UNLINK: status at UIP_OFF_STATUS (20), padding from 24 */

/* Isochronous packet descriptor, after the data */
#define UIP_ISO_DESC_SIZE 16
#define UIP_OFF_ISO_OFFSET 0
#define UIP_OFF_ISO_LENGTH 4
#define UIP_OFF_ISO_ACTUAL_LENGTH 8
#define UIP_OFF_ISO_STATUS 12
/* USBIP_MAX_ISO_PACKETS in the kernel */
#define UIP_MAX_ISO_PACKETS 1024
/* usbip-win2 sends number_of_packets 0xFFFFFFFF on non-isochronous URBs (Linux sends 0). */
#define UIP_NP_NOT_ISO 0xFFFFFFFFu
/* Largest transfer_buffer_length accepted; larger ones are "impossible lengths". */
#define UIP_MAX_TRANSFER_LENGTH (16u * 1024u * 1024u)

enum uip_command {
    UIP_CMD_SUBMIT = 1,
    UIP_CMD_UNLINK = 2,
    UIP_RET_SUBMIT = 3,
    UIP_RET_UNLINK = 4,
};

enum uip_direction {
    UIP_DIR_OUT = 0,
    UIP_DIR_IN = 1,
    UIP_DIR_UNKNOWN = -1, /* a RET whose CMD was not seen */
};

/* URB transfer_flags bits that the kernel carries on the wire */
#define UIP_URB_SHORT_NOT_OK 0x0001
#define UIP_URB_ISO_ASAP 0x0002
#define UIP_URB_NO_TRANSFER_DMA_MAP 0x0004
#define UIP_URB_ZERO_PACKET 0x0040
#define UIP_URB_NO_INTERRUPT 0x0080
#define UIP_URB_FREE_BUFFER 0x0100
#define UIP_URB_DIR_IN 0x0200
/* usbcore's and the host controller drivers' own flags (Linux include/linux/usb.h); Linux's vhci
 * sends urb->transfer_flags as they are, so these reach the wire too. */
#define UIP_URB_DMA_MAP_SINGLE 0x00010000
#define UIP_URB_DMA_MAP_PAGE 0x00020000
#define UIP_URB_DMA_MAP_SG 0x00040000
#define UIP_URB_MAP_LOCAL 0x00080000
#define UIP_URB_SETUP_MAP_SINGLE 0x00100000
#define UIP_URB_SETUP_MAP_LOCAL 0x00200000
#define UIP_URB_DMA_SG_COMBINED 0x00400000
#define UIP_URB_ALIGNED_TEMP_BUFFER 0x00800000

struct uip_header {
    uint32_t command;   /* enum uip_command */
    uint32_t seqnum;
    uint32_t devid;     /* busnum << 16 | devnum; 0 in RET_* */
    uint32_t direction; /* 0 OUT, 1 IN; 0 in RET_* */
    uint32_t ep;        /* endpoint number, 0..15; 0 in RET_* */
    union {
        struct {
            uint32_t transfer_flags;
            int32_t transfer_buffer_length;
            int32_t start_frame;
            uint32_t number_of_packets;
            int32_t interval;
            uint8_t setup[UIP_SETUP_SIZE];
        } cmd_submit;
        struct {
            int32_t status; /* negative errno, 0 on success */
            int32_t actual_length;
            int32_t start_frame;
            uint32_t number_of_packets;
            int32_t error_count;
        } ret_submit;
        struct {
            uint32_t unlink_seqnum;
        } cmd_unlink;
        struct {
            int32_t status; /* -ECONNRESET if unlinked, 0 if the URB had already completed */
        } ret_unlink;
    } u;
};

struct uip_iso_desc {
    uint32_t offset;
    uint32_t length;
    uint32_t actual_length;
    int32_t status;
};

/* ---- decode / encode ---------------------------------------------------- */

/*
 * Decode functions read only within [buf, buf+len): UIP_ERR_TRUNCATED when
 * len is too short, UIP_OK otherwise. They check only what is needed to
 * decode (the command code); semantic checks are uip_check_header's job.
 */
int uip_decode_op_header(const uint8_t *buf, size_t len, struct uip_op_header *out);
int uip_decode_device_record(const uint8_t *buf, size_t len, struct uip_device_record *out);
int uip_decode_interface_record(const uint8_t *buf, size_t len, struct uip_interface_record *out);
/* UIP_ERR_BAD_COMMAND for a command code outside 1..4. */
int uip_decode_header(const uint8_t *buf, size_t len, struct uip_header *out);
int uip_decode_iso_desc(const uint8_t *buf, size_t len, struct uip_iso_desc *out);

/* Encoders write exactly the message's fixed size into out (caller-sized). */
void uip_encode_op_header(const struct uip_op_header *h, uint8_t out[UIP_OP_HEADER_SIZE]);
void uip_encode_device_record(const struct uip_device_record *d, uint8_t out[UIP_DEVICE_RECORD_SIZE]);
void uip_encode_interface_record(const struct uip_interface_record *i, uint8_t out[UIP_INTERFACE_RECORD_SIZE]);
void uip_encode_header(const struct uip_header *h, uint8_t out[UIP_HEADER_SIZE]);
void uip_encode_iso_desc(const struct uip_iso_desc *d, uint8_t out[UIP_ISO_DESC_SIZE]);

/* ---- semantic checks ---------------------------------------------------- */

/* True for a real isochronous packet count (not 0, not usbip-win2's 0xFFFFFFFF). */
bool uip_np_is_iso(uint32_t number_of_packets);
/* True when a non-isochronous CMD_SUBMIT's number_of_packets is usbip-win2's 0xFFFFFFFF: its
 * client then puts the endpoint's bInterval in interval (drivers/ude/proto.cpp:75-76), where
 * Linux's vhci puts urb->interval (see uip_interrupt_period_ns in uip/usb.h). */
bool uip_interval_is_binterval(uint32_t number_of_packets);

/*
 * Check a decoded URB header for values no real peer sends (most of them the Linux
 * stack would refuse). What the real peers send passes: usbip-win2's 0xFFFFFFFF packet
 * count, transfer_flags without URB_DIR_IN, raw bInterval and stale CMD_UNLINK padding.
 * Returns UIP_OK or the first violation (BAD_DIRECTION, BAD_ENDPOINT,
 * BAD_SEQNUM, BAD_TRANSFER_LENGTH, BAD_ACTUAL_LENGTH, BAD_ISO_COUNT,
 * BAD_PADDING when raw is given and a RET_*'s reserved bytes are not zero, ...).
 * raw may be NULL (padding not checked). The framer uses it to
 * resynchronize; the tools use it to report impossible values.
 */
int uip_check_header(const struct uip_header *h, const uint8_t *raw);

/* Check a RET_SUBMIT against its CMD_SUBMIT: actual_length <= transfer_buffer_length,
 * iso packet counts equal. UIP_ERR_BAD_ACTUAL_LENGTH / UIP_ERR_BAD_ISO_COUNT. */
int uip_check_ret_against_cmd(const struct uip_header *ret, const struct uip_header *cmd);

/* Check iso descriptors against their URB: each actual_length <= length; for IN the
 * actual_lengths sum to the RET's actual_length; offsets within the buffer.
 * UIP_ERR_BAD_ISO_LENGTHS on a violation. */
int uip_check_iso(const struct uip_header *h, int direction, const struct uip_iso_desc *d,
                  uint32_t count, int32_t buffer_length);

/* ---- PDU lengths -------------------------------------------------------- */

/*
 * The whole length on the wire of the URB PDU whose header is h.
 * cmd_direction is the direction of the matching CMD_SUBMIT, needed only for
 * a RET_SUBMIT (IN data follows it whenever actual_length > 0, even with an
 * error status). With UIP_DIR_UNKNOWN (the CMD was not seen), *len is the
 * length if the URB was OUT and *len_if_in the length if it was IN, so the
 * caller can test both; otherwise both are set to the one length.
 * len_if_in may be NULL. Lengths are never taken on trust: a negative or
 * over-cap length gives the matching UIP_ERR_BAD_* code.
 *
 *   CMD_SUBMIT: 48 + (OUT ? transfer_buffer_length : 0) + iso * 16
 *   RET_SUBMIT: 48 + (IN ? actual_length : 0)           + iso * 16
 *   CMD_UNLINK, RET_UNLINK: 48
 * (isochronous IN data is packed, so actual_length covers it exactly.)
 */
int uip_urb_pdu_length(const struct uip_header *h, int cmd_direction, uint64_t *len,
                       uint64_t *len_if_in);

/*
 * The whole length of the OP message starting at buf (from_client: the
 * client's side of the connection, where requests travel). Walks the
 * records of an OP_REP_DEVLIST, so it may need more than the fixed header:
 * UIP_ERR_TRUNCATED with *need set to the bytes needed to go on.
 * A failed OP_REP_IMPORT (status != 0) is 8 bytes long.
 */
int uip_op_pdu_length(const uint8_t *buf, size_t len, uint64_t *pdu_len, uint64_t *need);

/* ---- names --------------------------------------------------------------- */

const char *uip_command_name(uint32_t command);    /* "CMD_SUBMIT", ... or NULL */
const char *uip_op_code_name(uint16_t code);       /* "OP_REQ_IMPORT", ... or NULL */
const char *uip_op_status_name(uint32_t status);   /* "OK", "NA", ... or NULL */
const char *uip_speed_name(uint32_t speed);        /* "high (480 Mbit/s)", ... or NULL */

#endif
