#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run-tests.sh -- the lab's checks against the real kernel: boots every scenario in
# tests/lab/scenarios and asserts what the real stack did, and what usbip-analyze makes of the
# recordings (against tshark, and the lo recording against the usbmon one of the same session).
# Ends with "N passed, N failed"; exits non-zero on failure. LAB_ONLY="a b" runs some scenarios.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
analyze=${UIP_ANALYZE:-$root/build/analyzer/usbip-analyze}
integration=$root/tests/integration
cache=${LAB_CACHE:-$here/cache}
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

scenario() { # scenario NAME: run it into $out/NAME unless LAB_ONLY leaves it out
  if [ -n "${LAB_ONLY:-}" ] && ! grep -qw "$1" <<<"$LAB_ONLY"; then return 1; fi
  "$here/lab" run "$1" "$out/$1" && return 0
  failed=$((failed + 1)); echo "FAIL - $1 scenario did not run"
  return 1
}

"$here/lab" setup >/dev/null || { echo "lab setup failed"; echo "0 passed, 1 failed"; exit 1; }

json_get() { # json_get FILE PYTHON-EXPR (on document d)
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}
analyze_json() { # analyze_json PCAP: the report next to it as .json; exit status of the analyzer
  "$analyze" --json "$1" > "${1%.pcap}.json"
}
disk_md5() { head -c 1048576 "$cache/disk.img" | md5sum | cut -d' ' -f1; }
crossformat() { # crossformat DIR NAME: the lo and usbmon recordings of one session agree
  python3 "$integration/check_crossformat.py" "$analyze" "$1/$2.pcap" "$1/$2-usbmon.pcap" &&
    python3 "$integration/compare_tshark.py" "$analyze" "$1/$2-usbmon.pcap" >/dev/null
}

# storage: bind, attach over loopback, read; the bytes read are the disk image's
if scenario storage; then
  s=$out/storage
  check "storage: the first MiB read over USB/IP is the disk image's" test "$(cat "$s/first-mib.md5")" = "$(disk_md5)"
  check "storage: the kernel enumerated the device through vhci_hcd" \
    grep -q 'USB device number .* using vhci_hcd' "$s/dmesg.txt"
  n=$(tshark -r "$s/storage.pcap" -d tcp.port==3240,usbip -Y usbip 2>/dev/null | wc -l)
  check "storage: tshark sees USB/IP PDUs in the capture ($n frames)" test "$n" -gt 100
  check "storage: usbip-analyze exits 0 (nothing skipped, no anomaly)" analyze_json "$s/storage.pcap"
  check "storage: enumeration completed" \
    test "$(json_get "$s/storage.json" "d['devices'][0]['enumeration']['configured']")" = True
  check "storage: at least 1 MiB moved IN" \
    test "$(json_get "$s/storage.json" "d['devices'][0]['bytes_in']")" -ge 1048576
  check "storage: bulk endpoints typed from the configuration descriptor" \
    test "$(json_get "$s/storage.json" "sorted({e['type'] for e in d['devices'][0]['endpoints'] if e['ep']})")" = "['bulk']"
  check "storage: the usbmon recording of the session has the same URBs as the USB/IP one" crossformat "$s" storage
fi

# hid: a keyboard's interrupt IN URB stays pending until the detach closes the connection
if scenario hid; then
  h=$out/hid
  check "hid: usbip-analyze exits 0" analyze_json "$h/hid.pcap"
  check "hid: interrupt IN endpoint with its URB outstanding at the end" \
    test "$(json_get "$h/hid.json" "[(e['type'], e['pending_at_end']) for e in d['devices'][0]['endpoints'] if e['ep'] == 1]")" = "[('interrupt', 1)]"
  check "hid: HID report descriptor read during enumeration" \
    grep -q 'HID_REPORT' <(json_get "$h/hid.json" "d['devices'][0]['enumeration']['requests']")
  check "hid: the usbmon recording of the session has the same URBs as the USB/IP one" crossformat "$h" hid
fi

# composite: usb-net's CDC Ethernet configuration bound by cdc_ether on the client; pings cross it
if scenario composite; then
  c=$out/composite
  check "composite: usbip-analyze exits 0" analyze_json "$c/composite.pcap"
  check "composite: the client bound cdc_ether to the attached device" test "$(cat "$c/driver.txt")" = cdc_ether
  check "composite: pings answered across USB/IP" grep -q ' 0% packet loss' "$c/ping.txt"
  check "composite: SET_CONFIGURATION and SET_INTERFACE seen" \
    grep -q 'SET_INTERFACE' <(json_get "$c/composite.json" "d['devices'][0]['enumeration']['requests']")
fi

# serial: FTDI usb-serial; bytes written to /dev/ttyUSB0 come back from the host's echo peer
if scenario serial; then
  s=$out/serial
  check "serial: the client bound ftdi_sio" test "$(cat "$s/driver.txt")" = ftdi_sio
  check "serial: what was written came back through the echo peer" test "$(cat "$s/tx.md5")" = "$(cat "$s/rx.md5")"
  check "serial: usbip-analyze exits 0" analyze_json "$s/serial.pcap"
  check "serial: at least 16 KiB OUT on the bulk OUT endpoint" \
    test "$(json_get "$s/serial.json" "sum(e['bytes'] for e in d['devices'][0]['endpoints'] if e['ep'] and e['direction'] == 'out')")" -ge 16384
  check "serial: the usbmon recording of the session has the same URBs as the USB/IP one" crossformat "$s" serial
fi

# audio: usb-audio playback: isochronous OUT URBs with packet descriptors
if scenario audio; then
  a=$out/audio
  check "audio: snd-usb-audio made an ALSA card of the attached device" grep -q 'USB-Audio' "$a/cards.txt"
  check "audio: usbip-analyze exits 0" analyze_json "$a/audio.pcap"
  check "audio: more than 100 isochronous OUT URBs" \
    test "$(json_get "$a/audio.json" "sum(e['urbs'] for e in d['devices'][0]['endpoints'] if e['type'] == 'isochronous' and e['direction'] == 'out')")" -gt 100
  check "audio: the usbmon recording of the session has the same URBs as the USB/IP one" crossformat "$a" audio
fi

# storage-sweep: the seed's netem experiment; throughput falls as the server-to-client delay grows
if scenario storage-sweep; then
  w=$out/storage-sweep
  python3 "$here/sweep-table.py" "$w/sweep.txt"
  check "sweep: throughput falls at every step from 0 to 200 ms" python3 - "$w/sweep.txt" <<'EOF'
import sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if l[0].isdigit()]
rates = [b / ms for _, b, ms in rows]
sys.exit(0 if len(rows) == 6 and all(a > b for a, b in zip(rates, rates[1:])) else 1)
EOF
  check "sweep: at 200 ms about half the 100 ms throughput (latency-bound, 0.35-0.7)" python3 - "$w/sweep.txt" <<'EOF'
import sys
r = {int(l.split()[0]): int(l.split()[1]) / int(l.split()[2]) for l in open(sys.argv[1]) if l[0].isdigit()}
sys.exit(0 if 0.35 <= r[200] / r[100] <= 0.7 else 1)
EOF
  for d in 0 10 20 50 100 200; do
    check "sweep: the ${d} ms capture analyzes cleanly" analyze_json "$w/sweep-${d}ms.pcap"
  done
  check "sweep: bulk IN latency at 100 ms is at least the added delay" \
    test "$(json_get "$w/sweep-100ms.json" "min(e['latency']['min'] for e in d['devices'][0]['endpoints'] if e['type'] == 'bulk' and e['direction'] == 'in') >= 0.1")" = True
fi

# arduino: avrdude over the FTDI across USB/IP; fine at 0 ms, broken at 300 ms as in the seed
if scenario arduino; then
  u=$out/arduino
  cat "$u/arduino.txt"
  check "arduino: at 0 ms avrdude writes and verifies the flash" grep -q 'bytes of flash verified' "$u/avrdude-0ms.log"
  check "arduino: at 300 ms avrdude fails with STK500 protocol errors" \
    grep -qE 'protocol expects|not in sync|getsync' "$u/avrdude-300ms.log"
  check "arduino: the 300 ms run exits non-zero" test "$(awk '$1 == 300 {print $2}' "$u/arduino.txt")" -ne 0
  check "arduino: the good and the failing capture analyze cleanly" \
    bash -c "'$analyze' '$u/arduino-0ms.pcap' >/dev/null && '$analyze' '$u/arduino-300ms.pcap' >/dev/null"
fi

# enum-timeout: 6 s of delay: the host's 5 s control timeout breaks enumeration
if scenario enum-timeout; then
  e=$out/enum-timeout
  check "enum-timeout: the kernel logged a descriptor read error -110" grep -q 'descriptor read.*error -110' "$e/dmesg.txt"
  analyze_json "$e/enum-timeout.pcap"
  check "enum-timeout: the analyzer says enumeration failed" \
    test "$(json_get "$e/enum-timeout.json" "d['devices'][0]['enumeration']['failed']")" = True
  check "enum-timeout: ... and blames the network round trip beyond the 5 s control timeout" \
    grep -q "5 s control timeout" <(json_get "$e/enum-timeout.json" "d['devices'][0]['enumeration']['diagnosis']")
fi

# enum-recover: the same delay cleared after 20 s: failures first, then a configured device
if scenario enum-recover; then
  e=$out/enum-recover
  analyze_json "$e/enum-recover.pcap"
  check "enum-recover: the kernel timed out first, then enumerated (a disk read worked)" \
    grep -q 'descriptor read.*error -110' "$e/dmesg.txt"
  check "enum-recover: the analyzer sees unlinked control requests and a configured device" \
    test "$(json_get "$e/enum-recover.json" "(d['devices'][0]['enumeration']['control_unlinked'] > 0, d['devices'][0]['enumeration']['configured'], d['devices'][0]['enumeration']['failed'])")" = "(True, True, False)"
fi

# unbind: the device pulled away on the server in the middle of a read
if scenario unbind; then
  b=$out/unbind
  check "unbind: the client's dd failed" test "$(cat "$b/dd-exit.txt")" -ne 0
  "$analyze" --json "$b/unbind.pcap" > "$b/unbind.json"
  check "unbind: the analyzer reads the capture (exit 0 or 1) and finds bulk IN data before the end" \
    test "$(json_get "$b/unbind.json" "d['devices'][0]['bytes_in'] > 65536")" = True
fi

# lan: two machines on an emulated Ethernet link; frames at MTU 1500 as on a real LAN
if scenario lan; then
  l=$out/lan
  check "lan: the client read the server's disk across the link" test "$(cat "$l/client/first-mib.md5")" = "$(disk_md5)"
  check "lan: usbip-analyze exits 0 on the wire recording" analyze_json "$l/lan.pcap"
  check "lan: at least 1 MiB moved IN" test "$(json_get "$l/lan.json" "d['devices'][0]['bytes_in']")" -ge 1048576
  check "lan: no frame on the wire above 1514 bytes" \
    test "$(tshark -r "$l/lan.pcap" -T fields -e frame.len 2>/dev/null | sort -n | tail -n 1)" -le 1514
fi

# hostnet: guest -> host relay -> port forward -> guest usbipd: the networking usbip-replay uses
if scenario hostnet; then
  n=$out/hostnet
  check "hostnet: the disk attached through the host reads as the image" test "$(cat "$n/first-mib.md5")" = "$(disk_md5)"
  check "hostnet: the host relay carried the session both ways" grep -q 'relayed: [1-9][0-9]* bytes to the server, [1-9]' "$n/host-fixture.log"
  check "hostnet: usbip-analyze --any-port finds the session on the relay's port by content" \
    test "$("$analyze" --json --any-port "$n/hostnet.pcap" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["devices"]))')" -ge 1
  check "hostnet: the project's usbip-analyze ran in the guest and found the session" \
    grep -q '^Connection [0-9]* .*:'"$(cat "$n/lab-port.txt")"')' "$n/guest-analyze.txt"
  check "hostnet: ... and agrees with tshark decoding that port" \
    python3 "$integration/compare_tshark.py" "$analyze" "$n/hostnet.pcap"
fi

# drops: tcpdump with a small buffer drops loopback segments; the analyzer counts the gaps and
# resynchronizes after them
if scenario drops; then
  p=$out/drops
  check "drops: tcpdump dropped packets" grep -qE '^[1-9][0-9]* packets dropped by kernel' "$p/tcpdump-drops.log"
  "$analyze" --json "$p/drops.pcap" > "$p/drops.json"
  check "drops: the analyzer exits 1 (problems in the traffic)" test $? -eq 1
  check "drops: TCP gaps counted, with their bytes" \
    test "$(json_get "$p/drops.json" "d['accounting']['tcp_gaps'] > 0 and d['accounting']['tcp_gap_bytes'] > 0")" = True
  check "drops: URBs after the first gap still parsed (resynchronized)" \
    test "$(json_get "$p/drops.json" "d['devices'][0]['urbs'] > 50")" = True
fi

# android-mtp: an MTP file pulled from the phone-like gadget at 100 ms
if scenario android-mtp; then
  a=$out/android-mtp
  check "android-mtp: mtp-getfile pulled the phone's 512 KiB file whole at 100 ms (md5)" \
    test "$(cat "$a/md5-got.txt")" = "$(cat "$a/md5-phone.txt")"
  analyze_json "$a/android-mtp-100ms.pcap"
  check "android-mtp: the MTP view shows the one GetObject of 524288 bytes, answered OK" \
    test "$(json_get "$a/android-mtp-100ms.json" "[(o['operation'], o['bytes'], o['response']) for o in d['devices'][0]['class']['mtp']['objects']]")" = "[('GetObject', 524288, '0x2001')]"
fi

# android-switch: the phone switches USB mode under an MTP transfer, then during enumeration
if scenario android-switch; then
  a=$out/android-switch
  check "android-switch: mtp-getfile failed when the phone switched modes under it" \
    test "$(cat "$a/getfile.rc")" != 0
  analyze_json "$a/android-switch-transfer.pcap"
  check "android-switch: the server closed the connection under the transfer, its bulk IN URB outstanding" \
    test "$(json_get "$a/android-switch-transfer.json" "[(e['how'], e['by'], e['outstanding']) for e in d['connection_ends']]")" = "[('closed', 'server', 1)]"
  check "android-switch: the MTP view lists the GetObject as cut, with the bytes that came" \
    test "$(json_get "$a/android-switch-transfer.json" "[(o['operation'], o['response'], o['bytes'] > 0) for o in d['devices'][0]['class']['mtp']['objects']]")" = "[('GetObject', None, True)]"
  analyze_json "$a/android-switch-enum.pcap"
  check "android-switch: the enumeration interrupted by the switch is reported failed, the server's close with it" \
    test "$(json_get "$a/android-switch-enum.json" "d['devices'][0]['enumeration']['failed'], d['connection_ends'][0]['by']")" = "True server"
  check "android-switch: the client's kernel lost the device mid-enumeration (vhci_hcd: connection closed)" \
    grep -q 'vhci_hcd: connection closed' "$a/enum-dmesg.txt"
fi

# android-adb: the phone as a Samsung in "MTP + ADB" mode (04e8:6860) with an ADB-shaped interface
if scenario android-adb; then
  a=$out/android-adb
  check "android-adb: the client enumerated MTP (06/01/01), CDC-ACM (02/02/01, cdc_acm) and ADB (ff/42/01)" \
    test "$(sort "$a/interfaces.txt" | tr '\n' ';')" = "02 02 01 cdc_acm;06 01 01 none;0a 00 00 cdc_acm;ff 42 01 none;"
  check "android-adb: libmtp's mtp-detect knows the phone as a Samsung over vhci" \
    grep -Eq "Samsung: Galaxy models \(MTP\) \(04e8:6860\) @ bus ($(tr ' \n' '||' < "$a/vhci-buses.txt" | sed 's/|*$//')), " "$a/mtp-detect.txt"
fi

# android-lan: the Samsung-shaped phone imported across the two-machine LAN (MTU 1500)
if scenario android-lan; then
  a=$out/android-lan
  check "android-lan: mtp-getfile pulled the phone's 512 KiB file whole across the link (md5)" \
    test "$(cat "$a/client/md5-got.txt")" = "$(cat "$a/server/md5-phone.txt")"
  check "android-lan: the client enumerated MTP, CDC-ACM (cdc_acm) and ADB (ff/42/01) across the link" \
    test "$(sort "$a/client/interfaces.txt" | tr '\n' ';')" = "02 02 01 cdc_acm;06 01 01 none;0a 00 00 cdc_acm;ff 42 01 none;"
  check "android-lan: libmtp's mtp-detect lists the phone as a Samsung over vhci" \
    grep -Eq "Samsung: Galaxy models \(MTP\) \(04e8:6860\) @ bus ($(tr ' \n' '||' < "$a/client/vhci-buses.txt" | sed 's/|*$//')), " "$a/client/mtp-detect.txt"
  check "android-lan: usbip-analyze exits 0 on the wire recording" analyze_json "$a/lan.pcap"
  check "android-lan: the MTP view shows the one GetObject of 524288 bytes, answered OK" \
    test "$(json_get "$a/lan.json" "[(o['operation'], o['bytes'], o['response']) for o in d['devices'][0]['class']['mtp']['objects']]")" = "[('GetObject', 524288, '0x2001')]"
  check "android-lan: no frame on the wire above 1514 bytes" \
    test "$(tshark -r "$a/lan.pcap" -T fields -e frame.len 2>/dev/null | sort -n | tail -n 1)" -le 1514
fi

# android-gadget: a phone-like composite (MTP + ACM) from the kernel's gadget stack, a mode switch
if scenario android-gadget; then
  a=$out/android-gadget
  check "android-gadget: libmtp talked MTP to the phone over USB/IP (mtp-files lists hello.txt)" \
    grep -q 'Filename: hello.txt' "$a/mtp-files.txt"
  check "android-gadget: ping went through the ACM port and pong came back" \
    test "$(cat "$a/acm.txt")/$(cat "$a/acm-reply.txt")" = ping/pong
  analyze_json "$a/android.pcap"
  check "android-gadget: the server closed the first connection when the phone switched modes" \
    test "$(json_get "$a/android.json" "[(e['how'], e['by']) for e in d['connection_ends']][0]")" = "('closed', 'server')"
  check "android-gadget: the second import is the same busid re-enumerated as 18d1:4ee1" \
    test "$(json_get "$a/android.json" "(d['connection_ends'][1]['reenumerated_from'] or {}).get('pid'), d['devices'][1]['pid']")" = "4ee2 4ee1"
fi

# live-watch: usbip-analyze -i in the guest, on lo and usbmon, against tcpdump and the kernel
if scenario live-watch; then
  check "live-watch: the live reports are the recording's, and the kernel's (check_live_watch.py)" \
    python3 "$here/check_live_watch.py" "$analyze" "$out/live-watch"
fi

rm -rf "$out"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
