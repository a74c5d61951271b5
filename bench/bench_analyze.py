#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench_analyze.py -- time usbip-analyze against its peers (tshark, tcpdump), in one run:
tshark extracting the USB/IP fields (what users do today) and `tcpdump -r X -w /dev/null` (the raw
read floor). For each capture: best-of-N wall time and peak RSS of each program (GNU time's %M), and the ratios against their targets. Then the memory target: the analyzer's
peak RSS on the largest capture against a tenth of it (its first packets, cut with editcap), which
must grow less than 10 %. A benchmark, not a test: it prints, and exits 0 unless a program fails.

usage: bench_analyze.py USBIP_ANALYZE [--repeats N] [--no-tshark] CAPTURE...
"""
import functools
import os
import subprocess
import sys
import tempfile
import time

RATIO_TSHARK = 20.0   # tshark fields / usbip-analyze, at least
RATIO_TCPDUMP = 2.0   # usbip-analyze / tcpdump read, at most
RSS_LIMIT_MB = 32.0
RSS_GROWTH = 0.10     # when the capture grows 10 times


def run_once(cmd):
    """Wall time and peak RSS (MB) of one run of cmd. GNU time forks the program from its own
    small process: a child forked from this Python would start with Python's pages counted."""
    with tempfile.NamedTemporaryFile("r") as rss:
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-o", rss.name, "-f", "%M"] + cmd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        dt = time.perf_counter() - t0
        kib = rss.read().strip().splitlines()
    if p.returncode not in (0, 1):  # usbip-analyze exits 1 when the traffic has problems
        sys.exit(f"{' '.join(cmd[:3])} ... failed with exit code {p.returncode}")
    return dt, int(kib[-1]) / 1024


def measure(cmd, repeats):
    runs = [run_once(cmd) for _ in range(repeats)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


@functools.lru_cache(maxsize=None)
def packet_count(capture):
    out = subprocess.run(["capinfos", "-M", "-c", "-T", "-r", capture], capture_output=True,
                         text=True, check=True).stdout
    return int(out.split("\t")[-1])


def tshark_cmd(capture):
    return ["tshark", "-r", capture, "-d", "tcp.port==3240,usbip", "-T", "fields",
            "-e", "frame.time_epoch", "-e", "usbip.urb", "-e", "usbip.sequence_no",
            "-e", "usbip.status", "-e", "usbip.actual_length"]


def mark(ok):
    return "meets" if ok else "MISSES"


def bench_capture(analyze, capture, repeats, with_tshark):
    size, packets = os.path.getsize(capture), packet_count(capture)
    print(f"{os.path.basename(capture)}: {size / 1e6:.1f} MB, {packets} packets, best of {repeats}")
    td, rd = measure(["tcpdump", "-r", capture, "-w", "/dev/null"], repeats)
    ta, ra = measure([analyze, capture], repeats)
    print(f"  {'tcpdump read':15s} {td:8.3f} s   peak RSS {rd:7.1f} MB")
    print(f"  {'usbip-analyze':15s} {ta:8.3f} s   peak RSS {ra:7.1f} MB   ({mark(ra < RSS_LIMIT_MB)} < {RSS_LIMIT_MB:.0f} MB)")
    if with_tshark:
        ts, rs = measure(tshark_cmd(capture), repeats)
        print(f"  {'tshark fields':15s} {ts:8.3f} s   peak RSS {rs:7.1f} MB")
        print(f"  tshark / usbip-analyze  = {ts / ta:7.1f}x  ({mark(ts / ta >= RATIO_TSHARK)} >= {RATIO_TSHARK:.0f})")
    print(f"  usbip-analyze / tcpdump = {ta / td:7.2f}x  ({mark(ta / td <= RATIO_TCPDUMP)} <= {RATIO_TCPDUMP:.0f})")
    return ra


def bench_growth(analyze, capture, repeats):
    packets = packet_count(capture)
    with tempfile.TemporaryDirectory() as tmp:
        tenth = os.path.join(tmp, "tenth.pcap")
        subprocess.run(["editcap", "-F", "pcap", "-r", capture, tenth, f"1-{max(1, packets // 10)}"], check=True,
                       stdout=subprocess.DEVNULL)
        _, small = measure([analyze, tenth], repeats)
    _, full = measure([analyze, capture], repeats)
    growth = full / small - 1
    print(f"memory growth: {os.path.basename(capture)} first tenth {small:.1f} MB, whole {full:.1f} MB:"
          f" {growth * 100:+.1f} %  ({mark(growth < RSS_GROWTH)} < {RSS_GROWTH * 100:.0f} %)")


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__.strip().splitlines()[-1])
    analyze, rest = args[0], args[1:]
    repeats, with_tshark, captures = 3, True, []
    while rest:
        a = rest.pop(0)
        if a == "--repeats":
            repeats = int(rest.pop(0))
        elif a == "--no-tshark":
            with_tshark = False
        else:
            captures.append(a)
    if not captures:
        sys.exit("bench_analyze: no capture given")
    for c in captures:
        bench_capture(analyze, c, repeats, with_tshark)
    bench_growth(analyze, max(captures, key=os.path.getsize), repeats)


if __name__ == "__main__":
    main()
