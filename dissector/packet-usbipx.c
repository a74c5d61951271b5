/* SPDX-License-Identifier: GPL-2.0-or-later */
/* packet-usbipx.c -- the plugin's USB/IP protocol: TCP framing with the core's PDU lengths
 * and resynchronization rule, every field of every message, links between CMD, RET and
 * UNLINK, URB latency, queue depth and expert info. Filter prefix "usbipx". */
#include "usbipx.h"

#include <epan/conversation.h>
#include <epan/expert.h>
#include <epan/proto_data.h>
#include <epan/epan.h>
#include <wiretap/wtap.h>
#include <epan/dissectors/packet-tcp.h>
#include <stdio.h>
#include <string.h>
#include "uip/error.h"
#include "uip/usb.h"
#include "uip/wire.h"

int proto_usbipx = -1;

static dissector_handle_t usbipx_handle;
static usbipx_pref_bool usbipx_desegment = true;

/* OP messages */
static int hf_op_version = -1, hf_op_code = -1, hf_op_status = -1, hf_op_busid = -1;
static int hf_devlist_count = -1;
static int hf_dev_path = -1, hf_dev_busid = -1, hf_dev_busnum = -1, hf_dev_devnum = -1;
static int hf_dev_speed = -1, hf_dev_vendor = -1, hf_dev_product = -1, hf_dev_bcd = -1;
static int hf_dev_class = -1, hf_dev_subclass = -1, hf_dev_protocol = -1;
static int hf_dev_config_value = -1, hf_dev_num_configs = -1, hf_dev_num_interfaces = -1;
static int hf_if_class = -1, hf_if_subclass = -1, hf_if_protocol = -1, hf_if_padding = -1;
/* URB header */
static int hf_command = -1, hf_seqnum = -1, hf_devid = -1, hf_devid_bus = -1, hf_devid_dev = -1;
static int hf_direction = -1, hf_ep = -1;
static int hf_flags = -1, hf_flag_short_not_ok = -1, hf_flag_iso_asap = -1, hf_flag_no_dma = -1;
static int hf_flag_zero_packet = -1, hf_flag_no_interrupt = -1, hf_flag_free_buffer = -1;
static int hf_flag_dir_in = -1, hf_flag_dma_map_single = -1, hf_flag_dma_map_page = -1;
static int hf_flag_dma_map_sg = -1, hf_flag_map_local = -1, hf_flag_setup_map_single = -1;
static int hf_flag_setup_map_local = -1, hf_flag_dma_sg_combined = -1, hf_flag_aligned_temp = -1;
static int hf_transfer_length = -1, hf_start_frame = -1, hf_num_packets = -1, hf_interval = -1;
static int hf_setup = -1, hf_bm_request_type = -1, hf_b_request = -1, hf_w_value = -1;
static int hf_w_index = -1, hf_w_length = -1;
static int hf_status = -1, hf_actual_length = -1, hf_error_count = -1, hf_padding = -1;
static int hf_unlink_seqnum = -1, hf_data = -1;
static int hf_iso = -1, hf_iso_offset = -1, hf_iso_length = -1, hf_iso_actual = -1, hf_iso_status = -1;
/* generated */
static int hf_response_in = -1, hf_request_in = -1, hf_latency = -1, hf_unlinked_in = -1;
static int hf_unlink_response_in = -1, hf_victim_in = -1, hf_victim_answered_in = -1;
static int hf_unlink_latency = -1, hf_outcome = -1, hf_urb_devid = -1, hf_urb_ep = -1;
static int hf_urb_direction = -1, hf_xfer_type = -1, hf_depth_dev = -1, hf_depth_ep = -1;
static int hf_depth_dev_submit = -1, hf_depth_ep_submit = -1, hf_since_prev = -1;
static int hf_skipped = -1, hf_skip_reason = -1;

static int ett_pdu = -1, ett_device = -1, ett_interface = -1, ett_flags = -1;
static int ett_setup = -1, ett_iso = -1, ett_devid = -1;

static expert_field ei_no_request = EI_INIT, ei_unknown_command = EI_INIT, ei_usbipd_unlink = EI_INIT;
static expert_field ei_bad_length = EI_INIT, ei_duplicate = EI_INIT;
static expert_field ei_skipped = EI_INIT, ei_inferred = EI_INIT, ei_unlink_unknown = EI_INIT;
static expert_field ei_op_failed = EI_INIT, ei_iso_mismatch = EI_INIT, ei_truncated = EI_INIT;
static expert_field ei_data_missing = EI_INIT, ei_mid_stream = EI_INIT, ei_bad_header = EI_INIT;

/* ---- names from the core, for BASE_CUSTOM fields ------------------------------------------ */

static void usbipx_fmt_named(char *buf, const char *name, uint32_t value)
{
    if (name)
        snprintf(buf, ITEM_LABEL_LENGTH, "%s (0x%x)", name, value);
    else
        snprintf(buf, ITEM_LABEL_LENGTH, "Unknown (0x%x)", value);
}

static void usbipx_fmt_op_code(char *buf, uint32_t v) { usbipx_fmt_named(buf, uip_op_code_name((uint16_t)v), v); }
static void usbipx_fmt_command(char *buf, uint32_t v) { usbipx_fmt_named(buf, uip_command_name(v), v); }

static void usbipx_fmt_op_status(char *buf, uint32_t v)
{
    const char *n = uip_op_status_name(v);
    snprintf(buf, ITEM_LABEL_LENGTH, "%s (%u)", n ? n : "Unknown", v);
}

static void usbipx_fmt_speed(char *buf, uint32_t v)
{
    const char *n = uip_speed_name(v);
    snprintf(buf, ITEM_LABEL_LENGTH, "%s (%u)", n ? n : "unknown", v);
}

static void usbipx_fmt_status(char *buf, int32_t v)
{
    if (v == 0) {
        snprintf(buf, ITEM_LABEL_LENGTH, "0 (success)");
        return;
    }
    const char *n = uip_status_name(v), *m = uip_status_meaning(v);
    snprintf(buf, ITEM_LABEL_LENGTH, "%d (-%s%s%s)", v, n ? n : "E?", m ? ": " : "", m ? m : "");
}

static void usbipx_fmt_direction(char *buf, uint32_t v)
{
    snprintf(buf, ITEM_LABEL_LENGTH, "%s (%u)", v == 0 ? "OUT" : v == 1 ? "IN" : "invalid", v);
}

static void usbipx_fmt_b_request(char *buf, uint32_t v)
{
    const char *n = uip_std_request_name((uint8_t)v);
    snprintf(buf, ITEM_LABEL_LENGTH, "%s (0x%02x)", n ? n : "class/vendor or unknown", v);
}

const char *usbipx_status_text(int32_t status)
{
    const char *n = uip_status_name(status);
    return n ? n : "E?";
}

/* ---- connection state ------------------------------------------------------------------------ */

static struct usbipx_conv *usbipx_conv_get(packet_info *pinfo, conversation_t **conv_out)
{
    conversation_t *conv = find_or_create_conversation(pinfo);
    struct usbipx_conv *c = conversation_get_proto_data(conv, proto_usbipx);
    if (!c) {
        c = wmem_new0(wmem_file_scope(), struct usbipx_conv);
        conversation_add_proto_data(conv, proto_usbipx, c);
    }
    *conv_out = conv;
    return c;
}

static void usbipx_conv_set_server(struct usbipx_conv *c, const address *addr, uint32_t port)
{
    c->server_known = true;
    copy_address_wmem(wmem_file_scope(), &c->server_addr, addr);
    c->server_port = port;
}

/* The side that sent this packet's bytes, or -1 when it cannot be told yet. */
static int usbipx_side(packet_info *pinfo, struct usbipx_conv *c, tvbuff_t *tvb)
{
    if (!c->server_known) {
        dissector_table_t ports = find_dissector_table("tcp.port");
        if (dissector_get_uint_handle(ports, pinfo->destport) == usbipx_handle) {
            usbipx_conv_set_server(c, &pinfo->dst, pinfo->destport);
        } else if (dissector_get_uint_handle(ports, pinfo->srcport) == usbipx_handle) {
            usbipx_conv_set_server(c, &pinfo->src, pinfo->srcport);
        } else {
            unsigned avail = tvb_captured_length(tvb);
            int sender = uip_sender_of(tvb_get_ptr(tvb, 0, (int)avail), avail);
            if (sender == UIP_SIDE_CLIENT)
                usbipx_conv_set_server(c, &pinfo->dst, pinfo->destport);
            else if (sender == UIP_SIDE_SERVER)
                usbipx_conv_set_server(c, &pinfo->src, pinfo->srcport);
            else
                return -1;
        }
    }
    return usbipx_conv_from_server(c, pinfo) ? UIP_SIDE_SERVER : UIP_SIDE_CLIENT;
}

/* usbipd-win's own captures (Usbipd/PcapNg.cs) keep URBs as usbmon records on an interface named
 * "USB" and write each unlink as a raw IPv4/TCP packet on one named "UNLINK": on that interface the
 * URB an unlink names, and the request a RET_UNLINK answers, are in the other one. */
bool usbipx_is_usbipd_win_unlink(packet_info *pinfo)
{
    if (!pinfo->rec || !(pinfo->rec->presence_flags & WTAP_HAS_INTERFACE_ID))
        return false;
    const char *name = usbipx_interface_name(pinfo, pinfo->rec->rec_header.packet_header.interface_id);
    return name && strcmp(name, "UNLINK") == 0;
}

/* Each PDU of a frame gets an index, in dissection order, that finds its first-pass record. */
static uint32_t usbipx_next_index(packet_info *pinfo, bool take)
{
    uint32_t *n = p_get_proto_data(pinfo->pool, pinfo, proto_usbipx, 0);
    if (!n) {
        n = wmem_new0(pinfo->pool, uint32_t);
        p_add_proto_data(pinfo->pool, pinfo, proto_usbipx, 0, n);
    }
    return take ? ++*n : *n + 1;
}

static uint64_t usbipx_ns(const nstime_t *t)
{
    return (uint64_t)t->secs * 1000000000u + (uint64_t)t->nsecs;
}

/* ---- framing: the core's rules (uip/frame_at.h) over TCP's reassembled bytes ------------ */

/* Direction of the CMD_SUBMIT a RET_SUBMIT answers: the tracker on the first pass, the
 * record on later ones. */
static int usbipx_ret_direction(packet_info *pinfo, uint32_t conn_id, uint32_t seqnum)
{
    int dir = UIP_DIR_UNKNOWN;
    if (!PINFO_FD_VISITED(pinfo)) {
        usbipx_track_cmd_direction(conn_id, seqnum, &dir);
        return dir;
    }
    const struct usbipx_pdu *rec = p_get_proto_data(wmem_file_scope(), pinfo, proto_usbipx,
                                                    usbipx_next_index(pinfo, false));
    return rec ? rec->cmd_direction : UIP_DIR_UNKNOWN;
}

/* The PDU at offset. A RET_SUBMIT answering a CMD_SUBMIT the tracker knows is framed with that
 * CMD's direction (looked up from its header first) rather than inferred from the bytes after it. */
static enum uip_frame_status usbipx_frame_at(tvbuff_t *tvb, int offset, int side, bool in_sync,
                                             packet_info *pinfo, uint32_t conn_id,
                                             struct uip_frame *fr)
{
    unsigned avail = (unsigned)tvb_captured_length_remaining(tvb, offset);
    unsigned reported = (unsigned)tvb_reported_length_remaining(tvb, offset);
    const uint8_t *p = tvb_get_ptr(tvb, offset, avail);
    struct uip_header h;
    int dir = UIP_DIR_UNKNOWN;
    if (uip_decode_header(p, avail, &h) == UIP_OK && h.command == UIP_RET_SUBMIT)
        dir = usbipx_ret_direction(pinfo, conn_id, h.seqnum);
    return uip_frame_at(p, avail, reported, side, dir, in_sync, fr);
}

/* The resynchronization search of the core from offset from: true with *found at a confirmed
 * header, false with *found where a header could still begin once more bytes come. */
static bool usbipx_resync(tvbuff_t *tvb, int from, int side, int *found)
{
    unsigned avail = (unsigned)tvb_captured_length_remaining(tvb, from);
    size_t off;
    int rc = uip_resync_search(tvb_get_ptr(tvb, from, avail), avail, side, true, UINT64_MAX, true, &off);
    *found = from + (int)off;
    return rc != 0;
}

/* ---- fields ----------------------------------------------------------------------------------- */

static void usbipx_add_device(proto_tree *tree, tvbuff_t *tvb, int offset, bool with_interfaces)
{
    struct uip_device_record d;
    unsigned avail = (unsigned)tvb_captured_length_remaining(tvb, offset);
    if (uip_decode_device_record(tvb_get_ptr(tvb, offset, MIN(avail, UIP_DEVICE_RECORD_SIZE)),
                                 avail, &d) != UIP_OK)
        return;
    int size = UIP_DEVICE_RECORD_SIZE + (with_interfaces ? d.num_interfaces * UIP_INTERFACE_RECORD_SIZE : 0);
    proto_tree *dt = proto_tree_add_subtree_format(tree, tvb, offset, size, ett_device, NULL,
                                                   "Device %s (%04x:%04x)", d.busid, d.id_vendor,
                                                   d.id_product);
    proto_tree_add_item(dt, hf_dev_path, tvb, offset + UIP_OFF_DEV_PATH, UIP_PATH_SIZE, ENC_ASCII);
    proto_tree_add_item(dt, hf_dev_busid, tvb, offset + UIP_OFF_DEV_BUSID, UIP_BUSID_SIZE, ENC_ASCII);
    proto_tree_add_item(dt, hf_dev_busnum, tvb, offset + UIP_OFF_DEV_BUSNUM, 4, ENC_BIG_ENDIAN);
    proto_tree_add_item(dt, hf_dev_devnum, tvb, offset + UIP_OFF_DEV_DEVNUM, 4, ENC_BIG_ENDIAN);
    proto_tree_add_item(dt, hf_dev_speed, tvb, offset + UIP_OFF_DEV_SPEED, 4, ENC_BIG_ENDIAN);
    proto_tree_add_item(dt, hf_dev_vendor, tvb, offset + UIP_OFF_DEV_ID_VENDOR, 2, ENC_BIG_ENDIAN);
    proto_tree_add_item(dt, hf_dev_product, tvb, offset + UIP_OFF_DEV_ID_PRODUCT, 2, ENC_BIG_ENDIAN);
    proto_tree_add_item(dt, hf_dev_bcd, tvb, offset + UIP_OFF_DEV_BCD_DEVICE, 2, ENC_BIG_ENDIAN);
    proto_tree_add_item(dt, hf_dev_class, tvb, offset + UIP_OFF_DEV_CLASS, 1, ENC_NA);
    proto_tree_add_item(dt, hf_dev_subclass, tvb, offset + UIP_OFF_DEV_SUBCLASS, 1, ENC_NA);
    proto_tree_add_item(dt, hf_dev_protocol, tvb, offset + UIP_OFF_DEV_PROTOCOL, 1, ENC_NA);
    proto_tree_add_item(dt, hf_dev_config_value, tvb, offset + UIP_OFF_DEV_CONFIG_VALUE, 1, ENC_NA);
    proto_tree_add_item(dt, hf_dev_num_configs, tvb, offset + UIP_OFF_DEV_NUM_CONFIGS, 1, ENC_NA);
    proto_tree_add_item(dt, hf_dev_num_interfaces, tvb, offset + UIP_OFF_DEV_NUM_INTERFACES, 1, ENC_NA);
    if (!with_interfaces)
        return;
    for (int i = 0; i < d.num_interfaces; i++) {
        int io = offset + UIP_DEVICE_RECORD_SIZE + i * UIP_INTERFACE_RECORD_SIZE;
        uint8_t cls = tvb_get_uint8(tvb, io);
        const char *cn = uip_class_name(cls);
        proto_tree *it = proto_tree_add_subtree_format(dt, tvb, io, UIP_INTERFACE_RECORD_SIZE,
                                                       ett_interface, NULL, "Interface %d: %s", i,
                                                       cn ? cn : "unknown class");
        proto_tree_add_item(it, hf_if_class, tvb, io, 1, ENC_NA);
        proto_tree_add_item(it, hf_if_subclass, tvb, io + 1, 1, ENC_NA);
        proto_tree_add_item(it, hf_if_protocol, tvb, io + 2, 1, ENC_NA);
        proto_tree_add_item(it, hf_if_padding, tvb, io + 3, 1, ENC_NA);
    }
}

static void usbipx_dissect_op(tvbuff_t *tvb, int offset, uint32_t length, packet_info *pinfo,
                              proto_tree *pt, proto_item *pi)
{
    struct uip_op_header h;
    uip_decode_op_header(tvb_get_ptr(tvb, offset, UIP_OP_HEADER_SIZE), UIP_OP_HEADER_SIZE, &h);
    const char *name = uip_op_code_name(h.code);
    proto_tree_add_item(pt, hf_op_version, tvb, offset + UIP_OFF_OP_VERSION, 2, ENC_BIG_ENDIAN);
    proto_tree_add_item(pt, hf_op_code, tvb, offset + UIP_OFF_OP_CODE, 2, ENC_BIG_ENDIAN);
    proto_item *st = proto_tree_add_item(pt, hf_op_status, tvb, offset + UIP_OFF_OP_STATUS, 4, ENC_BIG_ENDIAN);
    proto_item_append_text(pi, ", %s", name);
    col_append_sep_str(pinfo->cinfo, COL_INFO, " | ", name);
    if (!(h.code & UIP_OP_REQUEST_BIT) && h.status != UIP_ST_OK) {
        const char *sn = uip_op_status_name(h.status);
        expert_add_info_format(pinfo, st, &ei_op_failed, "%s failed: %s", name, sn ? sn : "unknown status");
        col_append_fstr(pinfo->cinfo, COL_INFO, " %s", sn ? sn : "error");
    }
    int body = offset + UIP_OP_HEADER_SIZE;
    switch (h.code) {
    case UIP_OP_REQ_IMPORT:
    case UIP_OP_REQ_DEVINFO:
        if (length >= UIP_OP_REQ_IMPORT_SIZE) {
            proto_tree_add_item(pt, hf_op_busid, tvb, body, UIP_BUSID_SIZE, ENC_ASCII);
            col_append_fstr(pinfo->cinfo, COL_INFO, " %s",
                            tvb_get_stringz_enc(pinfo->pool, tvb, body, NULL, ENC_ASCII));
        }
        break;
    case UIP_OP_REP_IMPORT:
    case UIP_OP_REP_DEVINFO:
        if (length >= UIP_OP_REP_IMPORT_SIZE) {
            usbipx_add_device(pt, tvb, body, h.code == UIP_OP_REP_DEVINFO);
            col_append_fstr(pinfo->cinfo, COL_INFO, " %s %04x:%04x",
                            tvb_get_stringz_enc(pinfo->pool, tvb, body + UIP_OFF_DEV_BUSID, NULL, ENC_ASCII),
                            tvb_get_ntohs(tvb, body + UIP_OFF_DEV_ID_VENDOR),
                            tvb_get_ntohs(tvb, body + UIP_OFF_DEV_ID_PRODUCT));
        }
        break;
    case UIP_OP_REP_DEVLIST: {
        if (length < UIP_OP_REP_DEVLIST_MIN_SIZE)
            break;
        uint32_t count = tvb_get_ntohl(tvb, offset + UIP_OFF_DEVLIST_COUNT);
        proto_tree_add_item(pt, hf_devlist_count, tvb, offset + UIP_OFF_DEVLIST_COUNT, 4, ENC_BIG_ENDIAN);
        col_append_fstr(pinfo->cinfo, COL_INFO, " %u device%s", count, count == 1 ? "" : "s");
        int at = offset + UIP_OP_REP_DEVLIST_MIN_SIZE;
        for (uint32_t i = 0; i < count && at + UIP_DEVICE_RECORD_SIZE <= offset + (int)length; i++) {
            uint8_t nif = tvb_get_uint8(tvb, at + UIP_OFF_DEV_NUM_INTERFACES);
            usbipx_add_device(pt, tvb, at, true);
            at += UIP_DEVICE_RECORD_SIZE + nif * UIP_INTERFACE_RECORD_SIZE;
        }
        break;
    }
    default:
        break;
    }
}

static proto_item *usbipx_add_frame_link(proto_tree *t, int hf, tvbuff_t *tvb, uint32_t frame)
{
    if (!frame)
        return NULL;
    proto_item *it = proto_tree_add_uint(t, hf, tvb, 0, 0, frame);
    proto_item_set_generated(it);
    return it;
}

static proto_item *usbipx_add_time(proto_tree *t, int hf, tvbuff_t *tvb, uint64_t ns)
{
    nstime_t d = usbipx_nstime(ns);
    proto_item *it = proto_tree_add_time(t, hf, tvb, 0, 0, &d);
    proto_item_set_generated(it);
    return it;
}

static void usbipx_add_generated_uint(proto_tree *t, int hf, tvbuff_t *tvb, uint32_t v)
{
    proto_item_set_generated(proto_tree_add_uint(t, hf, tvb, 0, 0, v));
}

static void usbipx_add_setup(proto_tree *pt, tvbuff_t *tvb, int off)
{
    proto_item *si = proto_tree_add_item(pt, hf_setup, tvb, off, UIP_SETUP_SIZE, ENC_NA);
    proto_tree *st = proto_item_add_subtree(si, ett_setup);
    struct uip_setup s;
    uip_setup_decode(tvb_get_ptr(tvb, off, UIP_SETUP_SIZE), &s);
    proto_tree_add_item(st, hf_bm_request_type, tvb, off, 1, ENC_NA);
    if (uip_setup_is_standard(&s))
        proto_tree_add_item(st, hf_b_request, tvb, off + 1, 1, ENC_NA);
    else
        proto_tree_add_uint_format_value(st, hf_b_request, tvb, off + 1, 1, s.b_request,
                                         "0x%02x (%s request)", s.b_request,
                                         (s.bm_request_type & 0x60) == 0x20 ? "class" : "vendor");
    proto_tree_add_item(st, hf_w_value, tvb, off + 2, 2, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(st, hf_w_index, tvb, off + 4, 2, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(st, hf_w_length, tvb, off + 6, 2, ENC_LITTLE_ENDIAN);
    if (uip_setup_is_standard(&s)) {
        const char *rn = uip_std_request_name(s.b_request);
        if (rn && s.b_request == UIP_USB_REQ_GET_DESCRIPTOR) {
            const char *dn = uip_descriptor_type_name((uint8_t)(s.w_value >> 8));
            proto_item_append_text(si, " (%s %s)", rn, dn ? dn : "?");
        } else if (rn) {
            proto_item_append_text(si, " (%s)", rn);
        }
    }
}

static void usbipx_add_iso(proto_tree *pt, tvbuff_t *tvb, int off, uint32_t count)
{
    proto_tree *it = proto_tree_add_subtree_format(pt, tvb, off, (int)count * UIP_ISO_DESC_SIZE,
                                                   ett_iso, NULL, "Isochronous packets: %u", count);
    for (uint32_t i = 0; i < count; i++) {
        int o = off + (int)i * UIP_ISO_DESC_SIZE;
        proto_item *pi = proto_tree_add_item(it, hf_iso, tvb, o, UIP_ISO_DESC_SIZE, ENC_NA);
        proto_tree *dt = proto_item_add_subtree(pi, ett_iso);
        proto_item_append_text(pi, " %u: offset %u, length %u, actual %u, status %d", i,
                               tvb_get_ntohl(tvb, o + UIP_OFF_ISO_OFFSET),
                               tvb_get_ntohl(tvb, o + UIP_OFF_ISO_LENGTH),
                               tvb_get_ntohl(tvb, o + UIP_OFF_ISO_ACTUAL_LENGTH),
                               (int32_t)tvb_get_ntohl(tvb, o + UIP_OFF_ISO_STATUS));
        proto_tree_add_item(dt, hf_iso_offset, tvb, o + UIP_OFF_ISO_OFFSET, 4, ENC_BIG_ENDIAN);
        proto_tree_add_item(dt, hf_iso_length, tvb, o + UIP_OFF_ISO_LENGTH, 4, ENC_BIG_ENDIAN);
        proto_tree_add_item(dt, hf_iso_actual, tvb, o + UIP_OFF_ISO_ACTUAL_LENGTH, 4, ENC_BIG_ENDIAN);
        proto_tree_add_item(dt, hf_iso_status, tvb, o + UIP_OFF_ISO_STATUS, 4, ENC_BIG_ENDIAN);
    }
}

/* The generated fields and expert info of a URB PDU, from its first-pass record. */
static void usbipx_add_tracking(tvbuff_t *tvb, packet_info *pinfo, proto_tree *pt, proto_item *pi,
                                const struct uip_header *h, const struct usbipx_pdu *rec)
{
    const struct usbipx_urb *u = rec->urb;
    bool end_known = PINFO_FD_VISITED(pinfo); /* every frame seen once: "no answer" is final */
    bool usbipd_unlink = usbipx_is_usbipd_win_unlink(pinfo);
    if (usbipd_unlink)
        expert_add_info(pinfo, pi, &ei_usbipd_unlink);

    switch (h->command) {
    case UIP_CMD_SUBMIT:
        /* The URB's device, endpoint and direction, under the same names as on its answer, so
         * that usbipx.urb.ep == 1 finds both. */
        usbipx_add_generated_uint(pt, hf_urb_devid, tvb, h->devid);
        usbipx_add_generated_uint(pt, hf_urb_ep, tvb, h->ep);
        usbipx_add_generated_uint(pt, hf_urb_direction, tvb, h->direction & 1u);
        if (u) {
            usbipx_add_frame_link(pt, hf_response_in, tvb, u->frame_complete);
            usbipx_add_frame_link(pt, hf_unlinked_in, tvb, u->frame_unlink);
            /* Not delivered by the tracker once every frame has been seen: no answer came. */
            if (u->finished || end_known)
                proto_item_set_generated(proto_tree_add_string(
                    pt, hf_outcome, tvb, 0, 0,
                    uip_urb_outcome_name(u->finished ? u->outcome : UIP_URB_PENDING_AT_END)));
            proto_item_set_generated(proto_tree_add_string(pt, hf_xfer_type, tvb, 0, 0,
                                                           uip_xfer_type_name(u->xfer_type)));
            usbipx_expert_cmd_submit(pinfo, pi, u, end_known);
        }
        if (rec->has_since_prev)
            usbipx_add_time(pt, hf_since_prev, tvb, rec->since_prev_ns);
        break;
    case UIP_RET_SUBMIT:
        if (u && u->frame_submit) {
            usbipx_add_frame_link(pt, hf_request_in, tvb, u->frame_submit);
            usbipx_add_time(pt, hf_latency, tvb, u->t_complete_ns - u->t_submit_ns);
            usbipx_add_generated_uint(pt, hf_urb_devid, tvb, u->devid);
            usbipx_add_generated_uint(pt, hf_urb_ep, tvb, u->ep);
            usbipx_add_generated_uint(pt, hf_urb_direction, tvb, (uint32_t)(u->direction & 1));
            proto_item_set_generated(proto_tree_add_string(pt, hf_xfer_type, tvb, 0, 0,
                                                           uip_xfer_type_name(u->xfer_type)));
            usbipx_add_frame_link(pt, hf_unlinked_in, tvb, u->frame_unlink);
            proto_item_set_generated(proto_tree_add_string(pt, hf_outcome, tvb, 0, 0,
                                                           uip_urb_outcome_name(u->outcome)));
        }
        if ((rec->anomalies & UIP_ANOM_RET_WITHOUT_CMD) && !usbipd_unlink)
            expert_add_info(pinfo, pi, &ei_no_request);
        if (u && u->frame_submit && h->u.ret_submit.actual_length > u->transfer_buffer_length)
            expert_add_info_format(pinfo, pi, &ei_bad_length,
                                   "actual_length %d above the %d bytes requested",
                                   h->u.ret_submit.actual_length, u->transfer_buffer_length);
        if (rec->direction_inferred)
            expert_add_info_format(pinfo, pi, &ei_inferred,
                                   "CMD_SUBMIT not in the capture: direction %s inferred from the bytes after it",
                                   rec->cmd_direction == UIP_DIR_IN ? "IN" : "OUT");
        break;
    case UIP_CMD_UNLINK:
        if (u) {
            usbipx_add_frame_link(pt, hf_victim_in, tvb, u->frame_submit);
            usbipx_add_frame_link(pt, hf_unlink_response_in, tvb, u->frame_unlink_ret);
            usbipx_add_frame_link(pt, hf_victim_answered_in, tvb, u->frame_complete);
            if (u->finished)
                proto_item_set_generated(proto_tree_add_string(pt, hf_outcome, tvb, 0, 0,
                                                               uip_urb_outcome_name(u->outcome)));
        }
        if ((rec->anomalies & UIP_ANOM_UNLINK_UNKNOWN) && !usbipd_unlink)
            expert_add_info(pinfo, pi, &ei_unlink_unknown);
        usbipx_expert_cmd_unlink(pinfo, pi, u, end_known);
        break;
    case UIP_RET_UNLINK:
        if (u) {
            usbipx_add_frame_link(pt, hf_request_in, tvb, u->frame_unlink);
            usbipx_add_frame_link(pt, hf_victim_in, tvb, u->frame_submit);
            usbipx_add_frame_link(pt, hf_victim_answered_in, tvb, u->frame_complete);
            if (u->frame_unlink && u->t_unlink_ret_ns >= u->t_unlink_ns)
                usbipx_add_time(pt, hf_unlink_latency, tvb, u->t_unlink_ret_ns - u->t_unlink_ns);
            proto_item_set_generated(proto_tree_add_string(pt, hf_outcome, tvb, 0, 0,
                                                           uip_urb_outcome_name(u->outcome)));
        }
        if ((rec->anomalies & UIP_ANOM_RET_WITHOUT_CMD) && !usbipd_unlink)
            expert_add_info(pinfo, pi, &ei_no_request);
        break;
    default:
        break;
    }
    if (rec->has_depth) {
        usbipx_add_generated_uint(pt, hf_depth_dev, tvb, rec->depth_dev);
        usbipx_add_generated_uint(pt, hf_depth_ep, tvb, rec->depth_ep);
    }
    /* On the answer too, beside the latency: how many URBs this one queued behind. */
    if (u && u->frame_submit && (h->command == UIP_CMD_SUBMIT || h->command == UIP_RET_SUBMIT)) {
        usbipx_add_generated_uint(pt, hf_depth_dev_submit, tvb, u->depth_dev_at_submit);
        usbipx_add_generated_uint(pt, hf_depth_ep_submit, tvb, u->depth_ep_at_submit);
    }
    if (rec->anomalies & UIP_ANOM_DUPLICATE_SEQNUM)
        expert_add_info(pinfo, pi, &ei_duplicate);
    if (rec->anomalies & UIP_ANOM_ISO_MISMATCH)
        expert_add_info(pinfo, pi, &ei_iso_mismatch);
    if (rec->anomalies & UIP_ANOM_DATA_MISSING)
        expert_add_info(pinfo, pi, &ei_data_missing);
}

/* The tracker's view of the PDU at offset (first pass). */
static void usbipx_track(tvbuff_t *tvb, int offset, const struct uip_frame *fr,
                         packet_info *pinfo, uint32_t conn_id, struct usbipx_pdu *rec)
{
    struct uip_pdu pdu;
    struct uip_iso_desc *iso = fr->iso_count ? wmem_alloc_array(pinfo->pool, struct uip_iso_desc, fr->iso_count)
                                             : NULL;
    uip_frame_pdu(fr, tvb_get_ptr(tvb, offset, (int)fr->length), usbipx_ns(&pinfo->abs_ts), pinfo->num,
                  iso, &pdu);
    usbipx_track_pdu(conn_id, &pdu, rec);
}

static void usbipx_dissect_urb(tvbuff_t *tvb, int offset, const struct uip_frame *fr,
                               packet_info *pinfo, proto_tree *pt, proto_item *pi,
                               uint32_t conn_id, struct usbipx_pdu **rec_io)
{
    const struct uip_header *h = &fr->hdr;
    uint32_t data_len = fr->data_len, iso_count = fr->iso_count;
    proto_item *status_item = NULL;
    proto_tree_add_item(pt, hf_command, tvb, offset + UIP_OFF_COMMAND, 4, ENC_BIG_ENDIAN);
    proto_tree_add_item(pt, hf_seqnum, tvb, offset + UIP_OFF_SEQNUM, 4, ENC_BIG_ENDIAN);
    proto_item *di = proto_tree_add_item(pt, hf_devid, tvb, offset + UIP_OFF_DEVID, 4, ENC_BIG_ENDIAN);
    proto_tree *dt = proto_item_add_subtree(di, ett_devid);
    proto_tree_add_item(dt, hf_devid_bus, tvb, offset + UIP_OFF_DEVID, 4, ENC_BIG_ENDIAN);
    proto_tree_add_item(dt, hf_devid_dev, tvb, offset + UIP_OFF_DEVID, 4, ENC_BIG_ENDIAN);
    proto_item *dir_item = proto_tree_add_item(pt, hf_direction, tvb, offset + UIP_OFF_DIRECTION, 4, ENC_BIG_ENDIAN);
    proto_item *ep_item = proto_tree_add_item(pt, hf_ep, tvb, offset + UIP_OFF_EP, 4, ENC_BIG_ENDIAN);
    if (h->command == UIP_RET_SUBMIT || h->command == UIP_RET_UNLINK) {
        /* The server leaves these 0 in its answers (stub_tx.c): the URB's own are usbipx.urb.*. */
        const char *note = " (0 on the wire in answers; the URB's: usbipx.urb.*)";
        proto_item_append_text(di, "%s", note);
        proto_item_append_text(dir_item, "%s", note);
        proto_item_append_text(ep_item, "%s", note);
    }

    switch (h->command) {
    case UIP_CMD_SUBMIT: {
        static int *const flag_fields[] = {
            &hf_flag_short_not_ok, &hf_flag_iso_asap, &hf_flag_no_dma, &hf_flag_zero_packet,
            &hf_flag_no_interrupt, &hf_flag_free_buffer, &hf_flag_dir_in, &hf_flag_dma_map_single,
            &hf_flag_dma_map_page, &hf_flag_dma_map_sg, &hf_flag_map_local, &hf_flag_setup_map_single,
            &hf_flag_setup_map_local, &hf_flag_dma_sg_combined, &hf_flag_aligned_temp, NULL};
        proto_tree_add_bitmask(pt, tvb, offset + UIP_OFF_TRANSFER_FLAGS, hf_flags, ett_flags,
                               flag_fields, ENC_BIG_ENDIAN);
        proto_tree_add_item(pt, hf_transfer_length, tvb, offset + UIP_OFF_TRANSFER_BUFFER_LENGTH, 4, ENC_BIG_ENDIAN);
        proto_tree_add_item(pt, hf_start_frame, tvb, offset + UIP_OFF_START_FRAME, 4, ENC_BIG_ENDIAN);
        proto_tree_add_item(pt, hf_num_packets, tvb, offset + UIP_OFF_NUMBER_OF_PACKETS, 4, ENC_BIG_ENDIAN);
        proto_tree_add_item(pt, hf_interval, tvb, offset + UIP_OFF_INTERVAL, 4, ENC_BIG_ENDIAN);
        if (h->ep == 0) {
            usbipx_add_setup(pt, tvb, offset + UIP_OFF_SETUP);
        } else {
            /* Only the control pipe has a setup stage; elsewhere the bytes mean nothing (Linux's
             * usb-storage leaves its last control request there). */
            proto_item *si = proto_tree_add_item(pt, hf_setup, tvb, offset + UIP_OFF_SETUP, UIP_SETUP_SIZE, ENC_NA);
            proto_item_append_text(si, " (unused: not a control URB)");
        }
        col_append_sep_fstr(pinfo->cinfo, COL_INFO, " | ", "CMD_SUBMIT seq=%u ep=%u %s len=%d",
                            h->seqnum, h->ep, h->direction ? "IN" : "OUT",
                            h->u.cmd_submit.transfer_buffer_length);
        break;
    }
    case UIP_RET_SUBMIT: {
        status_item = proto_tree_add_item(pt, hf_status, tvb, offset + UIP_OFF_STATUS, 4, ENC_BIG_ENDIAN);
        proto_tree_add_item(pt, hf_actual_length, tvb, offset + UIP_OFF_ACTUAL_LENGTH, 4, ENC_BIG_ENDIAN);
        proto_tree_add_item(pt, hf_start_frame, tvb, offset + UIP_OFF_START_FRAME, 4, ENC_BIG_ENDIAN);
        proto_tree_add_item(pt, hf_num_packets, tvb, offset + UIP_OFF_NUMBER_OF_PACKETS, 4, ENC_BIG_ENDIAN);
        proto_tree_add_item(pt, hf_error_count, tvb, offset + UIP_OFF_ERROR_COUNT, 4, ENC_BIG_ENDIAN);
        proto_tree_add_item(pt, hf_padding, tvb, offset + UIP_OFF_RET_PADDING, 8, ENC_NA);
        int32_t status = h->u.ret_submit.status;
        if (status)
            col_append_sep_fstr(pinfo->cinfo, COL_INFO, " | ", "RET_SUBMIT seq=%u -%s len=%d",
                                h->seqnum, usbipx_status_text(status), h->u.ret_submit.actual_length);
        else
            col_append_sep_fstr(pinfo->cinfo, COL_INFO, " | ", "RET_SUBMIT seq=%u len=%d",
                                h->seqnum, h->u.ret_submit.actual_length);
        break;
    }
    case UIP_CMD_UNLINK:
        proto_tree_add_item(pt, hf_unlink_seqnum, tvb, offset + UIP_OFF_UNLINK_SEQNUM, 4, ENC_BIG_ENDIAN);
        proto_tree_add_item(pt, hf_padding, tvb, offset + UIP_OFF_UNLINK_PADDING, 24, ENC_NA);
        col_append_sep_fstr(pinfo->cinfo, COL_INFO, " | ", "CMD_UNLINK seq=%u unlink=%u",
                            h->seqnum, h->u.cmd_unlink.unlink_seqnum);
        break;
    case UIP_RET_UNLINK:
        proto_tree_add_item(pt, hf_status, tvb, offset + UIP_OFF_STATUS, 4, ENC_BIG_ENDIAN);
        proto_tree_add_item(pt, hf_padding, tvb, offset + UIP_OFF_UNLINK_PADDING, 24, ENC_NA);
        if (h->u.ret_unlink.status == 0)
            col_append_sep_fstr(pinfo->cinfo, COL_INFO, " | ", "RET_UNLINK seq=%u 0 (too late: the URB had completed)",
                                h->seqnum);
        else
            col_append_sep_fstr(pinfo->cinfo, COL_INFO, " | ", "RET_UNLINK seq=%u -%s", h->seqnum,
                                usbipx_status_text(h->u.ret_unlink.status));
        break;
    default:
        break;
    }
    proto_item_append_text(pi, ", %s seq %u", uip_command_name(h->command), h->seqnum);
    if (fr->check != UIP_OK) /* framed all the same, as usbip-analyze frames it */
        expert_add_info_format(pinfo, pi, &ei_bad_header, "Header field out of range: %s",
                               uip_strerror(fr->check));

    int data_off = offset + UIP_HEADER_SIZE;
    int iso_off = data_off + (int)data_len;
    struct usbipx_pdu *rec = *rec_io;
    if (!rec && !PINFO_FD_VISITED(pinfo)) {
        rec = wmem_new0(wmem_file_scope(), struct usbipx_pdu);
        usbipx_track(tvb, offset, fr, pinfo, conn_id, rec);
        *rec_io = rec;
    }
    if (data_len)
        proto_tree_add_item(pt, hf_data, tvb, data_off, (int)data_len, ENC_NA);
    if (iso_count)
        usbipx_add_iso(pt, tvb, iso_off, iso_count);
    if (rec) {
        usbipx_add_tracking(tvb, pinfo, pt, pi, h, rec);
        if (h->command == UIP_RET_SUBMIT)
            usbipx_expert_ret_submit(pinfo, pi, status_item, h->u.ret_submit.status, rec->urb);
        if (h->command == UIP_CMD_SUBMIT || h->command == UIP_RET_SUBMIT)
            usbipx_usb_handoff(tvb, data_off, (int)data_len, pinfo, proto_item_get_parent(pi), conn_id,
                               h, rec);
        if (h->command == UIP_RET_SUBMIT && rec->urb && rec->urb->frame_submit)
            usbipx_srt_queue(pinfo, rec->urb);
    }
}

/* One whole PDU at offset. */
static void usbipx_dissect_pdu(tvbuff_t *tvb, int offset, const struct uip_frame *fr,
                               packet_info *pinfo, proto_tree *tree, uint32_t conn_id)
{
    uint32_t index = usbipx_next_index(pinfo, true);
    struct usbipx_pdu *rec = p_get_proto_data(wmem_file_scope(), pinfo, proto_usbipx, index);
    bool fresh = rec == NULL;
    proto_item *pi = proto_tree_add_item(tree, proto_usbipx, tvb, offset, (int)fr->length, ENC_NA);
    proto_tree *pt = proto_item_add_subtree(pi, ett_pdu);

    if (fr->is_op) {
        usbipx_dissect_op(tvb, offset, fr->length, pinfo, pt, pi);
        if (!rec && !PINFO_FD_VISITED(pinfo)) {
            rec = wmem_new0(wmem_file_scope(), struct usbipx_pdu);
            usbipx_track(tvb, offset, fr, pinfo, conn_id, rec);
        }
    } else {
        usbipx_dissect_urb(tvb, offset, fr, pinfo, pt, pi, conn_id, &rec);
    }
    if (fresh && rec)
        p_add_proto_data(wmem_file_scope(), pinfo, proto_usbipx, index, rec);
}

/* Bytes not framed as PDUs. Before the first PDU of a direction they are the tail of a PDU
 * whose start the capture missed; after it, a header that failed validation. */
static void usbipx_add_skipped(tvbuff_t *tvb, int offset, int n, int check, bool before_first,
                               packet_info *pinfo, proto_tree *tree)
{
    if (n <= 0)
        return;
    proto_item *it = proto_tree_add_item(tree, hf_skipped, tvb, offset, n, ENC_NA);
    const char *why = before_first ? "capture starts mid-stream: bytes before the first USB/IP header"
                                   : uip_strerror(check);
    proto_item *ri = proto_tree_add_string(tree, hf_skip_reason, tvb, offset, n, why);
    proto_item_set_generated(ri);
    if (before_first)
        expert_add_info_format(pinfo, it, &ei_mid_stream, "%d bytes skipped: %s", n, why);
    else if (check == UIP_ERR_BAD_COMMAND || check == UIP_ERR_BAD_OP_CODE)
        expert_add_info_format(pinfo, it, &ei_unknown_command, "%d bytes skipped: %s", n, why);
    else if (check == UIP_ERR_BAD_TRANSFER_LENGTH || check == UIP_ERR_BAD_ACTUAL_LENGTH ||
             check == UIP_ERR_BAD_ISO_COUNT || check == UIP_ERR_BAD_DEVICE_COUNT ||
             check == UIP_ERR_BAD_INTERFACE_COUNT)
        expert_add_info_format(pinfo, it, &ei_bad_length, "%d bytes skipped: %s", n, why);
    else
        expert_add_info_format(pinfo, it, &ei_skipped, "%d bytes skipped: %s", n, why);
    col_append_sep_fstr(pinfo->cinfo, COL_INFO, " | ", "[%d bytes skipped]", n);
}

static int usbipx_dissect_stream(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    conversation_t *conv;
    struct usbipx_conv *c = usbipx_conv_get(pinfo, &conv);
    int side = usbipx_side(pinfo, c, tvb);
    int total = (int)tvb_reported_length(tvb);
    int offset = 0;

    col_set_str(pinfo->cinfo, COL_PROTOCOL, "USB/IP");
    if (usbipx_next_index(pinfo, false) == 1)
        col_clear(pinfo->cinfo, COL_INFO);
    if (side < 0) {
        /* Neither peer identified yet: wait for the bytes to say who is the client. */
        if (usbipx_desegment && pinfo->can_desegment && total < UIP_HEADER_SIZE) {
            pinfo->desegment_offset = 0;
            pinfo->desegment_len = (uint32_t)(UIP_HEADER_SIZE - total);
            return total;
        }
        usbipx_add_skipped(tvb, 0, total, UIP_OK, true, pinfo, tree);
        return total;
    }
    usbipx_tcpgap_track(&c->tcp[side], pinfo, data);
    usbipx_tcpgap_show(tvb, pinfo, tree);
    while (offset < total) {
        struct uip_frame fr;
        /* Before the direction's first PDU (a capture joined mid-stream) a header must
         * validate whole; after one, the core frames what it can and says what is wrong. */
        bool before_first = !c->first_pdu_frame[side] || pinfo->num < c->first_pdu_frame[side] ||
                            (pinfo->num == c->first_pdu_frame[side] && usbipx_next_index(pinfo, false) == 1);
        switch (usbipx_frame_at(tvb, offset, side, !before_first, pinfo, conv->conv_index, &fr)) {
        case UIP_FRAME_PDU:
            if (!c->first_pdu_frame[side])
                c->first_pdu_frame[side] = pinfo->num;
            c->urbs_seen |= !fr.is_op;
            usbipx_dissect_pdu(tvb, offset, &fr, pinfo, tree, conv->conv_index);
            offset += (int)fr.length;
            break;
        case UIP_FRAME_NEED_MORE: {
            uint32_t missing = fr.length ? (uint32_t)fr.length : DESEGMENT_ONE_MORE_SEGMENT;
            if (usbipx_desegment && pinfo->can_desegment) {
                pinfo->desegment_offset = offset;
                pinfo->desegment_len = missing;
                return total;
            }
            proto_item *ti = proto_tree_add_item(tree, hf_skipped, tvb, offset, -1, ENC_NA);
            if (missing == DESEGMENT_ONE_MORE_SEGMENT)
                expert_add_info_format(pinfo, ti, &ei_truncated,
                                       "PDU continues in the next segment; enable TCP reassembly");
            else
                expert_add_info_format(pinfo, ti, &ei_truncated,
                                       "PDU continues in the next segment (%u bytes missing); enable TCP reassembly",
                                       missing);
            return total;
        }
        case UIP_FRAME_INVALID: {
            int next;
            bool found = usbipx_resync(tvb, offset + 1, side, &next);
            usbipx_add_skipped(tvb, offset, next - offset, fr.check, before_first, pinfo, tree);
            if (!found && next < total && usbipx_desegment && pinfo->can_desegment) {
                pinfo->desegment_offset = next;
                pinfo->desegment_len = DESEGMENT_ONE_MORE_SEGMENT;
                return total;
            }
            if (!found && next < total)
                usbipx_add_skipped(tvb, next, total - next, fr.check, before_first, pinfo, tree);
            offset = found ? next : total;
            break;
        }
        }
    }
    return total;
}

/* Heuristic: the bytes start with an OP header or a URB header that validates. */
static usbipx_heur_result usbipx_heur(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    unsigned avail = tvb_captured_length(tvb);
    const uint8_t *p = tvb_get_ptr(tvb, 0, (int)avail);
    int sender = uip_sender_of(p, avail);
    if (sender < 0)
        return false;
    uint64_t len = 0, need = 0;
    /* An OP header that validates is signature enough even when the message goes on in the
     * next segment (usbip sends OP_REQ_IMPORT's header and busid separately). */
    if (uip_op_header_valid_at(p, avail, (enum uip_side)sender)) {
        int rc = uip_op_pdu_length(p, avail, &len, &need);
        if (rc != UIP_OK && rc != UIP_ERR_TRUNCATED)
            return false;
    }
    conversation_set_dissector(find_or_create_conversation(pinfo), usbipx_handle);
    usbipx_dissect_stream(tvb, pinfo, tree, data);
    return true;
}

/* ---- registration ------------------------------------------------------------------------------ */

void proto_register_usbipx(void)
{
    static hf_register_info hf[] = {
        {&hf_op_version, {"Version", "usbipx.version", FT_UINT16, BASE_HEX, NULL, 0, "USB/IP protocol version", HFILL}},
        {&hf_op_code, {"Operation", "usbipx.operation", FT_UINT16, BASE_CUSTOM, CF_FUNC(usbipx_fmt_op_code), 0, NULL, HFILL}},
        {&hf_op_status, {"Status", "usbipx.op_status", FT_UINT32, BASE_CUSTOM, CF_FUNC(usbipx_fmt_op_status), 0, NULL, HFILL}},
        {&hf_op_busid, {"Bus id", "usbipx.busid", FT_STRINGZPAD, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_devlist_count, {"Number of devices", "usbipx.num_devices", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_dev_path, {"Path", "usbipx.device.path", FT_STRINGZPAD, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_dev_busid, {"Bus id", "usbipx.device.busid", FT_STRINGZPAD, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_dev_busnum, {"Bus number", "usbipx.device.busnum", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_dev_devnum, {"Device number", "usbipx.device.devnum", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_dev_speed, {"Speed", "usbipx.device.speed", FT_UINT32, BASE_CUSTOM, CF_FUNC(usbipx_fmt_speed), 0, NULL, HFILL}},
        {&hf_dev_vendor, {"idVendor", "usbipx.device.idVendor", FT_UINT16, BASE_HEX, NULL, 0, NULL, HFILL}},
        {&hf_dev_product, {"idProduct", "usbipx.device.idProduct", FT_UINT16, BASE_HEX, NULL, 0, NULL, HFILL}},
        {&hf_dev_bcd, {"bcdDevice", "usbipx.device.bcdDevice", FT_UINT16, BASE_HEX, NULL, 0, NULL, HFILL}},
        {&hf_dev_class, {"bDeviceClass", "usbipx.device.bDeviceClass", FT_UINT8, BASE_HEX, NULL, 0, NULL, HFILL}},
        {&hf_dev_subclass, {"bDeviceSubClass", "usbipx.device.bDeviceSubClass", FT_UINT8, BASE_HEX, NULL, 0, NULL, HFILL}},
        {&hf_dev_protocol, {"bDeviceProtocol", "usbipx.device.bDeviceProtocol", FT_UINT8, BASE_HEX, NULL, 0, NULL, HFILL}},
        {&hf_dev_config_value, {"bConfigurationValue", "usbipx.device.bConfigurationValue", FT_UINT8, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_dev_num_configs, {"bNumConfigurations", "usbipx.device.bNumConfigurations", FT_UINT8, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_dev_num_interfaces, {"bNumInterfaces", "usbipx.device.bNumInterfaces", FT_UINT8, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_if_class, {"bInterfaceClass", "usbipx.interface.bInterfaceClass", FT_UINT8, BASE_HEX, NULL, 0, NULL, HFILL}},
        {&hf_if_subclass, {"bInterfaceSubClass", "usbipx.interface.bInterfaceSubClass", FT_UINT8, BASE_HEX, NULL, 0, NULL, HFILL}},
        {&hf_if_protocol, {"bInterfaceProtocol", "usbipx.interface.bInterfaceProtocol", FT_UINT8, BASE_HEX, NULL, 0, NULL, HFILL}},
        {&hf_if_padding, {"Padding", "usbipx.interface.padding", FT_UINT8, BASE_HEX, NULL, 0, NULL, HFILL}},
        {&hf_command, {"Command", "usbipx.command", FT_UINT32, BASE_CUSTOM, CF_FUNC(usbipx_fmt_command), 0, NULL, HFILL}},
        {&hf_seqnum, {"Sequence number", "usbipx.seqnum", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_devid, {"Device id", "usbipx.devid", FT_UINT32, BASE_HEX, NULL, 0, "busnum << 16 | devnum (0 in RET_*)", HFILL}},
        {&hf_devid_bus, {"Bus number", "usbipx.devid.busnum", FT_UINT32, BASE_DEC, NULL, 0xffff0000, NULL, HFILL}},
        {&hf_devid_dev, {"Device number", "usbipx.devid.devnum", FT_UINT32, BASE_DEC, NULL, 0x0000ffff, NULL, HFILL}},
        {&hf_direction, {"Direction", "usbipx.direction", FT_UINT32, BASE_CUSTOM, CF_FUNC(usbipx_fmt_direction), 0, "0 in RET_*", HFILL}},
        {&hf_ep, {"Endpoint", "usbipx.ep", FT_UINT32, BASE_DEC, NULL, 0, "endpoint number (0 in RET_*)", HFILL}},
        {&hf_flags, {"Transfer flags", "usbipx.transfer_flags", FT_UINT32, BASE_HEX, NULL, 0, NULL, HFILL}},
        {&hf_flag_short_not_ok, {"URB_SHORT_NOT_OK", "usbipx.transfer_flags.short_not_ok", FT_BOOLEAN, 32, NULL, UIP_URB_SHORT_NOT_OK, NULL, HFILL}},
        {&hf_flag_iso_asap, {"URB_ISO_ASAP", "usbipx.transfer_flags.iso_asap", FT_BOOLEAN, 32, NULL, UIP_URB_ISO_ASAP, NULL, HFILL}},
        {&hf_flag_no_dma, {"URB_NO_TRANSFER_DMA_MAP", "usbipx.transfer_flags.no_transfer_dma_map", FT_BOOLEAN, 32, NULL, UIP_URB_NO_TRANSFER_DMA_MAP, NULL, HFILL}},
        {&hf_flag_zero_packet, {"URB_ZERO_PACKET", "usbipx.transfer_flags.zero_packet", FT_BOOLEAN, 32, NULL, UIP_URB_ZERO_PACKET, NULL, HFILL}},
        {&hf_flag_no_interrupt, {"URB_NO_INTERRUPT", "usbipx.transfer_flags.no_interrupt", FT_BOOLEAN, 32, NULL, UIP_URB_NO_INTERRUPT, NULL, HFILL}},
        {&hf_flag_free_buffer, {"URB_FREE_BUFFER", "usbipx.transfer_flags.free_buffer", FT_BOOLEAN, 32, NULL, UIP_URB_FREE_BUFFER, NULL, HFILL}},
        {&hf_flag_dir_in, {"URB_DIR_IN", "usbipx.transfer_flags.dir_in", FT_BOOLEAN, 32, NULL, UIP_URB_DIR_IN, NULL, HFILL}},
        /* usbcore's and the host controller's own flags, which Linux's vhci sends as they are */
        {&hf_flag_dma_map_single, {"URB_DMA_MAP_SINGLE", "usbipx.transfer_flags.dma_map_single", FT_BOOLEAN, 32, NULL, UIP_URB_DMA_MAP_SINGLE, "host-internal: non-scatter-gather DMA mapping", HFILL}},
        {&hf_flag_dma_map_page, {"URB_DMA_MAP_PAGE", "usbipx.transfer_flags.dma_map_page", FT_BOOLEAN, 32, NULL, UIP_URB_DMA_MAP_PAGE, "host-internal: scatter-gather the controller does not support", HFILL}},
        {&hf_flag_dma_map_sg, {"URB_DMA_MAP_SG", "usbipx.transfer_flags.dma_map_sg", FT_BOOLEAN, 32, NULL, UIP_URB_DMA_MAP_SG, "host-internal: scatter-gather DMA mapping", HFILL}},
        {&hf_flag_map_local, {"URB_MAP_LOCAL", "usbipx.transfer_flags.map_local", FT_BOOLEAN, 32, NULL, UIP_URB_MAP_LOCAL, "host-internal: controller-local memory", HFILL}},
        {&hf_flag_setup_map_single, {"URB_SETUP_MAP_SINGLE", "usbipx.transfer_flags.setup_map_single", FT_BOOLEAN, 32, NULL, UIP_URB_SETUP_MAP_SINGLE, "host-internal: setup packet DMA-mapped", HFILL}},
        {&hf_flag_setup_map_local, {"URB_SETUP_MAP_LOCAL", "usbipx.transfer_flags.setup_map_local", FT_BOOLEAN, 32, NULL, UIP_URB_SETUP_MAP_LOCAL, "host-internal: setup packet in controller-local memory", HFILL}},
        {&hf_flag_dma_sg_combined, {"URB_DMA_SG_COMBINED", "usbipx.transfer_flags.dma_sg_combined", FT_BOOLEAN, 32, NULL, UIP_URB_DMA_SG_COMBINED, "host-internal: scatter-gather entries combined", HFILL}},
        {&hf_flag_aligned_temp, {"URB_ALIGNED_TEMP_BUFFER", "usbipx.transfer_flags.aligned_temp_buffer", FT_BOOLEAN, 32, NULL, UIP_URB_ALIGNED_TEMP_BUFFER, "host-internal: aligned bounce buffer", HFILL}},
        {&hf_transfer_length, {"Transfer buffer length", "usbipx.transfer_buffer_length", FT_INT32, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_start_frame, {"Start frame", "usbipx.start_frame", FT_INT32, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_num_packets, {"Number of ISO packets", "usbipx.number_of_packets", FT_UINT32, BASE_DEC, NULL, 0, "0 (Linux) or 0xffffffff (usbip-win2) when not isochronous", HFILL}},
        {&hf_interval, {"Interval", "usbipx.interval", FT_INT32, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_setup, {"Setup packet", "usbipx.setup", FT_BYTES, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_bm_request_type, {"bmRequestType", "usbipx.setup.bmRequestType", FT_UINT8, BASE_HEX, NULL, 0, NULL, HFILL}},
        {&hf_b_request, {"bRequest", "usbipx.setup.bRequest", FT_UINT8, BASE_CUSTOM, CF_FUNC(usbipx_fmt_b_request), 0, NULL, HFILL}},
        {&hf_w_value, {"wValue", "usbipx.setup.wValue", FT_UINT16, BASE_HEX, NULL, 0, NULL, HFILL}},
        {&hf_w_index, {"wIndex", "usbipx.setup.wIndex", FT_UINT16, BASE_HEX, NULL, 0, NULL, HFILL}},
        {&hf_w_length, {"wLength", "usbipx.setup.wLength", FT_UINT16, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_status, {"Status", "usbipx.status", FT_INT32, BASE_CUSTOM, CF_FUNC(usbipx_fmt_status), 0, "negative Linux errno, 0 on success", HFILL}},
        {&hf_actual_length, {"Actual length", "usbipx.actual_length", FT_INT32, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_error_count, {"ISO error count", "usbipx.error_count", FT_INT32, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_padding, {"Padding", "usbipx.padding", FT_BYTES, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_unlink_seqnum, {"Unlink sequence number", "usbipx.unlink_seqnum", FT_UINT32, BASE_DEC, NULL, 0, "seqnum of the CMD_SUBMIT to unlink", HFILL}},
        {&hf_data, {"Transfer data", "usbipx.data", FT_BYTES, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_iso, {"ISO packet", "usbipx.iso", FT_BYTES, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_iso_offset, {"Offset", "usbipx.iso.offset", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_iso_length, {"Length", "usbipx.iso.length", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_iso_actual, {"Actual length", "usbipx.iso.actual_length", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_iso_status, {"Status", "usbipx.iso.status", FT_INT32, BASE_CUSTOM, CF_FUNC(usbipx_fmt_status), 0, NULL, HFILL}},
        {&hf_response_in, {"Response in", "usbipx.response_in", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0, "frame of the RET_SUBMIT", HFILL}},
        {&hf_request_in, {"Request in", "usbipx.request_in", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0, "frame of the CMD this answers", HFILL}},
        {&hf_latency, {"URB latency", "usbipx.latency", FT_RELATIVE_TIME, BASE_NONE, NULL, 0, "on the RET_SUBMIT: time since its CMD_SUBMIT, matched by seqnum", HFILL}},
        {&hf_unlinked_in, {"Unlinked in", "usbipx.unlinked_in", FT_FRAMENUM, BASE_NONE, NULL, 0, "frame of the CMD_UNLINK of this URB", HFILL}},
        {&hf_unlink_response_in, {"Unlink response in", "usbipx.unlink_response_in", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0, NULL, HFILL}},
        {&hf_victim_in, {"Unlinked URB submitted in", "usbipx.victim_in", FT_FRAMENUM, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_victim_answered_in, {"Unlinked URB answered in", "usbipx.victim_answered_in", FT_FRAMENUM, BASE_NONE, NULL, 0, "its RET_SUBMIT came anyway: the unlink was too late", HFILL}},
        {&hf_unlink_latency, {"Unlink latency", "usbipx.unlink_latency", FT_RELATIVE_TIME, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_outcome, {"URB outcome", "usbipx.outcome", FT_STRING, BASE_NONE, NULL, 0, "completed, unlinked, unlink-too-late, pending-at-end, connection-closed, no-submit", HFILL}},
        {&hf_urb_devid, {"URB device id", "usbipx.urb.devid", FT_UINT32, BASE_HEX, NULL, 0, "the URB's device (from its CMD_SUBMIT on an answer)", HFILL}},
        {&hf_urb_ep, {"URB endpoint", "usbipx.urb.ep", FT_UINT32, BASE_DEC, NULL, 0, "the URB's endpoint (from its CMD_SUBMIT on an answer)", HFILL}},
        {&hf_urb_direction, {"URB direction", "usbipx.urb.direction", FT_UINT32, BASE_CUSTOM, CF_FUNC(usbipx_fmt_direction), 0, "the URB's direction (from its CMD_SUBMIT on an answer)", HFILL}},
        {&hf_xfer_type, {"Transfer type", "usbipx.transfer_type", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_depth_dev, {"Outstanding URBs on the device", "usbipx.depth.device", FT_UINT32, BASE_DEC, NULL, 0, "queue depth after this PDU", HFILL}},
        {&hf_depth_ep, {"Outstanding URBs on the endpoint", "usbipx.depth.endpoint", FT_UINT32, BASE_DEC, NULL, 0, "queue depth of the endpoint and direction after this PDU", HFILL}},
        {&hf_depth_dev_submit, {"Device queue depth at submit", "usbipx.depth.device_at_submit", FT_UINT32, BASE_DEC, NULL, 0, "outstanding URBs of the device when this URB was submitted, itself included (on its CMD_SUBMIT and its RET_SUBMIT)", HFILL}},
        {&hf_depth_ep_submit, {"Endpoint queue depth at submit", "usbipx.depth.endpoint_at_submit", FT_UINT32, BASE_DEC, NULL, 0, "outstanding URBs of the endpoint and direction when this URB was submitted, itself included", HFILL}},
        {&hf_since_prev, {"Time since previous URB on endpoint", "usbipx.since_prev", FT_RELATIVE_TIME, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_skipped, {"Unparsed bytes", "usbipx.skipped", FT_BYTES, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_skip_reason, {"Reason", "usbipx.skipped.reason", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
    };
    static int *ett[] = {&ett_pdu, &ett_device, &ett_interface, &ett_flags,
                          &ett_setup, &ett_iso, &ett_devid};
    static ei_register_info ei[] = {
        {&ei_no_request, {"usbipx.expert.no_request", PI_SEQUENCE, PI_WARN, "Answer whose request is not in the capture", EXPFILL}},
        {&ei_unknown_command, {"usbipx.expert.unknown_command", PI_MALFORMED, PI_ERROR, "Unknown USB/IP command", EXPFILL}},
        {&ei_bad_length, {"usbipx.expert.bad_length", PI_MALFORMED, PI_ERROR, "Impossible length field", EXPFILL}},
        {&ei_duplicate, {"usbipx.expert.duplicate_seqnum", PI_SEQUENCE, PI_WARN, "Sequence number reused while its URB was outstanding", EXPFILL}},
        {&ei_usbipd_unlink, {"usbipx.expert.usbipd_win_unlink", PI_ASSUMPTION, PI_NOTE, "usbipd-win unlink record: the URB it concerns is a usbmon record on the capture's USB interface (usbip-analyze ties the two together)", EXPFILL}},
        {&ei_skipped, {"usbipx.expert.skipped", PI_UNDECODED, PI_WARN, "Bytes skipped to resynchronize", EXPFILL}},
        {&ei_inferred, {"usbipx.expert.direction_inferred", PI_ASSUMPTION, PI_NOTE, "Direction inferred", EXPFILL}},
        {&ei_unlink_unknown, {"usbipx.expert.unlink_unknown", PI_SEQUENCE, PI_WARN, "CMD_UNLINK of a URB not outstanding in the capture", EXPFILL}},
        {&ei_op_failed, {"usbipx.expert.op_failed", PI_RESPONSE_CODE, PI_WARN, "OP request failed", EXPFILL}},
        {&ei_iso_mismatch, {"usbipx.expert.iso_mismatch", PI_MALFORMED, PI_WARN, "Isochronous packet lengths inconsistent with the URB", EXPFILL}},
        {&ei_truncated, {"usbipx.expert.truncated", PI_REASSEMBLE, PI_WARN, "PDU not complete", EXPFILL}},
        {&ei_bad_header, {"usbipx.expert.bad_header", PI_MALFORMED, PI_WARN, "Header field out of range", EXPFILL}},
        {&ei_mid_stream, {"usbipx.expert.mid_stream", PI_UNDECODED, PI_NOTE, "Capture starts mid-stream", EXPFILL}},
        {&ei_data_missing, {"usbipx.expert.data_missing", PI_REASSEMBLE, PI_WARN, "Transfer data lost in a TCP gap", EXPFILL}},
    };

    proto_usbipx = proto_register_protocol("USB/IP (usbip-toolkit)", "USBIPX", USBIPX_FILTER);
    proto_register_field_array(proto_usbipx, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_module_t *em = expert_register_protocol(proto_usbipx);
    expert_register_field_array(em, ei, array_length(ei));
    usbipx_tcpgap_register(proto_usbipx, em);
    usbipx_connend_register(proto_usbipx, em);

    module_t *m = prefs_register_protocol(proto_usbipx, NULL);
    prefs_register_bool_preference(m, "desegment",
                                   "Reassemble USB/IP PDUs spanning TCP segments",
                                   "Needs TCP's \"Allow subdissector to reassemble TCP streams\".",
                                   &usbipx_desegment);
    usbipx_usb_register_prefs(m);
    usbipx_expert_register(m, em);
    usbipx_handle = register_dissector("usbipx", usbipx_dissect_stream, proto_usbipx);
    register_init_routine(usbipx_track_init);
    register_cleanup_routine(usbipx_track_cleanup);
    usbipx_srt_register();
}

void proto_reg_handoff_usbipx(void)
{
    dissector_add_uint_with_preference("tcp.port", UIP_TCP_PORT, usbipx_handle);
    heur_dissector_add("tcp", usbipx_heur, "USB/IP over TCP on any port (usbip-toolkit)",
                       "usbipx_tcp", proto_usbipx, HEURISTIC_ENABLE);
    usbipx_usb_register();
    usbipx_connend_handoff();
}
