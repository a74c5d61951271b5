#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# root.sh -- a Debian release's own Wireshark, in a chroot made with debootstrap and cached, so that
# the plugin is built against that release's headers and tested inside that release's tshark;
# and a bare release (debootstrap's minbase, nothing else) to install packages into.
#
#   root.sh make RELEASE              create the root unless it is cached; prints its path
#   root.sh path RELEASE              the root's path (whether or not it exists)
#   root.sh run RELEASE [--src SRC] [-C DIR] CMD
#                                     run CMD inside the root (as root, /proc mounted, cwd DIR,
#                                     the folder SRC bound read-only at /src)
#   root.sh build RELEASE SRC OUT     build the plugin of the checkout SRC against the root's
#                                     Wireshark into OUT/usbipx.so; with UIP_SANITIZE=ON an
#                                     ASan+UBSan build
#   root.sh make-bare RELEASE         create the bare root RELEASE-bare unless it is cached
#   root.sh scratch RELEASE [--src SRC] [-C DIR] CMD
#                                     as run, in a throwaway copy of the root (an overlay):
#                                     what CMD changes is gone when it returns
#
# RELEASE is a Debian suite: trixie (Wireshark 4.4), sid (4.6 in December 2026). The roots live in
# UIP_ROOTS (default /var/cache/usbip-toolkit/roots), outside the checkout, so a fresh clone on the
# same machine reuses them. Needs root (debootstrap, chroot, mount namespaces).
# Exit codes: 0 done, 1 a step failed (the message says which), 2 usage.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
roots=${UIP_ROOTS:-/var/cache/usbip-toolkit/roots}
mirror=${UIP_DEBIAN_MIRROR:-http://deb.debian.org/debian}

usage() { sed -n '7,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "root.sh: $*" >&2; exit 1; }

# Run a command inside ROOT with /proc and, optionally, a directory bound read-only at /src; the
# mounts live in a private mount namespace and vanish with it. With SCRATCH (an empty folder) set,
# the command sees an overlay of ROOT whose changes go to SCRATCH.
in_root() { # in_root ROOT SRC_OR_EMPTY CWD CMD...
  local root=$1 src=$2 cwd=$3; shift 3
  unshare --mount --propagation private -- sh -euc '
    root=$1 src=$2 cwd=$3 scratch=$4; shift 4
    if [ -n "$scratch" ]; then
      mkdir -p "$scratch/upper" "$scratch/work" "$scratch/merged"
      mount -t overlay overlay -o "lowerdir=$root,upperdir=$scratch/upper,workdir=$scratch/work" \
        "$scratch/merged"
      root=$scratch/merged
    fi
    mount -t proc proc "$root/proc"
    if [ -n "$src" ]; then mkdir -p "$root/src"; mount --bind -o ro "$src" "$root/src"; fi
    exec chroot "$root" sh -c "cd \"\$0\" && exec \"\$@\"" "$cwd" "$@"
  ' in_root "$root" "$src" "$cwd" "${SCRATCH:-}" "$@"
}

make_bare() { # make_bare RELEASE: debootstrap's minbase of RELEASE alone, as RELEASE-bare
  local release=$1 dir="$roots/$1-bare"
  [ -x "$dir/usr/bin/apt-get" ] && [ ! -d "$dir/debootstrap" ] && { echo "$dir"; return 0; }
  command -v debootstrap > /dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
  mkdir -p "$roots"
  rm -rf "$dir.tmp"
  echo "root.sh: debootstrap $release into $dir (once; cached)" >&2
  debootstrap --variant=minbase "$release" "$dir.tmp" "$mirror" > "$roots/$release-bare.log" 2>&1 ||
    die "debootstrap $release failed (log: $roots/$release-bare.log)"
  mv "$dir.tmp" "$dir"
  echo "$dir"
}

make_root() { # make_root RELEASE: debootstrap, then the packages of packages.txt
  local release=$1 dir="$roots/$1"
  [ -x "$dir/usr/bin/tshark" ] && { echo "$dir"; return 0; }
  command -v debootstrap > /dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
  mkdir -p "$roots"
  # A finished debootstrap (its /debootstrap folder removed) whose packages did not install is
  # taken up again; anything else left over is started afresh.
  if [ ! -x "$dir.tmp/usr/bin/apt-get" ] || [ -d "$dir.tmp/debootstrap" ]; then
    rm -rf "$dir.tmp"
    echo "root.sh: debootstrap $release into $dir (once; cached)" >&2
    debootstrap --variant=minbase "$release" "$dir.tmp" "$mirror" > "$roots/$release.log" 2>&1 ||
      die "debootstrap $release failed (log: $roots/$release.log)"
  fi
  local packages
  packages=$(sed -e 's/#.*//' "$here/packages.txt" | tr -s ' \t' '\n' | sed '/^$/d' | tr '\n' ' ')
  # sid's Release file can read as expired against this machine's clock.
  # shellcheck disable=SC2086
  in_root "$dir.tmp" "" / env DEBIAN_FRONTEND=noninteractive sh -c "
    apt-get -o Acquire::Check-Valid-Until=false update -qq &&
    apt-get install -y -qq --no-install-recommends $packages" >> "$roots/$release.log" 2>&1 ||
    die "installing the packages in the $release root failed (log: $roots/$release.log)"
  rm -rf "$dir.tmp/var/cache/apt/archives"/*.deb
  mv "$dir.tmp" "$dir"
  echo "$dir"
}

root_of() { # root_of RELEASE: the path of an existing root (a bare one has no tshark)
  case $1 in
  *-bare) [ -x "$roots/$1/usr/bin/apt-get" ] || die "no $1 root in $roots (run: $0 make-bare ${1%-bare})" ;;
  *) [ -x "$roots/$1/usr/bin/tshark" ] || die "no $1 root in $roots (run: $0 make $1)" ;;
  esac
  echo "$roots/$1"
}

build_plugin() { # build_plugin RELEASE SRC OUT
  unset MAKEFLAGS MFLAGS MAKELEVEL # a make of its own inside the root, not a submake
  local release=$1 src out root
  src=$(cd "$2" && pwd)
  mkdir -p "$3"
  out=$(cd "$3" && pwd)
  root=$(root_of "$release")
  local werror=${UIP_WERROR:-ON} sanitize=${UIP_SANITIZE:-OFF} dir=/build/usbipx
  [ "$sanitize" = ON ] && dir=/build/usbipx-asan
  in_root "$root" "$src" / sh -euc "
    mkdir -p $dir
    cmake -S /src -B $dir -DUIP_PLUGIN_ONLY=ON -DUIP_WERROR=$werror -DUIP_SANITIZE=$sanitize \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo > $dir.configure.log 2>&1 ||
      { cat $dir.configure.log >&2; exit 1; }
    cmake --build $dir -j$(nproc)
  " || die "building the plugin against the $release root's Wireshark failed"
  cp "$root$dir/dissector/usbipx.so" "$out/"
}

[ $# -ge 2 ] || usage
cmd=$1 release=$2
shift 2
case $cmd in
make) [ $# -eq 0 ] || usage; make_root "$release" ;;
path) [ $# -eq 0 ] || usage; echo "$roots/$release" ;;
make-bare) [ $# -eq 0 ] || usage; make_bare "$release" ;;
run | scratch)
  cwd=/ src=
  if [ "${1:-}" = --src ]; then src=$(cd "$2" && pwd); shift 2; fi
  if [ "${1:-}" = -C ]; then cwd=$2; shift 2; fi
  [ $# -ge 1 ] || usage
  dir=$(root_of "$release")
  if [ "$cmd" = run ]; then
    in_root "$dir" "$src" "$cwd" "$@"
  else
    scratch=$(mktemp -d /var/tmp/uip-scratch.XXXXXX)
    rc=0
    SCRATCH=$scratch in_root "$dir" "$src" "$cwd" "$@" || rc=$?
    rm -rf "$scratch"
    exit "$rc"
  fi
  ;;
build) [ $# -eq 2 ] || usage; build_plugin "$release" "$1" "$2" ;;
*) usage ;;
esac
