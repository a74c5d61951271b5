# storage-sweep -- the seed's experiment: usb-storage read over USB/IP with tc netem delay on the
# server-to-client path only (packets from port 3240 on lo), one attach, read and capture per
# delay; /out/sweep.txt has "delay_ms bytes elapsed_ms" per delay, timed in the guest.
# LAB_ARGS: the delays in ms (default 0 10 20 50 100 200).
# qemu: -drive if=none,id=stick,format=raw,readonly=on,file=${LAB_DISK} -device usb-storage,bus=xhci.0,drive=stick
# modules: usb-storage sd_mod sch_netem sch_prio cls_u32
# keep: sweep-0ms.pcap sweep-100ms.pcap sweep.txt
read_mib() { # how much to read at a delay: about the same few seconds at every delay
  if [ "$1" -le 20 ]; then echo 4; elif [ "$1" -le 50 ]; then echo 2; else echo 1; fi
}
server_up
echo "delay_ms bytes elapsed_ms" > /out/sweep.txt
for delay in ${LAB_ARGS:-0 10 20 50 100 200}; do
  netem_server_to_client "$delay"
  capture_start "sweep-${delay}ms"
  client_attach
  wait_for 120 test -b /dev/sda || fail "no /dev/sda at ${delay} ms"
  mib=$(read_mib "$delay")
  t0=$(uptime_ms)
  dd if=/dev/sda of=/dev/null bs=64k count=$((mib * 16)) 2>> /out/dd.txt || fail "dd failed at ${delay} ms"
  t1=$(uptime_ms)
  echo "$delay $((mib * 1048576)) $((t1 - t0))" >> /out/sweep.txt
  client_detach
  wait_for 60 test ! -b /dev/sda || fail "/dev/sda stayed after the detach at ${delay} ms"
  capture_stop
done
