#!/usr/bin/env bash
# screenshot.sh -- a screenshot of Wireshark (Debian's wireshark-qt under Xvfb) with the usbipx
# plugin decoding a capture: latency and queue depth columns, one URB's details expanded.
# Usage: scripts/screenshot.sh [CAPTURE] [FRAME] [OUT.png]   (as root; needs a built plugin)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
capture=${1:-$root/captures/storage.pcap}
frame=${2:-63}
out=${3:-$root/docs/wireshark-usbipx.png}
plugin=$root/build/dissector/usbipx.so
[ -f "$plugin" ] || { echo "screenshot: build the plugin first (scripts/setup.sh)" >&2; exit 2; }
DEBIAN_FRONTEND=noninteractive apt-get install -y -q xvfb wireshark-qt imagemagick xdotool >/dev/null

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/plugins/4.0/epan" "$work/.config/wireshark"
cp "$plugin" "$work/plugins/4.0/epan/"
cp "$capture" "$work/capture.pcap"
cat > "$work/.config/wireshark/preferences" <<'PREFS'
gui.column.format: "No.", "%m", "Time", "%t", "Source", "%s", "Destination", "%d", "Protocol", "%p", "URB latency", "%Cus:usbipx.latency:0:R", "Queue", "%Cus:usbipx.depth.device:0:R", "Info", "%i"
PREFS
cat > "$work/.config/wireshark/recent_common" <<'RECENT'
gui.geometry_main_x: 0
gui.geometry_main_y: 0
gui.geometry_main_width: 1600
gui.geometry_main_height: 1000
gui.geometry_main_maximized: TRUE
privs.warn_if_elevated: FALSE
RECENT
chown -R 65534:65534 "$work"
chmod 700 "$work"

Xvfb :87 -screen 0 1600x1000x24 >/dev/null 2>&1 &
sleep 2
setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/bin:/bin HOME="$work" \
  DISPLAY=:87 XDG_RUNTIME_DIR="$work" WIRESHARK_PLUGIN_DIR="$work/plugins" \
  wireshark -r "$work/capture.pcap" -g "$frame" >/dev/null 2>&1 &
sleep 25
# Fill the screen, then expand the USB/IP layer of the selected packet (the fifth line of the
# details pane): click it, Shift+Right expands its subtrees.
win=$(DISPLAY=:87 xdotool search --class wireshark | tail -n 1)
DISPLAY=:87 xdotool windowmove "$win" 0 0 windowsize "$win" 1600 1000
sleep 3
DISPLAY=:87 xdotool mousemove ${UIP_SHOT_X:-120} ${UIP_SHOT_Y:-613} click 1 sleep 1 key shift+Right
sleep 3
mkdir -p "$(dirname "$out")"
DISPLAY=:87 import -window root "$out"
echo "screenshot: $out"
