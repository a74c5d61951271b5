#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_conn_end.py -- how each connection ended, in usbip-analyze's text and JSON: on the real
unbind capture (usbip-host closed the socket under a read, one URB outstanding) and on code-built
(synthetic) sessions of what the lab has not recorded: a phone re-enumerating with another
product ID (the server closes, the client imports the busid again), a reset, a session cut by
the capture's end, a capture stopped in the middle of an answer.

usage: check_conn_end.py USBIP_ANALYZE CAPTURES_DIR WORK_DIR
"""
import csv
import io
import json
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from synthcap import cmd_submit, imported, ret_submit  # noqa: E402

FIN, RST = 0x11, 0x14


def analyze(tool, cap):
    text = subprocess.run([tool, cap], capture_output=True, text=True).stdout
    doc = json.loads(subprocess.run([tool, "--json", cap], capture_output=True, text=True).stdout)
    return text, doc["connection_ends"]


def reenumeration(path):
    """Samsung 04e8:6860 (MTP) on busid 1-1 until the server closes with an IN URB waiting; the
    client imports 1-1 again and finds 04e8:6863 (tethering)."""
    a = imported(client_port=40000, vid=0x04E8, pid=0x6860)
    a.send(0, cmd_submit(1, 1, 0, 18, setup=bytes([0x80, 6, 0, 1, 0, 0, 18, 0])))
    a.send(1, ret_submit(1, 0, 18, data=bytes(18)))
    a.send(0, cmd_submit(2, 1, 1, 512))
    a.frame(1, b"", FIN, advance=1)
    a.frame(0, b"", FIN, advance=1)
    b = imported(client_port=40002, vid=0x04E8, pid=0x6863, t0=a.t + 2_000_000)
    b.send(0, cmd_submit(1, 1, 0, 18, setup=bytes([0x80, 6, 0, 1, 0, 0, 18, 0])))
    b.send(1, ret_submit(1, 0, 18, data=bytes(18)))
    open(path, "wb").write(bytes(a.out) + bytes(b.out[24:]))


def reset_by_client(path):
    a = imported()
    a.send(0, cmd_submit(1, 1, 1, 64))
    a.frame(0, b"", RST, advance=0)
    open(path, "wb").write(bytes(a.out))


def cut_after(src, dst, frames):
    """The first frames records of a classic pcap file (a capture stopped there)."""
    data = open(src, "rb").read()
    off = 24
    for _ in range(frames):
        off += 16 + struct.unpack_from("<I", data, off + 8)[0]
    open(dst, "wb").write(data[:off])


def main():
    tool, captures, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    errors = []

    def expect(cond, what):
        if not cond:
            errors.append(what)

    text, ends = analyze(tool, os.path.join(captures, "unbind.pcap"))
    e = ends[0]
    expect(e["how"] == "closed" and e["by"] == "server", f"unbind: {e['how']} by {e['by']}")
    expect([u["seqnum"] for u in e["outstanding_urbs"]] == [79], f"unbind: outstanding {e['outstanding_urbs']}")
    expect(0 < e["since_last_answer"] < 0.1, f"unbind: {e['since_last_answer']} s after the last answer")
    expect("the server closed the connection with 1 URB outstanding" in text and
           "must import it again" in text, "unbind: the text does not say what the close means")

    text, ends = analyze(tool, os.path.join(captures, "enum-timeout.pcap"))
    expect(ends[0]["how"] == "open" and ends[0]["outstanding"] == 1,
           f"enum-timeout: {ends[0]['how']}, {ends[0]['outstanding']} outstanding")

    cap = os.path.join(work, "reenumeration-synthetic.pcap")
    reenumeration(cap)
    text, ends = analyze(tool, cap)
    expect(len(ends) == 2, f"re-enumeration: {len(ends)} connection ends")
    if len(ends) == 2:
        expect(ends[0]["by"] == "server" and ends[0]["outstanding"] == 1, f"re-enumeration: first {ends[0]}")
        expect(ends[1].get("reenumerated_from") == {"connection": 1, "vid": "04e8", "pid": "6860"},
               f"re-enumeration: second {ends[1]}")
        expect("re-enumerated: busid 1-1 was 04e8:6860 on connection 1" in text and
               "as 04e8:6863" in text, "re-enumeration: not said in the text")

    cap = os.path.join(work, "reset-synthetic.pcap")
    reset_by_client(cap)
    text, ends = analyze(tool, cap)
    expect(ends and ends[0]["how"] == "reset" and ends[0]["by"] == "client" and ends[0]["outstanding"] == 1,
           f"reset: {ends}")
    expect("the client reset the connection with 1 URB outstanding" in text, "reset: not said in the text")

    # storage.pcap stopped in the middle of seqnum 56's 128 KiB answer (frames 128-136): the URB
    # was answered, at its last bytes seen, and the rest of its data is missing.
    cap = os.path.join(work, "storage-cut-synthetic.pcap")
    cut_after(os.path.join(captures, "storage.pcap"), cap, 130)
    rows = subprocess.run([tool, "--urbs", "-", cap], capture_output=True, text=True).stdout
    row = next((r for r in csv.DictReader(io.StringIO(rows)) if r["seqnum"] == "56"), None)
    expect(row and row["outcome"] == "completed" and row["complete_frame"] == "130" and row["latency"],
           f"cut answer: {row}")
    doc = json.loads(subprocess.run([tool, "--json", cap], capture_output=True, text=True).stdout)
    expect(doc["accounting"]["data_bytes_missing"] > 0 and not any(doc["accounting"]["skipped_bytes"].values()),
           f"cut answer: accounting {doc['accounting']}")

    for e in errors:
        print("FAIL:", e)
    print(f"{'ok' if not errors else 'FAIL'}: connection ends ({len(errors)} problems)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
