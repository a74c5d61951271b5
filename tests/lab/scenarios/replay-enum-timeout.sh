# SPDX-License-Identifier: GPL-2.0-or-later
# replay-enum-timeout -- usbip-replay serves captures/enum-timeout.pcap with its recorded timing: a
# session that never got past the device descriptor (every answer came after 6 s, the last never).
# The real kernel times out the same way (dmesg: error -110), and once its requests go past the
# six recorded ones the server stalls them and says, once, where the recording ends; the kernel
# gives up on the device.
# qemu: -netdev user,id=net0 -device virtio-net-pci,netdev=net0
# modules: virtio_pci virtio_net
# host: exec "$UIP_BUILD/replay/usbip-replay" serve ../../captures/enum-timeout.pcap --listen 127.0.0.1:$LAB_PORT --timing recorded
net_up 10.0.2.15/24 10.0.2.2
client_attach_remote 10.0.2.2 "$LAB_PORT"
descriptor_timed_out() { dmesg | grep -q 'descriptor read.*error -110'; }
wait_for 90 descriptor_timed_out || fail "no 'descriptor read ... error -110' in dmesg after 90 s"
# past the recording: the stalled requests (error -32) or the kernel giving up
gave_up() { dmesg | grep -Eq 'error -32|unable to enumerate'; }
wait_for 200 gave_up || fail "the kernel neither got a stall past the recording nor gave up after 200 s"
sleep 2
dmesg | grep -E 'vhci|usb [0-9]' > /out/enumeration-dmesg.txt
client_detach_if_attached
