#include "data/loader.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <stdexcept>

#include "data/resize.h"

namespace d2l::data {

TensorDataset TensorDataset::head(int64_t n) const {
  if (n <= 0 || n >= size()) return *this;
  const auto first = [n](const torch::Tensor& t) { return t.defined() ? t.slice(0, 0, n) : t; };
  return {first(inputs), first(targets), first(input_valid_lens), first(target_valid_lens)};
}

namespace {

torch::Tensor center_crop(const torch::Tensor& X, int64_t side) {
  const int64_t top = std::max<int64_t>(0, (X.size(2) - side) / 2), left = std::max<int64_t>(0, (X.size(3) - side) / 2);
  return X.slice(2, top, top + side).slice(3, left, left + side);
}

// torchvision's RandomResizedCrop (scale 0.08-1, aspect ratio 3/4-4/3, 10 tries, then a centre
// crop) and RandomHorizontalFlip, each example with its own draw.
torch::Tensor augment_batch(const torch::Tensor& X, int64_t side, bool flip, at::Generator& generator) {
  const int64_t n = X.size(0), height = X.size(2), width = X.size(3);
  constexpr int kTries = 10;
  const auto u = torch::rand({n, kTries * 4 + 1}, generator, torch::kFloat64);
  const auto draws = u.accessor<double, 2>();
  std::vector<torch::Tensor> out;
  for (int64_t k = 0; k < n; ++k) {
    int64_t h = std::min(height, width), w = h, top = (height - h) / 2, left = (width - w) / 2;
    for (int i = 0; i < kTries; ++i) {
      const double area = height * width * (0.08 + (1.0 - 0.08) * draws[k][4 * i]);
      const double log_ratio = std::log(3.0 / 4.0) + (std::log(4.0 / 3.0) - std::log(3.0 / 4.0)) * draws[k][4 * i + 1];
      const auto cw = static_cast<int64_t>(std::lround(std::sqrt(area * std::exp(log_ratio))));
      const auto ch = static_cast<int64_t>(std::lround(std::sqrt(area / std::exp(log_ratio))));
      if (cw > 0 && ch > 0 && cw <= width && ch <= height) {
        h = ch;
        w = cw;
        top = static_cast<int64_t>(draws[k][4 * i + 2] * static_cast<double>(height - h + 1));
        left = static_cast<int64_t>(draws[k][4 * i + 3] * static_cast<double>(width - w + 1));
        break;
      }
    }
    auto crop = X.slice(0, k, k + 1).slice(2, top, top + h).slice(3, left, left + w);
    crop = resize_batch(crop, side, side);
    if (flip && draws[k][kTries * 4] < 0.5) crop = crop.flip({3});
    out.push_back(crop);
  }
  return torch::cat(out);
}

}  // namespace

torch::Tensor Transform::operator()(torch::Tensor X, at::Generator* augment) const {
  // ToTensor: uint8 to float32, then divided by 255 in place. (A division that promotes uint8
  // itself takes a slow casting loop in LibTorch 1.13: 25x slower for a batch of 256 images.)
  if (X.scalar_type() == torch::kUInt8) X = X.to(torch::kFloat32).div_(255.0);
  if (X.dim() == 3) X = X.unsqueeze(1);                                         // gray images [N, H, W] -> [N, 1, H, W]
  if (X.dim() != 4) return X;  // not images (regression features)
  if (augment && augments()) {
    const int64_t side = random_resized_crop > 0 ? random_resized_crop : crop > 0 ? crop : X.size(2);
    X = augment_batch(X, side, horizontal_flip, *augment);
  } else {
    if (resize > 0) X = resize_batch(X, resize, resize);
    if (crop > 0) X = center_crop(X, crop);
  }
  if (channels > 1 && X.size(1) == 1) X = X.expand({-1, channels, -1, -1});
  if (!mean.empty()) {
    // Channel by channel with plain numbers: a tensor of the statistics would be a copy from
    // the host, which on a GPU waits for the work queued before it.
    std::vector<torch::Tensor> normalised;
    for (size_t c = 0; c < mean.size(); ++c) normalised.push_back((X.select(1, static_cast<int64_t>(c)) - mean[c]) / std[c]);
    X = torch::stack(normalised, 1);
  }
  return X;
}

namespace {

void check_options(const LoaderOptions& options) {
  if (options.batch_size() <= 0) throw std::invalid_argument("batch size must be positive");
  if (options.num_replicas() < 1 || options.rank() < 0 || options.rank() >= options.num_replicas())
    throw std::invalid_argument("data loader: rank " + std::to_string(options.rank()) + " of " +
                                std::to_string(options.num_replicas()) + " replicas");
}

}  // namespace

DataLoader::DataLoader(TensorDataset dataset, Transform transform, LoaderOptions options)
    : dataset_(std::move(dataset)), transform_(std::move(transform)), options_(options) {
  check_options(options_);
  if (dataset_.size() == 0) throw std::invalid_argument("data loader: the data set is empty");
  place_dataset();
  set_epoch(0);
}

DataLoader::DataLoader(EpochData epoch_data, Transform transform, LoaderOptions options)
    : epoch_data_(std::move(epoch_data)), transform_(std::move(transform)), options_(options) {
  check_options(options_);
  set_epoch(0);
  if (dataset_.size() == 0) throw std::invalid_argument("data loader: the data set is empty");
}

namespace {

int64_t bytes(const torch::Tensor& t) { return t.defined() ? t.numel() * static_cast<int64_t>(t.element_size()) : 0; }

torch::Tensor moved(const torch::Tensor& t, torch::Device device) { return t.defined() ? t.to(device) : t; }

}  // namespace

void DataLoader::place_dataset() {
  const auto& d = dataset_;
  resident_ = !options_.device().is_cpu() &&
              bytes(d.inputs) + bytes(d.targets) + bytes(d.input_valid_lens) + bytes(d.target_valid_lens) <=
                  options_.max_device_bytes();
  if (!resident_) return;
  const auto device = options_.device();
  dataset_ = {moved(d.inputs, device), moved(d.targets, device), moved(d.input_valid_lens, device),
              moved(d.target_valid_lens, device)};
}

void DataLoader::set_epoch(int64_t epoch) {
  epoch_ = epoch;
  if (epoch_data_) {
    dataset_ = epoch_data_(epoch);
    place_dataset();
  }
  const int64_t n = dataset_.size();
  if (!options_.shuffle()) {
    order_ = torch::arange(n, torch::kInt64);
  } else {
    // A private generator: the order never depends on what else drew random numbers.
    auto generator =
        at::make_generator<at::CPUGeneratorImpl>(options_.seed() * 1000003ULL + static_cast<uint64_t>(epoch));
    order_ = torch::randperm(n, generator, torch::TensorOptions().dtype(torch::kInt64));
  }
  if (options_.num_replicas() > 1) shard(n);
  if (resident_) order_ = order_.to(options_.device());  // once per epoch, not per batch
}

void DataLoader::shard(int64_t n) {
  const int64_t replicas = options_.num_replicas(), rank = options_.rank();
  if (epoch_data_) {
    const int64_t per_rank = n / options_.batch_size() / replicas * options_.batch_size();
    if (per_rank == 0)
      throw std::invalid_argument("the epoch's " + std::to_string(n / options_.batch_size()) +
                                  " batches cannot be shared by " + std::to_string(replicas) + " ranks");
    order_ = order_.slice(0, rank * per_rank, (rank + 1) * per_rank);
    return;
  }
  const int64_t padded = (n + replicas - 1) / replicas * replicas;
  if (padded > n) order_ = torch::cat({order_, order_.slice(0, 0, padded - n)});
  order_ = order_.slice(0, rank, padded, replicas);
}

int64_t DataLoader::num_examples() const {
  const int64_t n = order_.size(0);
  return options_.drop_last() ? n / options_.batch_size() * options_.batch_size() : n;
}

int64_t DataLoader::num_batches() const {
  const int64_t b = options_.batch_size(), n = order_.size(0);
  return options_.drop_last() ? n / b : (n + b - 1) / b;
}

torch::Tensor DataLoader::deliver(const torch::Tensor& t) const {
  if (options_.device().is_cpu() || !t.is_cpu()) return t;
  return t.pin_memory().to(options_.device(), /*non_blocking=*/true);
}

Batch DataLoader::batch(int64_t index) const {
  if (index < 0 || index >= num_batches()) throw std::out_of_range("batch index out of range");
  const int64_t start = index * options_.batch_size();
  const int64_t stop = std::min(start + options_.batch_size(), order_.size(0));
  const auto indices = order_.slice(0, start, stop);
  // Images travel to the device as uint8, a quarter of their float size; the transform runs there.
  auto X = deliver(dataset_.inputs.index_select(0, indices));
  if (options_.augment() && transform_.augments()) {
    // Seeded by (seed, epoch, batch): a resumed run draws the same crops.
    auto generator = at::make_generator<at::CPUGeneratorImpl>(
        options_.seed() * 1000003ULL + static_cast<uint64_t>(epoch_) * 65537ULL + static_cast<uint64_t>(index) + 1 +
        static_cast<uint64_t>(options_.rank()) * 0x9E3779B9ULL);
    X = transform_(X, &generator);
  } else {
    X = transform_(X);
  }
  const auto select = [&](const torch::Tensor& t) { return t.defined() ? deliver(t.index_select(0, indices)) : t; };
  return {X, select(dataset_.targets), select(dataset_.input_valid_lens), select(dataset_.target_valid_lens)};
}

}  // namespace d2l::data
