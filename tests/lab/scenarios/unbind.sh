# SPDX-License-Identifier: GPL-2.0-or-later
# unbind -- a device unbound on the server in the middle of a transfer: a dd read of the
# usb-storage disk runs (20 ms netem delay on the server-to-client path keeps it going), and
# `usbip unbind` on the server side pulls the device away; the client sees the connection end.
# qemu: -drive if=none,id=stick,format=raw,readonly=on,file=${LAB_DISK} -device usb-storage,bus=xhci.0,drive=stick
# modules: usb-storage sd_mod sch_netem sch_prio cls_u32
server_up
netem_server_to_client 20
capture_start unbind
client_attach
wait_for 60 test -b /dev/sda || fail "the attached disk did not appear as /dev/sda"
dd if=/dev/sda of=/dev/null bs=64k count=256 2> /out/dd.txt &
reader=$!
sleep 1
usbip unbind -b "$BUSID" > /out/unbind.txt 2>&1 || fail "usbip unbind failed: $(cat /out/unbind.txt)"
wait "$reader"
echo $? > /out/dd-exit.txt
sleep 3
dmesg | tail -n 40 > /out/unbind-dmesg.txt
usbip port > /out/usbip-port.txt 2>&1
capture_stop
