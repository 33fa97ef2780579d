#include "models/nin.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/pooling.h>

namespace d2l::models {
namespace nn = torch::nn;

NestedSequential nin_block(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t strides,
                         int64_t padding) {
  return NestedSequential(
      nn::Conv2d(nn::Conv2dOptions(in_channels, out_channels, kernel_size).stride(strides).padding(padding)),
      nn::ReLU(), nn::Conv2d(nn::Conv2dOptions(out_channels, out_channels, 1)), nn::ReLU(),
      nn::Conv2d(nn::Conv2dOptions(out_channels, out_channels, 1)), nn::ReLU());
}

NiNImpl::NiNImpl(const NiNOptions& o) : options(o) {
  auto pool = [] { return nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2)); };
  features = register_module(
      "features", nn::Sequential(nin_block(o.in_channels(), 96, 11, 4, 0), pool(), nin_block(96, 256, 5, 1, 2),
                                 pool(), nin_block(256, 384, 3, 1, 1), pool(), nn::Dropout(o.dropout())));
  classifier = register_module("classifier", nin_block(384, o.num_classes(), 3, 1, 1));
}

torch::Tensor NiNImpl::forward_features(const torch::Tensor& X) { return features->forward(X); }

torch::Tensor NiNImpl::forward_head(const torch::Tensor& F) {
  return torch::adaptive_avg_pool2d(classifier->forward(F), {1, 1}).flatten(1);
}

torch::Tensor NiNImpl::forward(const torch::Tensor& X) { return forward_head(forward_features(X)); }

}  // namespace d2l::models
