#!/usr/bin/env bash
# Runs a program inside an unpacked image root filesystem, close to how a container sees it:
#   - as root: chroot, in private mount, PID and network namespaces (unshare) with a fresh /proc
#     (the loader resolves $ORIGIN through /proc/self/exe) and no network but loopback,
#   - otherwise, if unprivileged user namespaces are allowed: the same under --map-root-user,
#   - otherwise: ROOTFS's own dynamic loader with ROOTFS's library folders (a weaker check: the
#     loader may still fall back to the host's default library folders).
# The program gets a clean environment: PATH and LANG unless given, plus every --env.
#
# Usage: deploy/images/run-in-rootfs.sh [--user UID:GID] [--env NAME=VALUE]... ROOTFS PROGRAM [ARGS...]
#   PROGRAM is a path inside ROOTFS (e.g. /opt/java/openjdk/bin/java) or a name looked up on the
#   given PATH inside ROOTFS. --user applies only when running as root.
set -euo pipefail

user=""
env_words=()
while [ $# -gt 0 ]; do
  case "$1" in
    --user) user=$2; shift 2 ;;
    --env) env_words+=("$2"); shift 2 ;;
    *) break ;;
  esac
done
if [ $# -lt 2 ]; then
  echo "usage: $0 [--user UID:GID] [--env NAME=VALUE]... ROOTFS PROGRAM [ARGS...]" >&2
  exit 2
fi
rootfs=$(realpath "$1")
program=$2
shift 2
path=/opt/java/openjdk/bin:/usr/local/bin:/usr/bin:/bin
for word in "${env_words[@]}"; do
  [[ "$word" == PATH=* ]] && path=${word#PATH=}
done
[[ " ${env_words[*]} " == *" LANG="* ]] || env_words+=(LANG=C.UTF-8)
[[ " ${env_words[*]} " == *" PATH="* ]] || env_words+=("PATH=$path")
if [[ "$program" != /* ]]; then
  IFS=: read -r -a dirs <<<"$path"
  for dir in "${dirs[@]}"; do
    if [ -x "$rootfs$dir/$program" ]; then
      program=$dir/$program
      break
    fi
  done
fi
[ -e "$rootfs$program" ] || [ -L "$rootfs$program" ] || { echo "error: no $program in $rootfs" >&2; exit 1; }

chroot=$(PATH=$PATH:/usr/sbin:/sbin command -v chroot || true)
unshare=$(PATH=$PATH:/usr/sbin:/sbin command -v unshare || true)
mkdir -p "$rootfs/proc"
namespaces=(--mount --pid --net --fork --mount-proc="$rootfs/proc")
if [ -n "$chroot" ] && [ "$(id -u)" = 0 ]; then
  chroot_args=("$rootfs")
  [ -z "$user" ] || chroot_args=(--userspec="$user" "$rootfs")
  if [ -n "$unshare" ] && "$unshare" "${namespaces[@]}" true 2>/dev/null; then
    exec env -i "${env_words[@]}" "$unshare" "${namespaces[@]}" "$chroot" "${chroot_args[@]}" \
      "$program" "$@"
  fi
  exec env -i "${env_words[@]}" "$chroot" "${chroot_args[@]}" "$program" "$@"
fi
if [ -n "$chroot" ] && [ -n "$unshare" ] \
    && "$unshare" --map-root-user "${namespaces[@]}" true 2>/dev/null; then
  exec env -i "${env_words[@]}" "$unshare" --map-root-user "${namespaces[@]}" "$chroot" "$rootfs" \
    "$program" "$@"
fi
interpreter=$(readelf -l "$rootfs$program" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
library_path=$( (find "$rootfs" -path "$rootfs/opt" -prune -o -name 'lib*.so*' -printf '%h\n' 2>/dev/null \
  || true) | sort -u | paste -sd:)
exec env -i "${env_words[@]}" "$rootfs$interpreter" --inhibit-cache --library-path "$library_path" \
  "$rootfs$program" "$@"
