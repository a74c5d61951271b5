#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_badinput.py -- the plugin inside the real tshark on broken input: the bad-input
catalogue (code-built captures, each broken in one way) and mutated copies of real captures
(bytes flipped, runs deleted or duplicated, with a fixed seed). No crash, no "Dissector bug",
no failed assertion, no hang.

usage: check_badinput.py PLUGIN CAPTURE... [--mutations N] [--no-catalogue]
"""
import os
import random
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from synthcap import cases  # noqa: E402
from tshark_plugin import BAD_SIGNS, Tshark  # noqa: E402


def records(capture, limit):
    """The pcap header and up to limit records of a classic pcap file."""
    data = open(capture, "rb").read()
    out, off, n = [data[:24]], 24, 0
    while off + 16 <= len(data) and n < limit:
        incl = struct.unpack_from("<I", data, off + 8)[0]
        out.append(data[off:off + 16 + incl])
        off += 16 + incl
        n += 1
    return out


def mutate(recs, rnd):
    """Damage the payload bytes of a few records, keeping the pcap framing readable."""
    recs = list(recs)
    for _ in range(rnd.randrange(1, 6)):
        i = rnd.randrange(1, len(recs))
        rec = bytearray(recs[i])
        if len(rec) <= 16 + 54:
            continue
        kind = rnd.randrange(3)
        pos = rnd.randrange(16 + 54, len(rec))
        if kind == 0:
            for _ in range(rnd.randrange(1, 9)):
                rec[rnd.randrange(16 + 54, len(rec))] = rnd.randrange(256)
        elif kind == 1:  # overwrite a run with a big-endian extreme (length fields)
            rec[pos:pos + 4] = rnd.choice([b"\xff\xff\xff\xff", b"\x7f\xff\xff\xff", b"\x00\x00\x00\x03"])[:len(rec) - pos]
        else:  # duplicate a whole record (retransmission-like)
            recs.insert(i, bytes(rec))
        recs[i] = bytes(rec)
    return b"".join(recs)


# The expert info the plugin must raise on some catalogue cases (a substring of its summary).
EXPECTED_EXPERT = {
    "actual_length above transfer_buffer_length": "above the 8 bytes requested",
    "unknown command code": "unknown USB/IP command code",
    "huge transfer_buffer_length": "transfer_buffer_length negative or above the cap",
    "RET without CMD": "Answer whose request is not in the capture",
    "duplicated seqnum": "Sequence number reused",
    "mid-stream start": "capture starts mid-stream",
}


# tshark's own exit codes for a file it read to the end or judged broken: 0 (read), 1 and 2
# (4.0: any error), 3 and 14 (4.2 on: WS_EXIT_INVALID_FILE, WS_EXIT_READ_ERROR in
# include/ws_exit_codes.h). Anything else, a signal above all, is a crash.
TSHARK_FILE_VERDICTS = (0, 1, 2, 3, 14)


def check(ts, name, data, expert=None):
    cap = ts.stage(data)
    try:
        p = ts.run(["-r", cap, "-2", "-V"], timeout=120)
    except subprocess.TimeoutExpired:
        return f"{name}: tshark hung (no end after 120 s)"
    text = p.stdout + p.stderr
    if p.returncode not in TSHARK_FILE_VERDICTS:
        return f"{name}: tshark exited {p.returncode}: {p.stderr.strip()[:300]}"
    bad = [s for s in BAD_SIGNS if s in text]
    if bad:
        line = next(l for l in text.splitlines() if any(s in l for s in bad))
        return f"{name}: {bad[0]}: {line.strip()[:300]}"
    if expert:
        summary = ts.run(["-r", cap, "-2", "-q", "-z", "expert"]).stdout
        if expert not in summary:
            return f"{name}: no expert info {expert!r}:\n{summary.strip()[:600]}"
    return None


def main():
    args = sys.argv[1:]
    mutations = 20
    if "--mutations" in args:
        i = args.index("--mutations")
        mutations = int(args[i + 1])
        del args[i:i + 2]
    catalogue = "--no-catalogue" not in args
    args = [a for a in args if a != "--no-catalogue"]
    plugin, captures = args[0], args[1:]
    ts = Tshark(plugin)
    failures, total = [], 0
    try:
        for name, data, _, _ in cases() if catalogue else ():
            total += 1
            err = check(ts, f"catalogue: {name}", data, EXPECTED_EXPERT.get(name))
            if err:
                failures.append(err)
        rnd = random.Random(3240)
        for capture in captures:
            recs = records(capture, 400)
            for k in range(mutations):
                total += 1
                err = check(ts, f"{os.path.basename(capture)} mutation {k}", mutate(recs, rnd))
                if err:
                    failures.append(err)
    finally:
        ts.close()
    for f in failures:
        print("FAIL:", f)
    print(f"{total - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
