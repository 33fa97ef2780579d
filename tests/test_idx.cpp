// The IDX reader: both encodings, and every way a file can be broken.
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "data/idx.h"
#include "tests/helpers.h"

using d2l::data::read_idx;
using d2l::data::write_idx;
using d2l::test::TempDir;

namespace {

void write_bytes(const std::filesystem::path& file, const std::vector<uint8_t>& bytes) {
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::string error_of(const std::filesystem::path& file) {
  try {
    read_idx(file);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Idx, ReadsRawFileWithShapeFromHeader) {
  TempDir dir;
  // Magic 0x00000803 (unsigned bytes, 3 dims), dims 2 x 2 x 3, then 12 pixels.
  std::vector<uint8_t> bytes = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3};
  for (uint8_t i = 0; i < 12; ++i) bytes.push_back(i * 10);
  write_bytes(dir / "images-idx3-ubyte", bytes);
  const auto t = read_idx(dir / "images-idx3-ubyte");
  EXPECT_EQ(t.sizes(), (std::vector<int64_t>{2, 2, 3}));
  EXPECT_EQ(t.scalar_type(), torch::kUInt8);
  EXPECT_EQ(t[1][1][2].item<int>(), 110);
}

TEST(Idx, GzipRoundTripKeepsEveryByte) {
  TempDir dir;
  const auto data = torch::randint(0, 256, {5, 28, 28}, torch::kInt64).to(torch::kUInt8);
  write_idx(dir / "x-idx3-ubyte.gz", data);
  EXPECT_TRUE(torch::equal(read_idx(dir / "x-idx3-ubyte.gz"), data));
}

TEST(Idx, TruncatedPayloadNamesFileAndSizes) {
  TempDir dir;
  write_bytes(dir / "short", {0, 0, 8, 1, 0, 0, 0, 10, 1, 2, 3});
  const auto message = error_of(dir / "short");
  EXPECT_NE(message.find((dir / "short").string()), std::string::npos) << message;
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  EXPECT_NE(message.find("10 bytes"), std::string::npos) << message;
}

TEST(Idx, TruncatedGzipStreamIsReported) {
  TempDir dir;
  write_idx(dir / "full.gz", torch::randint(0, 256, {100, 28, 28}, torch::kInt64).to(torch::kUInt8));
  std::ifstream in(dir / "full.gz", std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes.resize(bytes.size() / 2);
  write_bytes(dir / "half.gz", bytes);
  const auto message = error_of(dir / "half.gz");
  EXPECT_NE(message.find("half.gz"), std::string::npos) << message;
  EXPECT_TRUE(message.find("truncated") != std::string::npos || message.find("corrupt") != std::string::npos)
      << message;
}

TEST(Idx, WrongMagicNumberIsReported) {
  TempDir dir;
  write_bytes(dir / "not-idx", {'P', 'K', 3, 4, 0, 0, 0, 0});
  EXPECT_NE(error_of(dir / "not-idx").find("wrong magic number"), std::string::npos);
}

TEST(Idx, UnsupportedElementTypeIsReported) {
  TempDir dir;
  write_bytes(dir / "floats", {0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0});
  EXPECT_NE(error_of(dir / "floats").find("element type 13"), std::string::npos);
}

TEST(Idx, ExtraBytesAreCorruption) {
  TempDir dir;
  write_bytes(dir / "long", {0, 0, 8, 1, 0, 0, 0, 2, 7, 7, 7});
  EXPECT_NE(error_of(dir / "long").find("1 bytes more"), std::string::npos);
}

TEST(Idx, EmptyAndMissingFilesAreReported) {
  TempDir dir;
  write_bytes(dir / "empty", {});
  EXPECT_NE(error_of(dir / "empty").find("too short"), std::string::npos);
  EXPECT_NE(error_of(dir / "missing").find("no such file"), std::string::npos);
}

TEST(Idx, HugeDimensionsDoNotAllocate) {
  TempDir dir;
  write_bytes(dir / "huge", {0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1});
  EXPECT_NE(error_of(dir / "huge").find("truncated"), std::string::npos);
}
