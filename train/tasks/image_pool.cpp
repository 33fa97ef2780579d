#include "train/tasks/image_pool.h"

#include <ATen/CPUGeneratorImpl.h>

namespace d2l::train {

ImagePool::ImagePool(int64_t pool_size, uint64_t seed)
    : pool_size_(pool_size), generator_(at::make_generator<at::CPUGeneratorImpl>(seed)) {}

torch::Tensor ImagePool::query(const torch::Tensor& images) {
  const auto detached = images.detach();
  if (pool_size_ <= 0) return detached;
  std::vector<torch::Tensor> out;
  for (int64_t i = 0; i < detached.size(0); ++i) {
    const auto image = detached[i].unsqueeze(0);
    if (size() < pool_size_) {
      images_.push_back(image.clone());
      out.push_back(image);
      continue;
    }
    if (torch::rand({1}, generator_).item<double>() > 0.5) {
      const auto k = torch::randint(pool_size_, {1}, generator_).item<int64_t>();
      out.push_back(images_[static_cast<size_t>(k)]);
      images_[static_cast<size_t>(k)] = image.clone();
    } else {
      out.push_back(image);
    }
  }
  return torch::cat(out);
}

}  // namespace d2l::train
