#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# in_root.sh -- check_deb.sh's checks, run inside the throwaway Debian 12 root: install the .deb
# (and tshark) with apt-get, use what it installed, remove it.
# Usage: in_root.sh PACKAGE.deb
set -eu
deb=$1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
export DEBIAN_FRONTEND=noninteractive
cp "$deb" /tmp/usbip-toolkit.deb
apt-get update -qq > /tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }
# tshark is only suggested by the package; the plugin check needs one.
if ! apt-get install -y -qq --no-install-recommends /tmp/usbip-toolkit.deb tshark >> /tmp/apt.log 2>&1; then
  tail -n 20 /tmp/apt.log
  exit 1
fi
example=/usr/share/doc/usbip-toolkit/examples/storage.pcap
rc=0
usbip-analyze "$example" > /tmp/report.txt 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "usbip-analyze on the example exited $rc: $(head -c 300 /tmp/report.txt)"
grep -q "46f4:0001" /tmp/report.txt || fail "the report names no device 46f4:0001"
grep -q "enumeration completed" /tmp/report.txt || fail "the report has no completed enumeration"
usbip-replay --version > /dev/null 2>&1 || fail "usbip-replay --version failed"
for page in usbip-analyze usbip-replay; do
  [ -f "/usr/share/man/man1/$page.1" ] || [ -f "/usr/share/man/man1/$page.1.gz" ] || fail "no man page $page(1)"
done
[ -f /usr/share/doc/usbip-toolkit/copyright ] || fail "no copyright file"
useradd -m tester
plugins=$(su tester -c "tshark -G plugins" 2>&1)
echo "$plugins" | grep -q "usbipx" || fail "tshark run by a normal user does not list usbipx: $plugins"
urbs=$(su tester -c "tshark -r $example -Y usbipx.latency -T fields -e usbipx.latency" 2>/tmp/tshark.err | grep -c . || true)
want=$(usbip-analyze --urbs - "$example" | tail -n +2 | grep -c ",completed," || true)
[ "$urbs" -gt 0 ] && [ "$urbs" = "$want" ] ||
  fail "tshark with the installed plugin shows $urbs URB latencies, usbip-analyze $want completed URBs ($(head -c 300 /tmp/tshark.err))"
apt-get remove -y -qq usbip-toolkit >> /tmp/apt.log 2>&1 || fail "apt-get remove failed"
for f in /usr/bin/usbip-analyze /usr/bin/usbip-replay /usr/lib/x86_64-linux-gnu/wireshark/plugins/4.0/epan/usbipx.so; do
  [ ! -e "$f" ] || fail "$f is still there after the package's removal"
done
if [ "$failures" -eq 0 ]; then
  echo "ok: the .deb installs on bare Debian 12, its tools and plugin work, it removes cleanly"
  exit 0
fi
echo "FAIL: $failures checks of the installed .deb"
exit 1
