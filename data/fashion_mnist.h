// Fashion-MNIST (d2l 4.2) and MNIST, read from their IDX files into memory.
#pragma once
#include <filesystem>
#include <optional>

#include "data/data_module.h"
#include "data/locate.h"

namespace d2l::data {

struct MNISTOptions {
  TORCH_ARG(std::optional<std::filesystem::path>, data_dir) = std::nullopt;
  TORCH_ARG(int64_t, resize) = 0;       // the book resizes for AlexNet (224) and others (96)
  TORCH_ARG(int64_t, limit_train) = 0;  // first n training examples; 0 = all 60,000
  TORCH_ARG(int64_t, limit_val) = 0;    // first n test examples; 0 = all 10,000
};

DataSource fashion_mnist_source();
DataSource mnist_source();

// Loads the four IDX files of `source` (uint8 images [N, 28, 28], int64 labels).
DataModule load_mnist_like(const DataSource& source, const std::vector<std::string>& class_names,
                           const MNISTOptions& options);
DataModule fashion_mnist(const MNISTOptions& options = {});
DataModule mnist(const MNISTOptions& options = {});

// The book's text labels (d2l.FashionMNIST.text_labels).
const std::vector<std::string>& fashion_mnist_labels();

}  // namespace d2l::data
