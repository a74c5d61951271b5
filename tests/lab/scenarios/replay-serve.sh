# SPDX-License-Identifier: GPL-2.0-or-later
# replay-serve -- usbip-replay on the host serves the device recorded in captures/storage.pcap; the
# guest's vhci-hcd lists and attaches it through qemu user networking (10.0.2.2 is host loopback):
# the real kernel enumerates the recorded device, usb-storage binds, and the blocks the recording
# read are read again (their checksum is compared with the recording's by tests/replay/). The
# session as replayed is written to OUTDIR/replayed.pcap.
# qemu: -netdev user,id=net0 -device virtio-net-pci,netdev=net0
# modules: virtio_pci virtio_net usb-storage sd_mod
# host: exec "$UIP_BUILD/replay/usbip-replay" serve ../../captures/storage.pcap --listen 127.0.0.1:$LAB_PORT --timing fast --write "$LAB_OUT/replayed.pcap"
net_up 10.0.2.15/24 10.0.2.2
client_attach_remote 10.0.2.2 "$LAB_PORT"
wait_for 60 test -b /dev/sda || fail "the replayed disk did not appear as /dev/sda"
usb_devices_out
ls /sys/bus/usb/drivers/usb-storage/ > /out/usb-storage-bound.txt
dd if=/dev/sda of=/dev/null bs=64k count=32 2> /out/dd.txt || fail "dd read of the replayed disk failed"
dd if=/dev/sda bs=1M count=1 2>/dev/null | md5sum | cut -d' ' -f1 > /out/first-mib.md5
usbip port > /out/usbip-port.txt 2>&1
client_detach
