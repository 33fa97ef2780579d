#include "data/idx.h"

#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace d2l::data {
namespace {

constexpr uint8_t kUnsignedByte = 0x08;  // the only IDX element type the book's data sets use
constexpr int kMaxDims = 4;

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what) {
  throw std::runtime_error(file.string() + ": " + what);
}

// The whole (decompressed) content; zlib reads raw files transparently.
std::vector<uint8_t> read_all(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) fail(file, "no such file");
  std::unique_ptr<gzFile_s, int (*)(gzFile)> in(gzopen(file.c_str(), "rb"), gzclose);
  if (!in) fail(file, "cannot open");
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> chunk(1 << 20);
  while (true) {
    const int n = gzread(in.get(), chunk.data(), static_cast<unsigned>(chunk.size()));
    if (n < 0) {
      int code = 0;
      fail(file, std::string("corrupt gzip data (") + gzerror(in.get(), &code) + ")");
    }
    if (n == 0) break;
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + n);
  }
  // gzread returns 0 at a premature end of a compressed stream as well; gzerror tells them apart.
  int code = Z_OK;
  gzerror(in.get(), &code);
  if (code != Z_OK && code != Z_STREAM_END) fail(file, "truncated or corrupt gzip stream");
  return bytes;
}

}  // namespace

torch::Tensor read_idx(const std::filesystem::path& file) {
  const std::vector<uint8_t> bytes = read_all(file);
  if (bytes.size() < 4) fail(file, "too short to be an IDX file (" + std::to_string(bytes.size()) + " bytes)");
  if (bytes[0] != 0 || bytes[1] != 0) fail(file, "wrong magic number: an IDX file starts with two zero bytes");
  if (bytes[2] != kUnsignedByte)
    fail(file, "unsupported IDX element type " + std::to_string(bytes[2]) + " (expected 8, unsigned byte)");
  const int ndims = bytes[3];
  if (ndims < 1 || ndims > kMaxDims) fail(file, "unsupported number of dimensions " + std::to_string(ndims));
  const size_t header = 4 + 4 * static_cast<size_t>(ndims);
  if (bytes.size() < header) fail(file, "truncated header");

  std::vector<int64_t> dims;
  size_t expected = 1;
  for (int d = 0; d < ndims; ++d) {
    const uint8_t* p = bytes.data() + 4 + 4 * d;
    const uint64_t size = (uint64_t(p[0]) << 24) | (uint64_t(p[1]) << 16) | (uint64_t(p[2]) << 8) | p[3];
    dims.push_back(static_cast<int64_t>(size));
    expected *= size;
    if (expected > bytes.size()) break;  // also guards the product against overflow
  }
  const size_t payload = bytes.size() - header;
  if (payload < expected)
    fail(file, "truncated: header promises " + std::to_string(expected) + " bytes of data, file has " +
                   std::to_string(payload));
  if (payload > expected)
    fail(file, "corrupt: " + std::to_string(payload - expected) + " bytes more than the header promises");
  auto out = torch::empty(dims, torch::kUInt8);
  std::copy(bytes.begin() + header, bytes.end(), out.data_ptr<uint8_t>());
  return out;
}

void write_idx(const std::filesystem::path& file, const torch::Tensor& data) {
  const auto t = data.contiguous().to(torch::kUInt8);
  std::vector<uint8_t> bytes{0, 0, kUnsignedByte, static_cast<uint8_t>(t.dim())};
  for (auto d : t.sizes()) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<uint8_t>((d >> shift) & 0xff));
  }
  bytes.insert(bytes.end(), t.data_ptr<uint8_t>(), t.data_ptr<uint8_t>() + t.numel());
  if (file.extension() == ".gz") {
    std::unique_ptr<gzFile_s, int (*)(gzFile)> out(gzopen(file.c_str(), "wb"), gzclose);
    if (!out || gzwrite(out.get(), bytes.data(), static_cast<unsigned>(bytes.size())) != static_cast<int>(bytes.size()))
      fail(file, "cannot write");
  } else {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) fail(file, "cannot write");
  }
}

}  // namespace d2l::data
