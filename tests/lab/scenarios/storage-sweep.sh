# SPDX-License-Identifier: GPL-2.0-or-later
# storage-sweep -- the seed's experiment: usb-storage read over USB/IP with tc netem delay on the
# server-to-client path only (packets from port 3240 on lo). Per delay: one attach, a wait until
# the kernel's own commands to the new disk are over (sd's "Attached SCSI disk": its revalidation,
# TEST UNIT READY, READ CAPACITY and MODE SENSE, is not counted in /sys/block/sda/stat; then the
# partition scan's reads), then the same 2 MiB
# `dd` read, timed in the guest to the microsecond; /out/sweep.txt has "delay_ms bytes
# elapsed_ms" per delay. The same workload at every delay lets one capture predict the others.
# LAB_ARGS: the delays in ms (default 0 10 20 50 100 200).
# qemu: -drive if=none,id=stick,format=raw,readonly=on,file=${LAB_DISK} -device usb-storage,bus=xhci.0,drive=stick
# modules: usb-storage sd_mod sch_netem sch_prio cls_u32
# keep: sweep-0ms.pcap sweep-100ms.pcap sweep.txt
mib=2
disk_settled() { # the disk's read counters did not move for a while (4 round trips, at least 1 s)
  local wait_s before
  wait_s=$(awk -v d="$1" 'BEGIN { w = 4 * d / 1000; if (w < 1) w = 1; print w }')
  before=$(cat /sys/block/sda/stat)
  sleep "$wait_s"
  [ "$before" = "$(cat /sys/block/sda/stat)" ]
}
attached() { # sd announced its N-th disk ("Attached SCSI disk"): the probe's commands are over
  [ "$(dmesg | grep -c 'Attached SCSI disk')" -ge "$1" ]
}
now_us() { # monotonic clock from the kernel, in microseconds
  sed -n 's/^now at \([0-9]*\) nsecs$/\1/p' /proc/timer_list | head -n 1 | awk '{ printf "%d\n", $1 / 1000 }'
}
[ -n "$(now_us)" ] || fail "no 'now at' line in /proc/timer_list"
server_up
echo "delay_ms bytes elapsed_ms" > /out/sweep.txt
n=0
for delay in ${LAB_ARGS:-0 10 20 50 100 200}; do
  n=$((n + 1))
  netem_server_to_client "$delay"
  capture_start "sweep-${delay}ms"
  client_attach
  wait_for 120 test -b /dev/sda || fail "no /dev/sda at ${delay} ms"
  wait_for 120 attached "$n" || fail "sd did not finish attaching the disk at ${delay} ms"
  wait_for 120 disk_settled "$delay" || fail "the disk did not settle at ${delay} ms"
  t0=$(now_us)
  # past the first MiBs, which the partition scan may have cached
  dd if=/dev/sda of=/dev/null bs=64k skip=64 count=$((mib * 16)) 2>> /out/dd.txt || fail "dd failed at ${delay} ms"
  t1=$(now_us)
  echo "$delay $((mib * 1048576)) $(( (t1 - t0) / 1000 ))" >> /out/sweep.txt
  client_detach
  wait_for 60 test ! -b /dev/sda || fail "/dev/sda stayed after the detach at ${delay} ms"
  capture_stop
done
