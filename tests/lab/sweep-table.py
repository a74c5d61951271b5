#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""sweep-table.py -- the storage delay sweep's throughput table, in the seed article's form
("  100ms : 177 kB/s"), with the article's own figures (a Kingston pendrive over a Raspberry Pi's
Ethernet, USB 2.0) beside the lab's. Input: the sweep.txt a storage-sweep run writes
("delay_ms bytes elapsed_ms" rows, timed around dd in the guest).

usage: sweep-table.py SWEEP_TXT
"""
import sys

SEED_KBPS = {0: 1700, 10: 968, 20: 652, 30: 495, 40: 394, 50: 344, 100: 177, 200: 86.0,
             300: 67.5, 400: 38.1, 500: 30.6, 1000: 15.9}


def rate(kbps):
    return f"{kbps / 1000:.1f} MB/s" if kbps >= 1000 else f"{kbps:.1f} kB/s" if kbps < 100 else f"{kbps:.0f} kB/s"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: sweep-table.py SWEEP_TXT")
    rows = []
    for line in open(sys.argv[1]):
        f = line.split()
        if len(f) == 3 and f[0].isdigit():
            delay, nbytes, ms = int(f[0]), int(f[1]), int(f[2])
            rows.append((delay, nbytes / 1000 / (ms / 1000) if ms else float("inf")))
    if not rows:
        sys.exit(f"sweep-table: no rows in {sys.argv[1]}")
    print(f"{'delay':>7}   {'lab (qemu, vhci over lo)':<26}{'seed (RPi + pendrive)'}")
    for delay, kbps in rows:
        seed = SEED_KBPS.get(delay)
        print(f"{delay:>5}ms : {rate(kbps):<26}{rate(seed) if seed else '-'}")


if __name__ == "__main__":
    main()
