// The history of generated images that CycleGAN's discriminators see (Shrivastava et al. 2017;
// the reference code's ImagePool): until the pool is full each generated image goes in and
// comes back; after that each one, with probability 1/2, is swapped for a random older image
// (which leaves the pool), so the discriminators do not chase only the generators' latest work.
#pragma once
#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <vector>

namespace d2l::train {

class ImagePool {
 public:
  explicit ImagePool(int64_t pool_size = 50, uint64_t seed = 0);
  // images [B, C, H, W] -> [B, C, H, W] (detached); pool_size 0 returns them unchanged.
  torch::Tensor query(const torch::Tensor& images);
  int64_t size() const { return static_cast<int64_t>(images_.size()); }

 private:
  int64_t pool_size_;
  std::vector<torch::Tensor> images_;
  at::Generator generator_;
};

}  // namespace d2l::train
