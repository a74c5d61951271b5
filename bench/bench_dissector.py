#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench_dissector.py -- tshark with the usbipx plugin against tshark with its built-in usbip
dissector on the same capture, in one run (the target: at most 1.3 times as long).
Both runs load the plugin (same start-up cost) and make two passes with the packet list
written out; the built-in run disables usbipx and decodes port 3240 as usbip. Prints best-of-N
wall times and the ratio. A benchmark, not a test.

usage: bench_dissector.py PLUGIN CAPTURE [REPEATS]
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "dissector"))
from tshark_plugin import Tshark  # noqa: E402


def best_time(ts, args, repeats):
    best = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        p = ts.run(args)
        dt = time.perf_counter() - t0
        if p.returncode != 0:
            sys.exit(f"tshark failed ({p.returncode}): {p.stderr.strip()[:300]}")
        best = dt if best is None else min(best, dt)
    return best


def main():
    plugin, capture = sys.argv[1], sys.argv[2]
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    ts = Tshark(plugin)
    try:
        cap = ts.stage(capture)
        modes = {
            "packet list": ["-r", cap, "-2"],
            "full detail (-V)": ["-r", cap, "-2", "-V"],
        }
        print(f"capture {capture}: {os.path.getsize(capture) / 1e6:.1f} MB, best of {repeats}")
        for mode, args in modes.items():
            builtin = best_time(ts, args + ["--disable-protocol", "usbipx", "-d", "tcp.port==3240,usbip"], repeats)
            plugin_t = best_time(ts, args, repeats)
            print(f"  {mode:17s} built-in usbip {builtin * 1000:8.1f} ms   usbipx plugin {plugin_t * 1000:8.1f} ms"
                  f"   plugin / built-in = {plugin_t / builtin:5.2f}x   (target <= 1.3)")
    finally:
        ts.close()


if __name__ == "__main__":
    main()
