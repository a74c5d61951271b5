#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_expert.py -- Expert Information as a Wireshark user meets it (default preferences), on
every bundled capture: normal sessions raise no USBIPX warning or error; on a failing session the
first USBIPX warning or error names what went wrong (or, over an added round trip, the slow round
trip first and what went wrong in a later one).

usage: check_expert.py PLUGIN CAPTURE...

Every capture must be listed below as normal or failing (a new capture fails the check until it is).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from tshark_plugin import Tshark, usbipx_warnings  # noqa: E402

NORMAL = {"storage", "hid", "composite", "serial", "audio", "sweep-0ms", "hostnet", "lan", "arduino-0ms"}
# What went wrong, as a phrase the first USBIPX warning must hold; or several, each in a later
# warning than the one before (a slow round trip first, then what it led to).
FAILING = {
    "enum-timeout": "5 s control timeout",      # enumeration broke on Linux's control timeout
    "enum-recover": "5 s control timeout",      # the same, before a later retry worked
    "arduino-300ms": "round trip is this slow",  # every answer 300 ms late: avrdude loses sync
    "sweep-100ms": "round trip is this slow",   # 100 ms added to every answer
    "drops": "never reached USB/IP",            # tcpdump dropped segments
    "unbind": "device disconnects",             # the device went away under a read
    "android": "device disconnects",            # the phone switched USB mode: re-enumerated
    "android-mtp-100ms": "round trip is this slow",  # 100 ms added: the MTP pull slow, though whole
    # at 100 ms, the phone switched USB mode under an MTP transfer / during enumeration
    "android-switch-transfer": ("round trip is this slow", "device disconnects"),
    "android-switch-enum": ("round trip is this slow", "device disconnects"),
}


def holds(problems, phrases):
    """The first phrase is in the first warning, each next one in a later warning."""
    if isinstance(phrases, str):
        phrases = (phrases,)
    at = 0
    for k, phrase in enumerate(phrases):
        found = [i for i in range(at, len(problems)) if phrase in problems[i]]
        if not found or (k == 0 and found[0] != 0):
            return False
        at = found[0] + 1
    return True


def main():
    plugin, captures = sys.argv[1], sys.argv[2:]
    ts = Tshark(plugin)
    failures = 0
    try:
        for capture in captures:
            name = os.path.splitext(os.path.basename(capture))[0]
            p = ts.run(["-r", ts.stage(capture), "-2", "-q", "-z", "expert,warn"], ooo=False)
            problems = usbipx_warnings(p.stdout)
            if name in NORMAL:
                ok = not problems
                what = f"normal: {len(problems)} USBIPX warnings" + (f" ({problems[0]})" if problems else "")
            elif name in FAILING:
                ok = holds(problems, FAILING[name])
                what = f"first USBIPX warning: {problems[0] if problems else 'none'}"
            else:
                ok, what = False, "not listed as normal or failing in check_expert.py"
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} - {name}: {what}")
    finally:
        ts.close()
    print(f"{len(captures) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
