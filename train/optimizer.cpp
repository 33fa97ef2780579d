#include "train/optimizer.h"

#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include <stdexcept>

namespace d2l::train {
namespace optim = torch::optim;

namespace {

// Options of one parameter group with the given weight decay.
std::unique_ptr<optim::OptimizerOptions> group_options(const OptimizerConfig& c, double weight_decay) {
  if (c.name == "sgd") return std::make_unique<optim::SGDOptions>(optim::SGDOptions(c.lr).weight_decay(weight_decay));
  if (c.name == "momentum")
    return std::make_unique<optim::SGDOptions>(optim::SGDOptions(c.lr).momentum(c.momentum).weight_decay(weight_decay));
  if (c.name == "adam")
    return std::make_unique<optim::AdamOptions>(optim::AdamOptions(c.lr).weight_decay(weight_decay));
  if (c.name == "adamw")
    return std::make_unique<optim::AdamWOptions>(optim::AdamWOptions(c.lr).weight_decay(weight_decay));
  throw std::invalid_argument("unknown optimizer '" + c.name + "' (expected sgd, momentum, adam or adamw)");
}

}  // namespace

std::unique_ptr<optim::Optimizer> make_optimizer(torch::nn::Module& model, const OptimizerConfig& config) {
  // Two groups: weights are decayed, biases and normalisation scales are not.
  std::vector<torch::Tensor> decayed, other;
  for (auto& p : model.parameters()) (p.dim() >= 2 ? decayed : other).push_back(p);
  std::vector<optim::OptimizerParamGroup> groups;
  if (!decayed.empty()) groups.emplace_back(decayed, group_options(config, config.weight_decay));
  if (!other.empty()) groups.emplace_back(other, group_options(config, 0.0));
  const auto defaults = group_options(config, config.weight_decay);
  if (config.name == "sgd" || config.name == "momentum")
    return std::make_unique<optim::SGD>(groups, static_cast<const optim::SGDOptions&>(*defaults));
  if (config.name == "adam")
    return std::make_unique<optim::Adam>(groups, static_cast<const optim::AdamOptions&>(*defaults));
  return std::make_unique<optim::AdamW>(groups, static_cast<const optim::AdamWOptions&>(*defaults));
}

void set_learning_rate(optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

}  // namespace d2l::train
