# SPDX-License-Identifier: GPL-2.0-or-later
"""lab_results.py -- what the what-if checks share: the lab's result rows (sweep.txt, arduino.txt,
workloads.txt: a header, then rows of numbers, workloads.txt's led by the workload's name), a
capture that may be kept gzip'd, and usbip-analyze's what-if answer for a list of delays."""

import gzip
import json
import os
import shutil
import subprocess
import sys


def rows(path):
    """The rows of a lab result file whose fields after an optional leading name are integers:
    (name or None, [integers])."""
    out = []
    with open(path) as f:
        for line in f:
            fields = line.split()
            if not fields:
                continue
            name = None if fields[0].isdigit() else fields[0]
            numbers = fields[1:] if name else fields
            if numbers and all(x.lstrip("-").isdigit() for x in numbers):
                out.append((name, [int(x) for x in numbers]))
    return out


def capture_path(folder, name, scratch):
    """FOLDER/NAME, or FOLDER/NAME.gz unpacked into scratch (captures/workloads/ keeps them so)."""
    path = os.path.join(folder, name)
    if os.path.exists(path) or not os.path.exists(path + ".gz"):
        return path
    unpacked = os.path.join(scratch, name)
    with gzip.open(path + ".gz") as src, open(unpacked, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return unpacked


def what_if(analyze, capture, delays):
    """usbip-analyze's "what_if" object for the capture at the delays (ms); exits on failure."""
    arg = ",".join(str(d) for d in delays) + "ms"
    p = subprocess.run([analyze, "--json", "--what-if", arg, capture], capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"usbip-analyze failed on {capture} ({p.returncode}): {p.stderr.strip()}")
    return json.loads(p.stdout)["what_if"]
