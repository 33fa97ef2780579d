#!/usr/bin/env bash
# The README's second command (and CI's): set up with the Python references, build, run every test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh" --python
"$root/scripts/build.sh"
cd "${D2L_BUILD_DIR:-$root/build}"
ctest --output-on-failure -j "$(nproc)" --timeout 600
# The parsers under libFuzzer with AddressSanitizer and UndefinedBehaviorSanitizer, briefly
# (scripts/fuzz.sh 60 or more for a real run; docs/RELIABILITY.md).
"$root/scripts/fuzz.sh" "${D2L_FUZZ_SECONDS:-15}"
# The unit tests again, built with AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/).
"$root/scripts/sanitize.sh"
