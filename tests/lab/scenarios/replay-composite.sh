# SPDX-License-Identifier: GPL-2.0-or-later
# replay-composite -- usbip-replay on the host serves the usb-net device recorded in
# captures/composite.pcap (RNDIS + CDC Ethernet configurations) with its recorded timing; the
# guest's vhci-hcd attaches it through 10.0.2.2: the real kernel picks the recorded
# configuration and cdc_ether binds, making a network interface.
# qemu: -netdev user,id=net0 -device virtio-net-pci,netdev=net0
# modules: virtio_pci virtio_net cdc_ether rndis_host
# host: exec "$UIP_BUILD/replay/usbip-replay" serve ../../captures/composite.pcap --listen 127.0.0.1:$LAB_PORT --timing recorded
net_up 10.0.2.15/24 10.0.2.2
client_attach_remote 10.0.2.2 "$LAB_PORT"
cdc_bound() { ls /sys/bus/usb/drivers/cdc_ether/ 2>/dev/null | grep -q ':[0-9]*\.[0-9]*$'; }
wait_for 60 cdc_bound || fail "cdc_ether did not bind the replayed device"
ls /sys/bus/usb/drivers/cdc_ether/ > /out/cdc_ether-bound.txt
for n in /sys/class/net/*; do
  [ -e "$n/device/driver" ] && echo "$(basename "$n") $(basename "$(readlink -f "$n/device/driver")")"
done > /out/netdevs.txt
usb_devices_out
sleep 2
usbip port > /out/usbip-port.txt 2>&1
client_detach
sleep 1
