#!/usr/bin/env bash
# Checks an image tarball (Jib's target/jib-image.tar, or a `docker save` tarball) without Docker:
#   1. structure: manifest.json names a config and layers that exist; every layer unpacks and its
#      uncompressed sha256 equals the config's rootfs.diff_ids entry (what `docker load` checks);
#   2. the layers, applied in order, give a root filesystem whose java runs (`java -version`, as the
#      image's user when run as root) -- see run-in-rootfs.sh for how;
#   3. with --start SECONDS: the image's entrypoint runs with the image's environment, without
#      network, for up to SECONDS, and must log Spring Boot's "Starting <MainClass>" line (the
#      services then stop on the missing database, which is expected here). Arguments after `--`
#      go to the entrypoint.
#
# Usage: deploy/images/verify-image.sh [--keep DIR] [--start SECONDS] IMAGE.tar [-- ARGS...]
# Reads the JSON with grep/sed: enough for Jib's and build-base-image.sh's output (no quotes or
# brackets inside the values it reads).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
keep=""
start=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=$2; shift 2 ;;
    --start) start=$2; shift 2 ;;
    *) break ;;
  esac
done
if [ $# -lt 1 ]; then
  echo "usage: $0 [--keep DIR] [--start SECONDS] IMAGE.tar [-- ARGS...]" >&2
  exit 2
fi
image=$(realpath "$1")
shift
[ "${1:-}" != "--" ] || shift

if [ -n "$keep" ]; then
  work=$(realpath -m "$keep")
  rm -rf "$work"
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/tributary-verify-image.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/image" "$work/rootfs"
tar -xf "$image" -C "$work/image"

# JSON string values of KEY's array (case-insensitive key, as docker load reads it).
json_array() { grep -io "\"$1\":\[[^]]*\]" "$2" | head -n1 | sed 's/^[^[]*\[//; s/\]$//' | grep -o '"[^"]*"' | tr -d '"' || true; }
json_string() { grep -io "\"$1\":\"[^\"]*\"" "$2" | head -n1 | sed 's/^"[^"]*":"//; s/"$//' || true; }

manifest=$work/image/manifest.json
[ -f "$manifest" ] || { echo "FAIL: no manifest.json in $image" >&2; exit 1; }
config=$work/image/$(json_string config "$manifest")
[ -f "$config" ] || { echo "FAIL: manifest.json names no existing config" >&2; exit 1; }
mapfile -t layers < <(json_array layers "$manifest")
mapfile -t diff_ids < <(json_array diff_ids "$config")
[ "${#layers[@]}" -gt 0 ] || { echo "FAIL: no layers" >&2; exit 1; }
[ "${#layers[@]}" = "${#diff_ids[@]}" ] \
  || { echo "FAIL: ${#layers[@]} layers but ${#diff_ids[@]} diff_ids" >&2; exit 1; }

echo "Image:       $image ($(du -h "$image" | cut -f1))"
echo "Tags:        $(json_array repotags "$manifest" | paste -sd' ')"
for i in "${!layers[@]}"; do
  file=$work/image/${layers[i]}
  [ -f "$file" ] || { echo "FAIL: layer ${layers[i]} missing" >&2; exit 1; }
  if [ "$(od -An -tx1 -N2 "$file" | tr -d ' \n')" = 1f8b ]; then
    digest=$(gzip -dc "$file" | sha256sum | cut -c1-64)
    gzip -dc "$file" | tar -x -C "$work/rootfs" --no-same-owner --warning=no-unknown-keyword
  else
    digest=$(sha256sum <"$file" | cut -c1-64)
    tar -xf "$file" -C "$work/rootfs" --no-same-owner --warning=no-unknown-keyword
  fi
  [ "sha256:$digest" = "${diff_ids[i]}" ] \
    || { echo "FAIL: layer $i has sha256:$digest, config says ${diff_ids[i]}" >&2; exit 1; }
  if [ -n "$(find "$work/rootfs" -name '.wh.*' -print -quit)" ]; then
    echo "FAIL: layer $i has whiteout files, which this check does not apply" >&2
    exit 1
  fi
  printf 'Layer %d:     %s %s\n' "$i" "$(du -h "$file" | cut -f1)" "${diff_ids[i]:0:19}"
done
user=$(json_string user "$config")
mapfile -t entrypoint < <(json_array entrypoint "$config")
mapfile -t env < <(json_array env "$config")
echo "Entrypoint:  ${entrypoint[*]:-(none)}"
echo "User:        ${user:-(root)}"
echo "Ports:       $(grep -io '"exposedports":{[^}]*}' "$config" | grep -o '"[0-9]*/[a-z]*"' | tr -d '"' | paste -sd' ')"
echo "Structure:   OK (manifest, config, ${#layers[@]} layers match their diff_ids)"

run_args=()
for word in "${env[@]}"; do
  run_args+=(--env "$word")
done
if [ -n "$user" ]; then
  [[ "$user" == *:* ]] && run_args+=(--user "$user") || run_args+=(--user "$user:$user")
fi
version=$("$here/run-in-rootfs.sh" "${run_args[@]}" --env JAVA_TOOL_OPTIONS= "$work/rootfs" java -version 2>&1) \
  || { echo "FAIL: java does not run in the image:" >&2; echo "$version" >&2; exit 1; }
echo "Java:        OK, $(echo "$version" | grep -m1 version)"

if [ -n "$start" ]; then
  [ "${#entrypoint[@]}" -gt 0 ] || { echo "FAIL: no entrypoint to start" >&2; exit 1; }
  main=${entrypoint[${#entrypoint[@]} - 1]}
  log=$work/start.log
  set +e
  timeout --kill-after=10 "$start" "$here/run-in-rootfs.sh" "${run_args[@]}" "$work/rootfs" \
    "${entrypoint[@]}" "$@" >"$log" 2>&1
  status=$?
  set -e
  if grep -q "Starting ${main##*.}" "$log"; then
    echo "Start:       OK, $(grep -m1 -o "Starting ${main##*.}.*" "$log" | cut -c1-120)"
    started=$(grep -m1 -o "Started ${main##*.} in .*" "$log" || true)
    [ -z "$started" ] || echo "             $started"
    if [ "$status" = 124 ]; then
      echo "             still running after ${start} s, stopped (SIGTERM)"
    else
      cause=$( (grep '^Caused by:' "$log" || grep -v '^[[:space:]]*$' "$log" || true) | tail -n1)
      echo "             then exit status $status: ${cause:0:150}"
    fi
  else
    echo "FAIL: the entrypoint did not start ${main##*.} (exit status $status):" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
fi
