#!/usr/bin/env bash
# Builds a Java base image for Jib from what is already on this Linux machine, without a container
# registry or a Docker daemon (docs/adr/0005-container-images.md):
#   - a Java runtime made by jlink from the local JDK >= 21 (scripts/find-jdk.sh),
#   - the C libraries that runtime links against (found with ldd) and the dynamic loader,
#   - /etc/passwd, /etc/group (root, nonroot 65532), /etc/nsswitch.conf, /tmp,
# packed as one layer in a `docker save` tarball that Jib reads with `from.image = tar://...`
# (and `docker load` accepts). The layout mirrors eclipse-temurin (JAVA_HOME=/opt/java/openjdk,
# java on the PATH), so the service images are configured the same whichever base they use.
#
# Usage: deploy/images/build-base-image.sh OUTPUT.tar
# Environment:
#   TRIBUTARY_IMAGE_JDK      JDK to jlink from (default: the newest JDK >= 21 found)
#   TRIBUTARY_IMAGE_MODULES  comma-separated modules (default: java.se plus the jdk.* modules a
#                            server needs; modules the JDK does not have are left out)
# The output is rebuilt only when the JDK, the module list or this script change. Before writing
# it, the script unpacks the layer and runs its java -version inside it (chroot as root, else
# through the bundled dynamic loader), so a runtime that cannot find its libraries never ships.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 OUTPUT.tar" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "$1")

if [ "$(uname -s)" != Linux ]; then
  echo "error: the local base image is built from this machine's JDK and C libraries, so it needs" >&2
  echo "a Linux host; elsewhere build the images on eclipse-temurin (./mvnw -Pimages package)." >&2
  exit 1
fi
for tool in ldd readelf tar gzip sha256sum; do
  command -v "$tool" >/dev/null || { echo "error: '$tool' is needed to build the base image" >&2; exit 1; }
done

# shellcheck source-path=SCRIPTDIR source=../../scripts/find-jdk.sh
source "$here/../../scripts/find-jdk.sh"
jdk=${TRIBUTARY_IMAGE_JDK:-$(tributary_find_jdk)}
[ -x "$jdk/bin/jlink" ] || { echo "error: $jdk has no bin/jlink" >&2; exit 1; }

default_modules=java.se,jdk.charsets,jdk.crypto.cryptoki,jdk.crypto.ec,jdk.jfr,jdk.management
default_modules+=,jdk.management.agent,jdk.management.jfr,jdk.naming.dns,jdk.net
default_modules+=,jdk.security.auth,jdk.security.jgss,jdk.unsupported,jdk.zipfs
available=" $("$jdk/bin/java" --list-modules | sed 's/@.*//' | tr '\n' ' ') "
modules=""
IFS=, read -r -a requested <<<"${TRIBUTARY_IMAGE_MODULES:-$default_modules}"
for module in "${requested[@]}"; do
  if [[ "$available" == *" $module "* ]]; then
    modules+=${modules:+,}$module
  elif [ -n "${TRIBUTARY_IMAGE_MODULES:-}" ]; then
    echo "error: module $module is not in $jdk" >&2
    exit 1
  fi
done

case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) arch=$(uname -m) ;;
esac
java_version=$(sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$jdk/release")
java_runtime_version=$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$jdk/release")
stamp=$( (cat "$0" "$jdk/release"; echo "$modules $arch"; ldd --version 2>&1 | sed -n 1p) | sha256sum | cut -c1-64)
if [ -f "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "Base image up to date: $out (Java $java_runtime_version, $arch)"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tributary-base-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
java_home=/opt/java/openjdk
mkdir -p "$rootfs/opt/java"

echo "jlink: $modules (from $jdk, Java $java_runtime_version)"
"$jdk/bin/jlink" --add-modules "$modules" --output "$rootfs$java_home" \
  --strip-debug --no-header-files --no-man-pages --generate-cds-archive >"$work/jlink.log" 2>&1 \
  || { cat "$work/jlink.log" >&2; exit 1; }

# Libraries the runtime links against. The AWT/X11 and sound libraries are only loaded by
# desktop applications (Spring Boot runs headless), so their X11/ALSA dependencies stay out.
declare -A libs=()
interpreter=""
while IFS= read -r -d '' elf; do
  case "$(basename "$elf")" in
    libawt_xawt.so | libjawt.so | libjsound.so | libsplashscreen.so) continue ;;
  esac
  [ "$(od -An -tx1 -N4 "$elf" | tr -d ' \n')" = 7f454c46 ] || continue
  if [ -z "$interpreter" ]; then
    interpreter=$(readelf -l "$elf" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
  fi
  while IFS= read -r line; do
    case "$line" in
      *"libjvm.so => not found"*) ;; # found through the runtime's own RUNPATH at run time
      *"not found"*)
        echo "error: $elf needs a library this machine does not have: $line" >&2
        exit 1
        ;;
      *"=> /"*) path=${line#*=> }; libs[${path%% (*}]=1 ;;
      /*) path=${line%% (*}; libs[$path]=1 ;;
    esac
  done < <(ldd "$elf" 2>/dev/null | sed 's/^[[:space:]]*//' | grep -v "^linux-vdso\|$rootfs")
done < <(find "$rootfs$java_home" -type f \( -name '*.so' -o -path '*/bin/*' -o -name jspawnhelper -o -name jexec \) -print0)
[ -n "$interpreter" ] || { echo "error: could not find the dynamic loader of $jdk/bin/java" >&2; exit 1; }
libs[$interpreter]=1
# glibc loads these by name at run time (user and host lookups, unwinding); older glibc versions
# keep the NSS modules in separate files.
libc_dir=$(dirname "$(printf '%s\n' "${!libs[@]}" | grep -m1 '/libc\.so\.6$')")
for extra in libnss_files.so.2 libnss_dns.so.2 libresolv.so.2 libgcc_s.so.1; do
  [ -e "$libc_dir/$extra" ] && libs[$libc_dir/$extra]=1
done

# Each library is placed at the path the loader asks for, with the host's symlinks along the way
# reproduced (e.g. /lib -> usr/lib on merged-/usr systems), so the tree resolves like the host.
place() {
  local path=$1 prefix="" link rest i
  local -a parts
  IFS=/ read -r -a parts <<<"${path#/}"
  for ((i = 0; i < ${#parts[@]}; i++)); do
    prefix+=/${parts[i]}
    if [ -L "$prefix" ]; then
      link=$(readlink "$prefix")
      [ -L "$rootfs$prefix" ] || [ -e "$rootfs$prefix" ] || ln -s "$link" "$rootfs$prefix"
      [[ "$link" == /* ]] || link=$(dirname "$prefix")/$link
      rest=$(IFS=/ && echo "${parts[*]:i+1}")
      place "$(realpath -m -s "$link${rest:+/$rest}")"
      return
    elif [ -d "$prefix" ]; then
      [ -d "$rootfs$prefix" ] || mkdir "$rootfs$prefix"
    else
      cp "$prefix" "$rootfs$prefix"
    fi
  done
}
for name in "${!libs[@]}"; do
  place "$name"
done
# The libraries' licences, where the host's package manager knows them (the Java runtime carries
# its own under legal/).
if command -v dpkg-query >/dev/null; then
  for name in "${!libs[@]}"; do
    package=$(dpkg-query -S "$name" 2>/dev/null | sed -n '1s/:.*//p' || true)
    copyright=/usr/share/doc/$package/copyright
    if [ -n "$package" ] && [ -f "$copyright" ] && [ ! -e "$rootfs$copyright" ]; then
      mkdir -p "$rootfs$(dirname "$copyright")"
      cp "$copyright" "$rootfs$copyright"
    fi
  done
elif command -v rpm >/dev/null; then
  for name in "${!libs[@]}"; do
    while IFS= read -r licence; do
      if [ ! -f "$licence" ] || [ -e "$rootfs$licence" ]; then continue; fi
      mkdir -p "$rootfs$(dirname "$licence")"
      cp "$licence" "$rootfs$licence"
    done < <(rpm -qL "$(rpm -qf "$name" 2>/dev/null)" 2>/dev/null || true)
  done
fi
echo "C libraries: $(printf '%s\n' "${!libs[@]}" | xargs -n1 basename | sort | tr '\n' ' ')"

mkdir -p "$rootfs/etc" "$rootfs/tmp" "$rootfs/home/nonroot"
chmod 1777 "$rootfs/tmp"
cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
nonroot:x:65532:
EOF
cat >"$rootfs/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF
find "$rootfs" -type d -exec chmod 755 {} +
chmod 1777 "$rootfs/tmp"

# One reproducible layer: sorted names, fixed times, numeric owners; /home/nonroot belongs to 65532.
# shellcheck disable=SC2054 # the commas belong to --pax-option's value
tar_flags=(--sort=name --mtime=@0 --numeric-owner --format=posix
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime)
(cd "$rootfs" && tar "${tar_flags[@]}" --owner=0 --group=0 --exclude=home/nonroot \
  -cf "$work/layer.tar" -- *)
(cd "$rootfs" && tar "${tar_flags[@]}" --owner=65532 --group=65532 -rf "$work/layer.tar" home/nonroot)
diff_id=$(sha256sum "$work/layer.tar" | cut -c1-64)

# The check: unpack the layer as a container runtime would and run its java.
check=$work/check
mkdir -p "$check"
tar -xf "$work/layer.tar" -C "$check" --no-same-owner 2>/dev/null || tar -xf "$work/layer.tar" -C "$check"
"$here/run-in-rootfs.sh" "$check" "$java_home/bin/java" -version >"$work/version.txt" 2>&1 \
  || { echo "error: the base image's java does not run:" >&2; cat "$work/version.txt" >&2; exit 1; }
echo "Checked: $(head -1 "$work/version.txt") runs inside the unpacked layer"

gzip -n -6 "$work/layer.tar"
mkdir -p "$work/image/$diff_id"
mv "$work/layer.tar.gz" "$work/image/$diff_id/layer.tar.gz"
path_env=$java_home/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
cat >"$work/config.json" <<EOF
{"architecture":"$arch","os":"linux","config":{"Env":["PATH=$path_env","JAVA_HOME=$java_home","JAVA_VERSION=$java_version","LANG=C.UTF-8"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"deploy/images/build-base-image.sh: jlink $modules from Java $java_runtime_version; C libraries from the build host"}]}
EOF
config_id=$(sha256sum "$work/config.json" | cut -c1-64)
mv "$work/config.json" "$work/image/$config_id.json"
cat >"$work/image/manifest.json" <<EOF
[{"Config":"$config_id.json","RepoTags":["tributary/java-base:$java_version"],"Layers":["$diff_id/layer.tar.gz"]}]
EOF
mkdir -p "$(dirname "$out")"
(cd "$work/image" && tar "${tar_flags[@]}" --owner=0 --group=0 -cf "$out.tmp" manifest.json "$config_id.json" "$diff_id")
mv "$out.tmp" "$out"
echo "$stamp" >"$out.stamp"
echo "Base image: $out ($(du -h "$out" | cut -f1), Java $java_runtime_version, $arch, layer sha256:${diff_id:0:12})"
