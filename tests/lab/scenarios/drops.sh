# SPDX-License-Identifier: GPL-2.0-or-later
# drops -- a capture with real gaps: tcpdump on lo with a small kernel buffer (-B 128, in KiB)
# while a usb-storage read runs at full speed drops 64 KiB loopback segments, as the note
# on -B warns. The capture's TCP stream has holes in the middle of bulk data and of PDU headers:
# a test of the analyzer's gap accounting and resynchronization on real traffic.
# qemu: -drive if=none,id=stick,format=raw,readonly=on,file=${LAB_DISK} -device usb-storage,bus=xhci.0,drive=stick
# modules: usb-storage sd_mod
server_up
tcpdump -i lo -Z root -B 128 -s 0 -w /out/drops.pcap 'tcp port 3240' 2>/out/tcpdump-drops.log &
TCPDUMP_PID=$!
wait_for 10 grep -qs listening /out/tcpdump-drops.log || fail "tcpdump did not start"
client_attach
wait_for 60 test -b /dev/sda || fail "the attached disk did not appear as /dev/sda"
dd if=/dev/sda of=/dev/null bs=64k count=64 2> /out/dd.txt || fail "dd read failed"
client_detach
capture_stop
grep -q 'dropped by kernel' /out/tcpdump-drops.log || fail "tcpdump printed no drop count"
