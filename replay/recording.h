/* SPDX-License-Identifier: GPL-2.0-or-later */
/* recording.h -- the recorded device of a capture, loaded through the core's session: its
 * device record and interfaces, and its URBs in submit order with their recorded answers. */
#ifndef REPLAY_RECORDING_H
#define REPLAY_RECORDING_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "uip/wire.h"

/* One recorded URB: the request as the host sent it and the answer the device gave. */
struct replay_urb {
    uint32_t seqnum; /* recorded seqnum (for logs) */
    uint8_t ep;
    int8_t direction;  /* enum uip_direction */
    uint8_t xfer_type; /* enum uip_xfer_type */
    bool has_setup;
    uint8_t setup[UIP_SETUP_SIZE];
    int32_t transfer_buffer_length;
    uint32_t transfer_flags; /* as recorded (drive sends them again) */
    int32_t interval;
    bool answered;     /* a RET_SUBMIT was recorded */
    bool unlink_raced; /* the host unlinked it but the answer came first (RET_UNLINK 0) */
    int32_t status;
    int32_t actual_length;
    int32_t start_frame;
    int32_t error_count;
    uint64_t latency_ns; /* RET_SUBMIT time - CMD_SUBMIT time */
    uint64_t t_submit_ns;
    uint64_t t_unlink_ns; /* never answered and unlinked by the host then (its CMD_UNLINK); 0: not */
    uint64_t frame_submit;
    uint8_t *data; /* IN: the answer's data; OUT: the recorded OUT data (owned) */
    uint32_t data_len;
    struct uip_iso_desc *iso; /* the answer's isochronous descriptors (owned) */
    uint32_t iso_count;
};

struct replay_recording {
    struct uip_device_record device;
    bool device_from_import; /* from OP_REP_IMPORT/OP_REP_DEVLIST, else built from descriptors */
    struct uip_interface_record ifaces[UIP_MAX_INTERFACES];
    uint32_t n_ifaces;
    struct replay_urb *urbs; /* submit order */
    size_t n_urbs;
    uint32_t conn_id; /* the capture connection the device was played on */
    uint64_t first_ts_ns, last_ts_ns;
    /* The recorded server closed the connection (usbip-host does when its device disconnects, as
     * a phone's does on a USB mode switch): close_delay_ns after the answer of urbs[close_after],
     * the last one before the close. */
    bool server_closed;
    size_t close_after;
    uint64_t close_delay_ns;
};

enum replay_load_result {
    REPLAY_LOAD_OK = 0,
    REPLAY_LOAD_UNREADABLE, /* not a readable capture */
    REPLAY_LOAD_CORRUPT,    /* corrupt part-way */
    REPLAY_LOAD_NO_DEVICE,  /* no USB/IP device (or not the --busid asked for) */
};

/* Load path. busid: the device to play (NULL: the first imported one, or the first seen).
 * default_busid names a device whose import was not recorded. err gets a one-line reason. */
enum replay_load_result replay_recording_load(const char *path, const char *busid,
                                              struct replay_recording *out, char *err, size_t errlen);
void replay_recording_free(struct replay_recording *r);

#endif
