// Optimizers by name (d2l 12.4-12.10): sgd, momentum, adam, adamw.
#pragma once
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <memory>
#include <string>

namespace d2l::train {

struct OptimizerConfig {
  std::string name = "sgd";  // sgd | momentum | adam | adamw
  double lr = 0.1;
  double momentum = 0.9;      // used by "momentum"
  double weight_decay = 0.0;  // applied to weights only (tensors of 2+ dims), as d2l 3.7 does
};

std::unique_ptr<torch::optim::Optimizer> make_optimizer(torch::nn::Module& model, const OptimizerConfig& config);
void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

}  // namespace d2l::train
