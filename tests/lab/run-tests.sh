#!/usr/bin/env bash
# run-tests.sh -- the lab's checks against the real kernel: boots the storage, hid and composite scenarios
# and asserts what the real stack did. Ends with "N passed, N failed"; exits non-zero on failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
analyze=${UIP_ANALYZE:-$root/build/analyzer/usbip-analyze}
out=$(mktemp -d)
passed=0
failed=0

check() { # check DESCRIPTION COMMAND...
  if "${@:2}"; then
    passed=$((passed + 1)); echo "ok   - $1"
  else
    failed=$((failed + 1)); echo "FAIL - $1"
  fi
}

"$here/lab" setup >/dev/null || { echo "lab setup failed"; echo "0 passed, 1 failed"; exit 1; }

json_get() { # json_get FILE PYTHON-EXPR (on document d)
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

# storage: bind, attach over loopback, read; the bytes read are the disk image's
if "$here/lab" run storage "$out/storage"; then
  s=$out/storage
  check "storage: the first MiB read over USB/IP is the disk image's" \
    test "$(cat "$s/first-mib.md5")" = "$(head -c 1048576 "${LAB_CACHE:-$here/cache}/disk.img" | md5sum | cut -d' ' -f1)"
  check "storage: the kernel enumerated the device through vhci_hcd" \
    grep -q 'USB device number .* using vhci_hcd' "$s/dmesg.txt"
  n=$(tshark -r "$s/storage.pcap" -d tcp.port==3240,usbip -Y usbip 2>/dev/null | wc -l)
  check "storage: tshark sees USB/IP PDUs in the capture ($n frames)" test "$n" -gt 100
  "$analyze" --json "$s/storage.pcap" > "$s/report.json"
  check "storage: usbip-analyze exits 0 (nothing skipped, no anomaly)" test $? -eq 0
  check "storage: enumeration completed" \
    test "$(json_get "$s/report.json" "d['devices'][0]['enumeration']['configured']")" = True
  check "storage: at least 4 MiB moved IN" \
    test "$(json_get "$s/report.json" "d['devices'][0]['bytes_in']")" -ge 4194304
  check "storage: bulk endpoints typed from the configuration descriptor" \
    test "$(json_get "$s/report.json" "sorted({e['type'] for e in d['devices'][0]['endpoints'] if e['ep']})")" = "['bulk']"
else
  failed=$((failed + 1)); echo "FAIL - storage scenario did not run"
fi

# hid: a keyboard's interrupt IN URB stays pending until the detach closes the connection
if "$here/lab" run hid "$out/hid"; then
  h=$out/hid
  "$analyze" --json "$h/hid.pcap" > "$h/report.json"
  check "hid: usbip-analyze exits 0" test $? -eq 0
  check "hid: interrupt IN endpoint with its URB outstanding at the end" \
    test "$(json_get "$h/report.json" "[(e['type'], e['pending_at_end']) for e in d['devices'][0]['endpoints'] if e['ep'] == 1]")" = "[('interrupt', 1)]"
  check "hid: HID report descriptor read during enumeration" \
    grep -q 'HID_REPORT' <(json_get "$h/report.json" "d['devices'][0]['enumeration']['requests']")
else
  failed=$((failed + 1)); echo "FAIL - hid scenario did not run"
fi

# composite: usb-net's CDC Ethernet configuration bound by cdc_ether on the client; pings cross it
if "$here/lab" run composite "$out/composite"; then
  c=$out/composite
  "$analyze" --json "$c/composite.pcap" > "$c/report.json"
  check "composite: usbip-analyze exits 0" test $? -eq 0
  check "composite: the client bound cdc_ether to the attached device" test "$(cat "$c/driver.txt")" = cdc_ether
  check "composite: pings answered across USB/IP" grep -q ' 0% packet loss' "$c/ping.txt"
  check "composite: SET_CONFIGURATION and SET_INTERFACE seen" \
    grep -q 'SET_INTERFACE' <(json_get "$c/report.json" "d['devices'][0]['enumeration']['requests']")
else
  failed=$((failed + 1)); echo "FAIL - composite scenario did not run"
fi

rm -rf "$out"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
