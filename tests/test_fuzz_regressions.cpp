// The fuzz targets (tests/fuzz/fuzz_targets.h) on the inputs that broke or threatened them:
// the files in tests/fuzz/regressions/<target>/ and hostile nestings made here. Each must be
// rejected with an error, never crash (under scripts/fuzz.sh's sanitizers too).
#include <gtest/gtest.h>

#include <fstream>

#include "tests/fuzz/fuzz_targets.h"
#include "tests/helpers.h"

namespace d2l::test {
namespace {
namespace fs = std::filesystem;

void feed(fuzz::Target target, const std::string& bytes) {
  target(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

TEST(FuzzRegressions, EveryKeptInputIsRejectedCleanly) {
  size_t inputs = 0;
  for (const auto& [name, target] : fuzz::targets()) {
    const auto dir = source_dir() / "tests" / "fuzz" / "regressions" / name;
    if (!fs::exists(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      SCOPED_TRACE(entry.path().string());
      std::ifstream in(entry.path(), std::ios::binary);
      feed(target, {std::istreambuf_iterator<char>(in), {}});
      ++inputs;
    }
  }
  EXPECT_GE(inputs, 3u);
}

TEST(FuzzRegressions, EmptyAndGarbageInputsAreRejectedByEveryTarget) {
  for (const auto& [name, target] : fuzz::targets()) {
    SCOPED_TRACE(name);
    feed(target, "");
    feed(target, std::string(1000, '\xff'));
  }
}

TEST(FuzzRegressions, PicklesNestedAMillionDeepDoNotOverflowTheStack) {
  const int n = 1'000'000;
  // EMPTY_LIST n times, then APPEND n - 1 times: [[[...]]] (found by hand while fuzzing: freeing
  // it recursively overflowed the stack); and TUPLE1 wrapped n times.
  feed(fuzz::pickle, "\x80\x02" + std::string(n, ']') + std::string(n - 1, 'a') + ".");
  feed(fuzz::pickle, "\x80\x02)" + std::string(n, '\x85') + ".");
}

TEST(FuzzRegressions, DeeplyNestedTomlIsRejected) {
  feed(fuzz::toml_config, "epochs = " + std::string(100'000, '[') + std::string(100'000, ']') + "\n");
  std::string tables;
  for (int i = 0; i < 50'000; ++i) tables += "{a=";
  feed(fuzz::toml_config, "x = " + tables + "1" + std::string(50'000, '}') + "\n");
}

}  // namespace
}  // namespace d2l::test
