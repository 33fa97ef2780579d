#!/usr/bin/env bash
# The test suite built with AddressSanitizer and UndefinedBehaviorSanitizer (the `asan` preset,
# into build-asan/; our code is instrumented, LibTorch is not):
#   scripts/sanitize.sh          the unit tests, in one process: what CI runs (about 2 minutes)
#   scripts/sanitize.sh all      every test, through ctest (about 15 minutes on 2 cores)
# The unit tests leave out the tests that train models end to end or at length: they run the same
# code as the unit tests, and LibTorch's kernels many times over (docs/RELIABILITY.md).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$(nproc)"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$root/tests/fuzz/lsan.supp"
export OMP_WAIT_POLICY=PASSIVE D2L_NO_DOWNLOAD=1
if [[ "${1:-}" == all ]]; then
  cd build-asan
  exec ctest --output-on-failure -j "$(nproc)" --timeout 900
fi
training='Learning.*:Chapter8/*:EveryModel/*:Torchvision/*:Cli.*:CliText.*:MaeCli.*:KillAnywhere.*:DataParallel.*:CycleGanRun.*'
exec build-asan/tests/d2l_tests --gtest_filter="-$training" --gtest_brief=1
