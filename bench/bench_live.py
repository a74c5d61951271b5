#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench_live.py -- usbip-analyze -i over long replayed runs, its peak RSS against the run's
length, beside tshark -i (usbip fields, what users run today) watching the same run. usbip-replay
serve plays a capture's device on loopback and usbip-replay drive sends it the recorded session.

- Many sessions: CAPTURE driven again and again, one connection each, for each count of sessions.
  What grows is what the analyzer keeps for the report per connection and device.
- One long session (--long LONG_CAPTURE, e.g. the lab's small-reads.pcap, 210,000 URBs on one
  connection): the same session watched to a tenth of its packets (-c) and to its end. Per URB
  nothing is kept (a URB's state goes when it completes, latency quantiles come from fixed-size
  histograms), so the analyzer's peak RSS must not grow with the session's length.

Printed: each run's URBs and peak RSS, the growth per session and per 100,000 URBs of both, with
the ratio. Not a test: a benchmark (needs root to capture).

usage: bench_live.py USBIP_ANALYZE USBIP_REPLAY CAPTURE [--sessions 10,40] [--long LONG_CAPTURE]
"""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "support"))
from loopback import free_port, wait_listening  # noqa: E402


def watcher(cmd):
    """A capture under GNU time in its own process group, started."""
    return subprocess.Popen(["/usr/bin/time", "-f", "peak_rss_kb %M", *cmd], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def peak_rss_kb(err):
    rss = [int(l.split()[1]) for l in err.splitlines() if l.startswith("peak_rss_kb")]
    return rss[-1] if rss else 0


def run(analyze, replay, capture, sessions, packets=None):
    """(URBs the analyzer saw, its peak RSS, tshark's peak RSS, in kB) over a run of that many
    driven sessions; with packets, both captures stop after that many packets."""
    port = free_port()
    count = ["-c", str(packets)] if packets else []
    live = watcher([analyze, "--json", "-i", "lo", "--port", str(port), *count])
    line = live.stderr.readline()
    if "capturing on" not in line:
        sys.exit(f"usbip-analyze -i did not start: {line.strip()!r}")
    shark = watcher(["tshark", "-i", "lo", "-f", f"tcp port {port}", "-d", f"tcp.port=={port},usbip", *count,
                     "-T", "fields", "-e", "usbip.urb", "-e", "usbip.sequence_no", "-e", "usbip.status"])
    while "Capturing on" not in shark.stderr.readline():
        pass
    serve = subprocess.Popen([replay, "serve", capture, "--listen", f"127.0.0.1:{port}", "--timing", "fast"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port)
        for _ in range(sessions):
            subprocess.run([replay, "drive", capture, "--server", f"127.0.0.1:{port}"],
                           capture_output=True, timeout=1800)
        time.sleep(1.0)
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)
        # to the process groups: GNU time ignores SIGINT, the captures stop and exit
        for p in (live, shark):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGINT)
    out, err = live.communicate(timeout=300)
    _, shark_err = shark.communicate(timeout=300)
    doc = json.loads(out)
    urbs = sum(e["urbs"] for d in doc["devices"] for e in d["endpoints"])
    return urbs, peak_rss_kb(err), peak_rss_kb(shark_err)


def packets_in(capture):
    """How many packets a capture holds (usbip-analyze's JSON accounting would do; capinfos is
    Wireshark's own count)."""
    out = subprocess.run(["capinfos", "-M", "-c", capture], capture_output=True, text=True).stdout
    return int(next(l.split()[-1] for l in out.splitlines() if "Number of packets" in l))


def many_sessions(analyze, replay, capture, counts):
    results = [(n, *run(analyze, replay, capture, n)) for n in counts]
    print(f"-i lo, {capture} driven again and again (peak RSS):")
    for n, urbs, rss, shark in results:
        print(f"  {n:>5} sessions {urbs:>8} URBs  usbip-analyze {rss / 1024:.1f} MB  tshark {shark / 1024:.1f} MB")
    (n0, _, r0, s0), (n1, _, r1, s1) = results[0], results[-1]
    if n1 > n0:
        mine, theirs = (r1 - r0) / (n1 - n0), (s1 - s0) / (n1 - n0)
        ratio = f"{theirs / mine:.1f} times the analyzer's" if mine > 0 else "the analyzer's did not grow"
        print(f"  growth per session: usbip-analyze {mine:.0f} kB, tshark {theirs:.0f} kB ({ratio})")


def one_long_session(analyze, replay, capture):
    tenth = packets_in(capture) // 10
    short = run(analyze, replay, capture, 1, packets=tenth)
    full = run(analyze, replay, capture, 1)
    print(f"-i lo, one session of {capture} watched to a tenth of its packets and to its end (peak RSS):")
    for label, (urbs, rss, shark) in (("a tenth", short), ("whole", full)):
        print(f"  {label:>8} {urbs:>8} URBs  usbip-analyze {rss / 1024:.1f} MB  tshark {shark / 1024:.1f} MB")
    grown = full[0] - short[0]
    if grown > 0:
        mine = (full[1] - short[1]) * 100000 / grown
        theirs = (full[2] - short[2]) * 100000 / grown
        print(f"  growth per 100,000 URBs: usbip-analyze {mine:.0f} kB, tshark {theirs:.0f} kB "
              f"(target: the analyzer's under 1 MB)")


def main():
    args = sys.argv[1:]
    counts = [10, 40]
    long_capture = None
    if "--sessions" in args:
        i = args.index("--sessions")
        counts = [int(x) for x in args[i + 1].split(",")]
        del args[i:i + 2]
    if "--long" in args:
        i = args.index("--long")
        long_capture = args[i + 1]
        del args[i:i + 2]
    analyze, replay, capture = args
    many_sessions(analyze, replay, capture, counts)
    if long_capture:
        one_long_session(analyze, replay, long_capture)


if __name__ == "__main__":
    main()
