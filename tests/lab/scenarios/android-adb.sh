# SPDX-License-Identifier: GPL-2.0-or-later
# android-adb -- the phone-like gadget as a Samsung phone in "MTP + ADB" mode (04e8:6860, the id
# Samsung's phones use for MTP with or without ADB): MTP by umtp-responder, CDC-ACM, and the
# ADB-shaped interface (ff/42/01) of lab-ffs-adb, exported by usbip-host and attached over lo.
# The client enumerates the three functions, cdc_acm binds the modem, and libmtp's mtp-detect
# recognises the device by its ids. Outputs: interfaces.txt (the client's view of each
# interface: class subclass protocol driver), vhci-buses.txt, mtp-detect.txt, and the session
# on lo as android-adb.pcap (one libmtp program: replay.lab.drive-android drives it).
# modules: dummy_hcd libcomposite usb_f_fs usb_f_acm usb_f_mass_storage cdc_acm
# binaries: /usr/bin/umtprd /usr/bin/mtp-detect
# files: /etc/umtprd/umtprd.conf /usr/lib/x86_64-linux-gnu/gconv/gconv-modules /usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache /usr/lib/x86_64-linux-gnu/gconv/UNICODE.so /usr/lib/x86_64-linux-gnu/gconv/UTF-16.so
# project: tests/lab-ffs-adb
PHONE_VENDOR=0x04e8 PHONE_NAME="Samsung-like phone" phone_make
phone_add_adb
phone_up 0x6860 ffs.mtp acm.usb0 ffs.adb
wait_for 20 first_busid >/dev/null || fail "the gadget did not appear on the dummy host bus"
server_up
capture_start android-adb
client_attach
wait_for 60 test -c /dev/ttyACM0 || fail "no /dev/ttyACM0 on the client"
vhci_interfaces_out
timeout 60 mtp-detect > /out/mtp-detect.txt 2>&1
client_detach
capture_stop
