#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_classview.py -- usbip-analyze's class-level view on the real captures, against what
tshark's own dissectors (usbms and scsi, ftdi-ft, usbip) decode from the same packets:

  storage  storage.pcap: one READ(10) row per READ(10) CBW tshark finds, with its tag, LBA and
           blocks, the bytes of tshark's data-in answers, the CBW-to-CSW latency from the frames'
           times, the serial round trips the frames' order gives, the CSW status; the JSON
           per-opcode summary adds up to the rows
  arduino  arduino-0ms.pcap and arduino-300ms.pcap: avrdude's get-syncs (0x30 0x20) and their
           answers as tshark's FTDI dissector sees them (write submitted to the first answer data
           after the write completed, before the next write completed): at 0 ms every get-sync
           answered 0x14 0x10 within avrdude's 250 ms drain and before the next write; at 300 ms
           the failure: answers later than the drain, and after the next write went out; the DTR
           reset pulse from tshark's SET_MODEM_CTRL requests
  serial   serial.pcap: payload bytes each way as tshark's FTDI dissector counts them, which is
           the 16 KiB the lab echoed
  hid      hid.pcap: the keyboard's interrupt IN endpoint: one URB, never answered, interval 64
           microframes (bInterval 7 at high speed: 8 ms)
  mtp      android.pcap: per MTP/PTP operation code, the commands and their OK responses as the
           PTP containers in tshark's usb.capdata of the first connection say (decoded here),
           and the two sessions the lab's two libmtp programs opened and closed;
           android-mtp-100ms.pcap: the GetObject's transaction id and bytes as tshark's data
           container says, as the one object moved
  cli      --scsi FILE and --scsi - (no text report then), --urbs - with --scsi - refused, an
           unwritable --scsi file refused (exit 2, one line)

usage: check_classview.py USBIP_ANALYZE CAPTURES_DIR storage|arduino|serial|hid|mtp|cli
"""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile

DRAIN_S = 0.25  # avrdude 7.1 src/ser_posix.c serial_drain_timeout (ms)


def run(analyze, *args):
    return subprocess.run([analyze, *args], capture_output=True, text=True)


def analyze_json(analyze, capture, device=None):
    """The capture's only device's JSON, or the device-th of several."""
    p = run(analyze, "--json", capture)
    if p.returncode not in (0, 1):
        sys.exit(f"usbip-analyze --json {capture} exited {p.returncode}: {p.stderr.strip()}")
    devices = json.loads(p.stdout)["devices"]
    if device is None and len(devices) != 1:
        sys.exit(f"{capture}: {len(devices)} devices, expected one")
    return devices[device or 0]


def tshark(capture, display_filter, fields):
    """One dict per frame that matches, from tshark's two passes (so that a request knows its
    answer's frame); a frame with several USB/IP PDUs is refused (their fields would mix)."""
    cmd = ["tshark", "-r", capture, "-2", "-d", "tcp.port==3240,usbip", "-Y", display_filter,
           "-T", "fields", "-E", "separator=|"]
    for f in fields:
        cmd += ["-e", f]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        sys.exit(f"tshark failed on {capture}: {p.stderr.strip()}")
    rows = []
    for line in p.stdout.splitlines():
        row = dict(zip(fields, line.split("|")))
        if "," in row.get("usbip.urb", ""):
            sys.exit(f"{capture} frame {row['frame.number']}: several USB/IP PDUs in one frame")
        rows.append(row)
    return rows


def ns(epoch):
    """frame.time_epoch as integer nanoseconds."""
    sec, _, frac = epoch.partition(".")
    return int(sec) * 1000000000 + int(frac.ljust(9, "0")[:9])


def frame_times(capture):
    return {int(r["frame.number"]): ns(r["frame.time_epoch"])
            for r in tshark(capture, "frame", ["frame.number", "frame.time_epoch"])}


def check_storage(analyze, captures, errors):
    cap = os.path.join(captures, "storage.pcap")
    times = frame_times(cap)
    cbws = tshark(cap, "usbms.dCBWSignature && scsi_sbc.opcode == 0x28",
                  ["frame.number", "usbms.dCBWTag", "scsi_sbc.rdwr10.lba", "scsi_sbc.rdwr10.xferlen",
                   "usbip.ret_frame"])
    data = tshark(cap, "scsi_sbc.opcode == 0x28 && usbip.actual_length && !usbms.dCSWSignature",
                  ["frame.number", "usbip.actual_length", "scsi.request_frame", "usbip.cmd_frame"])
    csws = tshark(cap, "usbms.dCSWSignature && scsi_sbc.opcode == 0x28",
                  ["frame.number", "scsi.request_frame", "usbms.dCSWStatus", "usbip.cmd_frame"])
    want = {}
    for c in cbws:
        want[int(c["frame.number"])] = {
            "tag": int(c["usbms.dCBWTag"], 16), "lba": int(c["scsi_sbc.rdwr10.lba"]),
            "blocks": int(c["scsi_sbc.rdwr10.xferlen"]), "bytes": 0,
            "spans": [(int(c["frame.number"]), int(c["usbip.ret_frame"]))]}
    for d in data:
        w = want[int(d["scsi.request_frame"])]
        w["bytes"] += int(d["usbip.actual_length"])
        w["spans"].append((int(d["usbip.cmd_frame"]), int(d["frame.number"])))
    for s in csws:
        w = want[int(s["scsi.request_frame"])]
        w["status"] = int(s["usbms.dCSWStatus"], 16)
        w["latency_ns"] = times[int(s["frame.number"])] - times[int(s["scsi.request_frame"])]
        w["spans"].append((int(s["usbip.cmd_frame"]), int(s["frame.number"])))
    for w in want.values():  # a URB submitted after all the earlier ones completed: a round trip
        trips, busy = 0, 0
        for i, (cmd, ret) in enumerate(sorted(w["spans"])):
            trips += i == 0 or times[cmd] >= busy
            busy = max(busy, times[ret])
        w["round_trips"], w["urbs"] = trips, len(w["spans"])
    if not want:
        errors.append("tshark finds no READ(10) in storage.pcap: nothing to compare")

    p = run(analyze, "--scsi", "-", cap)
    rows = [r for r in csv.DictReader(io.StringIO(p.stdout)) if r["command"] == "READ(10)"]
    if len(rows) != len(want):
        errors.append(f"storage: {len(rows)} READ(10) rows, tshark finds {len(want)} READ(10) CBWs")
    for r, (frame, w) in zip(rows, sorted(want.items())):
        got = {"tag": int(r["tag"]), "lba": int(r["lba"]), "blocks": int(r["blocks"]),
               "bytes": int(r["bytes"]), "status": int(r["status"]), "urbs": int(r["urbs"]),
               "round_trips": int(r["round_trips"]),
               "latency_ns": round(float(r["latency"]) * 1e9), "cbw_frame": int(r["cbw_frame"])}
        exp = {k: w[k] for k in got if k != "cbw_frame"}
        exp["cbw_frame"] = frame
        if got != exp:
            errors.append(f"storage READ(10) CBW frame {frame}: analyzer {got}, tshark {exp}")
    summary = analyze_json(analyze, cap)["class"]["mass_storage"]
    read10 = [o for o in summary["opcodes"] if o["command"] == "READ(10)"]
    total = sum(w["bytes"] for w in want.values())
    if not read10 or read10[0]["count"] != len(want) or read10[0]["bytes"] != total:
        errors.append(f"storage JSON READ(10) {read10}: tshark {len(want)} commands, {total} bytes")
    print(f"storage: {len(want)} READ(10) commands, {total} bytes, as tshark decodes them")


def check_arduino(analyze, captures, errors):
    for name, failing in (("arduino-0ms.pcap", False), ("arduino-300ms.pcap", True)):
        cap = os.path.join(captures, name)
        frames = tshark(cap, "usbip.urb == 1 || usbip.urb == 3",
                        ["frame.number", "frame.time_epoch", "usbip.urb", "usbip.cmd_frame",
                         "ftdi-ft.if_a_tx_payload", "ftdi-ft.if_a_rx_payload"])
        by_frame = {int(f["frame.number"]): f for f in frames}
        # writes in the order they completed: (submit, completion frame, payload)
        writes = []
        for f in frames:
            if f["usbip.urb"] == "0x00000003" and f["usbip.cmd_frame"]:
                cmd = by_frame.get(int(f["usbip.cmd_frame"]))
                if cmd and cmd["ftdi-ft.if_a_tx_payload"]:
                    writes.append((ns(cmd["frame.time_epoch"]), int(f["frame.number"]),
                                   cmd["ftdi-ft.if_a_tx_payload"]))
        answers = [(int(f["frame.number"]), ns(f["frame.time_epoch"]),
                    f["ftdi-ft.if_a_rx_payload"].replace(",", ""))
                   for f in frames if f["usbip.urb"] == "0x00000003" and f["ftdi-ft.if_a_rx_payload"]]
        sent = answered = in_sync = out_of_step = 0
        turnarounds = []
        for i, (submit, done, payload) in enumerate(writes):
            if payload != "3020":
                continue
            sent += 1
            until = writes[i + 1][1] if i + 1 < len(writes) else float("inf")
            answer = next((a for a in answers if done < a[0] < until), None)
            if not answer:
                continue
            answered += 1
            in_sync += answer[2].startswith("1410")
            turnarounds.append((answer[1] - submit) / 1e9)
            out_of_step += i + 1 < len(writes) and writes[i + 1][0] < answer[1]
        dev = analyze_json(analyze, cap)
        stk = dev.get("class", {}).get("serial", {}).get("stk500")
        if not stk:
            errors.append(f"{name}: no STK500v1 exchange recognised")
            continue
        gs = next(c for c in stk["commands"] if c["command"] == "GET_SYNC")
        got = (gs["sent"], gs["answered"], gs["in_sync"], gs["out_of_step"],
               round(gs["turnaround"]["max"], 6))
        exp = (sent, answered, in_sync, out_of_step, round(max(turnarounds), 6) if turnarounds else 0)
        if got != exp:
            errors.append(f"{name}: get-sync sent/answered/in sync/out of step/max turnaround {got}, "
                          f"tshark {exp}")
        if stk["drain_window"] != DRAIN_S:
            errors.append(f"{name}: drain window {stk['drain_window']}, avrdude's is {DRAIN_S}")
        if not sent or in_sync != sent:
            errors.append(f"{name}: {sent} get-syncs, {in_sync} answered 0x14 0x10: not the recorded session")
        elif failing and not (min(turnarounds) > DRAIN_S and out_of_step >= 1
                              and "longer than the 250 ms" in stk["verdict"]):
            errors.append(f"{name}: the failure is not visible: turnarounds {turnarounds}, "
                          f"{out_of_step} out of step, verdict {stk['verdict']!r}")
        elif not failing and not (max(turnarounds) < DRAIN_S and out_of_step == 0
                                  and stk["verdict"].startswith("get-sync answers took at most")):
            errors.append(f"{name}: turnarounds {turnarounds}, {out_of_step} out of step at 0 ms")
        # the reset pulse: DTR cleared, then set again (SET_MODEM_CTRL with the DTR mask)
        lines = tshark(cap, "ftdi-ft.bRequest == 1 && usbip.urb == 1 && ftdi-ft.hValue.b0 == 1",
                       ["frame.time_epoch", "ftdi-ft.lValue.b0"])
        pulses, low_since = [], None
        for ln in lines:
            dtr = ln["ftdi-ft.lValue.b0"] in ("1", "True")
            if not dtr and low_since is None:
                low_since = ns(ln["frame.time_epoch"])
            elif dtr and low_since is not None:
                pulses.append((ns(ln["frame.time_epoch"]) - low_since) / 1e9)
                low_since = None
        serial = dev["class"]["serial"]
        rising = [e["dtr_low_for"] for e in serial["conversation"] if "dtr_low_for" in e]
        if (serial["reset_pulses"] != len(pulses)
                or [round(x, 6) for x in rising] != [round(x, 6) for x in pulses]):
            errors.append(f"{name}: DTR pulses {serial['reset_pulses']} {rising}, tshark {pulses}")
        print(f"{name}: {sent} get-syncs, {answered} answered, {out_of_step} out of step, "
              f"turnarounds {[round(t * 1e3, 3) for t in turnarounds]} ms, DTR pulses {pulses}")


def check_serial(analyze, captures, errors):
    cap = os.path.join(captures, "serial.pcap")
    frames = tshark(cap, "ftdi-ft.if_a_tx_payload || ftdi-ft.if_a_rx_payload",
                    ["frame.number", "usbip.urb", "ftdi-ft.if_a_tx_payload", "ftdi-ft.if_a_rx_payload"])
    def payload(field, urb):  # hex, one comma-separated chunk per packet
        return sum(len(f[field].replace(",", "")) // 2 for f in frames if f["usbip.urb"] == urb)
    tx = payload("ftdi-ft.if_a_tx_payload", "0x00000001")
    rx = payload("ftdi-ft.if_a_rx_payload", "0x00000003")
    serial = analyze_json(analyze, cap)["class"]["serial"]
    got = (serial["kind"], serial["bytes_out"], serial["bytes_in"])
    if got != ("ftdi", tx, rx) or tx != 16384 or rx != 16384:
        errors.append(f"serial: kind/bytes out/bytes in {got}, tshark payload {tx} out, {rx} in, "
                      f"the lab echoed 16384")
    print(f"serial: {tx} bytes written, {rx} read back, as tshark's FTDI dissector counts them")


def check_hid(analyze, captures, errors):
    cap = os.path.join(captures, "hid.pcap")
    b_interval = {int(r["usb.bInterval"]) for r in tshark(cap, "usb.bInterval", ["usb.bInterval"])}
    urbs = tshark(cap, "usbip.urb == 1 && usbip.endpoint_number == 1", ["usbip.interval"])
    eps = analyze_json(analyze, cap).get("class", {}).get("hid", {}).get("endpoints", [])
    want = {"ep": 1, "urbs": len(urbs), "reports": 0, "unanswered": len(urbs),
            "interval": int(urbs[0]["usbip.interval"]) if urbs else None,
            "interval_s": 2 ** (min(b_interval) - 1) * 125e-6 if len(b_interval) == 1 else None}
    got = {k: eps[0][k] for k in want} if len(eps) == 1 else eps
    if got != want or want["interval"] != 64:
        errors.append(f"hid: {got}, tshark {want}")
    print(f"hid: {want}")


def ptp_containers(cap, display_filter):
    """(length, type, code, transaction id, bytes) of each PTP container header in tshark's
    usb.capdata of the frames display_filter picks."""
    for r in tshark(cap, display_filter, ["usb.capdata"]):
        b = bytes.fromhex(r["usb.capdata"].split(",")[0].replace(":", ""))
        if len(b) >= 12:
            yield (int.from_bytes(b[0:4], "little"), int.from_bytes(b[4:6], "little"),
                   int.from_bytes(b[6:8], "little"), int.from_bytes(b[8:12], "little"), b)


def check_mtp(analyze, captures, errors):
    cap = os.path.join(captures, "android.pcap")
    want, cmd_of = {}, {}
    for length, ctype, code, tid, b in ptp_containers(cap, "usb.capdata && tcp.stream == 0"):
        if ctype == 1 and length == len(b):  # a command container, whole in its URB
            want.setdefault(code, [0, 0])[0] += 1
            cmd_of[tid] = code
        elif ctype == 3 and code == 0x2001 and tid in cmd_of:  # its OK response
            want[cmd_of[tid]][1] += 1
    mtp = analyze_json(analyze, cap, device=0).get("class", {}).get("mtp", {})
    got = {int(o["code"], 16): [o["count"], o["ok"]] for o in mtp.get("by_operation", [])}
    if not want or got != want:
        errors.append(f"mtp: {got}, tshark's containers {want}")
    if mtp.get("sessions_opened") != 2 or got.get(0x1003, [0])[0] != 2:
        errors.append(f"mtp: {mtp.get('sessions_opened')} sessions opened, {got.get(0x1003)} CloseSession "
                      "(mtp-detect and mtp-files each open and close one)")
    print(f"mtp: {sum(c for c, _ in want.values())} operations in {len(want)} kinds, as tshark's containers say")
    check_mtp_object(analyze, os.path.join(captures, "android-mtp-100ms.pcap"), errors)


def check_mtp_object(analyze, cap, errors):
    """The GetObject of android-mtp-100ms.pcap: its transaction id and its data container's
    length (less the header) as tshark decodes them, against the view's object moved."""
    want = None
    getobject_tids = set()
    for length, ctype, code, tid, _ in ptp_containers(cap, "usb.capdata"):
        if ctype == 1 and code == 0x1009:
            getobject_tids.add(tid)
        elif ctype == 2 and code == 0x1009 and tid in getobject_tids:
            want = {"transaction": tid, "bytes": length - 12}
    mtp = analyze_json(analyze, cap, device=0).get("class", {}).get("mtp", {})
    objects = mtp.get("objects", [])
    got = {k: objects[0][k] for k in ("transaction", "bytes")} if len(objects) == 1 else objects
    if not want or got != want or mtp.get("objects_moved") != 1 or objects[0]["response"] != "0x2001":
        errors.append(f"mtp object: {got}, tshark's GetObject data container {want}")
    else:
        print(f"mtp object: GetObject transaction {want['transaction']}, {want['bytes']} bytes, "
              f"{objects[0]['throughput_Bps'] / 1e3:.1f} kB/s, as tshark's containers say")


def check_cli(analyze, captures, errors):
    cap = os.path.join(captures, "storage.pcap")
    cbws = len(tshark(cap, "usbms.dCBWSignature", ["frame.number"]))
    p = run(analyze, "--scsi", "-", cap)
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    if p.returncode != 0 or len(rows) != cbws or p.stdout.startswith("usbip-analyze:"):
        errors.append(f"--scsi -: exit {p.returncode}, {len(rows)} rows (tshark: {cbws} CBWs)")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "scsi.csv")
        p = run(analyze, "--scsi", path, cap)
        with open(path) as f:
            file_rows = list(csv.DictReader(f))
        if p.returncode != 0 or file_rows != rows or "mass storage (bulk-only transport)" not in p.stdout:
            errors.append(f"--scsi FILE: exit {p.returncode}, {len(file_rows)} rows, "
                          f"text report without the class view")
        unwritable = os.path.join(tmp, "missing", "scsi.csv")
        for args, what in ((["--urbs", "-", "--scsi", "-"], "both CSVs to stdout"),
                           (["--scsi", unwritable], "an unwritable --scsi file")):
            p = run(analyze, *args, cap)
            lines = p.stderr.strip().splitlines()
            if p.returncode != 2 or len(lines) != 1 or not lines[0].startswith("usbip-analyze: "):
                errors.append(f"{what}: exit {p.returncode}, stderr {p.stderr.strip()!r}")
    print(f"cli: --scsi wrote {len(rows)} rows")


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in ("storage", "arduino", "serial", "hid", "mtp", "cli"):
        sys.exit(__doc__.strip().splitlines()[-1])
    analyze, captures, what = sys.argv[1:]
    errors = []
    globals()["check_" + what](analyze, captures, errors)
    for e in errors:
        print("FAIL", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
