# SPDX-License-Identifier: GPL-2.0-or-later
# replay-enum-fast -- usbip-replay serves captures/enum-recover.pcap with --timing fast: the same
# recorded device, answered at once, enumerates at the first try with no timeout (no error -110):
# the failure in the recording was the latency, not the device.
# qemu: -netdev user,id=net0 -device virtio-net-pci,netdev=net0
# modules: virtio_pci virtio_net usb-storage sd_mod
# host: exec "$UIP_BUILD/replay/usbip-replay" serve ../../captures/enum-recover.pcap --listen 127.0.0.1:$LAB_PORT --timing fast
net_up 10.0.2.15/24 10.0.2.2
client_attach_remote 10.0.2.2 "$LAB_PORT"
START_MS=$(uptime_ms)
wait_for 60 test -b /dev/sda || fail "the replayed disk did not appear"
echo $(( $(uptime_ms) - START_MS )) > /out/enumeration-ms.txt
dmesg | grep -E 'vhci|usb [0-9]|sda' > /out/enumeration-dmesg.txt
client_detach
