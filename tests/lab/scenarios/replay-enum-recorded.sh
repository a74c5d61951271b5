# SPDX-License-Identifier: GPL-2.0-or-later
# replay-enum-recorded -- usbip-replay serves captures/enum-recover.pcap with its recorded timing: the
# recorded device answered its first descriptor requests after about 6 s, so the real kernel's
# hub driver times out the same way (dmesg: error -110) and unlinks them; the recorded quick
# answers of the later retry then let it enumerate, and the disk appears.
# qemu: -netdev user,id=net0 -device virtio-net-pci,netdev=net0
# modules: virtio_pci virtio_net usb-storage sd_mod
# host: exec "$UIP_BUILD/replay/usbip-replay" serve ../../captures/enum-recover.pcap --listen 127.0.0.1:$LAB_PORT --timing recorded
net_up 10.0.2.15/24 10.0.2.2
client_attach_remote 10.0.2.2 "$LAB_PORT"
START_MS=$(uptime_ms)
descriptor_timed_out() { dmesg | grep -q 'descriptor read.*error -110'; }
wait_for 90 descriptor_timed_out || fail "no 'descriptor read ... error -110' in dmesg after 90 s"
wait_for 150 test -b /dev/sda || fail "the replayed disk did not appear after the recorded retry"
echo $(( $(uptime_ms) - START_MS )) > /out/enumeration-ms.txt
dmesg | grep -E 'vhci|usb [0-9]|sda' > /out/enumeration-dmesg.txt
client_detach
