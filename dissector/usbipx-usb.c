/* SPDX-License-Identifier: GPL-2.0-or-later */
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
static usbipx_pref_bool usbipx_usb_enabled = true;

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

static uint8_t usbipx_usbmon_type(uint8_t xfer_type)
{
    switch (xfer_type) {
    case UIP_XFER_CONTROL: return USBMON_CONTROL;
    case UIP_XFER_ISOCHRONOUS: return USBMON_ISO;
    case UIP_XFER_INTERRUPT: return USBMON_INTERRUPT;
    default: return USBMON_BULK;
    }
}

/* Fields of the usbmon header are in host byte order, as the kernel writes them. */
static void usbipx_put(uint8_t *hdr, int off, const void *v, size_t n)
{
    memcpy(hdr + off, v, n);
}

/* Class dissectors may prepend to the Info column past the fence (Wireshark's SCSI puts a
 * READ CAPACITY's size first) or replace it (its "[SCSI transfer limited ...]"): put the
 * USB/IP summary, ours, back in front of what they wrote. */
static void usbipx_keep_info_first(packet_info *pinfo, const char *ours)
{
    const char *now = col_get_text(pinfo->cinfo, COL_INFO);
    if (!ours || !now || g_str_has_prefix(now, ours))
        return;
    GString *theirs = g_string_new(now);
    const char *at = strstr(theirs->str, ours);
    if (at)
        g_string_erase(theirs, at - theirs->str, (gssize)strlen(ours));
    char *info = g_strconcat(ours, g_strstrip(theirs->str), NULL);
    col_clear_fence(pinfo->cinfo, COL_INFO);
    col_add_str(pinfo->cinfo, COL_INFO, info);
    col_set_fence(pinfo->cinfo, COL_INFO);
    g_free(info);
    g_string_free(theirs, TRUE);
}

void usbipx_usb_handoff(tvbuff_t *tvb, int data_offset, int data_len, packet_info *pinfo,
                        proto_tree *tree, uint32_t conn_id, const struct uip_header *hdr,
                        const struct usbipx_pdu *rec)
{
    const struct usbipx_urb *u = rec->urb;
    if (!usbipx_usb_enabled || !usb_mmapped_handle || !u || !u->frame_submit)
        return;
    bool submit = hdr->command == UIP_CMD_SUBMIT;
    bool in = u->direction == UIP_DIR_IN;
    uint8_t *buf = wmem_alloc0(pinfo->pool, USBMON_HEADER_SIZE + (size_t)data_len);
    uint64_t id = (uint64_t)conn_id << 32 | u->seqnum;
    uint16_t busnum = (uint16_t)(u->devid >> 16);
    int64_t sec = (int64_t)pinfo->abs_ts.secs;
    int32_t usec = pinfo->abs_ts.nsecs / 1000;
    int32_t status = submit ? USBMON_EINPROGRESS : hdr->u.ret_submit.status;
    uint32_t length = submit ? (uint32_t)hdr->u.cmd_submit.transfer_buffer_length
                            : (uint32_t)MAX(hdr->u.ret_submit.actual_length, 0);
    uint32_t captured = (uint32_t)data_len;
    int32_t interval = submit ? hdr->u.cmd_submit.interval : 0;
    int32_t start_frame = submit ? hdr->u.cmd_submit.start_frame : hdr->u.ret_submit.start_frame;
    uint32_t flags = submit ? hdr->u.cmd_submit.transfer_flags : 0;

    usbipx_put(buf, 0, &id, 8);
    buf[8] = submit ? 'S' : 'C';
    buf[9] = usbipx_usbmon_type(u->xfer_type);
    buf[10] = (uint8_t)((u->ep & 0x0f) | (in ? 0x80 : 0));
    buf[11] = (uint8_t)(u->devid & 0x7f);
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

    tvbuff_t *usb_tvb = tvb_new_child_real_data(tvb, buf, USBMON_HEADER_SIZE + (unsigned)data_len,
                                                USBMON_HEADER_SIZE + (int)data_len);
    /* The USB dissector rewrites the addresses; TCP and this plugin need them back. */
    address src, dst, net_src, net_dst;
    copy_address_shallow(&src, &pinfo->src);
    copy_address_shallow(&dst, &pinfo->dst);
    copy_address_shallow(&net_src, &pinfo->net_src);
    copy_address_shallow(&net_dst, &pinfo->net_dst);
    port_type ptype = pinfo->ptype;
    uint32_t srcport = pinfo->srcport, destport = pinfo->destport;
    col_append_str(pinfo->cinfo, COL_INFO, " ");
    col_set_fence(pinfo->cinfo, COL_INFO);
    char *ours = g_strdup(col_get_text(pinfo->cinfo, COL_INFO));
    TRY {
        call_dissector_only(usb_mmapped_handle, usb_tvb, pinfo, tree, NULL);
    }
    CATCH_NONFATAL_ERRORS {
        show_exception(usb_tvb, pinfo, tree, EXCEPT_CODE, GET_MESSAGE);
    }
    ENDTRY;
    usbipx_keep_info_first(pinfo, ours);
    g_free(ours);
    copy_address_shallow(&pinfo->src, &src);
    copy_address_shallow(&pinfo->dst, &dst);
    copy_address_shallow(&pinfo->net_src, &net_src);
    copy_address_shallow(&pinfo->net_dst, &net_dst);
    pinfo->ptype = ptype;
    pinfo->srcport = srcport;
    pinfo->destport = destport;
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "USB/IP");
}
