/* SPDX-License-Identifier: GPL-2.0-or-later */
/* classview.c -- the class-level view's front: one record per device, its class recognised from
 * the traffic itself, each URB handed to the module of its class (see classview.h). */
#include <glib.h>
#include "classview.h"
#include "device_table.h"
#include "classview_int.h"
#include "uip/usb.h"

#define FTDI_VENDOR_ID 0x0403
#define USB_CLASS_HID 0x03
#define USB_CLASS_CDC_DATA 0x0a
#define USB_CLASS_STILL_IMAGE 0x06 /* PTP; MTP too, or vendor-specific (0xff) on Android */
#define USB_CLASS_VENDOR 0xff

struct cv_device {
    uint32_t conn_id, devid;
    bool vendor_known;
    uint16_t vendor_id;          /* from the import reply, else the device descriptor */
    uint32_t speed;              /* from the import reply; 0 when not known */
    bool config_known;           /* a configuration descriptor was seen */
    uint16_t max_packet[2][16];  /* [direction][endpoint], from it */
    uint8_t iface_class[2][16];  /* the endpoint's interface class, from it */
    struct cv_scsi *scsi;
    struct cv_serial *serial;
    struct cv_hid *hid;
    struct cv_ptp *ptp;
};

struct classview {
    struct device_table *devs; /* struct cv_device */
    FILE *scsi_csv;
};

static void device_free(void *p)
{
    struct cv_device *d = p;
    cv_scsi_free(d->scsi);
    cv_serial_free(d->serial);
    cv_hid_free(d->hid);
    cv_ptp_free(d->ptp);
}

struct classview *classview_new(struct device_registry *devices)
{
    struct classview *cv = g_new0(struct classview, 1);
    cv->devs = device_table_new(devices, sizeof(struct cv_device), device_free);
    return cv;
}

void classview_free(struct classview *cv)
{
    if (!cv)
        return;
    device_table_free(cv->devs);
    g_free(cv);
}

void classview_scsi_csv(struct classview *cv, FILE *f)
{
    cv->scsi_csv = f;
    cv_scsi_csv_header(f);
}

static struct cv_device *device_find(const struct classview *cv, uint32_t conn_id, uint32_t devid)
{
    return device_table_find(cv->devs, conn_id, devid);
}

static struct cv_device *device_get(struct classview *cv, uint32_t conn_id, uint32_t devid)
{
    return device_table_get(cv->devs, conn_id, devid, NULL);
}

void classview_device(struct classview *cv, const struct uip_device_info *info)
{
    if (!info->has_record)
        return;
    struct cv_device *d = device_get(cv, info->conn_id, info->devid);
    d->vendor_known = true;
    d->vendor_id = info->record.id_vendor;
    d->speed = info->record.speed;
}

static void note_endpoint(void *user, const struct uip_usb_endpoint *ep)
{
    struct cv_device *d = user;
    int dir = (ep->address & 0x80) != 0;
    d->max_packet[dir][ep->address & 15] = ep->max_packet & 0x7ff; /* bits 11-12: extra transactions */
    d->iface_class[dir][ep->address & 15] = ep->interface_class;
}

/* Standard GET_DESCRIPTOR answers teach the vendor id and the endpoints' interfaces. */
static void learn_descriptors(struct cv_device *d, const struct uip_urb *u, const struct uip_setup *st)
{
    if (st->bm_request_type != 0x80 || st->b_request != UIP_USB_REQ_GET_DESCRIPTOR ||
        !cv_answered(u) || u->status != 0)
        return;
    uint16_t product;
    uint32_t kept = u->data_kept < (uint32_t)u->actual_length ? u->data_kept : (uint32_t)u->actual_length;
    if (st->w_value >> 8 == UIP_USB_DT_DEVICE) {
        if (!d->vendor_known && uip_urb_device_ids(u, &d->vendor_id, &product))
            d->vendor_known = true;
    } else if (st->w_value >> 8 == UIP_USB_DT_CONFIG &&
               uip_usb_config_endpoints(u->data, kept, note_endpoint, d) > 0) {
        d->config_known = true;
    }
}

static bool is_ftdi(const struct cv_device *d)
{
    return d->vendor_known && d->vendor_id == FTDI_VENDOR_ID;
}

static void control_urb(struct cv_device *d, const struct uip_urb *u)
{
    struct uip_setup st;
    if (!u->has_setup)
        return;
    uip_setup_decode(u->setup, &st);
    learn_descriptors(d, u, &st);
    if (!d->serial && cv_serial_is_acm_request(u))
        d->serial = cv_serial_new(CV_SERIAL_ACM);
    else if (!d->serial && is_ftdi(d) && (st.bm_request_type & 0x60) == 0x40) /* vendor request */
        d->serial = cv_serial_new(CV_SERIAL_FTDI);
    if (d->serial)
        cv_serial_control(d->serial, u);
}

void classview_urb(struct classview *cv, const struct uip_urb *u)
{
    if (uip_outcome_unmatched(u->outcome) || (u->direction != UIP_DIR_IN && u->direction != UIP_DIR_OUT))
        return; /* an answer whose request is not in the capture: nothing to time it from */
    if (u->t_complete_ns && u->t_complete_ns < u->t_submit_ns)
        return; /* answered before it was submitted: the capture's clock went back */
    struct cv_device *d = device_get(cv, u->conn_id, u->devid);
    if (u->ep == 0) {
        control_urb(d, u);
        return;
    }
    int dir = u->direction == UIP_DIR_IN;
    uint8_t iface = d->iface_class[dir][u->ep & 15];
    if (u->xfer_type == UIP_XFER_INTERRUPT && dir && iface == USB_CLASS_HID) {
        if (!d->hid)
            d->hid = cv_hid_new();
        cv_hid_urb(d->hid, u);
        return;
    }
    bool image = !d->config_known || iface == USB_CLASS_STILL_IMAGE || iface == USB_CLASS_VENDOR;
    if (u->xfer_type == UIP_XFER_INTERRUPT && dir && image && d->ptp) {
        cv_ptp_event(d->ptp, u);
        return;
    }
    if (u->xfer_type != UIP_XFER_BULK && u->xfer_type != UIP_XFER_UNKNOWN)
        return;
    if (!d->scsi && cv_scsi_is_cbw(u))
        d->scsi = cv_scsi_new(d->conn_id, d->devid);
    if (d->scsi)
        cv_scsi_urb(d->scsi, u, cv->scsi_csv);
    if (!d->ptp && image && cv_ptp_is_command(u))
        d->ptp = cv_ptp_new();
    if (d->ptp && image)
        cv_ptp_urb(d->ptp, u);
    if (!d->serial && is_ftdi(d))
        d->serial = cv_serial_new(CV_SERIAL_FTDI);
    /* FTDI: every bulk endpoint is the port's; CDC-ACM: those of its data interface */
    if (d->serial && (is_ftdi(d) || !d->config_known || iface == USB_CLASS_CDC_DATA))
        cv_serial_bulk(d->serial, u, d->max_packet[1][u->ep & 15]);
}

void classview_finish(struct classview *cv)
{
    for (unsigned i = 0; i < device_table_len(cv->devs); i++) {
        struct cv_device *d = device_table_at(cv->devs, i);
        if (d->scsi)
            cv_scsi_finish(d->scsi, cv->scsi_csv);
        if (d->serial)
            cv_serial_finish(d->serial);
        if (d->ptp)
            cv_ptp_finish(d->ptp);
    }
}

static const struct cv_device *recognised(const struct classview *cv, uint32_t conn_id, uint32_t devid)
{
    const struct cv_device *d = device_find(cv, conn_id, devid);
    return d && (d->scsi || d->serial || d->hid || d->ptp) ? d : NULL;
}

bool classview_recognised(const struct classview *cv, uint32_t conn_id, uint32_t devid)
{
    return recognised(cv, conn_id, devid) != NULL;
}

void classview_text(FILE *out, const struct classview *cv, uint32_t conn_id, uint32_t devid,
                    uint64_t t0_ns)
{
    const struct cv_device *d = recognised(cv, conn_id, devid);
    if (!d)
        return;
    if (d->scsi)
        cv_scsi_text(out, d->scsi);
    if (d->serial)
        cv_serial_text(out, d->serial, t0_ns);
    if (d->hid)
        cv_hid_text(out, d->hid, d->speed);
    if (d->ptp)
        cv_ptp_text(out, d->ptp);
}

void classview_json(FILE *out, const struct classview *cv, uint32_t conn_id, uint32_t devid)
{
    const struct cv_device *d = recognised(cv, conn_id, devid);
    const char *sep = "";
    fputc('{', out);
    if (d && d->scsi) {
        fprintf(out, "\"mass_storage\":");
        cv_scsi_json(out, d->scsi);
        sep = ",";
    }
    if (d && d->serial) {
        fprintf(out, "%s\"serial\":", sep);
        cv_serial_json(out, d->serial);
        sep = ",";
    }
    if (d && d->hid) {
        fprintf(out, "%s\"hid\":", sep);
        cv_hid_json(out, d->hid, d->speed);
        sep = ",";
    }
    if (d && d->ptp) {
        fprintf(out, "%s\"mtp\":", sep);
        cv_ptp_json(out, d->ptp);
    }
    fputc('}', out);
}
