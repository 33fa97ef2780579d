// Batch normalization written out as in the book (d2l 8.5, "Implementation from Scratch").
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace d2l::models {

struct BatchNormOptions {
  BatchNormOptions(int64_t num_features, int64_t num_dims) : num_features_(num_features), num_dims_(num_dims) {}
  TORCH_ARG(int64_t, num_features);
  TORCH_ARG(int64_t, num_dims);  // 2 after a fully connected layer, 4 after a convolution
  TORCH_ARG(double, eps) = 1e-5;
  TORCH_ARG(double, momentum) = 0.1;  // moving = (1 - momentum) * moving + momentum * batch
};

class BatchNormImpl : public torch::nn::Module {
 public:
  explicit BatchNormImpl(const BatchNormOptions& options);
  torch::Tensor forward(const torch::Tensor& X);

  BatchNormOptions options;
  torch::Tensor gamma, beta;              // learned scale and shift
  torch::Tensor moving_mean, moving_var;  // buffers used at prediction time
};
TORCH_MODULE(BatchNorm);

}  // namespace d2l::models
