/* SPDX-License-Identifier: GPL-2.0-or-later */
/* error.h -- the one error enum of the protocol core, with a name and a message for each code. */
#ifndef UIP_ERROR_H
#define UIP_ERROR_H

/*
 * Every fallible core function returns UIP_OK (0) or a negative uip_err.
 * UIP_ERR_TRUNCATED ("the bytes are not there yet") is distinct from the
 * UIP_ERR_BAD_* codes ("the bytes say something impossible"): stream
 * reassembly waits on the first and resynchronizes on the others.
 *
 * The list is an X-macro so that a code cannot exist without its name and
 * message: X(enum suffix, value, message).
 */
#define UIP_ERROR_LIST(X)                                                           \
    X(OK, 0, "success")                                                             \
    X(TRUNCATED, -1, "truncated: more bytes are needed")                            \
    X(BAD_VERSION, -2, "unknown USB/IP protocol version")                           \
    X(BAD_OP_CODE, -3, "unknown OP command code")                                   \
    X(BAD_COMMAND, -4, "unknown USB/IP command code")                               \
    X(BAD_DIRECTION, -5, "direction is neither OUT (0) nor IN (1)")                 \
    X(BAD_ENDPOINT, -6, "endpoint number above 15")                                 \
    X(BAD_SEQNUM, -7, "sequence number 0 is never sent")                            \
    X(BAD_DEVID, -8, "device id is not busnum<<16|devnum")                          \
    X(BAD_TRANSFER_LENGTH, -9, "transfer_buffer_length negative or above the cap")  \
    X(BAD_ACTUAL_LENGTH, -10, "actual_length negative or above the request length") \
    X(BAD_ISO_COUNT, -11, "number_of_packets above the isochronous maximum")        \
    X(BAD_ISO_LENGTHS, -12, "isochronous packet lengths inconsistent with the URB") \
    X(BAD_PADDING, -13, "reserved bytes are not zero")                              \
    X(BAD_DEVICE_COUNT, -14, "device count in OP_REP_DEVLIST above the cap")        \
    X(BAD_INTERFACE_COUNT, -15, "bNumInterfaces above 32")                          \
    X(BAD_STATUS, -16, "OP status code outside 0..5")                               \
    X(BAD_FIELD, -17, "field value impossible for this message")                    \
    X(NO_MEMORY, -18, "out of memory")                                              \
    X(IO, -19, "input/output error")                                                \
    X(BAD_CAPTURE, -20, "not a readable pcap or pcapng capture")                    \
    X(UNSUPPORTED_LINKTYPE, -21, "capture link type not supported")                 \
    X(BAD_ARGUMENT, -22, "invalid argument")                                        \
    X(UNCONFIRMED, -23, "a header, but none follows where it ends")                \
    X(PERMISSION, -24, "no permission to capture on the interface")                 \
    X(NO_INTERFACE, -25, "no such capture interface")                               \
    X(BAD_FILTER, -26, "the capture filter does not compile")

typedef enum uip_err {
#define UIP_ERR_ENUM_(name, value, msg) UIP_ERR_##name = (value),
    UIP_ERROR_LIST(UIP_ERR_ENUM_)
#undef UIP_ERR_ENUM_
} uip_err;

#define UIP_OK UIP_ERR_OK
/* Number of codes: they run from 0 down to -(UIP_ERR_COUNT - 1). */
#define UIP_ERR_COUNT 27

/* "UIP_ERR_TRUNCATED"-style name of a code; "UIP_ERR_UNKNOWN" for other values. */
const char *uip_err_name(int code);
/* One-line human message for a code; "unknown error" for other values. */
const char *uip_strerror(int code);

#endif
