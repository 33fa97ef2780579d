#include "data/fashion_mnist.h"

#include <stdexcept>

#include "data/idx.h"

namespace d2l::data {
namespace {

const std::vector<std::string> kFiles = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                                         "t10k-labels-idx1-ubyte"};

TensorDataset read_split(const std::filesystem::path& dir, const std::string& images_file,
                         const std::string& labels_file) {
  const auto images_path = find_file(dir, images_file);
  const auto labels_path = find_file(dir, labels_file);
  auto images = read_idx(images_path);
  auto labels = read_idx(labels_path);
  if (images.dim() != 3) throw std::runtime_error(images_path.string() + ": expected 3 dimensions (N, H, W)");
  if (labels.dim() != 1) throw std::runtime_error(labels_path.string() + ": expected 1 dimension (N)");
  if (images.size(0) != labels.size(0))
    throw std::runtime_error(labels_path.string() + ": " + std::to_string(labels.size(0)) + " labels for " +
                             std::to_string(images.size(0)) + " images in " + images_path.string());
  return {images, labels.to(torch::kInt64)};
}

}  // namespace

DataSource fashion_mnist_source() {
  return {"fashion-mnist",
          kFiles,
          {"/usr/share/datasets/fashion-mnist"},
          "Install it with `apt-get install dataset-fashion-mnist`, or put the four files from "
          "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/ into ~/.cache/d2l/fashion-mnist "
          "(or pass --data-dir)."};
}

DataSource mnist_source() {
  return {"mnist",
          kFiles,
          {"/usr/share/datasets/mnist"},
          "Put the four MNIST IDX files (train-images-idx3-ubyte.gz, ...) into ~/.cache/d2l/mnist "
          "(or pass --data-dir)."};
}

DataModule load_mnist_like(const DataSource& source, const std::vector<std::string>& class_names,
                           const MNISTOptions& options) {
  const auto dir = locate(source, options.data_dir());
  DataModule dm;
  dm.name = source.name;
  dm.train = read_split(dir, kFiles[0], kFiles[1]).head(options.limit_train());
  dm.val = read_split(dir, kFiles[2], kFiles[3]).head(options.limit_val());
  dm.transform.resize = options.resize();
  dm.class_names = class_names;
  return dm;
}

const std::vector<std::string>& fashion_mnist_labels() {
  static const std::vector<std::string> labels = {"t-shirt", "trouser", "pullover", "dress", "coat",
                                                  "sandal",  "shirt",   "sneaker",  "bag",   "ankle boot"};
  return labels;
}

DataModule fashion_mnist(const MNISTOptions& options) {
  return load_mnist_like(fashion_mnist_source(), fashion_mnist_labels(), options);
}

DataModule mnist(const MNISTOptions& options) {
  return load_mnist_like(mnist_source(), {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, options);
}

}  // namespace d2l::data
