# SPDX-License-Identifier: GPL-2.0-or-later
# replay-drive-android -- usbip-replay drive on the host plays the host requests of a session of
# the android-adb scenario (ANDROID_RECORDING: the Samsung-shaped phone, 04e8:6860, imported over
# lo and read by one libmtp program, mtp-detect) to the same phone made afresh in this guest and
# exported by its usbip-host, reached through qemu's port forward; every field is compared (the
# phone's serial number, storage and file dates are the same in every run: common.sh's
# phone_make). The guest stays up until the host has imported the phone and let it go again.
# qemu: -netdev user,id=net0,hostfwd=tcp:127.0.0.1:${LAB_FWD_PORT}-:3240 -device virtio-net-pci,netdev=net0
# modules: virtio_pci virtio_net dummy_hcd libcomposite usb_f_fs usb_f_acm usb_f_mass_storage
# binaries: /usr/bin/umtprd
# files: /etc/umtprd/umtprd.conf
# project: tests/lab-ffs-adb
# host: DRIVE_CAPTURE="$ANDROID_RECORDING" DRIVE_IGNORE= exec bash fixtures/replay_drive.sh
net_up 10.0.2.15/24 10.0.2.2
PHONE_VENDOR=0x04e8 PHONE_NAME="Samsung-like phone" phone_make
phone_add_adb
phone_up 0x6860 ffs.mtp acm.usb0 ffs.adb
wait_for 20 first_busid >/dev/null || fail "the gadget did not appear on the dummy host bus"
server_up
echo "$BUSID" > /out/busid.txt
host_drive_done
