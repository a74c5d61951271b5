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
  tcpdump -i lo -Z root -B 65536 -s 0 -U -w "/out/$1.pcap" 'tcp port 3240' 2>/out/tcpdump-$1.log &
  TCPDUMP_PID=$!
  wait_for 10 grep -q listening "/out/tcpdump-$1.log" || fail "tcpdump did not start"
}

capture_stop() {
  sleep 0.5
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
