#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# check_deb.sh -- the .deb of scripts/package.sh, installed with apt-get into a throwaway copy of a
# bare Debian 12 root (debootstrap's minbase, cached by tests/wireshark/root.sh), its dependencies
# from the Debian mirror: the installed usbip-analyze reads the packaged example capture and finds
# the device and its URBs; the man pages are there; as a normal user, the installed tshark lists
# the installed usbipx plugin and decodes the example's URBs with it; removing the package removes
# its files.
# Usage: check_deb.sh [BUILD_DIR]   (as root; default build-deb)
# Exit codes: 0 every check passed, 1 a check failed (each failure is printed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rootsh=$root/tests/wireshark/root.sh
deb=$("$root/scripts/package.sh" "${1:-$root/build-deb}" | tail -n 1)
"$rootsh" make-bare bookworm > /dev/null
stage=$(mktemp -d /var/tmp/uip-deb.XXXXXX)
trap 'rm -rf "$stage"' EXIT
cp "$deb" "$stage/usbip-toolkit.deb"
cp "$here/in_root.sh" "$stage/"
echo "check_deb: installing $(basename "$deb") in a copy of the bare bookworm root"
"$rootsh" scratch bookworm-bare --src "$stage" sh /src/in_root.sh /src/usbip-toolkit.deb
