/* SPDX-License-Identifier: GPL-2.0-or-later */
/* usbipx-expert.c -- the plugin's judgement of each URB as expert info: what went wrong, with a
 * severity that follows it. A control request answered after Linux's 5 s control timeout, or given
 * up by the host at that timeout, is what breaks enumeration over a slow link; slow control answers
 * show a slow round trip; a STALL on the control pipe is a device saying "request not supported"
 * (USB 2.0 9.2.7: normal for optional requests such as DEVICE_QUALIFIER), while a STALL on a bulk or
 * interrupt endpoint is a halted endpoint. */
#include "usbipx.h"

#include <epan/expert.h>
#include "uip/usb.h"

/* Linux's timeout for control requests during enumeration and from most drivers
 * (USB_CTRL_GET_TIMEOUT, USB_CTRL_SET_TIMEOUT in include/linux/usb.h): 5000 ms. */
#define USBIPX_CONTROL_TIMEOUT_NS 5000000000ull
/* The host's unlink counts as the timeout when it came this close to it (timer slack). Each item
 * has one fixed summary so that Expert Information groups them; the times and frames are in the
 * PDU's tree (usbipx.latency, usbipx.victim_in, usbipx.unlinked_in). */
#define USBIPX_TIMEOUT_SLACK_NS 100000000ull

static expert_field ei_status_error = EI_INIT, ei_stall = EI_INIT, ei_protocol_stall = EI_INIT;
static expert_field ei_unlinked = EI_INIT, ei_timeout_unlink = EI_INIT, ei_after_timeout = EI_INIT;
static expert_field ei_slow_control = EI_INIT, ei_no_answer = EI_INIT, ei_in_waiting = EI_INIT;
static expert_field ei_unlink_unanswered = EI_INIT, ei_closed_outstanding = EI_INIT;

/* Control answers slower than this show a slow round trip (preference usbipx.slow_control_ms). */
static unsigned usbipx_slow_control_ms = 100;

void usbipx_expert_register(module_t *prefs, expert_module_t *em)
{
    static ei_register_info ei[] = {
        {&ei_status_error, {"usbipx.expert.status_error", PI_RESPONSE_CODE, PI_WARN, "URB failed", EXPFILL}},
        {&ei_stall, {"usbipx.expert.stall", PI_RESPONSE_CODE, PI_WARN,
                     "Endpoint halted: a bulk or interrupt endpoint answered with a STALL (-EPIPE)", EXPFILL}},
        {&ei_protocol_stall, {"usbipx.expert.request_not_supported", PI_RESPONSE_CODE, PI_NOTE,
                              "Control request not supported by the device (STALL, -EPIPE): normal for an "
                              "optional request", EXPFILL}},
        {&ei_unlinked, {"usbipx.expert.unlinked", PI_SEQUENCE, PI_NOTE, "URB unlinked by the host", EXPFILL}},
        {&ei_timeout_unlink, {"usbipx.expert.control_timeout", PI_SEQUENCE, PI_WARN,
                              "Control request given up by the host after Linux's 5 s control timeout: "
                              "the answer did not come back in time (a slow USB/IP round trip breaks "
                              "enumeration this way)", EXPFILL}},
        {&ei_after_timeout, {"usbipx.expert.answer_after_timeout", PI_SEQUENCE, PI_WARN,
                             "Control answer came after Linux's 5 s control timeout: the host had "
                             "already given up and unlinked the request", EXPFILL}},
        {&ei_slow_control, {"usbipx.expert.slow_round_trip", PI_SEQUENCE, PI_WARN,
                            "Slow control answer: a device answers in a few ms, so the USB/IP round trip "
                            "is this slow (timing-sensitive programs such as avrdude fail)", EXPFILL}},
        {&ei_no_answer, {"usbipx.expert.no_answer", PI_SEQUENCE, PI_WARN,
                         "Request with no answer by the end of the capture", EXPFILL}},
        {&ei_in_waiting, {"usbipx.expert.in_waiting", PI_SEQUENCE, PI_NOTE,
                          "IN URB still waiting for data at the end of the capture", EXPFILL}},
        {&ei_closed_outstanding, {"usbipx.expert.closed_outstanding", PI_SEQUENCE, PI_NOTE,
                                  "URB outstanding when the connection ended (the segment that "
                                  "ended it says who ended it and why)", EXPFILL}},
        /* A Note: the capture ended before the answer; what made the host unlink is the item
         * to lead with (Wireshark's GUI lists same-severity groups in its own order). */
        {&ei_unlink_unanswered, {"usbipx.expert.unlink_unanswered", PI_SEQUENCE, PI_NOTE,
                                 "Unlinked URB whose unlink was never answered by the end of the capture",
                                 EXPFILL}},
    };
    expert_register_field_array(em, ei, array_length(ei));
    prefs_register_uint_preference(prefs, "slow_control_ms", "Slow control answer (ms)",
                                   "A control request answered after this many milliseconds is flagged "
                                   "as a slow USB/IP round trip", 10, &usbipx_slow_control_ms);
}

static bool usbipx_is_control(const struct usbipx_urb *u)
{
    return u->ep == 0 || u->xfer_type == UIP_XFER_CONTROL;
}

void usbipx_expert_cmd_submit(packet_info *pinfo, proto_item *pi, const struct usbipx_urb *u,
                              bool end_known)
{
    if (u->frame_unlink) {
        expert_add_info(pinfo, pi, &ei_unlinked);
        return;
    }
    if (u->finished && u->outcome == UIP_URB_CONNECTION_CLOSED) {
        expert_add_info(pinfo, pi, &ei_closed_outstanding);
        return;
    }
    if (!end_known || (u->finished && u->outcome != UIP_URB_PENDING_AT_END))
        return;
    /* An IN URB on a bulk, interrupt or isochronous endpoint waits for the device to have data
     * (a keyboard's next key press): normal. A control request or an OUT transfer is answered at
     * once by a working device. */
    if (u->direction == UIP_DIR_IN && !usbipx_is_control(u))
        expert_add_info(pinfo, pi, &ei_in_waiting);
    else
        expert_add_info(pinfo, pi, &ei_no_answer);
}

void usbipx_expert_ret_submit(packet_info *pinfo, proto_item *pi, proto_item *status_item,
                              int32_t status, const struct usbipx_urb *u)
{
    bool control = u ? usbipx_is_control(u) : false;
    if (status == -32)
        expert_add_info(pinfo, status_item, control ? &ei_protocol_stall : &ei_stall);
    else if (status != 0)
        expert_add_info_format(pinfo, status_item, &ei_status_error, "URB failed: -%s (%s)",
                               usbipx_status_text(status),
                               uip_status_meaning(status) ? uip_status_meaning(status) : "error");
    if (!u || !u->frame_submit || !control)
        return;
    uint64_t latency = u->t_complete_ns - u->t_submit_ns;
    if (u->frame_unlink && latency >= USBIPX_CONTROL_TIMEOUT_NS)
        expert_add_info(pinfo, pi, &ei_after_timeout);
    else if (latency >= (uint64_t)usbipx_slow_control_ms * 1000000u)
        expert_add_info(pinfo, pi, &ei_slow_control);
}

void usbipx_expert_cmd_unlink(packet_info *pinfo, proto_item *pi, const struct usbipx_urb *victim,
                              bool end_known)
{
    if (!victim || !victim->frame_submit)
        return;
    uint64_t waited = victim->t_unlink_ns - victim->t_submit_ns;
    if (usbipx_is_control(victim) && waited + USBIPX_TIMEOUT_SLACK_NS >= USBIPX_CONTROL_TIMEOUT_NS)
        expert_add_info(pinfo, pi, &ei_timeout_unlink);
    if (end_known && !victim->finished && !victim->frame_unlink_ret)
        expert_add_info(pinfo, pi, &ei_unlink_unanswered);
}
