# SPDX-License-Identifier: GPL-2.0-or-later
# bulk-read -- a benchmark data set, not a test: one long usb-storage read over USB/IP on lo
# (LAB_ARGS: MiB, default 256; LAB_DISK should be an image at least that big), recorded with
# tcpdump straight into the host's OUTDIR over 9p (bulk-read.pcap), too big for the serial port.
# qemu: -drive if=none,id=stick,format=raw,readonly=on,file=${LAB_DISK} -device usb-storage,bus=xhci.0,drive=stick
# modules: usb-storage sd_mod 9p 9pnet_virtio virtio_pci
# hostout: yes
mib=${LAB_ARGS:-256}
server_up
capture_to_host bulk-read
client_attach
wait_for 60 test -b /dev/sda || fail "the attached disk did not appear as /dev/sda"
dd if=/dev/sda of=/dev/null bs=1M count="$mib" 2> /out/dd.txt || fail "dd read failed"
client_detach
capture_stop
sync
