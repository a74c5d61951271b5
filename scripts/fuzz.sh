#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fuzz.sh -- build the libFuzzer targets with clang-14 (ASan+UBSan) and run each for SECONDS
# (default 60), seeded with the real captures. Fails on the first crash, leak or hang.
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
build=$root/build-fuzz
CC=clang-14 cmake -S "$root" -B "$build" -DUIP_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in "$build"/fuzz/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  corpus=$work/$name
  mkdir -p "$corpus"
  cp "$root"/captures/*.pcap* "$corpus"/ 2>/dev/null || true
  if [ "$name" = fuzz_pcapng ]; then  # pcapng seeds: Wireshark's conversions, usbipd-win's layout
    for cap in "$root"/captures/*.pcap; do
      editcap -F pcapng "$cap" "$corpus/$(basename "$cap" .pcap).pcapng" 2>/dev/null || true
    done
    for s in hid serial enum-timeout; do
      python3 "$root"/tests/synthetic/usbipd_win/make_usbipd_win.py "$root/captures/$s.pcap" \
        "$corpus/$s-synthetic.pcapng" >/dev/null || true
    done
  fi
  echo "fuzz: $name for ${secs}s"
  (cd "$work" && "$target" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
     -max_len=262144 -print_final_stats=1 "$corpus" 2>"$work/$name.log") || {
    grep -E '^==[0-9]+==ERROR|^ +#[0-9]+ |^SUMMARY|^artifact_prefix|Test unit written|^MS:' \
      "$work/$name.log" | head -40
    for crash in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
      [ -f "$crash" ] && { echo "fuzz: input that failed, base64:"; base64 -w0 "$crash" | head -c 8000; echo; }
    done
    echo "fuzz: $name FAILED"; exit 1; }
  grep -E 'stat::number_of_executed_units|Done' "$work/$name.log" | tail -2
done
