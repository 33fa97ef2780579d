// The IDX file format of (Fashion-)MNIST: a magic number, big-endian dimensions, raw bytes.
#pragma once
#include <torch/types.h>

#include <filesystem>

namespace d2l::data {

// Reads an unsigned-byte IDX file, gzip-compressed or raw, into a uint8 tensor shaped by its
// header ([N, H, W] for images, [N] for labels). Throws std::runtime_error naming the file
// when it is missing, truncated, not IDX, or holds more bytes than its header promises.
torch::Tensor read_idx(const std::filesystem::path& file);

// Writes a uint8 tensor as IDX (gzip-compressed when the name ends in .gz). Tests use it for fixtures.
void write_idx(const std::filesystem::path& file, const torch::Tensor& data);

}  // namespace d2l::data
