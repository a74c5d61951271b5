#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench_live.py -- usbip-analyze -i over a long replayed run, its peak RSS against the run's
length, beside tshark -i (usbip fields, what users run today) watching the same run. usbip-replay
serve plays CAPTURE's device on loopback and usbip-replay drive sends it the recorded session
again and again, one connection each, while both capture; the run is repeated for each count of
sessions. The analyzer frees a URB's state when it completes and keeps latency in fixed-size
histograms; what grows is what it keeps for the report per connection and device (each session
here is a new connection). Printed: each run's URBs and peak RSS, and the growth per session of
both, with the ratio. Not a test: a benchmark (needs root to capture).

usage: bench_live.py USBIP_ANALYZE USBIP_REPLAY CAPTURE [--sessions 10,40]
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time



def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    sys.exit(f"nothing listens on port {port}")


def watcher(cmd):
    """A capture under GNU time in its own process group, started; its stderr's first line read."""
    return subprocess.Popen(["/usr/bin/time", "-f", "peak_rss_kb %M", *cmd], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def peak_rss_kb(err):
    rss = [int(l.split()[1]) for l in err.splitlines() if l.startswith("peak_rss_kb")]
    return rss[-1] if rss else 0


def run(analyze, replay, capture, sessions):
    """(URBs the analyzer saw, its peak RSS, tshark's peak RSS, in kB) over a run of that many
    driven sessions."""
    port = free_port()
    live = watcher([analyze, "--json", "-i", "lo", "--port", str(port)])
    line = live.stderr.readline()
    if "capturing on" not in line:
        sys.exit(f"usbip-analyze -i did not start: {line.strip()!r}")
    shark = watcher(["tshark", "-i", "lo", "-f", f"tcp port {port}", "-d", f"tcp.port=={port},usbip",
                     "-T", "fields", "-e", "usbip.urb", "-e", "usbip.sequence_no", "-e", "usbip.status"])
    while "Capturing on" not in shark.stderr.readline():
        pass
    serve = subprocess.Popen([replay, "serve", capture, "--listen", f"127.0.0.1:{port}", "--timing", "fast"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port)
        for _ in range(sessions):
            subprocess.run([replay, "drive", capture, "--server", f"127.0.0.1:{port}"],
                           capture_output=True, timeout=120)
        time.sleep(1.0)
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)
        # to the process groups: GNU time ignores SIGINT, the captures stop and exit
        os.killpg(live.pid, signal.SIGINT)
        os.killpg(shark.pid, signal.SIGINT)
    out, err = live.communicate(timeout=120)
    _, shark_err = shark.communicate(timeout=120)
    doc = json.loads(out)
    urbs = sum(e["urbs"] for d in doc["devices"] for e in d["endpoints"])
    return urbs, peak_rss_kb(err), peak_rss_kb(shark_err)


def main():
    args = sys.argv[1:]
    counts = [10, 40]
    if "--sessions" in args:
        i = args.index("--sessions")
        counts = [int(x) for x in args[i + 1].split(",")]
        del args[i:i + 2]
    analyze, replay, capture = args
    results = [(n, *run(analyze, replay, capture, n)) for n in counts]
    print(f"-i lo, {capture} driven again and again (peak RSS):")
    for n, urbs, rss, shark in results:
        print(f"  {n:>5} sessions {urbs:>8} URBs  usbip-analyze {rss / 1024:.1f} MB  tshark {shark / 1024:.1f} MB")
    (n0, _, r0, s0), (n1, _, r1, s1) = results[0], results[-1]
    if n1 > n0:
        mine, theirs = (r1 - r0) / (n1 - n0), (s1 - s0) / (n1 - n0)
        ratio = f"{theirs / mine:.1f} times the analyzer's" if mine > 0 else "the analyzer's did not grow"
        print(f"  growth per session: usbip-analyze {mine:.0f} kB, tshark {theirs:.0f} kB ({ratio})")


if __name__ == "__main__":
    main()
