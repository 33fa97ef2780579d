#include "train/optimizer.h"

#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include <stdexcept>

#include "train/strings.h"

namespace d2l::train {
namespace optim = torch::optim;

namespace {

// Options of one parameter group with the given weight decay.
std::unique_ptr<optim::OptimizerOptions> group_options(const OptimizerConfig& c, double weight_decay) {
  if (c.name == "sgd") return std::make_unique<optim::SGDOptions>(optim::SGDOptions(c.lr).weight_decay(weight_decay));
  if (c.name == "momentum")
    return std::make_unique<optim::SGDOptions>(optim::SGDOptions(c.lr).momentum(c.momentum).weight_decay(weight_decay));
  if (c.name == "adam")
    return std::make_unique<optim::AdamOptions>(
        optim::AdamOptions(c.lr).betas({c.beta1, c.beta2}).weight_decay(weight_decay));
  if (c.name == "adamw")
    return std::make_unique<optim::AdamWOptions>(
        optim::AdamWOptions(c.lr).betas({c.beta1, c.beta2}).weight_decay(weight_decay));
  throw std::invalid_argument("unknown optimizer '" + c.name + "' (expected sgd, momentum, adam or adamw)");
}

struct GroupPlan {
  std::vector<torch::Tensor> params;
  double weight_decay;
  double lr_scale;
};

// Up to four groups: weights are decayed, biases and normalisation scales are not; the head
// (if any) has its own learning rate.
std::vector<GroupPlan> plan_groups(torch::nn::Module& model, const OptimizerConfig& config) {
  std::vector<GroupPlan> plan;
  for (const bool head : {false, true})
    for (const bool decayed : {true, false}) {
      GroupPlan group{{}, decayed ? config.weight_decay : 0.0, head ? config.head_lr_mult : 1.0};
      for (auto& p : model.named_parameters()) {
        const bool in_head = starts_with_any(p.key(), config.head_prefixes);
        if (p.value().requires_grad() && in_head == head && (p.value().dim() >= 2) == decayed)
          group.params.push_back(p.value());
      }
      if (!group.params.empty()) plan.push_back(std::move(group));
    }
  return plan;
}

}  // namespace

std::vector<double> learning_rate_scales(torch::nn::Module& model, const OptimizerConfig& config) {
  std::vector<double> scales;
  for (const auto& group : plan_groups(model, config)) scales.push_back(group.lr_scale);
  return scales;
}

std::unique_ptr<optim::Optimizer> make_optimizer(torch::nn::Module& model, const OptimizerConfig& config) {
  std::vector<optim::OptimizerParamGroup> groups;
  for (auto& group : plan_groups(model, config)) {
    auto options = group_options(config, group.weight_decay);
    options->set_lr(config.lr * group.lr_scale);
    groups.emplace_back(group.params, std::move(options));
  }
  if (groups.empty()) throw std::invalid_argument("the model has no trainable parameters (all frozen?)");
  const auto defaults = group_options(config, config.weight_decay);
  if (config.name == "sgd" || config.name == "momentum")
    return std::make_unique<optim::SGD>(groups, static_cast<const optim::SGDOptions&>(*defaults));
  if (config.name == "adam")
    return std::make_unique<optim::Adam>(groups, static_cast<const optim::AdamOptions&>(*defaults));
  return std::make_unique<optim::AdamW>(groups, static_cast<const optim::AdamWOptions&>(*defaults));
}

void set_learning_rate(optim::Optimizer& optimizer, double lr, const std::vector<double>& scales) {
  auto& groups = optimizer.param_groups();
  for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(lr * (i < scales.size() ? scales[i] : 1.0));
}

}  // namespace d2l::train
