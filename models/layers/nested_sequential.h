// A Sequential that can sit inside another Sequential. LibTorch's own cannot (its forward is a
// template, which AnyModule cannot store), yet torchvision nests them (DenseNet's blocks).
#pragma once
#include <torch/nn/modules/container/sequential.h>

namespace d2l::models {

class NestedSequentialImpl : public torch::nn::SequentialImpl {
 public:
  using SequentialImpl::SequentialImpl;
  torch::Tensor forward(torch::Tensor X) { return SequentialImpl::forward(std::move(X)); }
};
TORCH_MODULE(NestedSequential);

}  // namespace d2l::models
