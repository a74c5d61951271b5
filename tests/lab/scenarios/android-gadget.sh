# SPDX-License-Identifier: GPL-2.0-or-later
# android-gadget -- a phone-like composite device from the kernel's own USB gadget stack, over
# USB/IP: dummy_hcd connects a configfs gadget (Google's vendor id, an MTP function served by
# umtp-responder over FunctionFS and a CDC ACM serial function) to a host bus in the same guest;
# usbip-host exports it, vhci-hcd attaches it back over lo. The client's libmtp (mtp-detect,
# mtp-files; iconv's UCS-2 converters copied along) talks MTP to it, and through the ACM port the
# client sends "ping" and the phone's side answers "pong". Then the phone switches USB
# mode as Android does when the user picks "file transfer" or "USB tethering": the gadget
# disconnects, comes back with another product id and a mass-storage function instead of MTP,
# usbip-host loses the device (the connection ends) and rebinds it, and the client attaches
# again. Recorded on lo as android.pcap; /out/mtp-detect.txt, mtp-files.txt, acm.txt.
# modules: dummy_hcd libcomposite usb_f_fs usb_f_acm usb_f_mass_storage cdc_acm usb-storage sd_mod
# binaries: /usr/bin/umtprd /usr/bin/mtp-detect /usr/bin/mtp-files
# files: /etc/umtprd/umtprd.conf /usr/lib/x86_64-linux-gnu/gconv/gconv-modules /usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache /usr/lib/x86_64-linux-gnu/gconv/UNICODE.so /usr/lib/x86_64-linux-gnu/gconv/UTF-16.so
phone_make
phone_up 0x4ee2 ffs.mtp acm.usb0         # Android's "MTP + ADB" product id; ADB's place taken by ACM
wait_for 20 first_busid >/dev/null || fail "the gadget did not appear on the dummy host bus"

server_up
capture_start android
client_attach
wait_for 60 test -c /dev/ttyACM0 || fail "no /dev/ttyACM0 on the client"
timeout 60 mtp-detect > /out/mtp-detect.txt 2>&1
timeout 60 mtp-files > /out/mtp-files.txt 2>&1
# the phone's side of the serial port answers four bytes with four
sh -c 'stty raw -echo; dd bs=1 count=4 2>/dev/null > /out/acm.txt; printf pong >&0' <> /dev/ttyGS0 &
sleep 0.5
timeout 20 sh -c 'stty raw -echo; printf ping >&0; dd bs=1 count=4 2>/dev/null > /out/acm-reply.txt' <> /dev/ttyACM0 ||
  fail "no answer on the ACM port: $(cat /out/acm.txt 2>/dev/null)"

# the mode switch: disconnect, then the other personality
phone_down
sleep 2
phone_up 0x4ee1 mass_storage.0 acm.usb0
port_free() { ! usbip port 2>/dev/null | grep -q 'Port in Use'; }
wait_for 30 port_free || fail "the client kept the port after the device went away"
rebound() { [ "$(readlink -f /sys/bus/usb/devices/$BUSID/driver 2>/dev/null)" = /sys/bus/usb/drivers/usbip-host ]; }
wait_for 30 rebound || usbip bind -b "$BUSID" || fail "usbip-host did not take the device back"
client_attach
wait_for 60 test -b /dev/sda || fail "the mass-storage personality did not appear on the client"
dd if=/dev/sda of=/dev/null bs=64k count=4 2>/out/dd.txt || fail "dd read failed"
client_detach
capture_stop
