// Network in network (d2l 8.3): NiN blocks (a convolution followed by two 1x1 convolutions,
// all with ReLU) and a classifier that is a NiN block with one channel per class, then a
// global average pool instead of fully connected layers.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

#include "models/layers/nested_sequential.h"

namespace d2l::models {

struct NiNOptions {
  TORCH_ARG(int64_t, in_channels) = 1;
  TORCH_ARG(int64_t, num_classes) = 10;
  TORCH_ARG(double, dropout) = 0.5;
};

NestedSequential nin_block(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t strides,
                                int64_t padding);

class NiNImpl : public torch::nn::Module {
 public:
  explicit NiNImpl(const NiNOptions& options = {});
  torch::Tensor forward_features(const torch::Tensor& X);
  torch::Tensor forward_head(const torch::Tensor& features);
  torch::Tensor forward(const torch::Tensor& X);

  NiNOptions options;
  torch::nn::Sequential features;    // three NiN blocks with max pooling, then dropout
  NestedSequential classifier;  // NiN block with num_classes channels
};
TORCH_MODULE(NiN);

}  // namespace d2l::models
