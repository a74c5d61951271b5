# SPDX-License-Identifier: GPL-2.0-or-later
# enum-recover -- the same 6 s delay as enum-timeout, cleared about 20 s after the attach: the
# first attempts time out (error -110), a later retry of the hub driver succeeds, and the disk
# appears. The capture holds both the failures and every answer the device gives.
# qemu: -drive if=none,id=stick,format=raw,readonly=on,file=${LAB_DISK} -device usb-storage,bus=xhci.0,drive=stick
# modules: usb-storage sd_mod sch_netem sch_prio cls_u32
server_up
netem_server_to_client 6000
capture_start enum-recover
client_attach
sleep 20
netem_server_to_client 0
wait_for 150 test -b /dev/sda || fail "the disk did not appear after the delay was cleared"
dmesg | grep -q 'descriptor read.*error -110' || fail "no enumeration timeout before the recovery"
dd if=/dev/sda of=/dev/null bs=64k count=16 2> /out/dd.txt || fail "dd after the recovery failed"
dmesg | grep -E 'vhci|usb [0-9]' > /out/enumeration-dmesg.txt
client_detach
sleep 1
capture_stop
