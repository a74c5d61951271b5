#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_live.py -- usbip-analyze -i watching a real USB/IP session live on loopback: usbip-replay
serve plays a recorded device and usbip-replay drive sends it the recorded host requests while
the analyzer captures with -w; SIGINT stops it, and its report must equal the report of the file
it wrote, read back (the JSON, but for the capture's name). And the clear errors: no permission to
capture, no such interface, a filter that does not compile. And for pipelines: --json-lines has
the --urbs CSV's rows, and live it writes each URB as it finishes. On a terminal (a pty here) the
live view is redrawn every second with the device, its rates, latency, queue and outstanding
URBs, and the report follows it. Each run waits for the analyzer's "capturing on" line and for
the server to listen before the session starts. Needs the right to capture (root).

usage: check_live.py USBIP_ANALYZE USBIP_REPLAY CAPTURE WORK_DIR
"""
import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from loopback import Terminal, free_port, wait_listening  # noqa: E402


def wait_capturing(live):
    """Until the analyzer says its capture is up (its stderr's first line)."""
    line = live.stderr.readline()
    if "capturing on" not in line:
        raise RuntimeError(f"usbip-analyze -i did not start: {line.strip()!r}")


def serve_and_drive(replay, capture, port):
    """usbip-replay serve on the port, then drive the recorded session against it; the server,
    still running, and drive's result."""
    serve = subprocess.Popen([replay, "serve", capture, "--listen", f"127.0.0.1:{port}",
                              "--timing", "fast"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listening(port)
    drive = subprocess.run([replay, "drive", capture, "--server", f"127.0.0.1:{port}"],
                           capture_output=True, text=True, timeout=120)
    return serve, drive


def live_view(analyze, replay, capture, port):
    """On a terminal: the view is redrawn every second while the session runs, then the report."""
    term = Terminal()
    live = subprocess.Popen([analyze, "-i", "lo", "--port", str(port)], stdout=term.slave,
                            stderr=subprocess.PIPE, text=True)
    term.close_slave()
    serve = None
    try:
        wait_capturing(live)
        serve, _ = serve_and_drive(replay, capture, port)
        term.drain(2.5)  # two redraws at least after the session
    finally:
        if serve:
            serve.send_signal(signal.SIGTERM)
            serve.wait(timeout=30)
        live.send_signal(signal.SIGINT)
    term.drain(3)
    live.wait(timeout=60)
    term.close()
    views = term.screens()
    drawn = [v for v in views if "watching for" in v]
    errors = []
    if len(drawn) < 2:
        errors.append(f"live view: {len(drawn)} redraws on the terminal")
    elif not any(re.search(r"connection \d+, device \d+-\d+ 46f4:0001 .*configured", v) and "URBs in all" in v
                 and "overall p50" in v and "queue" in v and "outstanding" in v for v in drawn):
        errors.append(f"live view: no device in it: {drawn[-1][:300]!r}")
    if "Accounting:" not in views[-1]:
        errors.append("live view: the report does not follow it on a clear screen")
    return errors


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


def lines_match_csv(analyze, capture):
    """--json-lines gives the --urbs CSV's rows, column by column (null where the CSV is empty)."""
    rows = list(csv.DictReader(io.StringIO(
        subprocess.run([analyze, "--urbs", "-", capture], capture_output=True, text=True).stdout)))
    objs = [json.loads(l) for l in subprocess.run([analyze, "--json-lines", "-", capture],
                                                  capture_output=True, text=True).stdout.splitlines()]
    if len(rows) != len(objs) or not rows:
        return [f"--json-lines: {len(objs)} objects, --urbs {len(rows)} rows"]
    for row, obj in zip(rows, objs):
        for k, v in row.items():
            got = obj.get(k, "missing")
            got = "" if got is None else got
            if str(got) != v and not (isinstance(got, float) and abs(got - float(v)) < 1e-6):
                return [f"--json-lines seqnum {row['seqnum']}: {k} {obj.get(k)!r}, CSV {v!r}"]
    return []


def streamed_lines(analyze, replay, capture, port):
    """Live with --json-lines -: every URB answered during the session is on the pipe before the
    capture stops (a line is written and flushed as its URB finishes)."""
    live = subprocess.Popen([analyze, "-i", "lo", "--port", str(port), "--json-lines", "-"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    got = []
    serve = None
    try:
        wait_capturing(live)
        reader = threading.Thread(target=lambda: got.extend(live.stdout), daemon=True)
        reader.start()
        serve, _ = serve_and_drive(replay, capture, port)
        settled = time.monotonic() + 1.0  # the last lines are read: none new for a second
        seen, deadline = len(got), time.monotonic() + 20
        while time.monotonic() < min(settled, deadline):
            time.sleep(0.1)
            if len(got) != seen:
                seen, settled = len(got), time.monotonic() + 1.0
        before = len(got)
    finally:
        if serve:
            serve.send_signal(signal.SIGTERM)
            serve.wait(timeout=30)
        live.send_signal(signal.SIGINT)
    live.wait(timeout=60)
    reader.join(timeout=10)
    answered = sum(1 for l in got if json.loads(l)["outcome"] in ("completed", "unlinked", "unlink-too-late"))
    if not answered or before < answered:
        return [f"--json-lines live: {before} lines before the stop, {answered} URBs answered in all"]
    return []


def main():
    analyze, replay, capture, work = sys.argv[1:5]
    os.makedirs(work, exist_ok=True)
    errors = error_cases(analyze)
    saved = os.path.join(work, "live.pcap")
    port = free_port()
    live = subprocess.Popen([analyze, "--json", "-i", "lo", "--port", str(port), "-w", saved],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    serve = None
    try:
        wait_capturing(live)
        serve, drive = serve_and_drive(replay, capture, port)
        time.sleep(1.0)  # the last segments are captured
    finally:
        if serve:
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
    errors += lines_match_csv(analyze, capture)
    errors += streamed_lines(analyze, replay, capture, free_port())
    errors += live_view(analyze, replay, capture, free_port())
    for e in errors:
        print("FAIL:", e)
    print(f"{'ok' if not errors else 'FAIL'}: live capture on lo ({len(errors)} problems)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
