// In-memory data sets and a minibatch loader: seeded shuffling, index_select batching, and
// per-batch resize and normalisation (the book's transforms.Resize + ToTensor [+ Normalize]).
#pragma once
#include <torch/arg.h>
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace d2l::data {

// Inputs and targets with the examples along dimension 0. Images stay uint8 until batched.
// Padded token sequences also carry their valid lengths (d2l 10.5), one per example.
struct TensorDataset {
  torch::Tensor inputs;
  torch::Tensor targets;
  torch::Tensor input_valid_lens = {};   // [n] int64, or undefined
  torch::Tensor target_valid_lens = {};  // [n] int64, or undefined
  int64_t size() const { return inputs.defined() ? inputs.size(0) : 0; }
  TensorDataset head(int64_t n) const;  // the first n examples (all when n <= 0 or n >= size)
};

struct Batch {
  torch::Tensor X;
  torch::Tensor y;
  torch::Tensor X_valid_len = {};  // defined when the data set has valid lengths
  torch::Tensor y_valid_len = {};
};

// What happens to each image batch after index_select.
struct Transform {
  int64_t resize = 0;        // side length for bilinear resizing; 0 keeps the size
  int64_t crop = 0;          // then a centre crop to this side (evaluation); 0: none
  int64_t channels = 0;      // gray images repeated to this many channels (torchvision's Grayscale(3)); 0 keeps them
  std::vector<double> mean;  // per channel; empty: no normalisation (the book's default)
  std::vector<double> std;
  // Training-time augmentation, used when the loader augments: torchvision's
  // RandomResizedCrop(random_resized_crop) in place of resize and crop, and RandomHorizontalFlip.
  int64_t random_resized_crop = 0;
  bool horizontal_flip = false;

  // A batch of examples (uint8 or float, [N, H, W] or [N, C, H, W]) as the model sees it.
  // With a generator, the augmentation draws its random numbers from it.
  torch::Tensor operator()(torch::Tensor X, at::Generator* augment = nullptr) const;
  bool augments() const { return random_resized_crop > 0 || horizontal_flip; }
};

struct LoaderOptions {
  TORCH_ARG(int64_t, batch_size) = 256;
  TORCH_ARG(bool, shuffle) = false;
  TORCH_ARG(bool, drop_last) = false;
  TORCH_ARG(uint64_t, seed) = 0;  // the order of epoch e depends only on (seed, e): resumable
  TORCH_ARG(bool, augment) = false;  // apply the transform's augmentation (seeded by seed, epoch, batch)
  // Data-parallel training: this process sees shard `rank` of `num_replicas`, as with PyTorch's
  // DistributedSampler: every rank draws the same permutation, pads it by repeating its start to a
  // multiple of num_replicas, and takes every num_replicas-th example from position rank. Data
  // drawn per epoch in order (text iterators) is split into equal runs of whole batches instead,
  // so that each rank's batches still continue one another; the remainder is dropped.
  TORCH_ARG(int64_t, num_replicas) = 1;
  TORCH_ARG(int64_t, rank) = 0;
  // Where batches are delivered (the trainer's device). A data set of at most max_device_bytes is
  // copied there once and batched there: selection, resizing and normalisation then run on the GPU.
  // A larger one stays in host memory, and each batch travels through pinned (page-locked) memory
  // in a copy the host does not wait for.
  TORCH_ARG(torch::Device, device) = torch::kCPU;
  TORCH_ARG(int64_t, max_device_bytes) = int64_t{2} << 30;
};

// A data set drawn afresh for each epoch (the book's text iterators pick a new random offset
// every epoch); the loader then batches it in order.
using EpochData = std::function<TensorDataset(int64_t epoch)>;

class DataLoader {
 public:
  DataLoader(TensorDataset dataset, Transform transform, LoaderOptions options);
  DataLoader(EpochData epoch_data, Transform transform, LoaderOptions options);

  void set_epoch(int64_t epoch);  // reshuffles (when shuffling) for that epoch
  bool on_device() const { return resident_; }  // whether the data set was copied to options.device
  int64_t num_batches() const;
  int64_t num_examples() const;  // examples per epoch, after drop_last
  Batch batch(int64_t index) const;

  class Iterator {
   public:
    Iterator(const DataLoader* loader, int64_t index) : loader_(loader), index_(index) {}
    Batch operator*() const { return loader_->batch(index_); }
    Iterator& operator++() {
      ++index_;
      return *this;
    }
    bool operator!=(const Iterator& other) const { return index_ != other.index_; }

   private:
    const DataLoader* loader_;
    int64_t index_;
  };
  Iterator begin() const { return {this, 0}; }
  Iterator end() const { return {this, num_batches()}; }

 private:
  EpochData epoch_data_;
  TensorDataset dataset_;
  Transform transform_;
  LoaderOptions options_;
  // Copies the data set to the device when it is not the CPU and the data set fits.
  void place_dataset();
  void shard(int64_t n);  // keeps this rank's part of the epoch's order of n examples
  // A batch's tensor on options.device: as it is when the data set lives there (or on the CPU),
  // else through pinned memory, without waiting for the copy.
  torch::Tensor deliver(const torch::Tensor& t) const;
  torch::Tensor order_;  // int64: the examples of this epoch (this rank's shard), in order, beside the data
  int64_t epoch_ = 0;
  bool resident_ = false;
};

}  // namespace d2l::data
