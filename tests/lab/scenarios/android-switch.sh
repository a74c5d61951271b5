# SPDX-License-Identifier: GPL-2.0-or-later
# android-switch -- the phone-like gadget (common.sh's phone_*: 18d1:4ee2, MTP by umtp-responder,
# CDC-ACM) switches USB mode at the two moments that break USB/IP sessions, with netem adding
# LAB_ARGS ms (default 100) to the server-to-client path on lo:
#  1. in the middle of an MTP transfer: mtp-getfile pulls a 4 MiB file; 9 s in, the gadget
#     disconnects and comes back as 18d1:4ee1 (mass storage + ACM), usbip-host drops the device
#     and closes the connection under the transfer (android-switch-transfer.pcap;
#     /out/getfile.txt, getfile.rc);
#  2. during the client's enumeration: usbip-host has taken the 4ee1 device back, the client
#     attaches it and, 0.3 s after the import, the gadget switches back to 4ee2
#     (android-switch-enum.pcap; the client's kernel log of that attach in /out/enum-dmesg.txt).
# modules: dummy_hcd libcomposite usb_f_fs usb_f_acm usb_f_mass_storage cdc_acm usb-storage sd_mod sch_netem sch_prio cls_u32
# binaries: /usr/bin/umtprd /usr/bin/mtp-files /usr/bin/mtp-getfile
# files: /etc/umtprd/umtprd.conf /usr/lib/x86_64-linux-gnu/gconv/gconv-modules /usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache /usr/lib/x86_64-linux-gnu/gconv/UNICODE.so /usr/lib/x86_64-linux-gnu/gconv/UTF-16.so
phone_make
dd if=/dev/urandom of=/var/lib/umtp/video.mp4 bs=64k count=64 2>/dev/null
phone_up 0x4ee2 ffs.mtp acm.usb0
wait_for 20 first_busid >/dev/null || fail "the gadget did not appear on the dummy host bus"
netem_server_to_client "${LAB_ARGS:-100}"
server_up
port_free() { ! usbip port 2>/dev/null | grep -q 'Port in Use'; }
rebound() { [ "$(readlink -f /sys/bus/usb/devices/$BUSID/driver 2>/dev/null)" = /sys/bus/usb/drivers/usbip-host ]; }

# 1. the mode switch under an MTP transfer
capture_start android-switch-transfer
client_attach
wait_for 120 test -c /dev/ttyACM0 || fail "no /dev/ttyACM0 on the client"
timeout 240 mtp-files > /out/mtp-files.txt 2>&1
id=$(awk '/^File ID:/ { id = $3 } /^   Filename: video.mp4/ { print id; exit }' /out/mtp-files.txt)
[ -n "$id" ] || fail "mtp-files did not list video.mp4: $(head -c 300 /out/mtp-files.txt)"
(timeout 120 mtp-getfile "$id" /tmp/video.mp4 > /out/getfile.txt 2>&1; echo $? > /out/getfile.rc) &
getfile=$!
sleep 9 # at 100 ms libmtp opens its session for some 6 s before GetObject starts
phone_down
phone_up 0x4ee1 mass_storage.0 acm.usb0
wait_for 60 port_free || fail "the client kept the port after the device went away"
wait $getfile
capture_stop

# 2. the mode switch during the client's enumeration
wait_for 30 rebound || usbip bind -b "$BUSID" || fail "usbip-host did not take the device back"
dmesg -C
capture_start android-switch-enum
client_attach
sleep 0.3
phone_down
phone_up 0x4ee2 ffs.mtp acm.usb0
wait_for 60 port_free || fail "the client kept the port after the device went away during enumeration"
sleep 2
dmesg > /out/enum-dmesg.txt
capture_stop
