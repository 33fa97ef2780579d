#!/usr/bin/env bash
# Installs what d2l-cpp needs from Debian 12's archive, skipping what is already there.
#   scripts/setup.sh            build, run and train
#   scripts/setup.sh --python   also what the tests use: the Python references, clang for the fuzz targets
set -euo pipefail

packages=(
  cmake g++ ccache pkg-config
  libtorch-dev libopenblas0-openmp          # LibTorch 1.13 (CPU); OpenBLAS is ~10x the reference BLAS
  libopencv-dev libcli11-dev libspdlog-dev libtomlplusplus-dev zlib1g-dev libgtest-dev
  libcurl4-openssl-dev libarchive-dev libssl-dev   # the data hub: downloads, archives, checksums
  libgloo-dev                               # c10d's Gloo backend: training across processes
  dataset-fashion-mnist                     # the real data: /usr/share/datasets/fashion-mnist
  opencv-doc                                # sample photos for the style-transfer demo (examples/data)
)
if [[ "${1:-}" == "--python" ]]; then
  packages+=(python3-torch python3-torchvision)
  packages+=(clang libclang-rt-14-dev)      # the fuzz targets (libFuzzer, sanitizers): scripts/fuzz.sh
fi

missing=()
for p in "${packages[@]}"; do
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done
if (( ${#missing[@]} == 0 )); then
  echo "setup: all ${#packages[@]} packages are installed"
  exit 0
fi

sudo=""
if [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: run as root (or install sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
