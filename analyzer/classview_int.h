/* SPDX-License-Identifier: GPL-2.0-or-later */
/* classview_int.h -- what the class-level view's modules share (classview.c dispatches, one
 * module per class): the bounds-checked readers for class payloads and each module's entry points. */
#ifndef ANALYZE_CLASSVIEW_INT_H
#define ANALYZE_CLASSVIEW_INT_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include "uip/tracker.h"

/* ---- bounds-checked readers: false when [off, off + size) is not inside the len bytes kept ---- */

static inline bool cv_in_bounds(size_t len, size_t off, size_t n)
{
    return off <= len && n <= len - off;
}

static inline bool cv_get_le16(const uint8_t *p, size_t len, size_t off, uint16_t *v)
{
    if (!cv_in_bounds(len, off, 2))
        return false;
    *v = (uint16_t)(p[off] | p[off + 1] << 8);
    return true;
}

static inline bool cv_get_le32(const uint8_t *p, size_t len, size_t off, uint32_t *v)
{
    if (!cv_in_bounds(len, off, 4))
        return false;
    *v = (uint32_t)p[off] | (uint32_t)p[off + 1] << 8 | (uint32_t)p[off + 2] << 16 |
         (uint32_t)p[off + 3] << 24;
    return true;
}

static inline bool cv_get_be16(const uint8_t *p, size_t len, size_t off, uint16_t *v)
{
    if (!cv_in_bounds(len, off, 2))
        return false;
    *v = (uint16_t)(p[off] << 8 | p[off + 1]);
    return true;
}

static inline bool cv_get_be32(const uint8_t *p, size_t len, size_t off, uint32_t *v)
{
    if (!cv_in_bounds(len, off, 4))
        return false;
    *v = (uint32_t)p[off] << 24 | (uint32_t)p[off + 1] << 16 | (uint32_t)p[off + 2] << 8 |
         (uint32_t)p[off + 3];
    return true;
}

static inline bool cv_get_be64(const uint8_t *p, size_t len, size_t off, uint64_t *v)
{
    uint32_t hi, lo;
    if (!cv_get_be32(p, len, off, &hi) || !cv_get_be32(p, len, off + 4, &lo))
        return false;
    *v = (uint64_t)hi << 32 | lo;
    return true;
}

/* The device answered the URB: its RET_SUBMIT was seen, and its status is not one the host gives
 * a URB it takes back (killed, unlinked, device gone; usbmon shows those as completions). Then its
 * status, length and IN data are real. */
static inline bool cv_answered(const struct uip_urb *u)
{
    return uip_outcome_answered(u->outcome) &&
           u->status != -ENOENT && u->status != -ECONNRESET && u->status != -ESHUTDOWN;
}

static inline double cv_secs(uint64_t ns) { return (double)ns / 1e9; }

/* ---- mass storage, bulk-only transport (classview_scsi.c) ---- */

struct cv_scsi;
/* A bulk OUT URB that delivered a valid 31-byte CBW ("USBC"). */
bool cv_scsi_is_cbw(const struct uip_urb *u);
struct cv_scsi *cv_scsi_new(uint32_t conn_id, uint32_t devid);
void cv_scsi_free(struct cv_scsi *s);
/* A bulk URB of the device; a command that ends writes its row to csv when csv is not NULL. */
void cv_scsi_urb(struct cv_scsi *s, const struct uip_urb *u, FILE *csv);
void cv_scsi_finish(struct cv_scsi *s, FILE *csv);
void cv_scsi_csv_header(FILE *f);
void cv_scsi_text(FILE *out, const struct cv_scsi *s);
void cv_scsi_json(FILE *out, const struct cv_scsi *s);

/* ---- serial: FTDI and CDC-ACM, with avrdude's STK500v1 (classview_serial.c) ---- */

enum cv_serial_kind {
    CV_SERIAL_FTDI = 1, /* vendor 0x0403: vendor requests, 2 modem-status bytes per IN packet */
    CV_SERIAL_ACM,      /* CDC-ACM: class requests, plain data */
};

struct cv_serial;
/* A CDC-ACM class request (SET_LINE_CODING or SET_CONTROL_LINE_STATE) on endpoint 0. */
bool cv_serial_is_acm_request(const struct uip_urb *u);
struct cv_serial *cv_serial_new(enum cv_serial_kind kind);
void cv_serial_free(struct cv_serial *s);
/* An endpoint 0 URB: line settings and control lines. */
void cv_serial_control(struct cv_serial *s, const struct uip_urb *u);
/* A bulk URB of the serial port; max_packet is the IN endpoint's (FTDI status bytes per packet). */
void cv_serial_bulk(struct cv_serial *s, const struct uip_urb *u, uint16_t max_packet);
void cv_serial_finish(struct cv_serial *s);
void cv_serial_text(FILE *out, const struct cv_serial *s, uint64_t t0_ns);
void cv_serial_json(FILE *out, const struct cv_serial *s);

/* ---- HID interrupt IN endpoints (classview_hid.c) ---- */

struct cv_hid;
struct cv_hid *cv_hid_new(void);
void cv_hid_free(struct cv_hid *h);
/* An interrupt IN URB of a HID interface. */
void cv_hid_urb(struct cv_hid *h, const struct uip_urb *u);
/* speed: the import record's (enum usb_device_speed), 0 when unknown: it gives the interval's unit. */
void cv_hid_text(FILE *out, const struct cv_hid *h, uint32_t speed);
void cv_hid_json(FILE *out, const struct cv_hid *h, uint32_t speed);

/* ---- MTP/PTP, the still-image class's transactions (classview_ptp.c) ---- */

struct cv_ptp;
/* A bulk OUT URB that delivered a PTP command container (type 1, an operation code, at most five
 * parameters). */
bool cv_ptp_is_command(const struct uip_urb *u);
struct cv_ptp *cv_ptp_new(void);
void cv_ptp_free(struct cv_ptp *p);
/* A bulk URB of the MTP/PTP interface. */
void cv_ptp_urb(struct cv_ptp *p, const struct uip_urb *u);
/* An interrupt IN URB of the still-image interface: an event container, counted by code. */
void cv_ptp_event(struct cv_ptp *p, const struct uip_urb *u);
void cv_ptp_finish(struct cv_ptp *p);
void cv_ptp_text(FILE *out, const struct cv_ptp *p);
void cv_ptp_json(FILE *out, const struct cv_ptp *p);

#endif
