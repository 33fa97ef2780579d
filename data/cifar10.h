// CIFAR-10 in its binary format (cifar-10-binary.tar.gz, unpacked to cifar-10-batches-bin/):
// data_batch_1.bin ... data_batch_5.bin for training and test_batch.bin, each a run of 3,073-byte
// records: a label byte, then a 32x32 image as 1,024 red, 1,024 green and 1,024 blue bytes.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "data/data_module.h"
#include "data/locate.h"

namespace d2l::data {

struct CIFAR10Options {
  TORCH_ARG(std::optional<std::filesystem::path>, data_dir) = std::nullopt;
  TORCH_ARG(int64_t, resize) = 0;
  TORCH_ARG(int64_t, limit_train) = 0;  // first n training images; 0 = all 50,000
  TORCH_ARG(int64_t, limit_val) = 0;    // first n test images; 0 = all 10,000
};

DataSource cifar10_source();

// One batch file: uint8 images [N, 3, 32, 32] and int64 labels [N]. Throws naming the file when
// its size is not a whole number of records or a label is not a class (0..9).
TensorDataset read_cifar10_batch(const std::filesystem::path& file);

// The five training batches and the test batch. Batches are normalised with the channel means and
// deviations the book uses for CIFAR-10 (d2l 14.13), without its augmentation.
DataModule cifar10(const CIFAR10Options& options = {});

// airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck (batches.meta.txt).
const std::vector<std::string>& cifar10_labels();

}  // namespace d2l::data
