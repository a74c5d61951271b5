# SPDX-License-Identifier: GPL-2.0-or-later
# android-lan -- the phone-like gadget exported across the two-machine LAN (as lan.sh: virtio-net,
# MTU 1500, the wire recorded as lan.pcap): guest "server" makes the Samsung-shaped phone of
# android-adb (04e8:6860: MTP by umtp-responder, CDC-ACM, the ADB-shaped ff/42/01 of lab-ffs-adb)
# with a 512 KiB file of random bytes and exports it; guest "client" imports it over the link.
# The client lists the interfaces and their drivers (interfaces.txt), pulls the file with
# mtp-getfile (md5-got.txt against the server's md5-phone.txt), then runs mtp-detect.
# One libmtp program gets a working session here, and only one: libmtp closes an Android device
# with a reset (GET_STATUS on both bulk endpoints, a port reset, whose SET_CONFIGURATION the stub
# passes on to the gadget), and across this link umtp-responder takes no bulk OUT after it (its
# log shows one endpoint read error; the next program's OpenSession is unlinked after libmtp's 5 s
# timeout, and again after its second reset). On lo the next program works. So the file is pulled
# first, by its handle: umtp-responder numbers the objects as it reads the storage's directory,
# and on the guest's tmpfs the newest file, photo.jpg, comes first (handle 1). mtp-detect, second,
# still lists the device from its descriptors (mtp-detect.txt), whatever its session does.
# machines: server client
# qemu-server:
# qemu-client:
# modules: dummy_hcd libcomposite usb_f_fs usb_f_acm usb_f_mass_storage cdc_acm virtio_pci virtio_net
# binaries: /usr/bin/umtprd /usr/bin/mtp-detect /usr/bin/mtp-getfile
# files: /etc/umtprd/umtprd.conf /usr/lib/x86_64-linux-gnu/gconv/gconv-modules /usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache /usr/lib/x86_64-linux-gnu/gconv/UNICODE.so /usr/lib/x86_64-linux-gnu/gconv/UTF-16.so
# project: tests/lab-ffs-adb
case "$LAB_ROLE" in
server)
  net_up 10.0.3.1/24
  PHONE_VENDOR=0x04e8 PHONE_NAME="Samsung-like phone" phone_make
  phone_add_adb
  dd if=/dev/urandom of=/var/lib/umtp/photo.jpg bs=64k count=8 2>/dev/null
  md5sum < /var/lib/umtp/photo.jpg | cut -d' ' -f1 > /out/md5-phone.txt
  phone_up 0x6860 ffs.mtp acm.usb0 ffs.adb
  wait_for 20 first_busid >/dev/null || fail "the gadget did not appear on the dummy host bus"
  server_up
  lan_server_wait
  ;;
client)
  lan_client_import
  wait_for 120 test -c /dev/ttyACM0 || fail "no /dev/ttyACM0 on the client"
  vhci_interfaces_out
  timeout 240 mtp-getfile 1 /tmp/photo.jpg > /out/mtp-getfile.txt 2>&1 ||
    fail "mtp-getfile failed: $(tail -n 3 /out/mtp-getfile.txt)"
  [ -s /tmp/photo.jpg ] || fail "mtp-getfile wrote no file: $(tail -n 3 /out/mtp-getfile.txt)"
  md5sum < /tmp/photo.jpg | cut -d' ' -f1 > /out/md5-got.txt
  timeout 120 mtp-detect > /out/mtp-detect.txt 2>&1 # second: see the header
  client_detach
  said=done
  ;;
*) fail "android-lan needs LAB_ROLE server or client (got '$LAB_ROLE')" ;;
esac
