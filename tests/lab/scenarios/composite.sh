# SPDX-License-Identifier: GPL-2.0-or-later
# composite -- qemu's usb-net (a composite device: an RNDIS and a CDC Ethernet configuration,
# each with a communication and a data interface, as on an Android phone's tethering) exported
# and attached over loopback; the client's cdc_ether or rndis_host binds it and pings cross it.
# qemu: -netdev user,id=usbnet0 -device usb-net,bus=xhci.0,netdev=usbnet0
# modules: cdc_ether rndis_host
usbnet_iface() { # the network interface of the attached device
  local netdev
  for netdev in /sys/class/net/*; do
    [ -e "$netdev/device" ] && { basename "$netdev"; return 0; }
  done
  return 1
}
server_up
capture_start composite
client_attach
wait_for 60 usbnet_iface >/dev/null || fail "no network interface appeared for the attached usb-net"
IFACE=$(usbnet_iface)
basename "$(readlink "/sys/class/net/$IFACE/device/driver")" > /out/driver.txt
ip link set "$IFACE" up
ip addr add 10.0.2.15/24 dev "$IFACE"
ping -c 5 -W 2 10.0.2.2 > /out/ping.txt 2>&1 || true
cat "/sys/class/net/$IFACE/statistics/tx_packets" > /out/tx_packets.txt
cat "/sys/class/net/$IFACE/statistics/rx_packets" > /out/rx_packets.txt
usbip port > /out/usbip-port.txt 2>&1
client_detach
sleep 1
capture_stop
