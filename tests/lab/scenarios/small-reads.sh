# SPDX-License-Identifier: GPL-2.0-or-later
# small-reads -- a benchmark data set, not a test: many small URBs. 512-byte direct reads of the
# usb-storage disk attached over USB/IP on lo, each a bulk-only transport exchange of three small
# URBs (31-byte command block OUT, 512 bytes IN, 13-byte status IN; coreutils dd, as busybox's
# ignores iflag=direct). LAB_ARGS: reads (default 70000, over 200,000 URBs). Recorded straight into the host's OUTDIR over 9p (small-reads.pcap).
# qemu: -drive if=none,id=stick,format=raw,readonly=on,file=${LAB_DISK} -device usb-storage,bus=xhci.0,drive=stick
# modules: usb-storage sd_mod 9p 9pnet_virtio virtio_pci
# hostout: yes
# binaries: /usr/bin/dd
reads=${LAB_ARGS:-70000}
server_up
capture_to_host small-reads
client_attach
wait_for 60 test -b /dev/sda || fail "the attached disk did not appear as /dev/sda"
/usr/bin/dd if=/dev/sda of=/dev/null iflag=direct bs=512 count="$reads" 2> /out/dd.txt || fail "dd read failed"
client_detach
capture_stop
sync
