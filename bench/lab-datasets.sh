#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# lab-datasets.sh -- record the benchmark data sets with the real-kernel lab. They are big,
# so they are not committed; they are kept in UIP_BENCH_DATA (default tests/lab/cache/bench) and
# reused when already there:
#   bulk-read.pcap     a 256 MiB usb-storage read over USB/IP on lo (about 270 MB)
#   lan-read.pcap      the two-machine scenario at Ethernet MTU (LAN_MIB, default 1400 MiB read:
#                      about a million frames)
#   small-reads.pcap   70,000 direct 512-byte reads of the usb-storage disk: 210,000 small URBs
# Usage: bench/lab-datasets.sh   (prints the paths, one per line, on stdout)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lab=$root/tests/lab/lab
cache=${LAB_CACHE:-$root/tests/lab/cache}
data=${UIP_BENCH_DATA:-$cache/bench}
mkdir -p "$data"
"$lab" setup >&2
big_disk=$data/disk-1600m.img
[ -f "$big_disk" ] || truncate -s 1600M "$big_disk"

record() { # record FILE SCENARIO LAB_ARGS PRODUCED: run the scenario unless FILE exists; keep
  # the pcap it produced (PRODUCED) as FILE
  local file=$1 scen=$2 args=$3 produced=$4 tmp
  if [ ! -s "$data/$file" ]; then
    tmp=$(mktemp -d "$data/run.XXXXXX")
    LAB_TIMEOUT=3600 LAB_ARGS=$args LAB_DISK=$big_disk "$lab" run "$scen" "$tmp" >&2
    mv "$tmp/$produced" "$data/$file"
    rm -rf "$tmp"
  fi
  echo "$data/$file"
}

record bulk-read.pcap bulk-read 256 bulk-read.pcap
record small-reads.pcap small-reads 70000 small-reads.pcap
record lan-read.pcap lan "${LAN_MIB:-1400}" lan.pcap
