// File checksums as the book and torchvision check their downloads: SHA-1 (d2l's DATA_HUB),
// MD5 (torchvision's data sets) and SHA-256 (torchvision's weight files name a prefix of it).
#pragma once
#include <filesystem>
#include <string>

namespace d2l::data {

struct Checksum {
  std::string algorithm;  // "sha1", "md5" or "sha256"
  std::string hex;        // lower-case digest, or a prefix of it (at least 8 digits)
  std::string str() const { return algorithm + " " + hex; }
};

// The hex digest of a file's bytes; throws naming the file when it cannot be read.
std::string file_digest(const std::filesystem::path& file, const std::string& algorithm);

// Whether the file's digest starts with `expected.hex`.
bool checksum_matches(const std::filesystem::path& file, const Checksum& expected);

}  // namespace d2l::data
