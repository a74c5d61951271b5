#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# check_install.sh -- `cmake --install` puts the plugin where this system's tshark looks for it: the
# personal folder of the user who installs, and with -DUIP_PLUGIN_INSTALL=global the global one.
# Each is checked by tshark itself (-G plugins, as an unprivileged user, no WIRESHARK_PLUGIN_DIR).
#   check_install.sh SRC      run as root (natively, or inside a root through root.sh run --src)
# Exit codes: 0 both found, 1 a check failed.
set -eu
src=$1
work=$(mktemp -d /tmp/usbipx-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
failures=0

as_nobody() { # as_nobody HOME CMD...: an unprivileged user (tshark ignores plugin folders as root)
  home=$1; shift
  setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/bin:/bin HOME="$home" "$@"
}
build() { # build DIR MODE: the plugin alone, installed MODE (personal or global)
  cmake -S "$src" -B "$1" -DUIP_PLUGIN_ONLY=ON -DUIP_PLUGIN_INSTALL="$2" > "$1.log" 2>&1 &&
    cmake --build "$1" -j2 >> "$1.log" 2>&1 || { cat "$1.log"; exit 1; }
}
loads_from() { # loads_from HOME DIR: tshark lists usbipx.so from DIR
  as_nobody "$1" tshark -G plugins 2>/dev/null | awk -F'\t' -v want="$2/usbipx.so" \
    '$1 ~ /^usbipx\.so/ && $4 == want { found = 1 } END { exit !found }'
}
check() { # check DESCRIPTION COMMAND...
  what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}

xy=$(tshark --version 2>/dev/null | sed -n '1s/.* \([0-9]*\.[0-9]*\)\.[0-9].*/\1/p')
echo "tshark $xy"

build "$work/personal" personal
mkdir -m 755 "$work/home"
HOME="$work/home" cmake --install "$work/personal" > "$work/install.log" 2>&1 || cat "$work/install.log"
chmod -R a+rX "$work/home"
personal="$work/home/.local/lib/wireshark/plugins/$xy/epan"
check "personal install: in $personal" test -f "$personal/usbipx.so"
check "personal install: tshark $xy loads it from there" loads_from "$work/home" "$personal"

build "$work/global" global
global=$(as_nobody "$work/home" tshark -G folders 2>/dev/null | awk -F'\t' '/^Global Plugins:/ { print $2 }')/epan
DESTDIR="$work/dest" cmake --install "$work/global" > "$work/install.log" 2>&1 || cat "$work/install.log"
check "global install: in tshark's global plugin folder $global" test -f "$work/dest$global/usbipx.so"

[ "$failures" -eq 0 ]
