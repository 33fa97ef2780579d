#!/usr/bin/env bash
# The README's second command (and CI's): set up with the Python references, build, run every test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh" --python
"$root/scripts/build.sh"
cd "${D2L_BUILD_DIR:-$root/build}"
ctest --output-on-failure -j "$(nproc)" --timeout 600
