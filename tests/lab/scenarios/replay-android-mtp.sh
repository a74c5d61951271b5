# SPDX-License-Identifier: GPL-2.0-or-later
# replay-android-mtp -- usbip-replay on the host serves the phone recorded in
# captures/android-mtp-100ms.pcap (18d1:4ee2 holding a 512 KiB file, every answer about 100 ms
# late) with its recorded timing; the guest's vhci-hcd attaches it through 10.0.2.2 and does what
# the recording's client did: libmtp's mtp-files, then mtp-getfile of the file it lists. The
# pulled file must be the recorded one (md5-got.txt; tests/replay/recorded_mtp_object.py reads
# the recording's). Outputs: mtp-files.txt, mtp-getfile.txt, md5-got.txt, usb-devices.txt.
# qemu: -netdev user,id=net0 -device virtio-net-pci,netdev=net0
# modules: virtio_pci virtio_net cdc_acm
# binaries: /usr/bin/mtp-files /usr/bin/mtp-getfile
# files: /usr/lib/x86_64-linux-gnu/gconv/gconv-modules /usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache /usr/lib/x86_64-linux-gnu/gconv/UNICODE.so /usr/lib/x86_64-linux-gnu/gconv/UTF-16.so
# host: exec "$UIP_BUILD/replay/usbip-replay" serve ../../captures/android-mtp-100ms.pcap --listen 127.0.0.1:$LAB_PORT --timing recorded
net_up 10.0.2.15/24 10.0.2.2
client_attach_remote 10.0.2.2 "$LAB_PORT"
wait_for 60 test -c /dev/ttyACM0 || fail "cdc_acm made no /dev/ttyACM0 of the replayed phone"
usb_devices_out
timeout 120 mtp-files > /out/mtp-files.txt 2>&1
id=$(awk '/^File ID:/ { id = $3 } /^   Filename: photo.jpg/ { print id; exit }' /out/mtp-files.txt)
[ -n "$id" ] || fail "mtp-files did not list the recorded photo.jpg: $(head -c 300 /out/mtp-files.txt)"
timeout 120 mtp-getfile "$id" /tmp/photo.jpg > /out/mtp-getfile.txt 2>&1 ||
  fail "mtp-getfile failed: $(tail -n 3 /out/mtp-getfile.txt)"
[ -s /tmp/photo.jpg ] || fail "mtp-getfile wrote no file: $(tail -n 3 /out/mtp-getfile.txt)"
md5sum < /tmp/photo.jpg | cut -d' ' -f1 > /out/md5-got.txt
stat -c %s /tmp/photo.jpg > /out/size-got.txt
client_detach
sleep 1
