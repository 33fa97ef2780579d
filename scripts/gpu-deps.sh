#!/usr/bin/env bash
# Gathers, on a Debian machine with the README's set-up, what a build on the GPU machine needs
# and cannot get there (no apt, no internet; ../shared/GPU.md), into .gpu/ (ignored by git):
#   .gpu/deps: header-only copies of CLI11, spdlog, fmt and toml++, zlib's headers and static
#              library, and GoogleTest's sources (built with the tests);
#   .gpu/data: Fashion-MNIST, for the tests and the book's CNN chapters.
# Carry .gpu to the GPU machine with the working tree, then run scripts/gpu-build.sh there.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.gpu"
need() { [ -e "$1" ] || { echo "error: $1 is missing; install $2 (the README's set-up)" >&2; exit 1; }; }
need /usr/include/CLI/CLI.hpp libcli11-dev
need /usr/include/spdlog/spdlog.h libspdlog-dev
need /usr/include/fmt/format-inl.h libfmt-dev
need /usr/include/toml++/toml.h libtomlplusplus-dev
need /usr/include/zlib.h zlib1g-dev
need /usr/src/googletest/CMakeLists.txt googletest
need /usr/share/datasets/fashion-mnist dataset-fashion-mnist

rm -rf "$out.part"
mkdir -p "$out.part/deps/include" "$out.part/deps/lib" "$out.part/deps/src" "$out.part/data"
cp -r /usr/include/CLI /usr/include/spdlog /usr/include/fmt /usr/include/toml++ "$out.part/deps/include/"
cp /usr/include/zlib.h /usr/include/zconf.h "$out.part/deps/include/"
cp /usr/lib/x86_64-linux-gnu/libz.a "$out.part/deps/lib/"
cp -r /usr/src/googletest "$out.part/deps/src/"
cp -rL /usr/share/datasets/fashion-mnist "$out.part/data/"
rm -rf "$out"
mv "$out.part" "$out"
echo "$(du -sh "$out" | cut -f1) in $out (the GPU machine takes at most 64 MiB with the working tree)"
