# SPDX-License-Identifier: GPL-2.0-or-later
# android-mtp -- an MTP file transfer from the phone-like gadget (common.sh's phone_*: 18d1:4ee2,
# MTP by umtp-responder over FunctionFS, CDC-ACM) over USB/IP on lo with netem delaying the
# server-to-client path by LAB_ARGS ms (default 100): the client's libmtp lists the phone's files
# (mtp-files) and pulls a 512 KiB file of random bytes with mtp-getfile, whose md5 must be the
# phone's. Recorded as android-mtp-DELAYms.pcap; /out/md5-phone.txt, md5-got.txt, mtp-getfile.txt,
# getfile-ms.txt (the pull's time in the guest).
# modules: dummy_hcd libcomposite usb_f_fs usb_f_acm usb_f_mass_storage cdc_acm sch_netem sch_prio cls_u32
# binaries: /usr/bin/umtprd /usr/bin/mtp-files /usr/bin/mtp-getfile
# files: /etc/umtprd/umtprd.conf /usr/lib/x86_64-linux-gnu/gconv/gconv-modules /usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache /usr/lib/x86_64-linux-gnu/gconv/UNICODE.so /usr/lib/x86_64-linux-gnu/gconv/UTF-16.so
phone_make
dd if=/dev/urandom of=/var/lib/umtp/photo.jpg bs=64k count=8 2>/dev/null
md5sum < /var/lib/umtp/photo.jpg | cut -d' ' -f1 > /out/md5-phone.txt
phone_up 0x4ee2 ffs.mtp acm.usb0
wait_for 20 first_busid >/dev/null || fail "the gadget did not appear on the dummy host bus"
netem_server_to_client "${LAB_ARGS:-100}"
server_up
capture_start "android-mtp-${LAB_ARGS:-100}ms"
client_attach
wait_for 120 test -c /dev/ttyACM0 || fail "no /dev/ttyACM0 on the client"
timeout 240 mtp-files > /out/mtp-files.txt 2>&1
id=$(awk '/^File ID:/ { id = $3 } /^   Filename: photo.jpg/ { print id; exit }' /out/mtp-files.txt)
[ -n "$id" ] || fail "mtp-files did not list photo.jpg: $(head -c 300 /out/mtp-files.txt)"
start=$(uptime_ms)
timeout 240 mtp-getfile "$id" /tmp/photo.jpg > /out/mtp-getfile.txt 2>&1 || fail "mtp-getfile failed: $(tail -n 3 /out/mtp-getfile.txt)"
echo $(($(uptime_ms) - start)) > /out/getfile-ms.txt
md5sum < /tmp/photo.jpg | cut -d' ' -f1 > /out/md5-got.txt
client_detach
capture_stop
