#include "data/image_folder.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/nn/functional/upsampling.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "data/image.h"

namespace d2l::data {
namespace fs = std::filesystem;

namespace {

// The first split folder of `names` that exists under root.
fs::path split_dir(const fs::path& root, const std::vector<std::string>& names) {
  for (const auto& name : names)
    if (fs::is_directory(root / name)) return root / name;
  throw std::runtime_error("image folder " + root.string() + ": no " + names.front() +
                           "/ folder (expected ROOT/train/<class>/*.jpg and ROOT/test/<class>/*.jpg, "
                           "as the book's hotdog data)");
}

// Decodes `files` (in parallel) into uint8 [N, 3, side, side].
torch::Tensor decode(const std::vector<fs::path>& files, int64_t side) {
  auto images = torch::empty({static_cast<int64_t>(files.size()), 3, side, side}, torch::kUInt8);
  at::parallel_for(0, static_cast<int64_t>(files.size()), 1, [&](int64_t begin, int64_t end) {
    namespace F = torch::nn::functional;
    for (int64_t i = begin; i < end; ++i) {
      auto X = read_image(files[i], 3).unsqueeze(0).to(torch::kFloat32);
      X = F::interpolate(X, F::InterpolateFuncOptions()
                                .size(std::vector<int64_t>{side, side})
                                .mode(torch::kBilinear)
                                .align_corners(false));
      images[i].copy_(X[0].round_().clamp_(0, 255));
    }
  });
  return images;
}

TensorDataset read_split(const fs::path& dir, const std::vector<std::string>& classes, int64_t side, int64_t limit) {
  auto listing = list_image_files(dir);
  if (listing.classes != classes)
    throw std::runtime_error(dir.string() + ": its class folders differ from the training split's");
  std::vector<int64_t> order(listing.files.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  if (limit > 0 && limit < static_cast<int64_t>(order.size())) {
    // A fixed random subset, so that every class is represented.
    auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
    const auto perm = torch::randperm(static_cast<int64_t>(order.size()), generator, torch::kInt64);
    order.assign(perm.data_ptr<int64_t>(), perm.data_ptr<int64_t>() + limit);
    std::sort(order.begin(), order.end());
  }
  std::vector<fs::path> files;
  std::vector<int64_t> labels;
  for (auto i : order) {
    files.push_back(listing.files[i]);
    labels.push_back(listing.labels[i]);
  }
  return {decode(files, side), torch::tensor(labels, torch::kInt64)};
}

}  // namespace

ImageFiles list_image_files(const fs::path& dir) {
  ImageFiles out;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory()) out.classes.push_back(entry.path().filename().string());
  std::sort(out.classes.begin(), out.classes.end());
  if (out.classes.empty()) throw std::runtime_error(dir.string() + ": no class folders (expected <class>/*.jpg)");
  for (size_t c = 0; c < out.classes.size(); ++c) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir / out.classes[c]))
      if (entry.is_regular_file() && is_image_file(entry.path())) files.push_back(entry.path());
    if (files.empty()) throw std::runtime_error((dir / out.classes[c]).string() + ": no image files");
    std::sort(files.begin(), files.end());
    for (auto& f : files) {
      out.files.push_back(f);
      out.labels.push_back(static_cast<int64_t>(c));
    }
  }
  return out;
}

DataModule image_folder(const ImageFolderOptions& options) {
  if (!can_read_images())
    throw std::runtime_error("image folders need OpenCV, which this build was configured without");
  if (!fs::is_directory(options.root()))
    throw std::runtime_error("image folder " + options.root().string() + ": no such folder");
  const auto train_dir = split_dir(options.root(), {"train"});
  const auto test_dir = split_dir(options.root(), {"test", "val"});
  const auto classes = list_image_files(train_dir).classes;
  const int64_t side = options.image_size() * 256 / 224;

  DataModule dm;
  dm.name = "image-folder";
  dm.class_names = classes;
  dm.train = read_split(train_dir, classes, side, options.limit_train());
  dm.val = read_split(test_dir, classes, side, options.limit_val());
  dm.transform.crop = options.image_size();
  dm.transform.random_resized_crop = options.image_size();
  dm.transform.horizontal_flip = true;
  dm.transform.mean = kImageNetMean;  // as the book
  dm.transform.std = kImageNetStd;
  return dm;
}

DataModule image_classes(const std::filesystem::path& root, int64_t side, int64_t limit) {
  if (!can_read_images())
    throw std::runtime_error("image folders need OpenCV, which this build was configured without");
  if (!fs::is_directory(root)) throw std::runtime_error("image folder " + root.string() + ": no such folder");
  DataModule dm;
  dm.name = "images";
  dm.class_names = list_image_files(root).classes;
  dm.train = read_split(root, dm.class_names, side, limit);
  dm.val = dm.train.head(1);  // nothing to validate: a generative model learns all of them
  return dm;
}

}  // namespace d2l::data
