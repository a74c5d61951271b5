#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_win2.py -- the plugin inside the real tshark on a synthetic usbip-win2 session (a real
capture rewritten by tests/synthetic/usbip_win2/win2_rewrite.py as usbip-win2 sends it).

usage: check_win2.py USBIP_ANALYZE PLUGIN SOURCE.pcap [CLASS_FILTER...]

Checks: the plugin decodes every PDU of the session, none skipped; each CMD_SUBMIT, RET_SUBMIT
and CMD_UNLINK of the generator's manifest (worked out from the source session's bytes) in its
frame with its seqnum, the CMD_SUBMIT linked to its answer and unlink, the CMD_UNLINK to its
victim and answer; the same expert information as on the source capture; and check_captures.py's
checks on the synthetic capture (no malformed packet, every URB as usbip-analyze has it, the USB
class dissectors reached). Exits 1 on any difference.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "synthetic", "usbip_win2"))
from tshark_plugin import Tshark, field, usbipx_pdus  # noqa: E402
import win2_rewrite  # noqa: E402

CMD_SUBMIT, CMD_UNLINK, RET_SUBMIT = 1, 2, 3


def num(pdu, name):
    v = field(pdu, name)
    return int(v) if v is not None else 0


def decoded(pdus):
    """{(command, frame, seqnum): the fields checked} of the plugin's URB PDUs."""
    out = {}
    for frame, _, p in pdus:
        if "usbipx.command" not in p:
            continue
        cmd = int(p["usbipx.command"])
        key = (cmd, frame, int(p["usbipx.seqnum"]))
        if cmd == CMD_SUBMIT:
            out[key] = (num(p, "usbipx.response_in"), num(p, "usbipx.unlinked_in"))
        elif cmd == CMD_UNLINK:
            out[key] = (num(p, "usbipx.unlink_seqnum"), num(p, "usbipx.victim_in"),
                        num(p, "usbipx.unlink_response_in"))
        elif cmd == RET_SUBMIT:
            out[key] = (num(p, "usbipx.request_in"),)
    return out


def expected(manifest):
    """The same, from the manifest."""
    out = {}
    for u in manifest["urbs"]:
        out[(CMD_SUBMIT, u["submit_frame"], u["seqnum"])] = (u["complete_frame"], u.get("unlink_frame", 0))
        if u["complete_frame"]:
            out[(RET_SUBMIT, u["complete_frame"], u["seqnum"])] = (u["submit_frame"],)
        if u["unlink_seqnum"]:
            out[(CMD_UNLINK, u["unlink_frame"], u["unlink_seqnum"])] = (
                u["seqnum"], u["submit_frame"], u.get("unlink_ret_frame", 0))
    return out


def expert_text(ts, cap):
    p = ts.run(["-r", cap, "-2", "-q", "-z", "expert,note"])
    return p.stdout


def check_plugin(plugin, source, synthetic, manifest, errors):
    ts = Tshark(plugin)
    try:
        if not ts.plugin_loaded():
            sys.exit("tshark did not load the plugin")
        src, syn = ts.stage(source), ts.stage(synthetic)
        pdus = usbipx_pdus(ts, syn)
        if len(pdus) != manifest["pdus"]:
            errors.append(f"plugin decoded {len(pdus)} PDUs, the session has {manifest['pdus']}")
        got, want = decoded(pdus), expected(manifest)
        for key in sorted(set(got) | set(want)):
            if got.get(key) != want.get(key):
                errors.append(f"(command, frame, seqnum) {key}: plugin {got.get(key)}, manifest {want.get(key)}")
        skipped = ts.run(["-r", syn, "-2", "-Y", "usbipx.skipped", "-T", "fields", "-e", "frame.number"])
        if skipped.stdout.split():
            errors.append(f"bytes skipped in frames {skipped.stdout.split()[:10]}")
        if expert_text(ts, src) != expert_text(ts, syn):
            errors.append(f"expert information differs from the source's:\n{expert_text(ts, syn)[:2000]}")
    finally:
        ts.close()


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    analyze, plugin, source = sys.argv[1:4]
    errors = []
    with tempfile.TemporaryDirectory(prefix="win2-synthetic-") as tmp:
        name, synthetic, manifest = win2_rewrite.synthesize(source, tmp)
        check_plugin(plugin, source, synthetic, manifest, errors)
        p = subprocess.run([sys.executable, os.path.join(HERE, "check_captures.py"), analyze, plugin,
                            synthetic] + sys.argv[4:], capture_output=True, text=True)
        print(p.stdout.strip())
        if p.returncode != 0:
            errors.append(f"check_captures.py on the synthetic capture: {p.stderr.strip()[-500:]}")
    for e in errors[:30]:
        print("FAIL:", e)
    print(f"{name} as usbip-win2 sends it, in tshark: {manifest['pdus']} PDUs, {len(errors)} differences")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
