/* SPDX-License-Identifier: GPL-2.0-or-later */
/* usbipx-tcpgap.c -- bytes of a USB/IP stream that TCP never handed to the plugin: each direction's
 * sequence numbers are followed, and a jump past everything seen so far is shown on the segment
 * after it, with the likely reason. With Wireshark's default preferences (4.0 to 4.6) TCP keeps
 * back segments that arrived out of order, as delayed or netem-held segments do, so whole PDUs
 * vanish from the dissection unless tcp.reassemble_out_of_order is on: the item says so. */
#include "usbipx.h"

#include <epan/expert.h>
#include <epan/prefs-int.h>
#include <epan/proto_data.h>
#include <epan/dissectors/packet-tcp.h>

/* Per-frame record key (file scope), apart from the PDU records' indexes 1, 2, ... */
#define USBIPX_TCPGAP_KEY 0x7ffffff0u

static int hf_tcp_gap = -1;
static expert_field ei_tcp_gap_held = EI_INIT, ei_tcp_gap_lost = EI_INIT;

void usbipx_tcpgap_register(int proto, expert_module_t *em)
{
    static hf_register_info hf[] = {
        {&hf_tcp_gap, {"Stream bytes not handed to USB/IP", "usbipx.tcp_gap", FT_UINT32, BASE_DEC, NULL, 0,
                       "bytes of this direction before this segment that TCP never passed on", HFILL}},
    };
    static ei_register_info ei[] = {
        {&ei_tcp_gap_held, {"usbipx.expert.tcp_gap", PI_SEQUENCE, PI_WARN,
                            "Stream bytes before this segment never reached USB/IP (usbipx.tcp_gap): not in "
                            "the capture, or segments that arrived out of order, which TCP passes on only "
                            "with tcp.reassemble_out_of_order on (Protocols > TCP > Reassemble out-of-order "
                            "segments)", EXPFILL}},
        {&ei_tcp_gap_lost, {"usbipx.expert.tcp_gap_lost", PI_SEQUENCE, PI_WARN,
                            "Stream bytes before this segment are not in the capture (usbipx.tcp_gap): "
                            "the PDUs in them are missing", EXPFILL}},
    };
    proto_register_field_array(proto, hf, array_length(hf));
    expert_register_field_array(em, ei, array_length(ei));
}

/* Whether TCP's "Reassemble out-of-order segments" preference is on now. */
static bool usbipx_tcp_reorders(void)
{
    module_t *tcp = prefs_find_module("tcp");
    pref_t *pref = tcp ? prefs_find_preference(tcp, "reassemble_out_of_order") : NULL;
    return pref && prefs_get_bool_value(pref, pref_current);
}

void usbipx_tcpgap_track(struct usbipx_tcpgap *g, packet_info *pinfo, const void *data)
{
    const struct tcpinfo *tcp = data;
    if (!tcp || PINFO_FD_VISITED(pinfo))
        return;
    if (g->known && (int32_t)(tcp->seq - g->next_seq) > 0 &&
        !p_get_proto_data(wmem_file_scope(), pinfo, proto_usbipx, USBIPX_TCPGAP_KEY)) {
        uint32_t *missing = wmem_new(wmem_file_scope(), uint32_t);
        *missing = tcp->seq - g->next_seq;
        p_add_proto_data(wmem_file_scope(), pinfo, proto_usbipx, USBIPX_TCPGAP_KEY, missing);
    }
    if (!g->known || (int32_t)(tcp->nxtseq - g->next_seq) > 0)
        g->next_seq = tcp->nxtseq;
    g->known = true;
}

void usbipx_tcpgap_show(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    const uint32_t *missing = p_get_proto_data(wmem_file_scope(), pinfo, proto_usbipx, USBIPX_TCPGAP_KEY);
    if (!missing || p_get_proto_data(pinfo->pool, pinfo, proto_usbipx, USBIPX_TCPGAP_KEY))
        return; /* none, or already shown in this frame's dissection */
    p_add_proto_data(pinfo->pool, pinfo, proto_usbipx, USBIPX_TCPGAP_KEY, (void *)missing);
    proto_item *it = proto_tree_add_uint(tree, hf_tcp_gap, tvb, 0, 0, *missing);
    proto_item_set_generated(it);
    expert_add_info(pinfo, it, usbipx_tcp_reorders() ? &ei_tcp_gap_lost : &ei_tcp_gap_held);
}
