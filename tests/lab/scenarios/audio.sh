# SPDX-License-Identifier: GPL-2.0-or-later
# audio -- qemu's usb-audio (a USB Audio Class 1 speaker, full speed) exported and attached over
# loopback; snd-usb-audio binds on the client and aplay plays 2 s of 48 kHz stereo through it:
# isochronous OUT URBs with their packet descriptors. Recorded on lo and usbmon.
# qemu: -audiodev none,id=snd0 -device usb-audio,bus=xhci.0,audiodev=snd0
# modules: snd-usb-audio
# binaries: /usr/bin/aplay
# files: /usr/share/alsa
server_up
capture_start audio
usbmon_start audio
client_attach
wait_for 60 test -c /dev/snd/pcmC0D0p || fail "no ALSA playback device appeared for the attached usb-audio"
cat /proc/asound/cards > /out/cards.txt
aplay -D hw:0,0 -t raw -f S16_LE -r 48000 -c 2 -d 2 /dev/urandom > /out/aplay.log 2>&1 ||
  fail "aplay failed: $(tail -n 1 /out/aplay.log)"
usbip port > /out/usbip-port.txt 2>&1
client_detach
sleep 1
capture_stop
usbmon_stop
