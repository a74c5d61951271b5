#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# workloads.sh -- the what-if model's validation data: every storage workload
# (scenarios/storage-workloads.sh) at every delay, each run in a freshly booted guest so that
# each starts from the same memory (see the scenario's header). Collects OUTDIR/WORKLOAD-Nms.pcap
# and one OUTDIR/workloads.txt ("workload delay_ms bytes elapsed_us").
# usage: tests/lab/workloads.sh OUTDIR [WORKLOAD ...]
#   --keep   also keep the 0 ms and 100 ms captures (gzip'd: the disk's zeros pack to a few kB)
#            and workloads.txt in captures/workloads/
# DELAYS (environment) replaces the delays swept, "0 10 20 50 100 200" by default.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
keep=no
[ "${1:-}" = --keep ] && { keep=yes; shift; }
[ $# -ge 1 ] || { echo "usage: tests/lab/workloads.sh [--keep] OUTDIR [WORKLOAD ...]" >&2; exit 2; }
out=$1
shift
workloads=${*:-read-direct-1m read-direct-4m read-256k write-direct-1m copy lan-read-direct-1m lan-write-direct-1m}
delays=${DELAYS:-0 10 20 50 100 200}
mkdir -p "$out"
echo "workload delay_ms bytes elapsed_us" > "$out/workloads.txt"
for w in $workloads; do
  for d in $delays; do
    run="$out/runs/$w-${d}ms"
    rm -rf "$run"
    case $w in
      lan-*)
        LAB_ARGS="${w#lan-},${d}ms" LAB_TIMEOUT=${LAB_TIMEOUT:-600} "$here/lab" run lan-workloads "$run"
        mv "$run/lan.pcap" "$out/$w-${d}ms.pcap"
        cat "$run/client/workloads.txt" >> "$out/workloads.txt"
        ;;
      *)
        LAB_ARGS="$w,${d}ms" LAB_TIMEOUT=${LAB_TIMEOUT:-600} "$here/lab" run storage-workloads "$run"
        mv "$run"/*.pcap "$out/"
        tail -n +2 "$run/workloads.txt" >> "$out/workloads.txt"
        ;;
    esac
  done
done
if [ $keep = yes ]; then
  dest="$here/../../captures/workloads"
  mkdir -p "$dest"
  for w in $workloads; do
    for d in 0 100; do gzip -9 -n -c "$out/$w-${d}ms.pcap" > "$dest/$w-${d}ms.pcap.gz"; done
  done
  cp "$out/workloads.txt" "$dest/"
fi
