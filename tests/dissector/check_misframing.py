#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_misframing.py -- code-built (synthetic) captures, each framed in a way Wireshark 4.0's
built-in usbip dissector gets wrong, decoded by the plugin inside the real tshark.

usage: check_misframing.py PLUGIN

For each capture the plugin must decode exactly the PDUs the capture was built from, in order
(command and seqnum), with no malformed packet, and the IN data of every RET_SUBMIT as long as
its actual_length. What the built-in dissector makes of the same capture is printed beside it.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from synthcap import misframing_cases  # noqa: E402
from tshark_plugin import BAD_SIGNS, Tshark, field, usbipx_pdus  # noqa: E402


def builtin_pdus(ts, cap):
    p = ts.run(["-r", cap, "-2", "--disable-protocol", "usbipx", "-d", "tcp.port==3240,usbip",
                "-T", "fields", "-e", "usbip.urb"])
    return sum(len(line.split(",")) for line in p.stdout.split() if line)


def main():
    ts = Tshark(sys.argv[1])
    failed = 0
    try:
        for i, (name, data, expected) in enumerate(misframing_cases()):
            cap = ts.stage(data, f"synth-misframing-{i}.pcap")
            problems = []
            got = []
            for _, _, pdu in usbipx_pdus(ts, cap):
                if "usbipx.command" not in pdu:
                    continue
                cmd, seq = int(pdu["usbipx.command"]), int(pdu["usbipx.seqnum"])
                got.append((cmd, seq))
                if cmd == 3:
                    actual = int(pdu["usbipx.actual_length"])
                    data_field = field(pdu, "usbipx.data")
                    n = len(data_field.split(":")) if data_field else 0
                    direction = field(pdu, "usbipx.urb.direction")
                    if direction == "1" and n != max(actual, 0):
                        problems.append(f"RET_SUBMIT {seq}: {n} data bytes shown, actual_length {actual}")
            if got != expected:
                problems.append(f"PDUs {got}, built from {expected}")
            p = ts.run(["-r", cap, "-2", "-q", "-z", "expert,error"])
            text = p.stdout + p.stderr
            if p.returncode != 0 or "Malformed" in text or any(b in text for b in BAD_SIGNS):
                problems.append("malformed packet reported")
            builtin = builtin_pdus(ts, cap)
            if problems:
                failed += 1
                print(f"FAIL - {name}: {'; '.join(problems)}")
            else:
                print(f"ok   - {name}: {len(got)} PDUs (the built-in usbip decodes {builtin})")
    finally:
        ts.close()
    print(f"{failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
