# SPDX-License-Identifier: GPL-2.0-or-later
# serial -- qemu's usb-serial (an FTDI FT232, as on older Arduinos) exported and attached over
# loopback; the client's ftdi_sio binds it as /dev/ttyUSB0, and 16 KiB written to it come back
# from an echo peer on the host (tests/lab/fixtures/serial_peer.py). Recorded on lo and usbmon.
# LAB_ARGS: KiB to send (default 16).
# qemu: -chardev socket,id=ser0,host=127.0.0.1,port=${LAB_PORT} -device usb-serial,bus=xhci.0,chardev=ser0
# modules: ftdi_sio
# host: exec python3 fixtures/serial_peer.py echo "$LAB_PORT"
kib=${LAB_ARGS:-16}
server_up
capture_start serial
usbmon_start serial
client_attach
wait_for 60 test -c /dev/ttyUSB0 || fail "the attached FTDI did not appear as /dev/ttyUSB0"
basename "$(readlink /sys/bus/usb-serial/devices/ttyUSB0/driver)" > /out/driver.txt
stty -F /dev/ttyUSB0 115200 raw -echo || fail "stty on /dev/ttyUSB0 failed"
dd if=/dev/urandom of=/tmp/tx.bin bs=1024 count="$kib" 2>/dev/null
cat /dev/ttyUSB0 > /tmp/rx.bin &
reader=$!
sleep 0.5
t0=$(uptime_ms)
dd if=/tmp/tx.bin of=/dev/ttyUSB0 bs=256 2>/dev/null || fail "writing to /dev/ttyUSB0 failed"
rx_complete() { [ "$(stat -c %s /tmp/rx.bin)" -ge $((kib * 1024)) ]; }
wait_for 120 rx_complete || echo "only $(stat -c %s /tmp/rx.bin) of $((kib * 1024)) bytes came back"
t1=$(uptime_ms)
kill "$reader"
echo "$((kib * 1024)) $((t1 - t0))" > /out/echo-time.txt
md5sum < /tmp/tx.bin | cut -d' ' -f1 > /out/tx.md5
head -c $((kib * 1024)) /tmp/rx.bin | md5sum | cut -d' ' -f1 > /out/rx.md5
usbip port > /out/usbip-port.txt 2>&1
client_detach
sleep 1
capture_stop
usbmon_stop
