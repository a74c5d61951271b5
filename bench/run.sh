#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh -- the benchmarks, in one run: usbip-analyze against tshark's field extraction and the
# tcpdump read floor on a bundled capture and on the lab's big data sets (recorded by
# bench/lab-datasets.sh the first time, then reused), usbip-replay's pair round trips and serve's
# added latency, then the usbipx plugin against the built-in dissector. Prints ratios against
# their targets. Not a test.
# Usage: bench/run.sh BUILD_DIR        (the bench target runs it; root for the lab's first run)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: bench/run.sh BUILD_DIR}" && pwd)
analyze=$build/analyzer/usbip-analyze
mapfile -t datasets < <("$root/bench/lab-datasets.sh")
python3 "$root/bench/bench_analyze.py" "$analyze" --repeats "${UIP_BENCH_REPEATS:-3}" \
  "$root/captures/storage.pcap" "${datasets[@]}"
small=$(printf '%s\n' "${datasets[@]}" | grep small-reads || echo "$root/captures/storage.pcap")
python3 "$root/bench/bench_replay.py" "$build" "$small" --repeats "${UIP_BENCH_REPEATS:-3}" \
  "$root"/captures/{storage,composite,serial,hid,arduino-0ms}.pcap
python3 "$root/bench/bench_live.py" "$build/analyzer/usbip-analyze" "$build/replay/usbip-replay" \
  "$root/captures/storage.pcap" --sessions 10,40 --long "$small"
plugin=$(find "$build/dissector" -name usbipx.so 2>/dev/null | head -n 1)
if [ -n "$plugin" ]; then
  python3 "$root/bench/bench_dissector.py" "$plugin" "$root/captures/storage.pcap" 3
fi
