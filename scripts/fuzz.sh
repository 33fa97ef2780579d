#!/usr/bin/env bash
# Fuzzes the parsers of untrusted input (IDX, CIFAR-10, text corpora, sentence pairs, TOML configs,
# pickles, PyTorch weight files, VOC masks, the metadata of exported TorchScript, archives) with libFuzzer,
# AddressSanitizer and UndefinedBehaviorSanitizer:
#   scripts/fuzz.sh [SECONDS]     each target for SECONDS (default 60), from valid seed files
# Builds with clang into build-fuzz/ (or $D2L_FUZZ_DIR). Inputs that crash land in
# build-fuzz/crashes/<target>/; once fixed, keep them in tests/fuzz/regressions/<target>/.
set -euo pipefail
seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${D2L_FUZZ_DIR:-$root/build-fuzz}"
targets=(idx_file cifar10_batch text_corpus sentence_pairs toml_config pickle torch_file voc_mask torchscript_metadata
         archive)
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DD2L_FUZZ=ON -DD2L_BUILD_TESTS=OFF -DD2L_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${targets[@]/#/fuzz_}"
rm -rf "$build/seeds"
/usr/bin/python3 "$root/tests/python/fuzz_seeds.py" "$build/seeds" "$root/configs"
export ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$root/tests/fuzz/lsan.supp"
failed=()
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t" "$build/crashes/$t"
  inputs=("$build/corpus/$t" "$build/seeds/$t")
  [[ -d "$root/tests/fuzz/regressions/$t" ]] && inputs+=("$root/tests/fuzz/regressions/$t")
  log="$build/fuzz_$t.log"
  if "$build/tests/fuzz/fuzz_$t" "${inputs[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
      -artifact_prefix="$build/crashes/$t/" >"$log" 2>&1; then
    echo "fuzz $t: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$log")"
  else
    echo "fuzz $t: FAILED (log: $log)"
    grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -5
    failed+=("$t")
  fi
done
(( ${#failed[@]} == 0 )) || { echo "fuzzing found problems in: ${failed[*]}" >&2; exit 1; }
