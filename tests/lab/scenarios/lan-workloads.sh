# SPDX-License-Identifier: GPL-2.0-or-later
# lan-workloads -- a storage workload of storage-workloads.sh across the two-machine LAN of
# lan.sh (virtio-net, MTU 1500: MSS 1448, so TCP's congestion window opens from 14 KiB where on
# lo it starts at 640 KiB), with tc netem delaying what the server sends (its eth0). The client
# attaches, waits until the disk settled, runs the workload (timed by lab-dio) and detaches;
# qemu's filter-dump records the client's NIC as lan.pcap. tests/lab/workloads.sh runs it per
# delay as lan-WORKLOAD.
# LAB_ARGS: the workload (read-direct-1m or write-direct-1m) and the delay (like 100ms).
# machines: server client
# qemu-server: -drive if=none,id=stick,format=raw,snapshot=on,file=${LAB_CACHE}/zero.img -device usb-storage,bus=xhci.0,drive=stick
# qemu-client:
# project: tests/lab-dio
# modules: usb-storage sd_mod virtio_pci virtio_net sch_netem
workload="" delay=0
for word in ${LAB_ARGS:-}; do
  case $word in *ms) delay=${word%ms} ;; *) workload=$word ;; esac
done
mib=1048576
case "$LAB_ROLE" in
server)
  net_up 10.0.3.1/24
  [ "$delay" = 0 ] || /sbin/tc qdisc add dev eth0 root netem delay "${delay}ms" limit 100000 ||
    fail "tc netem on eth0 failed"
  server_up
  lan_server_wait
  ;;
client)
  lan_client_import
  echo 4 > /proc/sys/vm/nr_hugepages
  # sd's probe (INQUIRY, READ CAPACITY, MODE SENSE) is not in the disk's counters: wait for its
  # "Attached SCSI disk", then for the partition scan's reads to end, so that neither runs into
  # the timed workload.
  attached() { dmesg | grep -q 'Attached SCSI disk' && test -b /dev/sda; }
  wait_for 120 attached || fail "the disk did not appear on the client"
  settled() { # the disk's counters did not move for 4 round trips, at least 1 s
    local before
    before=$(cat /sys/block/sda/stat)
    sleep "$(awk -v d="$delay" 'BEGIN { w = 4 * d / 1000; if (w < 1) w = 1; print w }')"
    [ "$before" = "$(cat /sys/block/sda/stat)" ]
  }
  wait_for 120 settled || fail "the disk did not settle"
  sync
  echo 3 > /proc/sys/vm/drop_caches
  sleep 2
  case $workload in
    read-direct-1m) us=$(lab-dio read /dev/sda 8 8 1024 2>> /out/commands.txt) ;;
    write-direct-1m) us=$(lab-dio write /dev/sda 8 8 1024 2>> /out/commands.txt) ;;
    *) fail "unknown workload '$workload'" ;;
  esac || fail "$workload failed: $(tail -n 1 /out/commands.txt)"
  echo "lan-$workload $delay $((8 * mib)) $us" > /out/workloads.txt
  sleep 2
  client_detach
  said=done
  ;;
*) fail "lan-workloads needs LAB_ROLE server or client (got '$LAB_ROLE')" ;;
esac
