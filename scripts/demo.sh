#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# demo.sh -- set up (Debian packages, build) and run usbip-analyze on a bundled real capture.
# Usage: scripts/demo.sh [CAPTURE] [usbip-analyze options...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
capture=${1:-}
[ $# -gt 0 ] && shift
if [ -z "$capture" ]; then
  capture=$root/captures/storage.pcap # a whole session: import, enumeration, a disk read
  [ -f "$capture" ] || capture=$(ls "$root"/captures/*.pcap* 2>/dev/null | head -n 1 || true)
fi
if [ -z "$capture" ]; then
  echo "demo: no capture in captures/ (record one with tests/lab/lab)" >&2
  exit 3
fi
echo "usbip-analyze $capture $*"
exec "$root/build/analyzer/usbip-analyze" "$capture" "$@"
