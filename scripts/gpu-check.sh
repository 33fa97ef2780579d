#!/usr/bin/env bash
# The GPU machine's one script (issue 8; ../shared/GPU.md): builds against the machine's CUDA
# LibTorch, runs the CUDA tests, benchmarks against Python PyTorch eager on the same GPU, and
# trains the book's CNN chapters at full size, writing logs and tables into OUT.
#   scripts/gpu-check.sh OUT [STAGE...]    stages: env build test bench chapters (default: all, in order)
# Needs .gpu/ from scripts/gpu-deps.sh (carried with the working tree). Settings, from the
# environment:
#   D2L_GPU_DEADLINE   seconds after the start by which the chapters must end (default 510)
#   D2L_DEVICE         device of the benchmark and the chapters (default cuda)
#   CHAPTER_FLAGS      extra flags of every chapter run (default: --amp bf16 --channels-last)
#   CHAPTERS           the configs to train, in order (default: the classic editions' CNN chapters)
#   BENCH_AMP          precisions of the benchmark (default: "none bf16")
#   BENCH_ARGS         its cases (default: --suite gpu --rounds 2)
#   BUILD_DIR          (default build-gpu); D2L_BUILD=debian builds with scripts/build.sh instead
#                      (a CPU rehearsal of this script on the Debian machine)
# Every stage runs even when an earlier one failed; the exit status says whether all passed.
# On a machine lent for minutes (10 per command), two calls: `scripts/gpu-check.sh $OUT/a env build
# test bench`, then `D2L_GPU_DEADLINE=540 scripts/gpu-check.sh $OUT/b chapters` (build-gpu/ stays).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: scripts/gpu-check.sh OUT [env|build|test|bench|chapters]...}"
shift
stages=("$@")
(( ${#stages[@]} > 0 )) || stages=(env build test bench chapters)
mkdir -p "$out"
out="$(cd "$out" && pwd)"
start=$SECONDS
deadline="${D2L_GPU_DEADLINE:-510}"
device="${D2L_DEVICE:-cuda}"
build="${BUILD_DIR:-$root/build-gpu}"
python="${PYTHON:-python3}"
export D2L_DATA="${D2L_DATA:-$root/.gpu/data}"
export D2L_NO_DOWNLOAD=1
status=0
log() { echo "[$(( SECONDS - start ))s] $*" | tee -a "$out/steps.log"; }
run_stage() {  # name command...: its output in OUT/NAME.log, its status in steps.log
  local name="$1"; shift
  log "$name: $*"
  "$@" >"$out/$name.log" 2>&1
  local rc=$?
  log "$name: exit $rc"
  (( rc == 0 )) || status=1
  return $rc
}

stage_env() {
  {
    date -u
    nvidia-smi || true
    command -v nvcc && nvcc --version
    "$python" -c 'import torch, sys; print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, "gpus", torch.cuda.device_count(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")'
    cmake --version | head -1
    c++ --version | head -1
    command -v ninja
    ldd --version | head -1
    nproc
    free -g
    du -sh "$root/.gpu"
  } >"$out/env.log" 2>&1
  log "env: $(grep -m1 -o 'torch [^ ]*' "$out/env.log" || echo 'no python torch'), $(grep -m1 -o 'NVIDIA [A-Z0-9]*[^|]*' "$out/env.log" | head -1)"
}

stage_build() {
  if [ "${D2L_BUILD:-}" = debian ]; then
    run_stage build env D2L_BUILD_DIR="$build" "$root/scripts/build.sh"
  else
    run_stage build "$root/scripts/gpu-build.sh" "$build" d2l d2l_gpu_tests bench_train
  fi
  tail -5 "$out/build.log"
}

stage_test() {
  # The CUDA tests (reported as skipped without a GPU) and the mixed-precision ones.
  run_stage test "$build/tests/d2l_gpu_tests" --gtest_output="xml:$out/test.xml"
  tail -4 "$out/test.log"
}

stage_bench() {
  for amp in ${BENCH_AMP:-none bf16}; do
    # shellcheck disable=SC2086
    run_stage "bench-$amp" "$build/bench/bench_train" ${BENCH_ARGS:---suite gpu --rounds 2} --device "$device" --amp "$amp" \
      --python "$python"
    cat "$out/bench-$amp.log"
  done
}

stage_chapters() {
  local configs=(${CHAPTERS:-lenet-zh alexnet-zh resnet-zh densenet-zh googlenet-zh nin-zh vgg-zh})
  local runs=() chapter_flags="${CHAPTER_FLAGS-"--amp bf16 --channels-last"}"
  mkdir -p "$out/runs"
  for config in "${configs[@]}"; do
    local left=$(( deadline - (SECONDS - start) ))
    if (( left < 30 )); then log "chapters: no time left for $config"; continue; fi
    # The deadline stops a run with SIGTERM after a step (exit 143): not a failure; its last
    # reported epoch is in summary.json.
    local before=$status
    # shellcheck disable=SC2086
    run_stage "chapter-$config" timeout "$left" "$build/apps/d2l" train --config "$root/configs/$config.toml" \
      --device "$device" $chapter_flags --out "$out/runs/$config"
    case $? in 124|143) status=$before; log "chapters: $config stopped at the deadline" ;; esac
    runs+=("$out/runs/$config")
  done
  (( ${#runs[@]} > 0 )) && "$python" "$root/scripts/reproduction_table.py" "${runs[@]}" >"$out/reproduction.md"
  cat "$out/reproduction.md" 2>/dev/null
}

for stage in "${stages[@]}"; do
  case "$stage" in
    env|build|test|bench|chapters) "stage_$stage" ;;
    *) echo "unknown stage '$stage' (env, build, test, bench, chapters)" >&2; exit 2 ;;
  esac
done
log "done, status $status"
exit $status
