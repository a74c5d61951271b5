#!/usr/bin/env python3
"""check_plots.py -- usbip-analyze --plot DIR: per device, four SVG charts (URB latency, queue
depth, throughput over time, the what-if curve) that parse as SVG, with their titles and axis
labels, beside the gnuplot script and data files they were drawn from; an unwritable DIR is a usage
error (exit 2) and a missing gnuplot exit 5, each with one line on stderr.

usage: check_plots.py USBIP_ANALYZE CAPTURE...
"""
import glob
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

analyze, captures = sys.argv[1], sys.argv[2:]
errors = []
CHARTS = {"latency": "URB latency", "queue": "Queue depth", "throughput": "Throughput", "whatif": "What-if"}


def svg_text(path):
    root = ET.parse(path).getroot()  # raises on a file that is not well-formed XML
    if not root.tag.endswith("svg"):
        raise ValueError(f"root element is {root.tag}, not svg")
    return " ".join(t.strip() for t in root.itertext() if t.strip())


with tempfile.TemporaryDirectory() as tmp:
    for cap in captures:
        out = os.path.join(tmp, os.path.basename(cap))
        p = subprocess.run([analyze, "--json", "--plot", out, cap], capture_output=True, text=True)
        if p.returncode not in (0, 1):
            errors.append(f"{cap}: exit {p.returncode}: {p.stderr.strip()}")
            continue
        scripts = glob.glob(os.path.join(out, "conn*-dev*.gp"))
        if not scripts:
            errors.append(f"{cap}: no gnuplot script in {out}")
        for gp in scripts:
            base = gp[:-3]
            for kind, title in CHARTS.items():
                svg, dat = f"{base}-{kind}.svg", f"{base}-{kind}.dat"
                if not os.path.exists(dat) or not os.path.getsize(dat):
                    errors.append(f"{os.path.basename(dat)}: missing or empty")
                if not os.path.exists(svg):
                    errors.append(f"{os.path.basename(svg)}: missing")
                    continue
                try:
                    text = svg_text(svg)
                except (ET.ParseError, ValueError) as e:
                    errors.append(f"{os.path.basename(svg)}: not a well-formed SVG: {e}")
                    continue
                if title not in text or "(" not in text:  # a title, and axis labels with units
                    errors.append(f"{os.path.basename(svg)}: no '{title}' title or unit labels")
        print(f"{cap}: {len(scripts)} device(s) drawn")

    blocker = os.path.join(tmp, "a-file")
    open(blocker, "w").close()
    p = subprocess.run([analyze, "--plot", os.path.join(blocker, "sub"), captures[0]], capture_output=True, text=True)
    if p.returncode != 2 or len(p.stderr.strip().splitlines()) != 1:
        errors.append(f"unwritable --plot dir: exit {p.returncode}, stderr {p.stderr.strip()!r}")
    p = subprocess.run([analyze, "--plot", os.path.join(tmp, "nognuplot"), captures[0]], capture_output=True,
                       text=True, env={"PATH": "/nonexistent"})
    if p.returncode != 5 or "gnuplot" not in p.stderr or len(p.stderr.strip().splitlines()) != 1:
        errors.append(f"no gnuplot: exit {p.returncode}, stderr {p.stderr.strip()!r}")
for e in errors:
    print("FAIL", e)
print(f"{len(errors)} problem(s)")
sys.exit(1 if errors else 0)
