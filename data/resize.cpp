#include "data/resize.h"

#include <torch/nn/functional/upsampling.h>

namespace d2l::data {

torch::Tensor resize_batch(const torch::Tensor& X, int64_t height, int64_t width) {
  namespace F = torch::nn::functional;
  if (X.size(2) == height && X.size(3) == width) return X;
  return F::interpolate(X, F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{height, width})
                               .mode(torch::kBilinear)
                               .align_corners(false));
}

}  // namespace d2l::data
