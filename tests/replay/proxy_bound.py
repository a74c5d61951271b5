#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""proxy_bound.py -- what a run of usbip-replay proxy at an added delay must show, whatever the load
on the machine: checks that a busy machine can only pass more easily, never fail.

usage: proxy_bound.py USBIP_ANALYZE PROXY_PCAP DELAY_MS READ_MS READ_BYTES

1. Every answered URB of the proxy's recording took at least DELAY_MS: the proxy holds each
   answer that long before the client gets it, and records it as it reaches the client.
2. The read of READ_BYTES took at least as long as its round trips: no more than queue_max URBs of
   at most L bytes (the largest bulk IN answer recorded) are in flight at once, each waits
   DELAY_MS, so READ_MS >= ceil(READ_BYTES / (L * queue_max)) * DELAY_MS.
Prints the figures; exits 1 when either fails.
"""
import csv
import io
import math
import subprocess
import sys


def main():
    analyze, pcap, delay_ms, read_ms, read_bytes = sys.argv[1:6]
    delay, took, nbytes = float(delay_ms) / 1000, float(read_ms) / 1000, int(read_bytes)
    rows = list(csv.DictReader(io.StringIO(subprocess.run(
        [analyze, "--any-port", "--urbs", "-", pcap], capture_output=True, text=True, check=True).stdout)))
    answered = [r for r in rows if r["latency"]]
    bulk_in = [r for r in answered if r["type"] == "bulk" and r["direction"] == "in"]
    if not answered or not bulk_in:
        print(f"FAIL: {pcap}: no answered URB or no bulk IN answer recorded")
        return 1
    failed = 0
    fastest = min(float(r["latency"]) for r in answered)
    ok = fastest >= delay
    failed += not ok
    print(f"{'ok' if ok else 'FAIL'}: fastest of {len(answered)} URBs took {fastest * 1000:.3f} ms "
          f"(the proxy adds {delay * 1000:.0f} ms)")
    largest = max(int(r["actual_length"]) for r in bulk_in)
    depth = max(int(r["queue_depth_endpoint"]) for r in bulk_in)
    round_trips = math.ceil(nbytes / (largest * depth))
    bound = round_trips * delay
    ok = took >= bound
    failed += not ok
    print(f"{'ok' if ok else 'FAIL'}: {nbytes} bytes read in {took:.3f} s; at least {round_trips} round trips "
          f"of {delay * 1000:.0f} ms ({largest} bytes per URB, {depth} in flight): {bound:.3f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
