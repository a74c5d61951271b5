#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench_replay.py -- the speed targets of usbip-replay, measured in one run:

1. pair: URB round trips per second of `usbip-replay pair --timing fast` on a capture of many
   small URBs (the lab's small-reads.pcap: a serial chain, one URB in flight), against the target
   (100,000/s) and against the floor of this machine: tcp_pingpong, two threads exchanging
   messages of the same mean sizes over loopback TCP, one at a time, spinning as pair does.
2. serve: the latency serve adds per URB beyond what --timing asks, with `--timing recorded` and a
   real client process (`usbip-replay drive`) on the bundled captures: the server's own measure
   (request read to answer queued, minus the recorded latency) against the target (median at most
   50 us), and the client's view (its receive minus its send, minus the recorded latency: this adds
   loopback and the client's own wake-up).

A benchmark, not a test: it prints, and exits 0 unless a program fails.
usage: bench_replay.py BUILD_DIR SMALL_URB_CAPTURE [--repeats N] CAPTURE...
"""
import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time

PAIR_TARGET = 100000.0  # URB round trips per second, at least
SERVE_TARGET_US = 50.0  # median added latency per URB, at most


def mark(ok):
    return "meets" if ok else "MISSES"


def pair_rate(replay, capture):
    p = subprocess.run([replay, "pair", "--timing", "fast", capture], capture_output=True, text=True)
    m = re.search(r"pair: (\d+) URB round trips in ([\d.]+) s: (\d+) per second", p.stderr)
    if p.returncode != 0 or not m:
        sys.exit(f"usbip-replay pair {capture} failed (exit {p.returncode}):\n{p.stderr[-2000:]}")
    return int(m.group(3)), int(m.group(1))


def mean_pdu_sizes(analyze, capture):
    """Mean request and answer PDU sizes of the capture's URBs: the 48-byte header plus the mean
    data each way (usbip-analyze --json)."""
    p = subprocess.run([analyze, "--json", capture], capture_output=True, text=True)
    devices = json.loads(p.stdout)["devices"]
    urbs = sum(d["urbs"] for d in devices)
    out = sum(d["bytes_out"] for d in devices)
    into = sum(d["bytes_in"] for d in devices)
    return 48 + out // urbs, 48 + into // urbs


def pingpong(tool, rounds, req, ans):
    p = subprocess.run([tool, str(rounds), str(req), str(ans), "spin"], capture_output=True, text=True,
                       check=True)
    return float(re.search(r": (\d+) per second", p.stdout).group(1))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_latency(replay, capture):
    """(server's median, server's p99, client's median) added latency in us, one session."""
    port = free_port()
    server = subprocess.Popen([replay, "serve", capture, "--timing", "recorded", "--once",
                               "--listen", f"127.0.0.1:{port}"], stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    client = subprocess.run([replay, "drive", capture, "--server", f"127.0.0.1:{port}"],
                            capture_output=True, text=True)
    _, serr = server.communicate(timeout=60)
    m = re.search(r"answers went out a median (\d+) us \(p99 (?:>= )?(\d+) us\)", serr)
    c = re.search(r"later than recorded by a median (-?[\d.]+) (us|ms|s) ", client.stderr)
    if client.returncode != 0 or not m or not c:
        sys.exit(f"serve/drive of {capture} failed (drive exit {client.returncode}):\n"
                 f"{serr[-1500:]}\n{client.stderr[-1500:]}")
    scale = {"us": 1, "ms": 1e3, "s": 1e6}[c.group(2)]
    return float(m.group(1)), float(m.group(2)), float(c.group(1)) * scale


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("small_urbs")
    ap.add_argument("captures", nargs="+")
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    replay = os.path.join(a.build, "replay", "usbip-replay")
    tool = os.path.join(a.build, "bench", "tcp_pingpong")
    analyze = os.path.join(a.build, "analyzer", "usbip-analyze")

    rates = [pair_rate(replay, a.small_urbs) for _ in range(a.repeats)]
    best, urbs = max(r[0] for r in rates), rates[0][1]
    req, ans = mean_pdu_sizes(analyze, a.small_urbs)
    floor = max(pingpong(tool, 100000, req, ans) for _ in range(a.repeats))
    print(f"pair --timing fast {os.path.basename(a.small_urbs)}: {urbs} URBs, best of {a.repeats}")
    print(f"  usbip-replay pair      {best:9.0f} URB round trips/s  ({mark(best >= PAIR_TARGET)} >= "
          f"{PAIR_TARGET:.0f})")
    print(f"  tcp_pingpong floor     {floor:9.0f} round trips/s of {req} / {ans} bytes (loopback TCP, "
          f"spinning)")
    print(f"  pair / floor           {best / floor:9.2f}x")

    print(f"serve --timing recorded, drive as the client, median of {a.repeats} sessions each")
    worst = 0.0
    for cap in a.captures:
        runs = [serve_latency(replay, cap) for _ in range(a.repeats)]
        med = statistics.median(r[0] for r in runs)
        p99 = statistics.median(r[1] for r in runs)
        client = statistics.median(r[2] for r in runs)
        worst = max(worst, med)
        print(f"  {os.path.basename(cap):18s} added by serve: median {med:5.0f} us, p99 {p99:5.0f} us; "
              f"seen by the client: median {client:6.0f} us")
    print(f"  serve's added median, worst capture: {worst:.0f} us  ({mark(worst <= SERVE_TARGET_US)} "
          f"<= {SERVE_TARGET_US:.0f} us)")


if __name__ == "__main__":
    main()
