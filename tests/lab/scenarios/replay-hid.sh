# SPDX-License-Identifier: GPL-2.0-or-later
# replay-hid -- usbip-replay on the host serves the keyboard recorded in captures/hid.pcap; the
# guest's vhci-hcd attaches it through 10.0.2.2: the real kernel enumerates it, usbhid binds,
# and its interrupt IN URB stays pending as it did in the recording until the detach unlinks it.
# qemu: -netdev user,id=net0 -device virtio-net-pci,netdev=net0
# modules: virtio_pci virtio_net usbhid hid-generic
# host: exec "$UIP_BUILD/replay/usbip-replay" serve ../../captures/hid.pcap --listen 127.0.0.1:$LAB_PORT --timing fast
net_up 10.0.2.15/24 10.0.2.2
client_attach_remote 10.0.2.2 "$LAB_PORT"
hid_bound() { ls /sys/bus/usb/drivers/usbhid/ | grep -q ':1\.0$'; }
wait_for 60 hid_bound || fail "usbhid did not bind the replayed keyboard"
sleep 3
usb_devices_out
ls /sys/bus/usb/drivers/usbhid/ > /out/usbhid-bound.txt
usbip port > /out/usbip-port.txt 2>&1
client_detach
sleep 1
