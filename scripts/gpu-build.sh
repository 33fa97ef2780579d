#!/usr/bin/env bash
# Builds d2l-cpp against a CUDA LibTorch: by default the one inside the machine's pip PyTorch
# (torch.utils.cmake_prefix_path), or $TORCH_PREFIX. Debian's packages are not needed: the
# header-only libraries, zlib and GoogleTest's sources come from .gpu/deps (scripts/gpu-deps.sh,
# run on a Debian machine); OpenCV, the downloads and Gloo are left out when absent.
#   scripts/gpu-build.sh [BUILD_DIR] [TARGET...]     (default: build-gpu; d2l d2l_gpu_tests bench_train)
# Extra CMake arguments: $D2L_CMAKE_ARGS.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
deps="$root/.gpu/deps"
build="${1:-$root/build-gpu}"
shift $(( $# > 0 ? 1 : 0 ))
targets=("$@")
(( ${#targets[@]} > 0 )) || targets=(d2l d2l_gpu_tests bench_train)
if [ ! -f "$deps/include/spdlog/spdlog.h" ]; then
  echo "error: $deps is missing: run scripts/gpu-deps.sh on a Debian machine and carry .gpu along" >&2
  exit 2
fi
python="${PYTHON:-python3}"
torch_prefix="${TORCH_PREFIX:-$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')}"
args=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=$deps;$torch_prefix" -DD2L_HEADER_ONLY_DEPS=ON
      "-DD2L_GTEST_SOURCE_DIR=$deps/src/googletest" "-DZLIB_ROOT=$deps" -DZLIB_USE_STATIC_LIBS=ON)
command -v ninja >/dev/null && args+=(-G Ninja)
# Torch's CUDA CMake files look for NVTX 3's headers; CUDA toolkits ship them.
if nvcc="$(command -v nvcc)"; then
  cuda_root="$(dirname "$(dirname "$(readlink -f "$nvcc")")")"
  args+=("-DCMAKE_CUDA_COMPILER=$nvcc" "-DCUDAToolkit_ROOT=$cuda_root")
  for include in "$cuda_root/include" "$cuda_root/targets/x86_64-linux/include"; do
    if [ -d "$include/nvtx3" ]; then args+=("-Dnvtx3_dir=$include"); break; fi
  done
fi
# NCCL for --distributed on CUDA: nccl.h from the toolkit or from pip's nvidia-nccl package.
nccl_include="$("$python" -c 'import nvidia.nccl, os; print(os.path.join(list(nvidia.nccl.__path__)[0], "include"))' 2>/dev/null || true)"
for include in "$nccl_include" "${cuda_root:-/usr/local/cuda}/include"; do
  if [ -n "$include" ] && [ -f "$include/nccl.h" ]; then args+=(-DD2L_WITH_NCCL=ON "-DNCCL_INCLUDE_DIR=$include"); break; fi
done
# shellcheck disable=SC2206
args+=(${D2L_CMAKE_ARGS:-})
echo "cmake ${args[*]}"
cmake -S "$root" -B "$build" "${args[@]}"
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"
