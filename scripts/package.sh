#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# package.sh -- build the .deb: the tools, their man pages and the Wireshark plugin for the
# Wireshark this machine builds against, installed under /usr (the plugin in Wireshark's global
# plugin folder), dependencies taken from the binaries by dpkg-shlibdeps.
# Usage: scripts/package.sh [BUILD_DIR]   (default build-deb; prints the .deb's path)
# Exit codes: 0 built, 1 a step failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-deb}
"$root/scripts/setup.sh" --no-build >&2
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DUIP_DISSECTOR=ON -DUIP_PLUGIN_INSTALL=global >&2
cmake --build "$build" -j"$(nproc)" --target usbip-analyze usbip-replay usbipx >&2
(cd "$build" && cpack -G DEB >&2)
ls "$build"/usbip-toolkit_*.deb
