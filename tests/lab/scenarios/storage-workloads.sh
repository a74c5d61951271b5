# SPDX-License-Identifier: GPL-2.0-or-later
# storage-workloads -- the what-if model's validation workloads: per workload and per delay (tc
# netem on the server-to-client path) one attach, a wait until the kernel's own commands to the
# new disk are over, then the workload, timed in the guest to the microsecond by lab-dio
# (tests/lab/guest/dio.c): its own I/O for the direct workloads (as dd times itself), the
# command from fork to exit for the others.
# LAB_ARGS: workload names and delays (words like 100ms); default every workload at 0 ms.
# tests/lab/workloads.sh runs each workload at each delay in a guest of its own, all from the same
# start. Direct I/O goes through lab-dio (tests/lab/guest/dio.c), which reads and writes from huge
# pages: a direct request's SCSI commands are as large as its buffer's physically contiguous runs,
# and dd's buffer is ordinary memory (a 1 MiB read was two commands in one run, six in another).
# The page cache's pages are ordinary memory too: with them the controller's 32 segments made
# 256 KiB readahead requests of 256 KiB in one run and 128 KiB in the next, so the workloads that
# go through it (read-256k, copy) run with the stick's max_sectors_kb at 128, which any 32 pages
# fill: the same requests in every run.
# The stick is a sparse 64 MiB image of zeros (a snapshot: writes never reach the file), so the
# recordings compress to little in git. Workloads:
#   read-direct-1m   8 MiB, 1 MiB O_DIRECT reads (lab-dio)
#   read-direct-4m   16 MiB, 4 MiB O_DIRECT reads (lab-dio)
#   read-256k        dd 8 MiB, bs=256k, buffered (readahead as the kernel does it)
#   write-direct-1m  8 MiB, 1 MiB O_DIRECT writes (lab-dio)
#   copy             a 4 MiB file copied onto an ext2 filesystem on the stick and synced
#                    (copy-write), then, after a pause and a remount, read back (copy-read)
# /out/workloads.txt has "workload delay_ms bytes elapsed_us" per run; captures are
# WORKLOAD-Nms.pcap, written straight to the host (hostout).
# qemu: -drive if=none,id=stick,format=raw,snapshot=on,file=${LAB_CACHE}/zero.img -device usb-storage,bus=xhci.0,drive=stick
# project: tests/lab-dio
# modules: usb-storage sd_mod sch_netem sch_prio cls_u32 ext4 crc32c_generic 9p 9pnet_virtio virtio_pci
# hostout: yes
disk_settled() { # the disk's counters did not move for a while (4 round trips, at least 1 s)
  local wait_s before
  wait_s=$(awk -v d="$1" 'BEGIN { w = 4 * d / 1000; if (w < 1) w = 1; print w }')
  before=$(cat /sys/block/sda/stat)
  sleep "$wait_s"
  [ "$before" = "$(cat /sys/block/sda/stat)" ]
}
attached_count() { dmesg | grep -c 'Attached SCSI disk'; }
attached() { # sd announced its N-th disk ("Attached SCSI disk"): the probe's commands are over
  [ "$(attached_count)" -ge "$1" ] && test -b /dev/sda
}
timed() { # timed NAME DELAY BYTES LAB-DIO-ARGS...: run the workload, append its time to workloads.txt
  # Every run starts alike: caches dropped and memory compacted, and 2 s of quiet on each side
  # of it, so that the recording shows the run as a transfer phase of its own. lab-dio times it.
  local name=$1 delay=$2 bytes=$3 us
  shift 3
  sync
  echo 3 > /proc/sys/vm/drop_caches
  echo 1 > /proc/sys/vm/compact_memory
  sleep 2
  us=$(lab-dio "$@" 2>> /out/commands.txt) || fail "$name failed at ${delay} ms: $* ($(tail -n 1 /out/commands.txt))"
  echo "$name $delay $bytes $us" >> /out/workloads.txt
  sleep 2
}
mib=1048576
# the copied file: text (the captures keep it; random bytes would not compress for captures/)
yes 'usbip-toolkit lab: the copy workload file' | head -c $((4 * mib)) > /tmp/file || true
[ "$(wc -c < /tmp/file)" -eq $((4 * mib)) ] || fail "could not write the 4 MiB file to copy"
mkdir -p /mnt
echo 4 > /proc/sys/vm/nr_hugepages
[ "$(cat /proc/sys/vm/nr_hugepages)" -ge 2 ] || fail "no huge pages for lab-dio"
server_up
echo "workload delay_ms bytes elapsed_us" > /out/workloads.txt
workloads="" delays=""
for word in ${LAB_ARGS:-}; do
  case $word in *ms) delays="$delays ${word%ms}" ;; *) workloads="$workloads $word" ;; esac
done
formatted=no
for workload in ${workloads:-read-direct-1m read-direct-4m read-256k write-direct-1m copy}; do
  for delay in ${delays:-0}; do
    netem_server_to_client 0
    if [ "$workload" = copy ] && [ $formatted = no ]; then # the filesystem, made once, untimed
      n=$(($(attached_count) + 1))
      client_attach
      wait_for 120 attached "$n" || fail "sd did not attach the disk for mkfs"
      mke2fs -q -b 4096 /dev/sda || fail "mke2fs failed"
      sync
      client_detach
      wait_for 60 test ! -b /dev/sda || fail "/dev/sda stayed after the detach"
      formatted=yes
    fi
    netem_server_to_client "$delay"
    capture_to_host "$workload-${delay}ms"
    n=$(($(attached_count) + 1))
    client_attach
    wait_for 120 attached "$n" || fail "sd did not finish attaching the disk at ${delay} ms"
    wait_for 120 disk_settled "$delay" || fail "the disk did not settle at ${delay} ms"
    case $workload in # through the page cache: requests of 128 KiB (see the header)
      read-256k|copy) echo 128 > /sys/block/sda/queue/max_sectors_kb || fail "max_sectors_kb" ;;
    esac
    case $workload in
      read-direct-1m) timed "$workload" "$delay" $((8 * mib)) read /dev/sda 8 8 1024 ;;
      read-direct-4m) timed "$workload" "$delay" $((16 * mib)) read /dev/sda 16 4 4096 ;;
      read-256k) timed "$workload" "$delay" $((8 * mib)) run dd if=/dev/sda of=/dev/null bs=256k skip=32 count=32 ;;
      write-direct-1m) timed "$workload" "$delay" $((8 * mib)) write /dev/sda 8 8 1024 ;;
      copy)
        mount -t ext2 /dev/sda /mnt || fail "mount failed at ${delay} ms"
        wait_for 120 disk_settled "$delay" || fail "the disk did not settle after the mount at ${delay} ms"
        timed copy-write "$delay" $((4 * mib)) run sh -c 'cp /tmp/file /mnt/file && sync'
        umount /mnt || fail "umount failed at ${delay} ms"
        sleep 3
        mount -t ext2 /dev/sda /mnt || fail "mount failed at ${delay} ms"
        wait_for 120 disk_settled "$delay" || fail "the disk did not settle after the remount at ${delay} ms"
        timed copy-read "$delay" $((4 * mib)) run cat /mnt/file
        rm /mnt/file && umount /mnt || fail "rm/umount failed at ${delay} ms"
        ;;
      *) fail "unknown workload $workload" ;;
    esac
    client_detach
    wait_for 60 test ! -b /dev/sda || fail "/dev/sda stayed after the detach at ${delay} ms"
    capture_stop
  done
done
