#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""run_catalogue.py -- the bad-input catalogue: code-built (synthetic) captures, each broken in one
way, run through usbip-analyze. Each must give its documented exit code, a one-line message where
the input is unusable, and no crash or hang (a signal or a timeout fails the case).

usage: run_catalogue.py USBIP_ANALYZE
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from synthcap import cases  # noqa: E402

# The accounting entry that must be non-zero: the reason the report gives for the problem.
EXPECTED_REASON = {'snaplen-truncated packet': 'tcp_gaps', 'huge transfer_buffer_length': 'skipped:invalid header', 'negative actual_length': 'skipped:invalid header', 'actual_length above transfer_buffer_length': 'anomalies', 'endpoint above 15': 'anomalies', 'iso lengths not summing to actual_length': 'anomalies', 'number_of_packets huge': 'skipped:invalid header', 'unknown command code': 'skipped:invalid header', 'bad direction': 'skipped:invalid header', 'RET without CMD': 'anomalies', 'duplicated seqnum': 'anomalies', 'TCP gap': 'tcp_gaps', 'retransmission, handled': 'retransmitted_bytes', 'mid-stream start': 'skipped:mid-stream start'}


def reason_count(doc, key):
    acc = doc["accounting"]
    if key.startswith("skipped:"):
        return acc["skipped_bytes"][key[len("skipped:"):]]
    return acc[key]


def main():
    analyze = sys.argv[1]
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, data, want_code, want_msg) in enumerate(cases()):
            path = os.path.join(tmp, f"synth-bad-{i:02d}.pcap")
            with open(path, "wb") as f:
                f.write(data)
            try:
                p = subprocess.run([analyze, "--json", path], capture_output=True, text=True, timeout=60)
                code, err = p.returncode, p.stderr.strip()
            except subprocess.TimeoutExpired:
                code, err = "timeout", ""
            problems = []
            if code != want_code:
                problems.append(f"exit {code}, want {want_code}")
            if want_msg and want_msg not in err:
                problems.append(f"message {err!r} lacks {want_msg!r}")
            if err and (len(err.splitlines()) != 1 or not err.startswith("usbip-analyze: ")):
                problems.append(f"stderr is not one 'usbip-analyze:' line: {err!r}")
            if code in (0, 1, 4) and '"accounting"' not in p.stdout:
                problems.append("no report for what could be parsed")
            elif name in EXPECTED_REASON:
                key = EXPECTED_REASON[name]
                if not reason_count(json.loads(p.stdout), key):
                    problems.append(f"the report does not count it under {key}")
            if problems:
                failed += 1
                print(f"FAIL - {name}: {'; '.join(problems)}")
            else:
                passed += 1
                print(f"ok   - {name} (exit {code}{': ' + err if err else ''})")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
