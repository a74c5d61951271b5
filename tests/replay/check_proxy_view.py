#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_proxy_view.py -- usbip-replay proxy's live view of the sessions it forwards: serve plays a
recorded device, drive sends it the recorded host requests through the proxy, whose stdout is a
terminal (a pty). The view must be redrawn every second with the device (its VID:PID, configured),
rates, latency, queue and outstanding URBs; after drive leaves, the connection shows closed. Its
count of URBs must equal the count usbip-analyze finds in the proxy's own --write recording of
the same session, and --no-view (or a stdout that is not a terminal) must draw nothing.

usage: check_proxy_view.py USBIP_REPLAY USBIP_ANALYZE CAPTURE WORK_DIR
"""
import csv
import io
import os
import re
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from loopback import Terminal, free_port, wait_listening  # noqa: E402


def session_through_proxy(replay, capture, recording, proxy_args, stdout):
    """serve, a proxy in front of it (stdout as given), drive through the proxy; the proxy's
    process, still running, and drive's result. The caller stops the proxy."""
    server_port, proxy_port = free_port(), free_port()
    serve = subprocess.Popen([replay, "serve", capture, "--listen", f"127.0.0.1:{server_port}",
                              "--timing", "fast"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proxy = subprocess.Popen([replay, "proxy", "--server", f"127.0.0.1:{server_port}", "--listen",
                              f"127.0.0.1:{proxy_port}", "--write", recording, *proxy_args],
                             stdout=stdout, stderr=subprocess.DEVNULL)
    try:
        wait_listening(server_port)
        wait_listening(proxy_port)
        drive = subprocess.run([replay, "drive", capture, "--server", f"127.0.0.1:{proxy_port}"],
                               capture_output=True, text=True, timeout=120)
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)
    return proxy, drive


def urbs_in(analyze, recording):
    """URBs usbip-analyze finds in a capture on any port (its --urbs rows with a submit)."""
    out = subprocess.run([analyze, "--any-port", "--urbs", "-", recording], capture_output=True, text=True).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    return sum(1 for r in rows if r.get("outcome") != "no-submit")


def written_to_file(replay, capture, recording, work):
    """What the proxy wrote to a stdout that is a file, over a whole session."""
    with open(os.path.join(work, "plain.out"), "w+b") as out:
        proxy, _ = session_through_proxy(replay, capture, recording, [], out)
        proxy.send_signal(signal.SIGINT)
        proxy.wait(timeout=30)
        out.seek(0)
        return out.read()


def written_to_terminal(replay, capture, recording, proxy_args):
    """What the proxy drew on a terminal (a pty), over a whole session, run with proxy_args."""
    term = Terminal()
    proxy, _ = session_through_proxy(replay, capture, recording, proxy_args, term.slave)
    proxy.send_signal(signal.SIGINT)
    proxy.wait(timeout=30)
    term.close_slave()
    term.drain(0.5)
    term.close()
    return bytes(term.shown)


def main():
    replay, analyze, capture, work = sys.argv[1:5]
    os.makedirs(work, exist_ok=True)
    errors = []
    recording = os.path.join(work, "proxied.pcap")
    term = Terminal()
    proxy, drive = session_through_proxy(replay, capture, recording, [], term.slave)
    term.close_slave()
    term.drain(2.5)  # a redraw at least after drive left
    proxy.send_signal(signal.SIGINT)
    term.drain(2)
    proxy.wait(timeout=30)
    term.close()
    if drive.returncode not in (0, 1):
        errors.append(f"drive through the proxy exited {drive.returncode}: {drive.stderr.strip()[:300]}")
    drawn = [v for v in term.screens() if "watching for" in v]
    if len(drawn) < 2:
        errors.append(f"{len(drawn)} views drawn on the terminal, not one a second")
    device = [v for v in drawn if re.search(r"connection \d+, device \d+-\d+ 46f4:0001 \(busid [^)]+\): configured", v)
              and "overall p50" in v and "queue" in v and "outstanding 0" in v]
    if not device:
        errors.append(f"no view shows the configured device: {drawn[-1][:400] if drawn else ''!r}")
    else:
        last = device[-1]
        if "connection closed" not in last:
            errors.append(f"the last view does not show the connection closed: {last[:400]!r}")
        shown = re.search(r"(\d+) URBs in all", last)
        want = urbs_in(analyze, recording)
        if not shown or int(shown.group(1)) != want:
            errors.append(f"the view counts {shown.group(1) if shown else 'no'} URBs, usbip-analyze "
                          f"finds {want} in the proxy's recording")
        if want == 0:
            errors.append("the proxy's recording holds no URB")
    plain = os.path.join(work, "plain.pcap")
    for label, drawn in (("stdout not a terminal", written_to_file(replay, capture, plain, work)),
                         ("--no-view", written_to_terminal(replay, capture, plain, ["--no-view"]))):
        if drawn:
            errors.append(f"{label}: the proxy wrote {len(drawn)} bytes to stdout: {drawn[:120]!r}")
    for e in errors:
        print("FAIL:", e)
    print(f"{'ok' if not errors else 'FAIL'}: usbip-replay proxy's live view ({len(errors)} problems)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
