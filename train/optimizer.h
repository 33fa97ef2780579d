// Optimizers by name (d2l 12.4-12.10): sgd, momentum, adam, adamw.
#pragma once
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <memory>
#include <string>
#include <vector>

namespace d2l::train {

struct OptimizerConfig {
  std::string name = "sgd";  // sgd | momentum | adam | adamw
  double lr = 0.1;
  double momentum = 0.9;      // used by "momentum"
  double weight_decay = 0.0;  // applied to weights only (tensors of 2+ dims), as d2l 3.7 does
  // Parameters whose names start with one of these learn at lr * head_lr_mult: the book's
  // fine-tuning (d2l 14.2) trains a new output layer at 10x the pretrained body's rate.
  std::vector<std::string> head_prefixes = {};
  double head_lr_mult = 1.0;
  double beta1 = 0.9;  // adam and adamw: decay of the gradient's running mean (DCGAN: 0.5)
  double beta2 = 0.999;
};

// Frozen parameters (requires_grad false) are left out.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(torch::nn::Module& model, const OptimizerConfig& config);

// Each parameter group's learning rate relative to config.lr, in make_optimizer's group order.
std::vector<double> learning_rate_scales(torch::nn::Module& model, const OptimizerConfig& config);

// Sets group i's learning rate to lr * scales[i] (all groups to lr when scales is empty).
void set_learning_rate(torch::optim::Optimizer& optimizer, double lr, const std::vector<double>& scales = {});

}  // namespace d2l::train
