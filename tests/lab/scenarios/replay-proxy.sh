# SPDX-License-Identifier: GPL-2.0-or-later
# replay-proxy -- usbip-replay proxy on the host between the guest's vhci-hcd and the guest's own
# usbipd (as in hostnet: guest -> 10.0.2.2:LAB_PORT -> the proxy -> qemu's host port forward ->
# usbipd on 3240), adding 20 ms (LAB_ARGS=MS: MS) to the server-to-client direction and recording
# the session as OUTDIR/proxy.pcap. The disk is read through it (read-2mib-ms.txt: how long 2 MiB
# took); the checksum must be the disk image's.
# qemu: -netdev user,id=net0,hostfwd=tcp:127.0.0.1:${LAB_FWD_PORT}-:3240 -device virtio-net-pci,netdev=net0 -drive if=none,id=stick,format=raw,readonly=on,file=${LAB_DISK} -device usb-storage,bus=xhci.0,drive=stick
# modules: usb-storage sd_mod virtio_pci virtio_net
# host: exec "$UIP_BUILD/replay/usbip-replay" proxy --listen 127.0.0.1:$LAB_PORT --server 127.0.0.1:$LAB_FWD_PORT --delay-ms "${LAB_ARGS:-20}" --write "$LAB_OUT/proxy.pcap"
net_up 10.0.2.15/24 10.0.2.2
server_up
usbip --tcp-port "$LAB_PORT" list -r 10.0.2.2 > /out/list.txt 2>&1 || fail "usbip list through the proxy failed: $(cat /out/list.txt)"
usbip --tcp-port "$LAB_PORT" attach -r 10.0.2.2 -b "$BUSID" || fail "usbip attach through the proxy failed"
wait_for 60 test -b /dev/sda || fail "the disk attached through the proxy did not appear"
T0=$(uptime_ms)
dd if=/dev/sda of=/dev/null bs=1M count=2 2> /out/dd.txt || fail "dd through the proxy failed"
echo $(( $(uptime_ms) - T0 )) > /out/read-2mib-ms.txt
dd if=/dev/sda bs=1M count=1 skip=4 2>/dev/null | md5sum | cut -d' ' -f1 > /out/fifth-mib.md5
client_detach
sleep 1
