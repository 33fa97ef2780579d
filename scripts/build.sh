#!/usr/bin/env bash
# Configures and builds d2l-cpp in Release into build/ (or $D2L_BUILD_DIR).
# Extra arguments go to CMake, e.g. -DCMAKE_PREFIX_PATH=/opt/libtorch for another LibTorch.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${D2L_BUILD_DIR:-$root/build}"
jobs="$(nproc)"
# Each torch translation unit needs ~1 GB while compiling: do not run more jobs than memory allows.
mem_jobs=$(( $(awk '/MemAvailable/ {print int($2 / 1200000)}' /proc/meminfo) ))
(( mem_jobs >= 1 && mem_jobs < jobs )) && jobs=$mem_jobs
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build" -j "$jobs"
