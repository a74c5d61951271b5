# SPDX-License-Identifier: GPL-2.0-or-later
# replay-arduino -- usbip-replay on the host serves the lab's two Arduino recordings one after the
# other, each with its recorded timing, to the guest's real vhci-hcd: ftdi_sio binds and Debian's
# avrdude programs the sketch of the recording (rebuilt from its writes by
# tests/replay/recorded_sketch) as in the arduino scenario. With captures/arduino-0ms.pcap it
# finishes and verifies; with captures/arduino-300ms.pcap it fails as it did there. The host
# fixture (fixtures/replay_arduino.sh) hands out the sketch on LAB_PORT first, then serves each
# recording there once (serve's serial model: each recorded response comes after the live write
# it followed, at its recorded delay). /out/replay-arduino.txt: "recording avrdude_exit elapsed_ms".
# qemu: -netdev user,id=net0 -device virtio-net-pci,netdev=net0
# modules: virtio_pci virtio_net ftdi_sio
# binaries: /usr/bin/avrdude
# files: /etc/avrdude.conf
# host: exec bash fixtures/replay_arduino.sh
net_up 10.0.2.15/24 10.0.2.2
fetch_sketch() { nc 10.0.2.2 "$LAB_PORT" < /dev/null > /tmp/sketch.bin 2>/dev/null && [ -s /tmp/sketch.bin ]; }
wait_for 60 fetch_sketch || fail "no sketch from the host"
echo "recording avrdude_exit elapsed_ms" > /out/replay-arduino.txt
attach() { usbip --tcp-port "$LAB_PORT" attach -r 10.0.2.2 -b "$1" 2>/dev/null; }
for rec in arduino-0ms arduino-300ms; do
  wait_for 30 attach 17-1 || fail "usbip attach of the replayed $rec failed"
  wait_for 120 test -c /dev/ttyUSB0 || fail "no /dev/ttyUSB0 for the replayed $rec"
  t0=$(uptime_ms)
  timeout 240 avrdude -C /etc/avrdude.conf -c arduino -p atmega328p -P /dev/ttyUSB0 -b 115200 \
    -D -U flash:w:/tmp/sketch.bin:r > "/out/avrdude-$rec.log" 2>&1
  rc=$?
  echo "$rec $rc $(( $(uptime_ms) - t0 ))" >> /out/replay-arduino.txt
  client_detach
  wait_for 60 test ! -c /dev/ttyUSB0 || fail "/dev/ttyUSB0 stayed after the detach of $rec"
done
