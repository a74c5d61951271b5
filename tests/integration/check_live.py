#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_live.py -- usbip-analyze -i watching a real USB/IP session live on loopback: usbip-replay
serve plays a recorded device and usbip-replay drive sends it the recorded host requests while
the analyzer captures with -w; SIGINT stops it, and its report must equal the report of the file
it wrote, read back (the JSON, but for the capture's name). And the clear errors: no permission to
capture, no such interface, a filter that does not compile. Needs the right to capture (root).

usage: check_live.py USBIP_ANALYZE USBIP_REPLAY CAPTURE WORK_DIR
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


def error_cases(analyze):
    """Each failure to capture: its exit code and a one-line reason that says what to do."""
    cases = [
        (["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", analyze, "-i", "lo"],
         3, "CAP_NET_RAW"),
        ([analyze, "-i", "nosuchif0"], 3, "no such interface"),
        ([analyze, "-i", "lo", "-f", "tcp port"], 2, "does not compile"),
        ([analyze, "-w", "x.pcap", "trace.pcap"], 2, "apply to a live capture"),
    ]
    errors = []
    for cmd, code, words in cases:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        lines = p.stderr.strip().splitlines()
        if p.returncode != code or not lines or words not in lines[0]:
            errors.append(f"{' '.join(cmd[-3:])}: exit {p.returncode}, {p.stderr.strip()[:200]!r} "
                          f"(want exit {code} and '{words}')")
    return errors


def main():
    analyze, replay, capture, work = sys.argv[1:5]
    os.makedirs(work, exist_ok=True)
    errors = error_cases(analyze)
    saved = os.path.join(work, "live.pcap")
    port = free_port()
    live = subprocess.Popen([analyze, "--json", "-i", "lo", "--port", str(port), "-w", saved],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    serve = subprocess.Popen([replay, "serve", capture, "--listen", f"127.0.0.1:{port}",
                              "--timing", "fast"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(1.5)  # the capture and the server are up
        drive = subprocess.run([replay, "drive", capture, "--server", f"127.0.0.1:{port}"],
                               capture_output=True, text=True, timeout=120)
        time.sleep(1.0)  # the last segments are captured
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)
        live.send_signal(signal.SIGINT)
    out, err = live.communicate(timeout=60)
    if drive.returncode not in (0, 1):
        errors.append(f"drive exited {drive.returncode}: {drive.stderr.strip()[:300]}")
    if live.returncode not in (0, 1):
        errors.append(f"usbip-analyze -i exited {live.returncode}: {err.strip()[:300]}")
    else:
        got = json.loads(out)
        back = subprocess.run([analyze, "--json", "--port", str(port), saved], capture_output=True, text=True)
        want = json.loads(back.stdout)
        urbs = sum(e["urbs"] for d in got["devices"] for e in d["endpoints"]) if got["devices"] else 0
        if urbs == 0:
            errors.append("the live report saw no URB")
        for doc in (got, want):
            doc.pop("capture", None)
        if got != want:
            keys = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
            errors.append(f"the live report differs from the saved file's in {keys}")
    for e in errors:
        print("FAIL:", e)
    print(f"{'ok' if not errors else 'FAIL'}: live capture on lo ({len(errors)} problems)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
