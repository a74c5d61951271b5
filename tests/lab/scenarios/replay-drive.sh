# SPDX-License-Identifier: GPL-2.0-or-later
# replay-drive -- usbip-replay drive on the host plays the host requests recorded in
# captures/hid.pcap to the guest's real usbip-host: the guest exports qemu's usb-kbd (the device
# the capture was recorded from) with usbipd, reached through qemu's port forward
# 127.0.0.1:LAB_FWD_PORT -> guest:3240. The guest stays up until the host has imported the
# keyboard and let it go again (usbip_status 2, then 1).
# qemu: -netdev user,id=net0,hostfwd=tcp:127.0.0.1:${LAB_FWD_PORT}-:3240 -device virtio-net-pci,netdev=net0 -device usb-kbd,bus=xhci.0
# modules: virtio_pci virtio_net
# host: exec bash fixtures/replay_drive.sh
net_up 10.0.2.15/24 10.0.2.2
server_up
echo "$BUSID" > /out/busid.txt
host_drive_done
