/* usbipx-usb.c -- hands each URB's setup packet and data to Wireshark's own USB dissector,
 * dressed as a Linux usbmon record (64-byte "mmapped" header, URB id = connection and
 * seqnum), so the USB class dissectors (mass storage/SCSI, HID, CDC, ...) decode the payloads. */
#include "usbipx.h"

#include <epan/exceptions.h>
#include <epan/show_exception.h>
#include <wiretap/wtap.h>
#include <string.h>
#include "uip/wire.h"

#define USBMON_HEADER_SIZE 64
#define USBMON_EINPROGRESS (-115)

/* usbmon transfer types (not bmAttributes order) */
enum { USBMON_ISO = 0, USBMON_INTERRUPT = 1, USBMON_CONTROL = 2, USBMON_BULK = 3 };

static dissector_handle_t usb_mmapped_handle;
static gboolean usbipx_usb_enabled = TRUE;

void usbipx_usb_register_prefs(module_t *m)
{
    prefs_register_bool_preference(m, "usb_handoff", "Decode URB payloads with the USB dissectors",
                                   "Hand setup packets and transfer data to Wireshark's USB "
                                   "dissector and its class dissectors (SCSI, HID, CDC, ...).",
                                   &usbipx_usb_enabled);
}

void usbipx_usb_register(void)
{
    dissector_table_t encap = find_dissector_table("wtap_encap");
    usb_mmapped_handle = encap ? dissector_get_uint_handle(encap, WTAP_ENCAP_USB_LINUX_MMAPPED) : NULL;
}

static guint8 usbipx_usbmon_type(guint8 xfer_type)
{
    switch (xfer_type) {
    case UIP_XFER_CONTROL: return USBMON_CONTROL;
    case UIP_XFER_ISOCHRONOUS: return USBMON_ISO;
    case UIP_XFER_INTERRUPT: return USBMON_INTERRUPT;
    default: return USBMON_BULK;
    }
}

/* Fields of the usbmon header are in host byte order, as the kernel writes them. */
static void usbipx_put(guint8 *hdr, int off, const void *v, size_t n)
{
    memcpy(hdr + off, v, n);
}

void usbipx_usb_handoff(tvbuff_t *tvb, int data_offset, int data_len, packet_info *pinfo,
                        proto_tree *tree, guint32 conn_id, const struct uip_header *hdr,
                        const struct usbipx_pdu *rec)
{
    const struct usbipx_urb *u = rec->urb;
    if (!usbipx_usb_enabled || !usb_mmapped_handle || !u || !u->frame_submit)
        return;
    bool submit = hdr->command == UIP_CMD_SUBMIT;
    bool in = u->direction == UIP_DIR_IN;
    guint8 *buf = wmem_alloc0(pinfo->pool, USBMON_HEADER_SIZE + (size_t)data_len);
    guint64 id = (guint64)conn_id << 32 | u->seqnum;
    guint16 busnum = (guint16)(u->devid >> 16);
    gint64 sec = (gint64)pinfo->abs_ts.secs;
    gint32 usec = pinfo->abs_ts.nsecs / 1000;
    gint32 status = submit ? USBMON_EINPROGRESS : hdr->u.ret_submit.status;
    guint32 length = submit ? (guint32)hdr->u.cmd_submit.transfer_buffer_length
                            : (guint32)MAX(hdr->u.ret_submit.actual_length, 0);
    guint32 captured = (guint32)data_len;
    gint32 interval = submit ? hdr->u.cmd_submit.interval : 0;
    gint32 start_frame = submit ? hdr->u.cmd_submit.start_frame : hdr->u.ret_submit.start_frame;
    guint32 flags = submit ? hdr->u.cmd_submit.transfer_flags : 0;

    usbipx_put(buf, 0, &id, 8);
    buf[8] = submit ? 'S' : 'C';
    buf[9] = usbipx_usbmon_type(u->xfer_type);
    buf[10] = (guint8)((u->ep & 0x0f) | (in ? 0x80 : 0));
    buf[11] = (guint8)(u->devid & 0x7f);
    usbipx_put(buf, 12, &busnum, 2);
    bool setup = submit && u->ep == 0;
    buf[14] = setup ? 0 : '-';
    buf[15] = data_len > 0 ? 0 : (in ? '<' : '>');
    usbipx_put(buf, 16, &sec, 8);
    usbipx_put(buf, 24, &usec, 4);
    usbipx_put(buf, 28, &status, 4);
    usbipx_put(buf, 32, &length, 4);
    usbipx_put(buf, 36, &captured, 4);
    if (setup)
        memcpy(buf + 40, hdr->u.cmd_submit.setup, UIP_SETUP_SIZE);
    usbipx_put(buf, 48, &interval, 4);
    usbipx_put(buf, 52, &start_frame, 4);
    usbipx_put(buf, 56, &flags, 4);
    if (data_len > 0)
        tvb_memcpy(tvb, buf + USBMON_HEADER_SIZE, data_offset, (size_t)data_len);

    tvbuff_t *usb_tvb = tvb_new_child_real_data(tvb, buf, USBMON_HEADER_SIZE + (guint)data_len,
                                                USBMON_HEADER_SIZE + (gint)data_len);
    /* The USB dissector rewrites the addresses; TCP and this plugin need them back. */
    address src, dst, net_src, net_dst;
    copy_address_shallow(&src, &pinfo->src);
    copy_address_shallow(&dst, &pinfo->dst);
    copy_address_shallow(&net_src, &pinfo->net_src);
    copy_address_shallow(&net_dst, &pinfo->net_dst);
    port_type ptype = pinfo->ptype;
    guint32 srcport = pinfo->srcport, destport = pinfo->destport;
    col_append_str(pinfo->cinfo, COL_INFO, " ");
    col_set_fence(pinfo->cinfo, COL_INFO);
    TRY {
        call_dissector_only(usb_mmapped_handle, usb_tvb, pinfo, tree, NULL);
    }
    CATCH_NONFATAL_ERRORS {
        show_exception(usb_tvb, pinfo, tree, EXCEPT_CODE, GET_MESSAGE);
    }
    ENDTRY;
    copy_address_shallow(&pinfo->src, &src);
    copy_address_shallow(&pinfo->dst, &dst);
    copy_address_shallow(&pinfo->net_src, &net_src);
    copy_address_shallow(&pinfo->net_dst, &net_dst);
    pinfo->ptype = ptype;
    pinfo->srcport = srcport;
    pinfo->destport = destport;
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "USB/IP");
}
