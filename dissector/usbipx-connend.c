/* SPDX-License-Identifier: GPL-2.0-or-later */
/* usbipx-connend.c -- how a USB/IP connection ended, shown on the TCP segment that ended it.
 * TCP hands a protocol only the segments that carry payload, so a postdissector watches for
 * TCP's own FIN and RST items (tcp.connection.fin, tcp.connection.rst) in USB/IP conversations.
 * On the first pass it closes the connection in the core's tracker once both FINs or a RST came
 * (as usbip-analyze does: the URBs still outstanding end connection-closed) and keeps, for the
 * segment that began the end, who ended it and how many URBs were left; every pass shows that,
 * with what it means, as expert info. Linux's usbip-host shuts its socket down when its device
 * disconnects (stub_dev.c: stub_disconnect -> usbip_event_add(&sdev->ud, SDEV_EVENT_REMOVED)). */
#include "usbipx.h"

#include <epan/conversation.h>
#include <epan/expert.h>
#include <epan/proto_data.h>

enum usbipx_end_kind {
    USBIPX_END_SERVER_CLOSED, /* the server's FIN first, after URB traffic */
    USBIPX_END_CLIENT_CLOSED, /* the client's FIN first, after URB traffic */
    USBIPX_END_SETUP_CLOSED,  /* a FIN before any URB: a device list or a refused import */
    USBIPX_END_RESET,         /* RST */
};

/* Kept per frame; the key sits beside the PDU indices of packet-usbipx.c (1, 2, ...). */
#define USBIPX_END_KEY 0x7fffffffu
struct usbipx_end {
    uint8_t kind;        /* enum usbipx_end_kind */
    uint8_t by;          /* enum uip_side */
    uint32_t outstanding;
};

static int hf_tcp_fin = -1, hf_tcp_rst = -1;
static int hf_end_by = -1, hf_end_outstanding = -1, ett_end = -1;
static expert_field ei_server_closed = EI_INIT, ei_client_closed = EI_INIT;
static expert_field ei_setup_closed = EI_INIT, ei_reset = EI_INIT;
static dissector_handle_t connend_handle;

static bool usbipx_has_field(proto_tree *tree, int hf)
{
    GPtrArray *items = hf >= 0 ? proto_get_finfo_ptr_array(tree, hf) : NULL;
    return items && items->len > 0;
}

/* First pass: who ended the connection on this segment, and the tracker's close. */
static struct usbipx_end *usbipx_connend_track(packet_info *pinfo, conversation_t *conv,
                                               struct usbipx_conv *c, bool fin, bool rst)
{
    if (c->closed)
        return NULL; /* a retransmitted FIN, or segments after a RST */
    int side = usbipx_conv_from_server(c, pinfo) ? UIP_SIDE_SERVER : UIP_SIDE_CLIENT;
    struct usbipx_end *rec = NULL;
    if (rst || (!c->fin[UIP_SIDE_CLIENT] && !c->fin[UIP_SIDE_SERVER])) {
        rec = wmem_new0(wmem_file_scope(), struct usbipx_end);
        rec->by = (uint8_t)side;
        rec->outstanding = usbipx_track_outstanding(conv->conv_index);
        rec->kind = rst ? USBIPX_END_RESET
                  : !c->urbs_seen ? USBIPX_END_SETUP_CLOSED
                  : side == UIP_SIDE_SERVER ? USBIPX_END_SERVER_CLOSED : USBIPX_END_CLIENT_CLOSED;
        p_add_proto_data(wmem_file_scope(), pinfo, proto_usbipx, USBIPX_END_KEY, rec);
    }
    if (fin)
        c->fin[side] = true;
    if (rst || (c->fin[UIP_SIDE_CLIENT] && c->fin[UIP_SIDE_SERVER])) {
        c->closed = true;
        usbipx_track_conn_closed(conv->conv_index,
                                 (uint64_t)pinfo->abs_ts.secs * 1000000000u + (uint64_t)pinfo->abs_ts.nsecs);
    }
    return rec;
}

static int usbipx_connend_dissect(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    (void)data;
    /* Later passes find the first pass's record: Wireshark primes the fields a postdissector
     * wants on the first pass only. */
    struct usbipx_end *rec = p_get_proto_data(wmem_file_scope(), pinfo, proto_usbipx, USBIPX_END_KEY);
    if (!rec) {
        if (PINFO_FD_VISITED(pinfo) || pinfo->ptype != PT_TCP || usbipx_is_usbipd_win_unlink(pinfo))
            return 0;
        bool fin = usbipx_has_field(tree, hf_tcp_fin), rst = usbipx_has_field(tree, hf_tcp_rst);
        if (!fin && !rst)
            return 0;
        conversation_t *conv = find_conversation_pinfo(pinfo, 0);
        struct usbipx_conv *c = conv ? conversation_get_proto_data(conv, proto_usbipx) : NULL;
        if (!c || !c->server_known)
            return 0;
        rec = usbipx_connend_track(pinfo, conv, c, fin, rst);
        if (!rec)
            return 0;
    }
    proto_item *ti = proto_tree_add_item(tree, proto_usbipx, tvb, 0, 0, ENC_NA);
    proto_item_append_text(ti, ", connection end");
    proto_tree *t = proto_item_add_subtree(ti, ett_end);
    proto_item_set_generated(proto_tree_add_string(t, hf_end_by, tvb, 0, 0,
                                                   rec->by == UIP_SIDE_SERVER ? "server" : "client"));
    proto_item_set_generated(proto_tree_add_uint(t, hf_end_outstanding, tvb, 0, 0, rec->outstanding));
    static expert_field *const items[] = {&ei_server_closed, &ei_client_closed, &ei_setup_closed,
                                          &ei_reset};
    expert_add_info(pinfo, ti, items[rec->kind]);
    col_append_sep_fstr(pinfo->cinfo, COL_INFO, " | ", "USB/IP: %s %s the connection (%u URB%s outstanding)",
                        rec->by == UIP_SIDE_SERVER ? "server" : "client",
                        rec->kind == USBIPX_END_RESET ? "reset" : "closed", rec->outstanding,
                        rec->outstanding == 1 ? "" : "s");
    return 0;
}

void usbipx_connend_register(int proto, expert_module_t *em)
{
    static hf_register_info hf[] = {
        {&hf_end_by, {"Connection ended by", "usbipx.end.by", FT_STRING, BASE_NONE, NULL, 0,
                      "the side whose FIN came first, or that sent the RST", HFILL}},
        {&hf_end_outstanding, {"URBs outstanding", "usbipx.end.outstanding", FT_UINT32, BASE_DEC, NULL, 0,
                               "URBs submitted and not yet answered when the connection ended", HFILL}},
    };
    static int *ett[] = {&ett_end};
    static ei_register_info ei[] = {
        {&ei_server_closed, {"usbipx.expert.server_closed", PI_SEQUENCE, PI_WARN,
                             "Server closed the connection: usbip-host does this when its device "
                             "disconnects (unplugged, unbound, or re-enumerating as a phone does on a "
                             "USB mode switch); the client must import the device again", EXPFILL}},
        {&ei_client_closed, {"usbipx.expert.client_closed", PI_SEQUENCE, PI_NOTE,
                             "Client closed the connection: the device was detached (usbip detach, or "
                             "its vhci port released)", EXPFILL}},
        {&ei_setup_closed, {"usbipx.expert.setup_closed", PI_SEQUENCE, PI_CHAT,
                            "Connection closed after the set-up exchange (a device list or a refused "
                            "import): normal", EXPFILL}},
        {&ei_reset, {"usbipx.expert.reset", PI_SEQUENCE, PI_WARN,
                     "Connection reset: a USB/IP peer tore its socket down (the program or the host "
                     "went away); the device is lost to the client", EXPFILL}},
    };
    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(em, ei, array_length(ei));
    connend_handle = create_dissector_handle(usbipx_connend_dissect, proto);
    register_postdissector(connend_handle);
}

/* TCP's fields exist once every protocol has registered. */
void usbipx_connend_handoff(void)
{
    hf_tcp_fin = proto_registrar_get_id_byname("tcp.connection.fin");
    hf_tcp_rst = proto_registrar_get_id_byname("tcp.connection.rst");
    GArray *wanted = g_array_new(FALSE, FALSE, (unsigned)sizeof(int));
    if (hf_tcp_fin >= 0)
        g_array_append_val(wanted, hf_tcp_fin);
    if (hf_tcp_rst >= 0)
        g_array_append_val(wanted, hf_tcp_rst);
    set_postdissector_wanted_hfids(connend_handle, wanted);
}
