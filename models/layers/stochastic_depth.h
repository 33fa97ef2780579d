// Stochastic depth (Huang et al. 2016, "drop path"): in training, each example skips a residual
// branch with probability p, and the kept ones are scaled by 1 / (1 - p); identity in evaluation.
// Swin uses it with p growing linearly with depth.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace d2l::models {

class StochasticDepthImpl : public torch::nn::Module {
 public:
  explicit StochasticDepthImpl(double p = 0.0);
  torch::Tensor forward(const torch::Tensor& branch);
  double p;
};
TORCH_MODULE(StochasticDepth);

}  // namespace d2l::models
