# SPDX-License-Identifier: GPL-2.0-or-later
# common.sh -- steps the lab scenarios share (sourced in the guest).

fail() { echo "$*" > /out/FAILED; echo "FAILED: $*"; exit 1; }

# The busid of the first emulated device on the xHCI bus (not a hub, not an interface).
first_busid() {
  for d in /sys/bus/usb/devices/*-*; do
    case "$(basename "$d")" in *:*) continue ;; esac
    [ "$(cat "$d/bDeviceClass" 2>/dev/null)" = "09" ] && continue
    basename "$d"
    return 0
  done
  return 1
}

wait_for() { # wait_for SECONDS COMMAND...: poll until COMMAND succeeds
  local n=$(($1 * 10)); shift
  while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
  return 1
}

server_up() { # export the first device: usbipd + bind; sets BUSID
  usbipd -D || fail "usbipd did not start"
  wait_for 20 first_busid >/dev/null || fail "no emulated USB device appeared"
  BUSID=$(first_busid)
  usbip bind -b "$BUSID" || fail "usbip bind -b $BUSID failed"
}

capture_start() { # capture_start NAME: tcpdump on lo, port 3240
  CAPTURE_FILE=/out/$1.pcap
  tcpdump -i lo -Z root -B 65536 -s 0 -U -w "$CAPTURE_FILE" 'tcp port 3240' 2>/out/tcpdump-$1.log &
  TCPDUMP_PID=$!
  wait_for 10 grep -qs listening "/out/tcpdump-$1.log" || fail "tcpdump did not start"
}

capture_to_host() { # capture_to_host NAME: tcpdump on lo, port 3240, straight into the host's OUTDIR over the 9p
  # share (/hostout/NAME.pcap), for recordings too big for the serial port ('# hostout: yes')
  [ -d /hostout ] || fail "no /hostout share (the scenario needs '# hostout: yes')"
  CAPTURE_FILE=/hostout/$1.pcap
  tcpdump -i lo -Z root -B 65536 -s 0 -w "$CAPTURE_FILE" 'tcp port 3240' 2>"/out/tcpdump-$1.log" &
  TCPDUMP_PID=$!
  wait_for 10 grep -qs listening "/out/tcpdump-$1.log" || fail "tcpdump did not start"
}

written() { # written FILE...: wait until the files stopped growing for a second (at most 30 s).
  # tcpdump lags behind the traffic under TCG, and a SIGTERM drops what it has not written yet
  # ("packets received by filter" above "packets captured" in its log).
  local last=-1 size still=0 n=0
  while [ $still -lt 10 ] && [ $n -lt 300 ]; do
    size=$(stat -c %s "$@" 2>/dev/null | tr "\n" " ")
    if [ "$size" = "$last" ]; then still=$((still + 1)); else still=0; last=$size; fi
    sleep 0.1; n=$((n + 1))
  done
}

capture_stop() { # stop tcpdump once it has written what it received
  written "$CAPTURE_FILE"
  kill "$TCPDUMP_PID" 2>/dev/null
  wait "$TCPDUMP_PID" 2>/dev/null
  true
}

client_attach() { # attach BUSID from 127.0.0.1 with vhci-hcd
  usbip attach -r 127.0.0.1 -b "$BUSID" || fail "usbip attach failed"
}

client_detach() { # detach the port 'usbip port' lists (high-speed 0-7, super-speed 8-15)
  local port
  port=$(usbip port 2>/dev/null | sed -n 's/^Port \([0-9]*\):.*/\1/p' | head -n 1)
  [ -n "$port" ] || fail "no imported port to detach"
  usbip detach -p "$port" || fail "usbip detach -p $port failed"
}

net_up() { # net_up ADDR/PREFIX [GATEWAY]: the first Ethernet interface, addressed statically
  local eth
  wait_for 10 test -e /sys/class/net/eth0 || fail "no Ethernet interface (virtio-net) appeared"
  eth=eth0
  ip link set "$eth" up || fail "ip link set $eth up failed"
  ip addr add "$1" dev "$eth" || fail "ip addr add $1 failed"
  [ -z "${2:-}" ] || ip route add default via "$2" || fail "no route via $2"
}

netem_server_to_client() { # netem_server_to_client DELAY_MS: delay USB/IP server->client on lo only
  if ! /sbin/tc qdisc show dev lo | grep -q netem; then
    /sbin/tc qdisc add dev lo root handle 1: prio bands 3 priomap 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 ||
      fail "tc prio qdisc failed"
    /sbin/tc qdisc add dev lo parent 1:1 handle 10: netem delay "${1}ms" limit 100000 ||
      fail "tc netem failed"
    /sbin/tc filter add dev lo parent 1: protocol ip prio 1 u32 match ip sport 3240 0xffff flowid 1:1 ||
      fail "tc u32 filter failed"
  else
    /sbin/tc qdisc change dev lo parent 1:1 handle 10: netem delay "${1}ms" limit 100000 ||
      fail "tc netem change failed"
  fi
}

vhci_buses() { # the bus numbers of the first vhci_hcd's root hubs (high-speed and super-speed)
  local hub
  for hub in /sys/bus/usb/devices/usb*; do
    case "$(readlink -f "$hub")" in */vhci_hcd.0/*) echo "${hub##*/usb}" ;; esac
  done
}

usbmon_start() { # usbmon_start NAME: record the vhci_hcd buses the attach will use
  local bus
  USBMON_PIDS=""
  USBMON_NAME=$1
  for bus in $(vhci_buses); do
    tcpdump -i "usbmon$bus" -Z root -B 65536 -s 0 -U -w "/out/$1-usbmon$bus.pcap" \
      2>"/out/tcpdump-$1-usbmon$bus.log" &
    USBMON_PIDS="$USBMON_PIDS $!"
    wait_for 10 grep -qs listening "/out/tcpdump-$1-usbmon$bus.log" || fail "tcpdump on usbmon$bus did not start"
  done
  [ -n "$USBMON_PIDS" ] || fail "no vhci_hcd bus found for usbmon"
}

usbmon_stop() { # stop the usbmon recordings; keep the bus the device used (the largest file)
  local f keep
  written /out/"$USBMON_NAME"-usbmon*.pcap
  kill $USBMON_PIDS 2>/dev/null
  wait $USBMON_PIDS 2>/dev/null
  keep=$(ls -S /out/"$USBMON_NAME"-usbmon*.pcap | head -n 1)
  for f in /out/"$USBMON_NAME"-usbmon*.pcap; do
    [ "$f" = "$keep" ] || rm -f "$f" "/out/tcpdump-$(basename "$f" .pcap).log"
  done
  mv "$keep" "/out/$USBMON_NAME-usbmon.pcap"
}

vhci_interfaces_out() { # the imported device's interfaces on the client, "class subclass protocol
  # driver" a line, in /out/interfaces.txt; the vhci buses in /out/vhci-buses.txt
  local i drv
  for i in /sys/bus/usb/devices/*-*:1.*; do
    case "$(readlink -f "$i")" in */vhci_hcd.0/*) ;; *) continue ;; esac
    [ "$(cat "$i/bInterfaceClass")" = 09 ] && continue # the vhci root hubs
    drv=none
    [ -e "$i/driver" ] && drv=$(basename "$(readlink -f "$i/driver")")
    echo "$(cat "$i/bInterfaceClass") $(cat "$i/bInterfaceSubClass") $(cat "$i/bInterfaceProtocol") $drv"
  done > /out/interfaces.txt
  vhci_buses > /out/vhci-buses.txt
}

usb_devices_out() { # the guest's USB devices, "busid VID:PID" a line, in /out/usb-devices.txt
  local d
  for d in /sys/bus/usb/devices/*; do
    [ -f "$d/idVendor" ] && echo "$(basename "$d") $(cat "$d/idVendor"):$(cat "$d/idProduct")"
  done > /out/usb-devices.txt
}

uptime_ms() { # milliseconds since boot (for timing a transfer in the guest)
  awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

host_drive_done() { # wait while the host imports $BUSID from this guest's usbip-host and lets it
  # go again (usbip_status 2, then 1); the kernel's usbip lines in /out/usbip-dmesg.txt
  usbip_status() { cat "/sys/bus/usb/devices/$BUSID/usbip_status" 2>/dev/null; }
  imported() { [ "$(usbip_status)" = 2 ]; }
  released() { [ "$(usbip_status)" = 1 ]; }
  wait_for 150 imported || fail "the host's usbip-replay drive never imported $BUSID"
  wait_for 120 released || fail "the host's usbip-replay drive never let $BUSID go"
  sleep 2
  dmesg | grep -i usbip > /out/usbip-dmesg.txt
}

lan_server_wait() { # the two-machine LAN's server: wait for the client's last word ("done")
  nc -l -p 5555 > /out/client-said.txt || fail "listening for the client's word failed"
  [ "$(cat /out/client-said.txt)" = done ] || fail "the client failed: $(cat /out/client-said.txt)"
}

lan_client_import() { # the two-machine LAN's client: up at 10.0.3.2, the server's first device
  # imported (sets BUSID); at its exit it tells the server $said ("done" once all went well)
  trap 'echo "${said:-failed}" | nc 10.0.3.1 5555' EXIT
  net_up 10.0.3.2/24
  wait_for 120 usbip list -r 10.0.3.1 > /dev/null 2>&1 || fail "the server's usbipd did not answer"
  client_attach_remote 10.0.3.1
}

client_attach_remote() { # client_attach_remote HOST [PORT]: attach the first device HOST exports
  # (its list in /out/list.txt); sets BUSID
  local port=${2:-3240}
  usbip --tcp-port "$port" list -r "$1" > /out/list.txt 2>&1 || fail "usbip list -r $1 failed: $(cat /out/list.txt)"
  BUSID=$(sed -n 's/^ *\([0-9][0-9.-]*\): .*/\1/p' /out/list.txt | head -n 1)
  [ -n "$BUSID" ] || fail "usbip list -r $1 showed no device: $(cat /out/list.txt)"
  usbip --tcp-port "$port" attach -r "$1" -b "$BUSID" || fail "usbip attach -r $1 -b $BUSID failed"
}

client_detach_if_attached() { # detach unless the kernel already dropped the port (a failed enumeration)
  if usbip port 2>/dev/null | grep -q '^Port [0-9]*:'; then client_detach; else echo "no port left to detach"; fi
}

# ---- a phone-like USB gadget (android-gadget, android-mtp) ------------------------------------
# configfs on dummy_hcd: Google's vendor id, an MTP function served by umtp-responder over
# FunctionFS (its files in /var/lib/umtp), a CDC ACM serial function, and a mass-storage function
# for the other USB mode.
PHONE=/sys/kernel/config/usb_gadget/phone
phone_udc() { ls /sys/class/udc | head -n 1; }

phone_make() { # make the gadget and its functions, start umtprd (nothing connected yet); the
  # vendor id and product string are PHONE_VENDOR and PHONE_NAME (default Google's, "Android-like phone")
  mkdir -p /sys/kernel/config && mount -t configfs none /sys/kernel/config 2>/dev/null
  [ -d /sys/kernel/config/usb_gadget ] || fail "no configfs usb_gadget (libcomposite)"
  wait_for 10 test -n "$(phone_udc)" || fail "no UDC (dummy_hcd)"
  mkdir -p $PHONE/strings/0x409 $PHONE/configs/c.1/strings/0x409 || fail "cannot make the gadget"
  echo "${PHONE_VENDOR:-0x18d1}" > $PHONE/idVendor
  echo 0x0223 > $PHONE/bcdDevice
  echo "usbip-toolkit lab" > $PHONE/strings/0x409/manufacturer
  echo "${PHONE_NAME:-Android-like phone}" > $PHONE/strings/0x409/product
  echo "LAB0123456789" > $PHONE/strings/0x409/serialnumber
  echo "mtp,acm" > $PHONE/configs/c.1/strings/0x409/configuration
  echo 500 > $PHONE/configs/c.1/MaxPower
  mkdir $PHONE/functions/ffs.mtp $PHONE/functions/acm.usb0 $PHONE/functions/mass_storage.0 ||
    fail "cannot make the gadget's functions"
  dd if=/dev/zero of=/tmp/lun0.img bs=1M count=8 2>/dev/null
  echo /tmp/lun0.img > $PHONE/functions/mass_storage.0/lun.0/file
  mkdir -p /dev/ffs-mtp /var/lib/umtp && mount -t functionfs mtp /dev/ffs-mtp || fail "no functionfs"
  # The phone's storage is the same in every run: a filesystem of its own (capacity and free
  # space as MTP's GetStorageInfo reports them) and a file with a fixed date (GetObjectInfo's),
  # so that usbip-replay drive can compare a live phone with a recorded one.
  mount -t tmpfs -o size=16m phone /var/lib/umtp || fail "cannot mount the phone's storage"
  echo "hello from the lab's phone" > /var/lib/umtp/hello.txt
  touch -d "2026-01-01 12:00:00" /var/lib/umtp/hello.txt /var/lib/umtp
  umtprd > /out/umtprd.log 2>&1 &
  wait_for 10 test -e /dev/ffs-mtp/ep1 || fail "umtprd did not set up its endpoints: $(cat /out/umtprd.log)"
}

phone_add_adb() { # the ADB-shaped function ffs.adb, served by lab-ffs-adb (project program)
  mkdir $PHONE/functions/ffs.adb || fail "cannot make the ADB function"
  mkdir -p /dev/ffs-adb && mount -t functionfs adb /dev/ffs-adb || fail "no functionfs for adb"
  lab-ffs-adb /dev/ffs-adb > /out/ffs-adb.log 2>&1 &
  wait_for 10 test -e /dev/ffs-adb/ep1 || fail "lab-ffs-adb did not set up its endpoints: $(cat /out/ffs-adb.log)"
}

phone_up() { # phone_up PRODUCT_ID FUNCTION...: the gadget with these functions, connected
  echo "$1" > $PHONE/idProduct
  shift
  for f in "$@"; do ln -s "$PHONE/functions/$f" "$PHONE/configs/c.1/" || fail "cannot link $f"; done
  echo "$(phone_udc)" > $PHONE/UDC || fail "cannot connect the gadget to $(phone_udc)"
}

phone_down() { # disconnect the gadget and unlink its functions
  echo "" > $PHONE/UDC
  for l in "$PHONE"/configs/c.1/*.*; do [ -L "$l" ] && rm "$l"; done
}
