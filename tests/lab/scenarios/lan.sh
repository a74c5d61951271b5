# SPDX-License-Identifier: GPL-2.0-or-later
# lan -- the seed's setup, two machines on a LAN: guest "server" has the usb-storage and exports
# it with usbipd; guest "client" attaches it across an emulated Ethernet link (virtio-net, MTU
# 1500; qemu's socket netdev over host loopback) and reads it. qemu's filter-dump on the client's
# NIC records the wire as lan.pcap: frames as on a real LAN, not loopback's 64 KB segments.
# LAB_ARGS: MiB to read (default 1).
# machines: server client
# qemu-server: -drive if=none,id=stick,format=raw,readonly=on,file=${LAB_DISK} -device usb-storage,bus=xhci.0,drive=stick
# qemu-client:
# modules: usb-storage sd_mod virtio_pci virtio_net
mib=${LAB_ARGS:-1}
case "$LAB_ROLE" in
server)
  net_up 10.0.3.1/24
  server_up
  echo "$BUSID" > /out/busid.txt
  lan_server_wait
  ;;
client)
  lan_client_import
  wait_for 60 test -b /dev/sda || fail "the disk did not appear on the client"
  t0=$(uptime_ms)
  dd if=/dev/sda of=/dev/null bs=64k count=$((mib * 16)) 2> /out/dd.txt || fail "dd failed"
  t1=$(uptime_ms)
  echo "$((mib * 1048576)) $((t1 - t0))" > /out/read-time.txt
  dd if=/dev/sda bs=1M count=1 2>/dev/null | md5sum | cut -d' ' -f1 > /out/first-mib.md5
  ip link show eth0 > /out/eth0.txt
  client_detach
  said=done
  ;;
*) fail "lan needs LAB_ROLE server or client (got '$LAB_ROLE')" ;;
esac
