#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test.sh -- set up and run the whole test suite: warnings-as-errors build with every unit,
# integration, tshark (Wireshark 4.0, 4.4 and 4.6) and replay test; an ASan+UBSan build of the
# core, the analyzer and the plugin; each fuzz target for a while; the real-kernel lab. Ends with "N passed, N failed".
# Usage: scripts/test.sh            Environment: UIP_FUZZ_SECONDS (default 60).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
passed=0
failed=0
failures=()

step() { # step NAME COMMAND...: run one stage, count it, keep going
  local name=$1; shift
  echo "=== $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); failures+=("$name")
    echo "=== FAILED: $name"
  fi
}

scripts/setup.sh --no-build || { echo "test: setup failed"; echo "0 passed, 1 failed"; exit 1; }

# The plugin is also built for and tested in the Wireshark of these Debian releases (4.4 and 4.6
# beside Debian 12's 4.0), each in a root that tests/wireshark/root.sh makes once and caches.
wireshark_roots="trixie sid"
make_roots() {
  local r
  for r in $wireshark_roots; do tests/wireshark/root.sh make "$r" > /dev/null || return 1; done
}
build_release() {
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUIP_WERROR=ON -DUIP_DISSECTOR=ON \
    -DUIP_WIRESHARK_ROOTS="${wireshark_roots// /;}" >/dev/null &&
    cmake --build build -j"$(nproc)"
}
build_asan() {
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DUIP_SANITIZE=ON -DUIP_DISSECTOR=ON -DUIP_WERROR=ON \
    -DUIP_WIRESHARK_ROOTS="${wireshark_roots// /;}" >/dev/null &&
    cmake --build build-asan -j"$(nproc)"
}

step "Wireshark 4.4 and 4.6 roots (debootstrap, cached)" make_roots
step "build (warnings are errors; the plugin for Wireshark 4.0, 4.4 and 4.6)" build_release
step "tests: unit, integration, dissector (4.0, 4.4, 4.6), replay" \
  ctest --test-dir build --output-on-failure -j"$(nproc)" -LE lab
step "build with ASan+UBSan (the plugin for Wireshark 4.0, 4.4 and 4.6)" build_asan
step "tests under ASan+UBSan: unit, bad input, the plugin inside each tshark, replay over loopback" \
  env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j"$(nproc)" -L 'unit|badinput|dissector|replay'
if [ -x scripts/fuzz.sh ]; then
  step "fuzz each target ${UIP_FUZZ_SECONDS:-60} s" scripts/fuzz.sh "${UIP_FUZZ_SECONDS:-60}"
fi
# Before the kernel tests run (two at a time): the Debian kernel they all boot, unpacked once.
step "lab setup: Debian's kernel and the lab's packages" tests/lab/lab setup
step "real-kernel lab and replay against the real kernel" \
  ctest --test-dir build --output-on-failure -L lab -j2

echo
for f in "${failures[@]}"; do echo "failed stage: $f"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
