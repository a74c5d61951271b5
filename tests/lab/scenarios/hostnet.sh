# SPDX-License-Identifier: GPL-2.0-or-later
# hostnet -- the networking usbip-replay needs, both ways at once: the guest exports usb-storage
# with usbipd, and its own vhci-hcd attaches it through the host: guest -> 10.0.2.2:LAB_PORT
# (qemu user networking to host loopback) -> a relay on the host (fixtures/tcp_relay.py) ->
# qemu's host port forward 127.0.0.1:LAB_FWD_PORT -> the guest's usbipd on 3240. The project's
# usbip-analyze runs in the guest on the recording (guest-analyze.txt).
# qemu: -netdev user,id=net0,hostfwd=tcp:127.0.0.1:${LAB_FWD_PORT}-:3240 -device virtio-net-pci,netdev=net0 -drive if=none,id=stick,format=raw,readonly=on,file=${LAB_DISK} -device usb-storage,bus=xhci.0,drive=stick
# modules: usb-storage sd_mod virtio_pci virtio_net
# host: exec python3 fixtures/tcp_relay.py "$LAB_PORT" 127.0.0.1 "$LAB_FWD_PORT"
# project: analyzer/usbip-analyze
net_up 10.0.2.15/24 10.0.2.2
echo "$LAB_PORT" > /out/lab-port.txt
server_up
tcpdump -i eth0 -Z root -s 0 -U -w /out/hostnet.pcap "tcp port $LAB_PORT" 2>/out/tcpdump-hostnet.log &
TCPDUMP_PID=$!
wait_for 10 grep -qs listening /out/tcpdump-hostnet.log || fail "tcpdump did not start"
usbip --tcp-port "$LAB_PORT" list -r 10.0.2.2 > /out/list.txt 2>&1 || fail "usbip list through the host failed: $(cat /out/list.txt)"
usbip --tcp-port "$LAB_PORT" attach -r 10.0.2.2 -b "$BUSID" || fail "usbip attach through the host failed"
wait_for 60 test -b /dev/sda || fail "the disk attached through the host did not appear"
dd if=/dev/sda bs=1M count=1 2>/dev/null | md5sum | cut -d' ' -f1 > /out/first-mib.md5
client_detach
capture_stop
usbip-analyze --any-port /out/hostnet.pcap > /out/guest-analyze.txt 2>&1
echo "exit $?" >> /out/guest-analyze.txt
