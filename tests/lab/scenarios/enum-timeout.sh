# SPDX-License-Identifier: GPL-2.0-or-later
# enum-timeout -- an enumeration that fails: usb-storage attached with 6 s of netem delay on the
# server-to-client path, above Linux's 5 s control timeout. The client's hub driver gives up on
# each GET_DESCRIPTOR (dmesg: "device descriptor read/..., error -110"), unlinks it, and the
# device's late replies race the unlinks. Detached after about 40 s, the delay still on.
# qemu: -drive if=none,id=stick,format=raw,readonly=on,file=${LAB_DISK} -device usb-storage,bus=xhci.0,drive=stick
# modules: usb-storage sd_mod sch_netem sch_prio cls_u32
server_up
netem_server_to_client 6000
capture_start enum-timeout
client_attach
descriptor_timed_out() { dmesg | grep -q 'descriptor read.*error -110'; }
wait_for 90 descriptor_timed_out || fail "no 'descriptor read ... error -110' in dmesg after 90 s"
sleep 15
dmesg | grep -E 'vhci|usb [0-9]' > /out/enumeration-dmesg.txt
# detached before the delay is cleared: else the hub driver's next retry, quick now, enumerates
client_detach_if_attached
sleep 2
capture_stop
netem_server_to_client 0
