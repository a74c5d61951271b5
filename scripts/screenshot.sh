#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# screenshot.sh -- the Wireshark GUI with the usbipx plugin on the bundled captures, as a user sees
# it: Debian's wireshark under Xvfb, run as an unprivileged user (Wireshark as root ignores
# personal plugin folders), natively (Debian 12's 4.0) or inside a release's root made by
# tests/wireshark/root.sh (trixie's 4.4, sid's 4.6) with the plugin built against it.
#
#   scripts/screenshot.sh [RELEASE] [OUTDIR]     RELEASE: bookworm (default), trixie or sid
#
# Writes OUTDIR/wireshark-RELEASE-*.png (default docs/): list (the packet list with latency,
# queue depth and outcome columns, one URB's USB/IP layer expanded), srt (Statistics > Service
# Response Time > USBIPX), expert-enum-timeout and expert-arduino-300ms (Analyze > Expert
# Information of the failing enumeration and of the Arduino upload at 300 ms). Needs root and,
# natively, a built plugin (scripts/setup.sh); installs the GUI packages once.
# Exit codes: 0 done, 1 a step failed, 2 usage.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
release=${1:-bookworm}
outdir=$(mkdir -p "${2:-$src/docs}" && cd "${2:-$src/docs}" && pwd)
root_sh=$src/tests/wireshark/root.sh
die() { echo "screenshot: $*" >&2; exit 1; }
packages="wireshark xvfb xdotool imagemagick fonts-dejavu-core"

# Where to click: the details pane's USB/IP line (the fifth) and the right edge of Expert
# Information's Summary column in 4.4 and 4.6 (Qt 6); 4.0 (Qt 5) lays both out otherwise, and a
# drag there moves its columns rather than widening one, so its summaries stay as they open.
shot_y=597 summary_edge=461
case $release in
bookworm)
  shot_y=613 summary_edge=
  sysroot=
  in_env() { "$@"; }
  [ -f "$src/build/dissector/usbipx.so" ] || { echo "screenshot: build the plugin first (scripts/setup.sh)" >&2; exit 2; }
  ;;
trixie|sid)
  sysroot=$("$root_sh" make "$release") || die "no $release root"
  in_env() { "$root_sh" run "$release" "$@"; }
  ;;
*) sed -n '8,9p' "$0" >&2; exit 2 ;;
esac

in_env sh -c "command -v wireshark >/dev/null && command -v Xvfb >/dev/null && command -v xdotool >/dev/null &&
  command -v import >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Check-Valid-Until=false \
  install -y -qq --no-install-recommends $packages >/dev/null" || die "installing $packages failed"
version=$(in_env sh -c "tshark -v 2>/dev/null | sed -n '1s/.* \([0-9]*\.[0-9]*\)\..*/\1/p'")

work_in=/tmp/uipshot.$$            # the work folder as the GUI sees it
work=$sysroot$work_in
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/plugins/$version/epan" "$work/.config/wireshark"
if [ -z "$sysroot" ]; then
  cp "$src/build/dissector/usbipx.so" "$work/plugins/$version/epan/"
else
  "$root_sh" build "$release" "$src" "$work/build" > "$work/build.log" 2>&1 || die "building the plugin failed"
  cp "$work/build/usbipx.so" "$work/plugins/$version/epan/"
fi
cp "$src/captures/storage.pcap" "$src/captures/enum-timeout.pcap" "$src/captures/arduino-300ms.pcap" "$work/"
cat > "$work/.config/wireshark/preferences" <<'PREFS'
gui.column.format: "No.", "%m", "Time", "%t", "Protocol", "%p", "URB latency", "%Cus:usbipx.latency:0:R", "Queue at submit", "%Cus:usbipx.depth.device_at_submit:0:R", "Outcome", "%Cus:usbipx.outcome", "Info", "%i"
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

# shoot NAME CAPTURE ACTION WIRESHARK-ARGS...: open the capture as user 65534 on a fresh Xvfb,
# fill the screen with each window, do ACTION (expand: open the selected packet's USB/IP layer;
# widen: drag Expert Information's Summary column wide; none), take the screen.
shoot() {
  local name=$1 cap=$2 action=$3; shift 3
  in_env env SHOT_Y="$shot_y" SUMMARY_EDGE="$summary_edge" sh -c '
    work=$1 cap=$2 action=$3 out=$4; shift 4
    Xvfb :87 -screen 0 1600x1000x24 >/dev/null 2>&1 & xvfb=$!
    sleep 2
    setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/bin:/bin HOME="$work" \
      DISPLAY=:87 XDG_RUNTIME_DIR="$work" WIRESHARK_PLUGIN_DIR="$work/plugins" \
      wireshark -r "$work/$cap" "$@" >/dev/null 2>&1 & ws=$!
    sleep 25
    for w in $(DISPLAY=:87 xdotool search --onlyvisible --name . 2>/dev/null); do
      DISPLAY=:87 xdotool windowmove "$w" 0 0 windowsize "$w" 1600 1000 2>/dev/null || true
    done
    sleep 3
    case $action in
      expand) DISPLAY=:87 xdotool mousemove 120 "$SHOT_Y" click 1 sleep 1 key shift+Right ;;
      widen) [ -n "$SUMMARY_EDGE" ] && DISPLAY=:87 xdotool mousemove "$SUMMARY_EDGE" 20 mousedown 1 mousemove 1150 20 mouseup 1 mousemove 1590 990 ;;
    esac
    sleep 3
    DISPLAY=:87 import -window root "$work/$out"
    kill $ws; sleep 1; kill $xvfb
  ' shoot "$work_in" "$cap" "$action" "$name.png" "$@"
  cp "$work/$name.png" "$outdir/wireshark-$release-$name.png"
  echo "$outdir/wireshark-$release-$name.png"
}

shoot list storage.pcap expand -g 63 -Y 'usbipx.latency && usbipx.transfer_type == "bulk"'
shoot srt storage.pcap none -z usbipx,srt
shoot expert-enum-timeout enum-timeout.pcap widen -z expert
shoot expert-arduino-300ms arduino-300ms.pcap widen -z expert
