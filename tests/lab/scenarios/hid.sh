# SPDX-License-Identifier: GPL-2.0-or-later
# hid -- usb-kbd exported and attached over loopback: interrupt IN URBs stay pending while
# nothing is typed, and are unlinked when the device is detached. Recorded on lo and on the vhci_hcd bus's usbmon.
# qemu: -device usb-kbd,bus=xhci.0
# modules: usbhid hid-generic
server_up
capture_start hid
usbmon_start hid
client_attach
wait_for 60 grep -q usbhid /sys/bus/usb/drivers/usbhid/*/uevent 2>/dev/null || sleep 5
sleep 3
usbip port > /out/usbip-port.txt 2>&1
client_detach
sleep 1
capture_stop
usbmon_stop
