#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# check_lab.sh -- boot the lab scenario replay-NAME (replay-serve for storage; usbip-replay serving a recorded device
# to the guest's real vhci-hcd, or driving the guest's real usbip-host) and check what the real kernel did.
#   check_lab.sh NAME BUILD_DIR       NAME: storage, hid, composite, enum-recorded, enum-fast, proxy,
#                                     proxy-sweep, drive, drive-storage,
#                                     enum-timeout, arduino, android, android-mtp,
#                                     drive-android
set -uo pipefail
name=$1
build=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/replay-lab-$name.XXXXXX")
failures=0

check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@" > /dev/null 2>&1; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
enumerated() { grep -q "idVendor=$1, idProduct=$2" "$out/dmesg.txt"; }
listed() { grep -q "($1:$2)" "$out/list.txt"; }
fixture_says() { grep -q "$1" "$out/host-fixture.log"; }
drive_says() { grep -q "$1" "$out/drive.log"; }

# proxy-sweep: the proxy at 0, 20, 50 and 100 ms (two guests at a time); the time to read 2 MiB
# grows with the delay, about as the round trip (usb-storage keeps one bulk URB in flight). The
# table puts it beside the netem sweep recorded in captures/sweep.txt. The checks hold on a loaded
# machine (load only makes a run slower): each URB took at least the added delay, and each read at
# least its round trips; how the times compare between delays is measured, not asserted.
if [ "$name" = proxy-sweep ]; then
  delays="0 20 50 100"
  for pair in "0 20" "50 100"; do
    for ms in $pair; do
      (LAB_ARGS=$ms UIP_BUILD=$build "$root/tests/lab/lab" run replay-proxy "$out/$ms" > "$out/lab-$ms.log" 2>&1) &
    done
    wait
  done
  for ms in $delays; do
    check "proxy at $ms ms: the guest read the disk through it" test -s "$out/$ms/read-2mib-ms.txt"
  done
  echo "2 MiB read: proxy (qemu user networking + usbip-replay proxy) beside netem on lo (captures/sweep.txt)"
  printf '%8s %12s %10s %12s %10s\n' delay_ms proxy_ms proxy_kB/s netem_ms netem_kB/s
  for ms in $delays; do
    t=$(cat "$out/$ms/read-2mib-ms.txt" 2>/dev/null || echo 0)
    n=$(awk -v d="$ms" '$1 == d { print $3 }' "$root/captures/sweep.txt")
    awk -v d="$ms" -v t="$t" -v n="$n" 'BEGIN { printf "%8d %12d %10.0f %12d %10.0f\n", d, t, t ? 2097152 / t : 0, n, n ? 2097152 / n : 0 }'
  done | tee "$out/table.txt"
  for ms in 20 50 100; do
    echo "proxy at $ms ms:"
    if python3 "$here/proxy_bound.py" "$build/analyzer/usbip-analyze" "$out/$ms/proxy.pcap" "$ms" \
         "$(cat "$out/$ms/read-2mib-ms.txt" 2>/dev/null || echo 0)" 2097152; then
      echo "ok: proxy at $ms ms: every URB and the read took at least their round trips"
    else
      echo "FAIL: proxy at $ms ms: faster than its round trips allow"; failures=$((failures + 1))
    fi
  done
  if [ $failures -ne 0 ]; then echo "$failures check(s) failed (outputs in $out)"; exit 1; fi
  rm -rf "$out"
  exit 0
fi

scenario=replay-$name
[ "$name" = storage ] && scenario=replay-serve # the first one, named after the mode
if [ "$name" = drive-storage ]; then
  # The two sticks: the blocks storage.pcap read, and the same with one byte changed.
  export LAB_DISK=$out/recorded.img
  flipped_lba=$("$build/tests/replay/recorded_disk" --image "$root/captures/storage.pcap" \
    "$LAB_DISK" "$LAB_DISK.flipped") || { echo "FAIL: recorded_disk --image"; exit 1; }
fi
if [ "$name" = drive-android ]; then
  # A fresh recording of the phone read by one libmtp program (android-adb, on lo), driven into
  # the same phone made afresh behind the next guest's usbip-host.
  if ! "$root/tests/lab/lab" run android-adb "$out/recorded" > "$out/recording.log" 2>&1; then
    echo "FAIL: recording the phone (lab scenario android-adb, outputs in $out/recorded)"
    exit 1
  fi
  export ANDROID_RECORDING=$out/recorded/android-adb.pcap
fi
if ! UIP_BUILD=$build "$root/tests/lab/lab" run "$scenario" "$out"; then
  echo "FAIL: lab scenario $scenario (outputs in $out)"
  cat "$out/host-fixture.log" "$out/scenario.log" 2>/dev/null | tail -n 30
  exit 1
fi

case $name in
storage)
  check "usbip list -r shows the recorded device" listed 46f4 0001
  check "the kernel enumerated 46f4:0001 through vhci_hcd" enumerated 46f4 0001
  check "usb-storage bound the replayed interface" grep -q ':1\.0$' "$out/usb-storage-bound.txt"
  check "the SCSI disk was attached" grep -q 'Attached SCSI disk' "$out/dmesg.txt"
  recorded=$("$build/tests/replay/recorded_disk" "$root/captures/storage.pcap" 1048576)
  check "the first MiB read by the guest is the recording's (md5 $recorded)" \
    test "$(cat "$out/first-mib.md5")" = "$recorded"
  check "usbip-replay imported the device and ended the session" fixture_says 'session ended'
  check "usbip-analyze reads the replayed session (--write) cleanly" \
    "$build/analyzer/usbip-analyze" --any-port "$out/replayed.pcap"
  check "the replayed session holds the recorded device" \
    grep -q 'busid [0-9-]*, 46f4:0001' <("$build/analyzer/usbip-analyze" --any-port "$out/replayed.pcap")
  ;;
hid)
  check "usbip list -r shows the recorded keyboard" listed 0627 0001
  check "the kernel enumerated 0627:0001 through vhci_hcd" enumerated 0627 0001
  check "usbhid bound the replayed interface" grep -q ':1\.0$' "$out/usbhid-bound.txt"
  check "hid-generic made an input device" grep -q 'hid-generic.*Keyboard' "$out/dmesg.txt"
  check "the interrupt IN URB stayed pending, as recorded" fixture_says '1 still pending'
  check "no divergence from the recording" fixture_says 'stopped: 0 divergence'
  ;;
composite)
  check "usbip list -r shows the recorded device" listed 0525 a4a2
  check "the kernel enumerated 0525:a4a2 through vhci_hcd" enumerated 0525 a4a2
  check "cdc_ether bound the replayed device" grep -q ':1\.0$' "$out/cdc_ether-bound.txt"
  check "cdc_ether made a network interface" grep -q ' cdc_ether$' "$out/netdevs.txt"
  check "no divergence from the recording" fixture_says 'stopped: 0 divergence'
  ;;
android)
  check "usbip list -r shows the recorded phone" listed 18d1 4ee2
  check "the kernel enumerated 18d1:4ee2 through vhci_hcd" enumerated 18d1 4ee2
  check "cdc_acm bound the replayed phone's ACM interface" grep -q 'cdc_acm.*ttyACM0' "$out/dmesg.txt"
  check "mtp-detect read the recorded phone's MTP device info (umtprd's serial number)" \
    grep -q 'Serial number: 01234567' "$out/mtp-detect.txt"
  check "mtp-files lists the recorded phone's file" grep -q 'Filename: hello.txt' "$out/mtp-files.txt"
  check "ping on the ACM port got the recorded pong" test "$(cat "$out/acm-reply.txt")" = pong
  check "the replay closed the connection at the recorded disconnect" fixture_says 'closing: as recorded'
  check "the guest's kernel lost the device when the server closed, as the recording's did" \
    grep -Pzq 'vhci_hcd: connection closed(.|\n)*USB disconnect' "$out/dmesg.txt"
  check "no divergence from the recording" fixture_says 'stopped: 0 divergence'
  ;;
android-mtp)
  recorded=$(python3 "$here/recorded_mtp_object.py" "$root/captures/android-mtp-100ms.pcap")
  check "the kernel enumerated 18d1:4ee2 through vhci_hcd" enumerated 18d1 4ee2
  check "mtp-files lists the recorded phone's photo.jpg" grep -q 'Filename: photo.jpg' "$out/mtp-files.txt"
  check "mtp-getfile pulled the recorded object whole (md5 and size: $recorded)" \
    test "$(cat "$out/md5-got.txt") $(cat "$out/size-got.txt")" = "$recorded"
  check "no divergence from the recording" fixture_says 'stopped: 0 divergence'
  ;;
enum-recorded)
  check "recorded 6 s answers: the kernel timed out (error -110) as in the recording" \
    grep -q 'descriptor read.*error -110' "$out/dmesg.txt"
  check "the kernel unlinked the late URBs, answered (as recorded) after their RET_SUBMIT" \
    grep -Eq '\([1-9][0-9]* after their answer\)' "$out/host-fixture.log"
  check "the recorded retry enumerated the device and the disk was attached" \
    grep -q 'Attached SCSI disk' "$out/dmesg.txt"
  ;;
arduino)
  row() { awk -v r="$1" '$1 == r { print $2 }' "$out/replay-arduino.txt"; }
  check "avrdude against the replayed 0 ms session: programmed and verified (exit 0)" test "$(row arduino-0ms)" = 0
  check "... 4096 bytes written and verified" grep -q '4096 bytes of flash verified' "$out/avrdude-arduino-0ms.log"
  check "avrdude against the replayed 300 ms session: failed as recorded (exit 1)" test "$(row arduino-300ms)" = 1
  check "... out of sync with the programmer, as in the recording (protocol expects sync byte)" \
    grep -q 'protocol expects sync byte' "$out/avrdude-arduino-300ms.log"
  check "serve's serial model played the 0 ms session (138 recorded writes and responses)" \
    grep -q 'serial adapter recorded (138 writes, 138 reads with data)' "$out/serve-arduino-0ms.log"
  check "the 0 ms session's writes were the recorded ones (no divergence)" \
    grep -q 'stopped: 0 divergence' "$out/serve-arduino-0ms.log"
  check "the 300 ms session's too: avrdude failed on the recorded answers at the recorded times" \
    grep -q 'stopped: 0 divergence' "$out/serve-arduino-300ms.log"
  ;;
enum-timeout)
  check "recorded 6 s answers: the kernel timed out (error -110) as in the recording" \
    grep -q 'descriptor read.*error -110' "$out/dmesg.txt"
  check "the server said where the recording ends: its 6 URBs, the last a GET_DESCRIPTOR(DEVICE) never answered" \
    fixture_says 'has gone past the recording, whose 6 URBs end with seq [0-9]* (ep 0 IN GET_DESCRIPTOR(DEVICE).*never answered)'
  check "... and how far the kernel's retries went past it" \
    fixture_says '[1-9][0-9]* request(s) went past the end of the recording'
  check "the kernel never got a device (no SCSI disk)" bash -c "! grep -q 'Attached SCSI disk' '$out/dmesg.txt'"
  ;;
enum-fast)
  check "fast answers: no timeout (no error -110)" bash -c "! grep -q 'error -110' '$out/dmesg.txt'"
  check "the disk was attached" grep -q 'Attached SCSI disk' "$out/dmesg.txt"
  check "enumerated in under 20 s (the recording took 25 s)" test "$(cat "$out/enumeration-ms.txt")" -lt 20000
  ;;
proxy)
  disk=${LAB_DISK:-$root/tests/lab/cache/disk.img}
  check "usbip list -r through the proxy shows the guest's disk" listed 46f4 0001
  check "the disk read through the proxy is the disk image (5th MiB)" \
    test "$(cat "$out/fifth-mib.md5")" = "$(dd if="$disk" bs=1M skip=4 count=1 2>/dev/null | md5sum | cut -d' ' -f1)"
  check "usbip-analyze reads the proxy's recording cleanly" \
    "$build/analyzer/usbip-analyze" --any-port "$out/proxy.pcap"
  slowest_fast=$("$build/analyzer/usbip-analyze" --any-port --urbs - "$out/proxy.pcap" |
    awk -F, 'NR > 1 && $6 == "bulk" && $5 == "in" { if (min == "" || $14 < min) min = $14 } END { print min }')
  check "every bulk IN URB took at least the added 20 ms (fastest: ${slowest_fast}s)" \
    awk -v m="$slowest_fast" 'BEGIN { exit !(m != "" && m >= 0.020) }'
  ;;
drive)
  check "usbip-replay drive imported the guest's keyboard (0627:0001) from usbip-host" \
    drive_says 'drive: imported busid [0-9-]* 0627:0001'
  check "every recorded request was sent and answered (the interrupt IN URB unlinked at the end)" \
    drive_says 'drive: 15 URBs sent, 14 answered, 1 unlinked (as recorded, or at the end)'
  check "no divergence from the recording over enumeration" drive_says ' 0 divergence(s) from the recording'
  check "drive exited 0" drive_says '^drive exit 0$'
  ;;
drive-android)
  check "usbip-replay drive imported the guest's phone (04e8:6860) from usbip-host" \
    drive_says 'drive: imported busid [0-9-]* 04e8:6860'
  check "no divergence from the recording (enumeration, CDC-ACM, libmtp's MTP session)" \
    drive_says ' 0 divergence(s) from the recording'
  check "drive exited 0" drive_says '^drive exit 0$'
  ;;
drive-storage)
  says() { grep -q -- "$2" "$out/drive-$1.log"; }
  check "drive imported the first stick (46f4:0001) from usbip-host" says same 'drive: imported busid [0-9-]* 46f4:0001'
  check "the real stick answered all 105 recorded requests (enumeration, SCSI commands, reads)" \
    says same 'drive: 105 URBs sent, 105 answered, 0 unlinked (as recorded, or at the end)'
  check "with the recorded blocks: no divergence, exit 0" says same '^drive exit 0$'
  check "one changed byte: exactly one divergence, exit 1" says flipped ' 1 divergence(s) from the recording'
  check "... shown as the first divergence: the bulk IN data of the READ(10) of LBA $flipped_lba, from byte 100" \
    says flipped 'IN bulk): IN data differs from byte 100$'
  check "... with its hex rows, expected against received" says flipped 'received at 0x0060:'
  check "... exit 1" says flipped '^drive exit 1$'
  check "another device (hid.pcap's keyboard driven into the stick): its VID:PID is the first divergence" \
    says other-device "the server's device is 46f4:0001, the recording's 0627:0001"
  check "... and its device descriptor, in context" says other-device 'GET_DESCRIPTOR(DEVICE).*IN data differs'
  check "... exit 1" says other-device '^drive exit 1$'
  ;;
*)
  echo "check_lab.sh: no checks for $name"; exit 2 ;;
esac
if [ $failures -ne 0 ]; then
  echo "$failures check(s) failed (outputs in $out)"
  exit 1
fi
rm -rf "$out"
