# SPDX-License-Identifier: GPL-2.0-or-later
# replay-android -- usbip-replay on the host serves the phone recorded in captures/android.pcap
# (the android-gadget scenario's first connection: 18d1:4ee2, MTP and CDC-ACM) with its recorded
# timing; the guest's vhci-hcd attaches it through 10.0.2.2 and does what the recording's client
# did: libmtp's mtp-detect and mtp-files, then "ping" on the ACM port. The recorded phone then
# switched USB mode, and its server closed the connection 55.9 ms after its last answer: the
# replay closes it at the same point, and the guest's kernel loses the device as the recording's
# did. Outputs: mtp-detect.txt, mtp-files.txt, acm-reply.txt, usb-devices.txt, usbip-port.txt.
# qemu: -netdev user,id=net0 -device virtio-net-pci,netdev=net0
# modules: virtio_pci virtio_net cdc_acm
# binaries: /usr/bin/mtp-detect /usr/bin/mtp-files
# files: /usr/lib/x86_64-linux-gnu/gconv/gconv-modules /usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache /usr/lib/x86_64-linux-gnu/gconv/UNICODE.so /usr/lib/x86_64-linux-gnu/gconv/UTF-16.so
# host: exec "$UIP_BUILD/replay/usbip-replay" serve ../../captures/android.pcap --listen 127.0.0.1:$LAB_PORT --timing recorded
net_up 10.0.2.15/24 10.0.2.2
client_attach_remote 10.0.2.2 "$LAB_PORT"
wait_for 60 test -c /dev/ttyACM0 || fail "cdc_acm made no /dev/ttyACM0 of the replayed phone"
usb_devices_out
timeout 60 mtp-detect > /out/mtp-detect.txt 2>&1
timeout 60 mtp-files > /out/mtp-files.txt 2>&1
timeout 20 sh -c 'stty raw -echo; printf ping >&0; dd bs=1 count=4 2>/dev/null > /out/acm-reply.txt' <> /dev/ttyACM0 ||
  fail "no answer on the replayed ACM port"
gone() { ! usbip port 2>/dev/null | grep -q 'Port in Use'; }
wait_for 30 gone || fail "the replayed phone did not go away at the recorded disconnect"
usbip port > /out/usbip-port.txt 2>&1
