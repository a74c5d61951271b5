#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_captures.py -- the plugin inside the real tshark on a real capture, against usbip-analyze.

usage: check_captures.py USBIP_ANALYZE PLUGIN CAPTURE [CLASS_FILTER...]

Checks: no malformed packet and no dissector bug; as many USB/IP PDUs as the analyzer framed
(with Wireshark's default preferences: as many, or an expert item naming the missing preference);
for every URB of the analyzer's --urbs table, the plugin's CMD_SUBMIT in the same frame links to
the same RET_SUBMIT frame with the same latency (to the nanosecond), queue depth at submit, transfer
type and outcome, and the RET_SUBMIT links back (in a capture with TCP gaps, where Wireshark's
reassembly loses PDUs after a hole, only the URBs the plugin decoded whole); for each CLASS_FILTER (e.g. scsi, usbhid), the USB class
dissectors decoded at least one payload. Exits 1 on any difference.
"""
import csv
import io
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tshark_plugin import BAD_SIGNS, Tshark, field, usbipx_expert, usbipx_pdus  # noqa: E402

CMD_SUBMIT, RET_SUBMIT = 1, 3


def nsec(text):
    sec, _, frac = text.partition(".")
    return int(sec) * 10**9 + int((frac + "000000000")[:9])


# The analyzer's anomaly kinds (JSON anomaly_kinds) and the plugin's expert summaries for them.
ANOMALY_ITEMS = {
    "answer without request": "Answer whose request is not in the capture",
    "duplicate seqnum": "Sequence number reused while its URB was outstanding",
    "unlink of an unknown URB": "CMD_UNLINK of a URB not outstanding in the capture",
    "isochronous lengths inconsistent": "Isochronous packet lengths inconsistent with the URB",
}


def submit_field_errors(frame, seq, pdu):
    """A CMD_SUBMIT's fields: a setup packet decoded only on the control pipe, a name for every
    transfer flag set."""
    errors = []
    if int(pdu["usbipx.ep"]) != 0 and field(pdu, "usbipx.setup.bRequest") is not None:
        errors.append(f"seqnum {seq} (frame {frame}): setup bytes of a non-control URB decoded as a request")
    flags = int(field(pdu, "usbipx.transfer_flags"), 16)
    flags_tree = field(pdu, "usbipx.transfer_flags_tree") or {}
    named = sum(1 for k, v in flags_tree.items() if k.startswith("usbipx.transfer_flags.") and v in ("1", "True"))
    if named != bin(flags).count("1"):
        errors.append(f"seqnum {seq} (frame {frame}): transfer_flags 0x{flags:x} has "
                      f"{bin(flags).count('1')} bits set, {named} named")
    return errors


def main():
    analyze, plugin, capture = sys.argv[1:4]
    class_filters = sys.argv[4:]
    errors = []
    ts = Tshark(plugin)
    try:
        if not ts.plugin_loaded():
            sys.exit("tshark did not load the plugin")
        cap = ts.stage(capture)
        # One pass for the expert summary (its Errors section holds any malformed packet) and the
        # latency statistic.
        stats = ts.run(["-r", cap, "-2", "-q", "-z", "expert,warn", "-z", "usbipx,srt"])
        text = stats.stdout + stats.stderr
        if stats.returncode != 0 or "Malformed" in text or any(b in text for b in BAD_SIGNS):
            errors.append(f"malformed packets or dissector bugs:\n{text.strip()[:2000]}")
        pdus = usbipx_pdus(ts, cap)
        default_pdus = len(usbipx_pdus(ts, cap, ooo=False))
        p = ts.run(["-r", cap, "-2", "-q", "-z", "expert,warn"], ooo=False)
        default_expert = p.stdout
        for class_filter in class_filters:
            p = ts.run(["-r", cap, "-2", "-Y", class_filter, "-T", "fields", "-e", "frame.number"])
            if not p.stdout.split():
                errors.append(f"no frame matches {class_filter!r}: the USB class dissector did not run")
    finally:
        ts.close()

    opts = []
    summary = json.loads(subprocess.run([analyze, "--json", capture], capture_output=True, text=True).stdout)
    if not summary["devices"]:  # USB/IP on another port (the lab's hostnet): found by content
        opts = ["--any-port"]
        summary = json.loads(subprocess.run([analyze, "--json"] + opts + [capture], capture_output=True,
                                            text=True).stdout)
    want = summary["accounting"]["pdus"]
    # With TCP gaps, Wireshark's reassembly drops the PDUs of a stretch after each hole that the
    # analyzer resynchronizes on: there, every PDU the plugin decodes must agree, none may be extra.
    gaps = summary["accounting"]["tcp_gaps"] > 0
    if len(pdus) != want and not (gaps and len(pdus) < want):
        errors.append(f"plugin decoded {len(pdus)} PDUs, the analyzer framed {want}")

    # With Wireshark's default preferences TCP passes on no segment that arrived out of order:
    # then every PDU all the same, or an expert item that says bytes never reached the plugin and
    # names the preference that brings them (and no such item when nothing is missing).
    says_gap = "tcp.reassemble_out_of_order" in default_expert
    if default_pdus < len(pdus) and not says_gap:
        errors.append(f"default preferences: {default_pdus} PDUs of {len(pdus)}, and no expert item names "
                      "tcp.reassemble_out_of_order")
    if default_pdus == len(pdus) and says_gap and not gaps:
        errors.append("default preferences: every PDU decoded, yet an expert item says bytes are missing")

    rows = subprocess.run([analyze, "--urbs", "-"] + opts + [capture], capture_output=True, text=True).stdout
    cmds, rets = {}, {}
    for frame, _, pdu in pdus:
        if "usbipx.command" not in pdu:
            continue  # an OP message
        cmd, seq = int(pdu["usbipx.command"]), int(pdu["usbipx.seqnum"])
        (cmds if cmd == CMD_SUBMIT else rets if cmd == RET_SUBMIT else {})[(frame, seq)] = pdu
        if cmd == CMD_SUBMIT:
            errors += submit_field_errors(frame, seq, pdu)
    checked = 0
    for r in csv.DictReader(io.StringIO(rows)):
        seq, sub, com = int(r["seqnum"]), int(r["submit_frame"]), int(r["complete_frame"])
        if sub:
            c = cmds.get((sub, seq))
            if c is None:
                if not gaps:
                    errors.append(f"seqnum {seq}: no CMD_SUBMIT in frame {sub}")
                continue
            if gaps and com and (com, seq) not in rets:
                continue  # the plugin lost the answer in a gap: nothing to compare the link with
            if field(c, "usbipx.latency") is not None:
                errors.append(f"seqnum {seq} (frame {sub}): latency on the CMD_SUBMIT (it belongs on the answer)")
            answer = rets.get((com, seq)) if com else None
            got = {
                "response_in": int(field(c, "usbipx.response_in") or 0),
                "latency": nsec(field(answer, "usbipx.latency")) if answer and field(answer, "usbipx.latency") else None,
                "depth_dev": int(field(c, "usbipx.depth.device_at_submit")),
                "depth_ep": int(field(c, "usbipx.depth.endpoint_at_submit")),
                "type": field(c, "usbipx.transfer_type"),
                "urb.ep": int(field(c, "usbipx.urb.ep")),
            }
            exp = {
                "response_in": com,
                "latency": nsec(r["latency"]) if r["latency"] else None,
                "depth_dev": int(r["queue_depth_device"]),
                "depth_ep": int(r["queue_depth_endpoint"]),
                "type": r["type"],
                "urb.ep": int(r["endpoint"]),
            }
            got["outcome"], exp["outcome"] = field(c, "usbipx.outcome"), r["outcome"]
            if got != exp:
                errors.append(f"seqnum {seq} (frame {sub}): plugin {got} analyzer {exp}")
            checked += 1
        if com:
            ret = rets.get((com, seq))
            if ret is None:
                if not gaps:
                    errors.append(f"seqnum {seq}: no RET_SUBMIT in frame {com}")
            elif int(field(ret, "usbipx.request_in") or 0) != sub:
                errors.append(f"seqnum {seq}: RET_SUBMIT in {com} links to {field(ret, 'usbipx.request_in')}, not {sub}")
            elif sub and int(field(ret, "usbipx.urb.ep")) != int(r["endpoint"]):
                errors.append(f"seqnum {seq}: RET_SUBMIT in {com} says usbipx.urb.ep {field(ret, 'usbipx.urb.ep')}")
            elif sub and int(field(ret, "usbipx.depth.device_at_submit") or -1) != int(r["queue_depth_device"]):
                errors.append(f"seqnum {seq}: RET_SUBMIT in {com} says it queued behind "
                              f"{field(ret, 'usbipx.depth.device_at_submit')}, the analyzer {r['queue_depth_device']}")
    if checked == 0:
        errors.append("no URB compared: the analyzer found none")
    # The tracker's anomalies: the plugin warns of each as often as the analyzer counts it.
    if not gaps:
        counts = {summary: n for _, n, summary in usbipx_expert(stats.stdout)}
        for kind, item in ANOMALY_ITEMS.items():
            want_n, got_n = summary["accounting"]["anomaly_kinds"][kind], counts.get(item, 0)
            if want_n != got_n:
                errors.append(f"{kind}: the analyzer counts {want_n}, the plugin warns {got_n} times")
    # The latency statistic: one call per answered URB, rows named by device id and endpoint.
    srt_text = stats.stdout.split("USBIPX SRT Statistics", 1)[-1]
    srt_rows = [line.split() for line in srt_text.splitlines() if " ep " in line and line.split()[0] != "Index"]
    calls = sum(int(r[r.index("ep") + 3]) for r in srt_rows)
    answered = sum(1 for r in csv.DictReader(io.StringIO(rows)) if r["latency"] and int(r["submit_frame"]))
    if not gaps and calls != answered:
        errors.append(f"-z usbipx,srt counts {calls} URBs, the analyzer {answered} answered")
    if any(r[1] != "devid" for r in srt_rows):
        errors.append("-z usbipx,srt rows not named by device id")
    for e in errors[:30]:
        print("FAIL:", e)
    print(f"{os.path.basename(capture)}: {len(pdus)} PDUs, {checked} URBs compared, {len(errors)} differences")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
