# SPDX-License-Identifier: GPL-2.0-or-later
# storage -- usb-storage bound to usbip-host, attached over loopback with vhci-hcd, dd read;
# recorded twice: USB/IP on lo and the client's usbmon for the vhci_hcd bus.
# qemu: -drive if=none,id=stick,format=raw,readonly=on,file=${LAB_DISK} -device usb-storage,bus=xhci.0,drive=stick
# modules: usb-storage sd_mod
server_up
capture_start storage
usbmon_start storage
client_attach
wait_for 60 test -b /dev/sda || fail "the attached disk did not appear as /dev/sda"
dd if=/dev/sda of=/dev/null bs=64k count=16 2> /out/dd.txt || fail "dd read failed"
dd if=/dev/sda bs=1M count=1 2>/dev/null | md5sum | cut -d' ' -f1 > /out/first-mib.md5
usbip port > /out/usbip-port.txt 2>&1
client_detach
capture_stop
usbmon_stop
