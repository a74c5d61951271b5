#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_analyze.py -- usbip-analyze on a synthetic usbip-win2 session (win2_rewrite.py of a real
capture) must report the session it came from: no skipped byte, gap or anomaly; every URB of the
generator's manifest (worked out from the source session's bytes) with its seqnum, endpoint,
direction, lengths, status, frames, latency and unlink; the same JSON report as on the source
capture but for the HID interval, which must be usbip-win2's bInterval and give the period that
the endpoint descriptor asks. Cut to start at its first CMD_UNLINK, the capture must be framed
from that unlink on, every byte.

usage: check_analyze.py USBIP_ANALYZE SOURCE.pcap
"""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import win2_rewrite  # noqa: E402


def analyze(tool, args):
    p = subprocess.run([tool] + args, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"usbip-analyze {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def differences(want, got, path="$"):
    """Paths where two JSON values differ."""
    if type(want) is not type(got):
        return [f"{path}: {want!r} != {got!r}"]
    if isinstance(want, dict):
        return [d for k in sorted(set(want) | set(got))
                for d in (differences(want[k], got[k], f"{path}.{k}") if k in want and k in got
                          else [f"{path}.{k}: only in one report"])]
    if isinstance(want, list):
        if len(want) != len(got):
            return [f"{path}: {len(want)} items != {len(got)}"]
        return [d for i, (a, b) in enumerate(zip(want, got)) for d in differences(a, b, f"{path}[{i}]")]
    return [] if want == got else [f"{path}: {want!r} != {got!r}"]


def check_hid(src, syn, manifest, errors):
    """Take the HID endpoints' interval fields out of both reports, after checking the synthetic
    one's against the manifest (usbip-win2's bInterval, the descriptor's period)."""
    periods = {e["ep"]: e for e in manifest["interrupt_in"]}
    for doc, is_syn in ((src, False), (syn, True)):
        for dev in doc["devices"]:
            for e in dev.get("class", {}).get("hid", {}).get("endpoints", []):
                want = periods.get(e["ep"])
                got = (e.pop("interval"), e.pop("interval_kind"), e.pop("interval_s", None))
                if is_syn and (want is None or got[0] != want["interval"] or got[1] != "bInterval" or
                               got[2] is None or abs(got[2] - want["win2_period_s"]) > 1e-9):
                    errors.append(f"HID ep {e['ep']}: interval {got}, manifest {want}")
                if is_syn and manifest["speed"] >= win2_rewrite.SPEED_HIGH and got[2] != want["period_s"]:
                    errors.append(f"HID ep {e['ep']}: period {got[2]} s, the descriptor asks {want['period_s']} s")


def check_reports(tool, source, synthetic, manifest, errors):
    src = json.loads(analyze(tool, ["--json", source]))
    syn = json.loads(analyze(tool, ["--json", synthetic]))
    acc = syn["accounting"]
    if any(acc["skipped_bytes"].values()) or acc["tcp_gaps"] or acc["anomalies"]:
        errors.append(f"synthetic: skipped {acc['skipped_bytes']}, gaps {acc['tcp_gaps']}, "
                      f"anomalies {acc['anomalies']}")
    if acc["pdus"] != manifest["pdus"]:
        errors.append(f"synthetic: {acc['pdus']} PDUs framed, the session has {manifest['pdus']}")
    check_hid(src, syn, manifest, errors)
    # The URBs a connection's end caught, under the source session's seqnums.
    source_seqnum = {u["seqnum"]: u["source_seqnum"] for u in manifest["urbs"]}
    for end in syn["connection_ends"]:
        for u in end["outstanding_urbs"]:
            u["seqnum"] = source_seqnum.get(u["seqnum"], -1)
    for doc in (src, syn):
        doc.pop("capture")
    errors += [f"report differs from the source's: {d}" for d in differences(src, syn)[:20]]


def outcome_ok(u, row, closed):
    """The CSV's outcome and unlink status agree with the manifest's answer and unlink."""
    unanswered = "connection-closed" if closed else "pending-at-end"
    if not u["unlink_seqnum"]:
        return row["outcome"] == ("completed" if u["complete_frame"] else unanswered)
    if "unlink_status" not in u:  # the capture ends before the RET_UNLINK
        return row["outcome"] == ("unlink-too-late" if u["complete_frame"] else unanswered)
    answered = "unlink-too-late" if u["complete_frame"] else "unlinked"
    return row["outcome"] == answered and int(row["unlink_status"]) == u["unlink_status"]


def check_urbs(tool, synthetic, manifest, errors):
    rows = {int(r["seqnum"]): r for r in csv.DictReader(io.StringIO(analyze(tool, ["--urbs", "-", synthetic])))}
    want = {u["seqnum"]: u for u in manifest["urbs"]}
    if set(rows) != set(want):
        errors.append(f"seqnums: analyzer {sorted(set(rows) - set(want))[:10]} extra, "
                      f"{sorted(set(want) - set(rows))[:10]} missing")
    for seq in sorted(set(rows) & set(want)):
        u, r = want[seq], rows[seq]
        got = (int(r["endpoint"]), r["direction"], int(r["transfer_buffer_length"]), int(r["submit_frame"]),
               int(r["complete_frame"]))
        exp = (u["ep"], u["direction"], u["transfer_buffer_length"], u["submit_frame"], u["complete_frame"])
        if u["complete_frame"]:
            got += (int(r["actual_length"]), int(r["status"]), round(float(r["latency"]) * 1e6))
            exp += (u["actual_length"], u["status"], u["complete_us"] - u["submit_us"])
        if got != exp or not outcome_ok(u, r, manifest["connection_closed"]):
            errors.append(f"seqnum {seq}: analyzer {got} {r['outcome']}, manifest {exp} {u}")


def check_mid_stream(tool, synthetic, manifest, errors):
    """The synthetic capture cut to start at its first CMD_UNLINK: the framers resynchronize on
    it (its padding not zero) and frame every byte from there."""
    cut = manifest["mid_stream"]
    if cut is None:
        return
    path = synthetic.replace(".pcap", "-from-unlink.pcap")
    win2_rewrite.write_from(synthetic, path, cut["record"])
    p = subprocess.run([tool, "--json", path], capture_output=True, text=True)
    acc = json.loads(p.stdout)["accounting"]
    if any(acc["skipped_bytes"].values()) or acc["pdus"] != cut["pdus"]:
        errors.append(f"from the first CMD_UNLINK: {acc['pdus']} PDUs (want {cut['pdus']}), "
                      f"skipped {acc['skipped_bytes']}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tool, source = sys.argv[1:]
    errors = []
    with tempfile.TemporaryDirectory(prefix="win2-synthetic-") as tmp:
        name, synthetic, manifest = win2_rewrite.synthesize(source, tmp)
        check_reports(tool, source, synthetic, manifest, errors)
        check_urbs(tool, synthetic, manifest, errors)
        check_mid_stream(tool, synthetic, manifest, errors)
    for e in errors[:30]:
        print("FAIL:", e)
    print(f"{name} as usbip-win2 sends it: {len(manifest['urbs'])} URBs, {manifest['pdus']} PDUs, "
          f"{len(errors)} differences")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
