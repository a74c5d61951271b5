#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check_plots.py -- usbip-analyze --plot DIR: per device, four SVG charts (URB latency, queue
depth, throughput over time, the what-if curve) that parse as SVG, with their titles and axis
labels, beside the gnuplot script and data files they were drawn from; with --plot-format svg,png
the same charts also as PNG images of 1280x720 pixels (their header read); an unwritable DIR or an
unknown format is a usage error (exit 2) and a missing gnuplot exit 5, each with one line on stderr.

usage: check_plots.py USBIP_ANALYZE CAPTURE...
"""
import glob
import os
import struct
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


def png_size(path):
    """(width, height) from a PNG's IHDR chunk; raises when it is not a PNG."""
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise ValueError("no PNG signature and IHDR chunk")
    return struct.unpack(">II", head[16:24])


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

    both = os.path.join(tmp, "both")
    p = subprocess.run([analyze, "--plot", both, "--plot-format", "svg,png", captures[0]], capture_output=True,
                       text=True)
    pngs = sorted(glob.glob(os.path.join(both, "*.png")))
    svgs = sorted(glob.glob(os.path.join(both, "*.svg")))
    if p.returncode not in (0, 1) or not pngs or len(pngs) != len(svgs):
        errors.append(f"--plot-format svg,png: exit {p.returncode}, {len(pngs)} PNG and {len(svgs)} SVG files")
    for png in pngs:
        try:
            if png_size(png) != (1280, 720):
                errors.append(f"{os.path.basename(png)}: {png_size(png)}, not 1280x720")
        except ValueError as e:
            errors.append(f"{os.path.basename(png)}: {e}")
    p = subprocess.run([analyze, "--plot", both, "--plot-format", "gif", captures[0]], capture_output=True, text=True)
    if p.returncode != 2 or len(p.stderr.strip().splitlines()) != 1:
        errors.append(f"--plot-format gif: exit {p.returncode}, stderr {p.stderr.strip()!r}")

    # --measured: another capture's bulk stream as a point on the what-if curve. sweep-100ms.pcap
    # was recorded with netem adding 100 ms: its point sits at a round trip of 100-110 ms, and
    # usb-storage's one-URB-in-flight reads (a 64-128 KiB READ costs 3 round trips: CBW, data, CSW;
    # two data URBs when the client's receive window fills) put it between 128 KiB per 5 round
    # trips and 128 KiB per 3.
    caps = os.path.dirname(captures[0])
    meas = os.path.join(tmp, "measured")
    p = subprocess.run([analyze, "--plot", meas, "--measured", os.path.join(caps, "sweep-100ms.pcap"),
                        os.path.join(caps, "sweep-0ms.pcap")], capture_output=True, text=True)
    points = []
    for dat in glob.glob(os.path.join(meas, "*-whatif.dat")):
        blocks = open(dat).read().split("\n\n\n")
        points += [b.strip().splitlines() for b in blocks if b.startswith("# measured, sweep-100ms.pcap ep 1 IN")]
    if p.returncode not in (0, 1) or len(points) != 1:
        errors.append(f"--measured: exit {p.returncode}, {len(points)} measured block(s): {p.stderr.strip()!r}")
    else:
        rtt_ms, kbps = (float(x) for x in points[0][1].split())
        if not (100 <= rtt_ms < 110 and 131.072 / (5 * rtt_ms / 1e3) <= kbps <= 131.072 / (3 * rtt_ms / 1e3)):
            errors.append(f"--measured sweep-100ms.pcap: point at {rtt_ms} ms, {kbps} kB/s")
        gp = glob.glob(os.path.join(meas, "*.gp"))
        if not gp or "measured: sweep-100ms.pcap ep 1 IN" not in open(gp[0]).read():
            errors.append("--measured: no legend entry for the point")
    for args, code in [(["--measured", os.path.join(caps, "sweep-100ms.pcap")], 2),  # without --plot
                       (["--plot", meas, "--measured", "/nonexistent.pcap"], 3),
                       (["--plot", meas, "--measured", os.path.join(caps, "hid.pcap")], 2)]:  # no bulk data
        p = subprocess.run([analyze, *args, captures[0]], capture_output=True, text=True)
        if p.returncode != code or len(p.stderr.strip().splitlines()) != 1:
            errors.append(f"{' '.join(args[-2:])}: exit {p.returncode} (want {code}), stderr {p.stderr.strip()!r}")

    # A capture over Ethernet (lan.pcap, MSS 1448): where slow start ends decides the time at
    # 100 ms, so the stream's block has a lower third column there and the chart draws the band.
    band = os.path.join(tmp, "band")
    p = subprocess.run([analyze, "--plot", band, "--what-if", "0,100ms", os.path.join(caps, "lan.pcap")],
                       capture_output=True, text=True)
    rows = []
    for dat in glob.glob(os.path.join(band, "*-whatif.dat")):
        for block in open(dat).read().split("\n\n\n"):
            if block.startswith("# ep 1 IN bulk"):
                rows = [[float(x) for x in line.split()] for line in block.strip().splitlines()[1:]]
    gp = "".join(open(g).read() for g in glob.glob(os.path.join(band, "*.gp")))
    if p.returncode not in (0, 1) or len(rows) != 2 or any(len(r) != 3 for r in rows):
        errors.append(f"band: exit {p.returncode}, ep 1 IN rows {rows}")
    elif not (rows[0][2] == rows[0][1] and 0 < rows[1][2] < rows[1][1]) or "filledcurves" not in gp:
        errors.append(f"band: no range at 100 ms only ({rows}) or no filledcurves clause")

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
