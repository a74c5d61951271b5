#!/usr/bin/env python3
"""bench_analyze.py -- time usbip-analyze against the peers named in issue 2, in one run:
tshark extracting the USB/IP fields (what users do today) and `tcpdump -r X -w /dev/null` (the raw
read floor). Prints best-of-N wall times, peak RSS and the ratios. A benchmark, not a test.

usage: bench_analyze.py USBIP_ANALYZE CAPTURE [REPEATS]
"""
import os
import resource
import subprocess
import sys
import time


def measure(cmd, repeats):
    best, peak = None, 0
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        dt = time.perf_counter() - t0
        if p.returncode not in (0, 1):
            sys.exit(f"{cmd[0]} failed with {p.returncode}")
        best = dt if best is None else min(best, dt)
        peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return best, peak


def main():
    analyze, capture = sys.argv[1], sys.argv[2]
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    size = os.path.getsize(capture)
    runs = {
        "usbip-analyze": [analyze, capture],
        "tshark fields": ["tshark", "-r", capture, "-d", "tcp.port==3240,usbip", "-T", "fields",
                          "-e", "frame.time_epoch", "-e", "usbip.urb", "-e", "usbip.sequence_no",
                          "-e", "usbip.status", "-e", "usbip.actual_length"],
        "tcpdump read": ["tcpdump", "-r", capture, "-w", "/dev/null"],
    }
    # RUSAGE_CHILDREN's max RSS is a running maximum: measure the smallest program first.
    results = {}
    for name in ("tcpdump read", "usbip-analyze", "tshark fields"):
        results[name] = measure(runs[name], repeats)
    print(f"capture {capture}: {size / 1e6:.1f} MB, best of {repeats}")
    for name, (t, rss) in results.items():
        print(f"  {name:14s} {t * 1000:9.1f} ms   peak RSS <= {rss / 1024:7.1f} MB")
    a, ts, td = results["usbip-analyze"][0], results["tshark fields"][0], results["tcpdump read"][0]
    print(f"  tshark / usbip-analyze = {ts / a:6.1f}x   (target >= 20)")
    print(f"  usbip-analyze / tcpdump = {a / td:6.2f}x   (target <= 2)")


if __name__ == "__main__":
    main()
