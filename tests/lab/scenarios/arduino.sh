# SPDX-License-Identifier: GPL-2.0-or-later
# arduino -- the seed's Arduino case: Debian's avrdude programs and verifies a 4 KiB sketch
# through qemu's FTDI usb-serial attached over USB/IP; behind the serial port sits an STK500v1
# bootloader (tests/lab/fixtures/serial_peer.py stk500). One attach, avrdude run and capture per
# delay, with tc netem on the server-to-client path: /out/arduino.txt has
# "delay_ms avrdude_exit elapsed_ms" rows and /out/avrdude-Nms.log avrdude's own words.
# LAB_ARGS: the delays in ms (default 0 100 200 300).
# qemu: -chardev socket,id=ser0,host=127.0.0.1,port=${LAB_PORT} -device usb-serial,bus=xhci.0,chardev=ser0
# modules: ftdi_sio sch_netem sch_prio cls_u32
# binaries: /usr/bin/avrdude
# files: /etc/avrdude.conf
# host: exec python3 fixtures/serial_peer.py stk500 "$LAB_PORT"
# keep: arduino-0ms.pcap arduino-300ms.pcap arduino.txt
server_up
dd if=/dev/urandom of=/tmp/sketch.bin bs=1024 count=4 2>/dev/null
echo "delay_ms avrdude_exit elapsed_ms" > /out/arduino.txt
for delay in ${LAB_ARGS:-0 100 200 300}; do
  netem_server_to_client "$delay"
  capture_start "arduino-${delay}ms"
  client_attach
  wait_for 120 test -c /dev/ttyUSB0 || fail "no /dev/ttyUSB0 at ${delay} ms"
  t0=$(uptime_ms)
  timeout 240 avrdude -C /etc/avrdude.conf -c arduino -p atmega328p -P /dev/ttyUSB0 -b 115200 \
    -D -U flash:w:/tmp/sketch.bin:r > "/out/avrdude-${delay}ms.log" 2>&1
  rc=$?
  t1=$(uptime_ms)
  echo "$delay $rc $((t1 - t0))" >> /out/arduino.txt
  client_detach
  wait_for 60 test ! -c /dev/ttyUSB0 || fail "/dev/ttyUSB0 stayed after the detach at ${delay} ms"
  capture_stop
done
