#!/usr/bin/env bash
# The README's first command: set up, build, and watch LeNet learn Fashion-MNIST (quick profile).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
cd "$root"
./build/apps/d2l train lenet --config configs/quick.toml
