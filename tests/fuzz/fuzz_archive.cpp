// libFuzzer target: fuzz::archive (tests/fuzz/fuzz_targets.h). Run by scripts/fuzz.sh.
#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  d2l::fuzz::archive(data, size);
  return 0;
}
