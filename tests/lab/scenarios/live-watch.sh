# SPDX-License-Identifier: GPL-2.0-or-later
# live-watch -- usbip-analyze -i watching the real kernel's USB/IP live, in the guest: on lo and on
# the vhci_hcd bus's usbmon while usb-storage is attached and 1 MiB read (tcpdump recording lo
# beside it), then an enumeration that times out (6 s of netem on the answers, above Linux's 5 s
# control timeout) watched on lo. Each analyzer stops on SIGINT and writes its JSON report:
# /out/live-lo.json, /out/live-usbmon.json, /out/live-timeout.json; tcpdump's recording of the
# first is /out/live-watch.pcap (run-tests.sh compares the live report with the file's).
# qemu: -drive if=none,id=stick,format=raw,readonly=on,file=${LAB_DISK} -device usb-storage,bus=xhci.0,drive=stick
# modules: usb-storage sd_mod sch_netem sch_prio cls_u32
# project: analyzer/usbip-analyze
watch_start() { # watch_start NAME IFACE: usbip-analyze -i IFACE --json > /out/NAME.json; sets WATCH_PID
  usbip-analyze --json -i "$2" > "/out/$1.json" 2> "/out/$1.log" &
  WATCH_PID=$!
  wait_for 20 grep -qs 'capturing on' "/out/$1.log" || fail "usbip-analyze -i $2 did not start: $(cat "/out/$1.log")"
}
watch_stop() { # watch_stop PID NAME: SIGINT, then wait for the report
  sleep 1
  kill -INT "$1"
  wait "$1"
  echo "$?" > "/out/$2.rc"
}
server_up
capture_start live-watch
watch_start live-lo lo
LO_PID=$WATCH_PID
bus=$(vhci_buses | head -n 1)
for b in $(vhci_buses); do # the device lands on the first vhci bus of its speed: watch them all
  watch_start "live-usbmon$b" "usbmon$b"
  eval "USBMON_PID_$b=\$WATCH_PID"
done
client_attach
wait_for 60 test -b /dev/sda || fail "the attached disk did not appear as /dev/sda"
dd if=/dev/sda of=/dev/null bs=64k count=16 2> /out/dd.txt || fail "dd read failed"
client_detach
watch_stop "$LO_PID" live-lo
for b in $(vhci_buses); do
  eval "watch_stop \$USBMON_PID_$b live-usbmon$b"
done
capture_stop
# the usbmon report of the bus the device used: the one that saw URBs
for b in $(vhci_buses); do
  grep -q '"urbs":[1-9]' "/out/live-usbmon$b.json" && mv "/out/live-usbmon$b.json" /out/live-usbmon.json
done
[ -e /out/live-usbmon.json ] || fail "no usbmon bus saw the device's URBs"

netem_server_to_client 6000
watch_start live-timeout lo
TIMEOUT_PID=$WATCH_PID
client_attach
descriptor_timed_out() { dmesg | grep -q 'descriptor read.*error -110'; }
wait_for 90 descriptor_timed_out || fail "no 'descriptor read ... error -110' in dmesg after 90 s"
client_detach_if_attached
watch_stop "$TIMEOUT_PID" live-timeout
netem_server_to_client 0
