// Image-folder data sets (torchvision's ImageFolder): ROOT/train/<class>/*.jpg and
// ROOT/test/<class>/*.jpg, as the book's hot-dog data (d2l 14.2). Images are decoded once into
// memory at a fixed size; training batches get torchvision's RandomResizedCrop and flips,
// test batches a centre crop, both with ImageNet normalisation.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "data/data_module.h"

namespace d2l::data {

struct ImageFolderOptions {
  explicit ImageFolderOptions(std::filesystem::path root) : root_(std::move(root)) {}
  TORCH_ARG(std::filesystem::path, root);
  // Side of the network's input. Images are stored at image_size * 256 / 224 (torchvision's
  // Resize(256) before CenterCrop(224)).
  TORCH_ARG(int64_t, image_size) = 224;
  TORCH_ARG(int64_t, limit_train) = 0;  // a fixed random subset of n images; 0 = all
  TORCH_ARG(int64_t, limit_val) = 0;
};

DataModule image_folder(const ImageFolderOptions& options);

// torchvision's ImageFolder without splits, ROOT/<class>/*.jpg (the book's pokemon/ for its
// DCGAN): every image for training, resized to side x side as Resize((side, side)), no
// augmentation or normalisation; `limit` > 0 keeps a fixed random subset.
DataModule image_classes(const std::filesystem::path& root, int64_t side, int64_t limit = 0);

// The image files of one split, by class (classes and files sorted by name, as torchvision).
struct ImageFiles {
  std::vector<std::string> classes;
  std::vector<std::filesystem::path> files;
  std::vector<int64_t> labels;
};
ImageFiles list_image_files(const std::filesystem::path& split_dir);

}  // namespace d2l::data
