#include "data/loader.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/functional/upsampling.h>

#include <stdexcept>

namespace d2l::data {

TensorDataset TensorDataset::head(int64_t n) const {
  if (n <= 0 || n >= size()) return *this;
  return {inputs.slice(0, 0, n), targets.slice(0, 0, n)};
}

torch::Tensor Transform::operator()(torch::Tensor X) const {
  if (X.scalar_type() == torch::kUInt8) X = X.to(torch::kFloat32).div_(255.0);  // ToTensor
  if (X.dim() == 3) X = X.unsqueeze(1);                                         // gray images [N, H, W] -> [N, 1, H, W]
  if (resize > 0 && X.dim() == 4 && (X.size(2) != resize || X.size(3) != resize)) {
    namespace F = torch::nn::functional;
    X = F::interpolate(X, F::InterpolateFuncOptions()
                              .size(std::vector<int64_t>{resize, resize})
                              .mode(torch::kBilinear)
                              .align_corners(false));
  }
  if (channels > 1 && X.dim() == 4 && X.size(1) == 1) X = X.expand({-1, channels, -1, -1});
  if (!mean.empty()) {
    const auto shape = std::vector<int64_t>{1, static_cast<int64_t>(mean.size()), 1, 1};
    X = (X - torch::tensor(mean, X.options()).view(shape)) / torch::tensor(std, X.options()).view(shape);
  }
  return X;
}

DataLoader::DataLoader(TensorDataset dataset, Transform transform, LoaderOptions options)
    : dataset_(std::move(dataset)), transform_(std::move(transform)), options_(options) {
  if (options_.batch_size() <= 0) throw std::invalid_argument("batch size must be positive");
  if (dataset_.size() == 0) throw std::invalid_argument("data loader: the data set is empty");
  set_epoch(0);
}

void DataLoader::set_epoch(int64_t epoch) {
  if (!options_.shuffle()) {
    order_ = torch::arange(dataset_.size(), torch::kInt64);
    return;
  }
  // A private generator: the order never depends on what else drew random numbers.
  auto generator =
      at::make_generator<at::CPUGeneratorImpl>(options_.seed() * 1000003ULL + static_cast<uint64_t>(epoch));
  order_ = torch::randperm(dataset_.size(), generator, torch::TensorOptions().dtype(torch::kInt64));
}

int64_t DataLoader::num_examples() const {
  const int64_t n = dataset_.size();
  return options_.drop_last() ? n / options_.batch_size() * options_.batch_size() : n;
}

int64_t DataLoader::num_batches() const {
  const int64_t b = options_.batch_size();
  return options_.drop_last() ? dataset_.size() / b : (dataset_.size() + b - 1) / b;
}

Batch DataLoader::batch(int64_t index) const {
  if (index < 0 || index >= num_batches()) throw std::out_of_range("batch index out of range");
  const int64_t start = index * options_.batch_size();
  const int64_t stop = std::min(start + options_.batch_size(), dataset_.size());
  const auto indices = order_.slice(0, start, stop);
  return {transform_(dataset_.inputs.index_select(0, indices)), dataset_.targets.index_select(0, indices)};
}

}  // namespace d2l::data
