#!/usr/bin/env bash
# Installs the Debian packages the project's tests need, and nothing else.
# `npm test` runs this first. When everything is already present it only
# checks and exits (no network, no apt). Otherwise it runs `apt-get update`
# once and installs exactly the missing packages, non-interactively.
#
# Needed packages (Debian 12 "bookworm" names):
#   awscli   - Debian's AWS CLI v2, provides /usr/bin/aws. The tests call
#              /usr/bin/aws by absolute path (a pip/pyenv `aws` elsewhere on
#              PATH is ignored), so we check that exact file.
#   ffmpeg   - provides /usr/bin/ffmpeg and /usr/bin/ffprobe.
#   chromium - provides /usr/bin/chromium.
#   python3-boto3 - boto3 for Python 3, for the walk-through that checks the
#              emulator with a client this project did not write (Python's).
#   openjdk-17-jdk-headless - javac and java, to compile and run the Jackson probe
#              (libs/emulator/src/testing/jackson-cbor/).
#   libjackson2-dataformat-cbor - Jackson's CBOR, the library the Java SDKs speak
#              Kinesis's CBOR with: the emulator's CBOR is checked against it.
#   qemu-user-static - /usr/bin/qemu-aarch64-static, user-mode emulation of
#              aarch64: the video producer's arm64 test runs the edge bundle
#              on an arm64 Node under it (apps/video-producer/README.md,
#              "arm64 under emulation"). Called by path, so no binfmt_misc
#              registration is needed (a container often has none).
#   libc6-arm64-cross, libstdc++6-arm64-cross - the aarch64 glibc loader and
#              C/C++ runtime in /usr/aarch64-linux-gnu, qemu's -L sysroot for
#              the (dynamically linked) arm64 Node; no dpkg multiarch needed.
#   file     - /usr/bin/file, which that test asks what the binaries are.
#   gir1.2-gst-rtsp-server-1.0, python3-gi - GStreamer's RTSP server for
#              Debian's /usr/bin/python3: the test IP camera
#              (libs/media/src/testing/rtsp-camera/) the video producer's
#              RTSP tests stream from.
#   gstreamer1.0-plugins-base (videotestsrc, audiotestsrc), -good (RTP
#              payloaders, aacparse), -bad (h264parse/h265parse, x265enc),
#              -ugly (x264enc), gstreamer1.0-libav (avenc_aac) - what that
#              camera encodes H.264/H.265 video and AAC audio with.
set -euo pipefail

# Architecture-specific library folder (x86_64-linux-gnu, aarch64-linux-gnu).
GST_LIB="/usr/lib/$(uname -m)-linux-gnu"

# package name -> file it must provide
declare -A REQUIRED=(
  [awscli]=/usr/bin/aws
  [ffmpeg]=/usr/bin/ffmpeg
  [chromium]=/usr/bin/chromium
  [python3-boto3]=/usr/lib/python3/dist-packages/boto3/__init__.py
  [openjdk-17-jdk-headless]=/usr/bin/javac
  [libjackson2-dataformat-cbor]=/usr/share/java/jackson-dataformat-cbor.jar
  [qemu-user-static]=/usr/bin/qemu-aarch64-static
  [libc6-arm64-cross]=/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1
  [libstdc++6-arm64-cross]=/usr/aarch64-linux-gnu/lib/libstdc++.so.6
  [file]=/usr/bin/file
  [gir1.2-gst-rtsp-server-1.0]=$GST_LIB/girepository-1.0/GstRtspServer-1.0.typelib
  [python3-gi]=/usr/lib/python3/dist-packages/gi/__init__.py
  [gstreamer1.0-plugins-base]=$GST_LIB/gstreamer-1.0/libgstvideotestsrc.so
  [gstreamer1.0-plugins-good]=$GST_LIB/gstreamer-1.0/libgstrtp.so
  [gstreamer1.0-plugins-bad]=$GST_LIB/gstreamer-1.0/libgstx265.so
  [gstreamer1.0-plugins-ugly]=$GST_LIB/gstreamer-1.0/libgstx264.so
  [gstreamer1.0-libav]=$GST_LIB/gstreamer-1.0/libgstlibav.so
)

missing=()
for pkg in awscli ffmpeg chromium python3-boto3 openjdk-17-jdk-headless libjackson2-dataformat-cbor \
  qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross file \
  gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
  gstreamer1.0-plugins-ugly gstreamer1.0-libav; do
  file="${REQUIRED[$pkg]}"
  # Fast path: the file exists (binaries: and is executable). dpkg-query is
  # only asked when it is not, to keep the everything-present case to a few
  # stat calls.
  if [[ ( "$file" == /usr/bin/* && -x "$file" ) || ( "$file" != /usr/bin/* && -f "$file" ) ]]; then
    continue
  fi
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$' && [[ -e "$file" ]]; then
    continue
  fi
  missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "ensure-system-deps: missing Debian packages: ${missing[*]}" >&2

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-system-deps: apt-get not found; this script supports Debian/Ubuntu only." >&2
  echo "ensure-system-deps: install these packages by hand: ${missing[*]}" >&2
  exit 1
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    echo "ensure-system-deps: not root and passwordless sudo is not available." >&2
    echo "ensure-system-deps: run as root:  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "ensure-system-deps: apt-get update" >&2
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
echo "ensure-system-deps: apt-get install ${missing[*]}" >&2
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"

still_missing=()
for pkg in "${missing[@]}"; do
  [[ -e "${REQUIRED[$pkg]}" ]] || still_missing+=("$pkg (${REQUIRED[$pkg]})")
done
if [[ ${#still_missing[@]} -ne 0 ]]; then
  echo "ensure-system-deps: installed, but still missing: ${still_missing[*]}" >&2
  exit 1
fi
echo "ensure-system-deps: installed ${missing[*]}" >&2
