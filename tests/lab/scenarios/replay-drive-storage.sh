# SPDX-License-Identifier: GPL-2.0-or-later
# replay-drive-storage -- usbip-replay drive on the host plays the host requests recorded in
# captures/storage.pcap to the guest's real usbip-host exporting two qemu usb-storage sticks
# (ports 1 and 2 of the xHCI): LAB_DISK, an image of the blocks the recording read
# (tests/replay/recorded_disk --image), and LAB_DISK.flipped, the same with one byte changed.
# The fixture (fixtures/replay_drive_storage.sh) drives the first (expected: no divergence),
# the second (expected: that byte as the first divergence) and the first again with
# captures/hid.pcap (another device: its device descriptor is the first divergence), then
# listens on LAB_PORT to tell the guest it is done. No usb-storage driver in the guest: the
# sticks are untouched before the export.
# qemu: -netdev user,id=net0,hostfwd=tcp:127.0.0.1:${LAB_FWD_PORT}-:3240 -device virtio-net-pci,netdev=net0 -drive if=none,id=same,format=raw,readonly=on,file=${LAB_DISK} -device usb-storage,bus=xhci.0,port=1,drive=same -drive if=none,id=flipped,format=raw,readonly=on,file=${LAB_DISK}.flipped -device usb-storage,bus=xhci.0,port=2,drive=flipped
# modules: virtio_pci virtio_net
# host: exec bash fixtures/replay_drive_storage.sh
net_up 10.0.2.15/24 10.0.2.2
usbipd -D || fail "usbipd did not start"
sticks() { for d in /sys/bus/usb/devices/*-1 /sys/bus/usb/devices/*-2; do
  [ "$(cat "$d/idVendor" 2>/dev/null)" = 46f4 ] && basename "$d"; done; }
two_sticks() { [ "$(sticks | wc -l)" -eq 2 ]; }
wait_for 30 two_sticks || fail "the two usb-storage sticks did not appear"
for b in $(sticks); do usbip bind -b "$b" || fail "usbip bind -b $b failed"; done
sticks > /out/busids.txt
host_done() { echo | nc 10.0.2.2 "$LAB_PORT" >/dev/null 2>&1; }
wait_for 240 host_done || fail "the host's drives did not finish within 240 s"
dmesg | grep -i usbip > /out/usbip-dmesg.txt
