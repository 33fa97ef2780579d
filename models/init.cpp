#include "models/init.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/rnn.h>

#include <cmath>
#include <stdexcept>

namespace d2l::models {

Init parse_init(const std::string& name) {
  if (name == "none" || name == "default") return Init::none;
  if (name == "xavier") return Init::xavier;
  if (name == "normal") return Init::normal;
  throw std::invalid_argument("unknown init '" + name + "' (expected none, xavier or normal)");
}

void apply_init(torch::nn::Module& model, Init init) {
  if (init == Init::none) return;
  torch::NoGradGuard no_grad;
  for (auto& module : model.modules()) {
    torch::Tensor weight, bias;
    if (auto* linear = module->as<torch::nn::Linear>()) {
      weight = linear->weight;
      bias = linear->bias;
    } else if (auto* conv = module->as<torch::nn::Conv2d>()) {
      weight = conv->weight;
      bias = conv->bias;
    } else if (auto* gru = module->as<torch::nn::GRU>(); gru && init == Init::xavier) {
      // train_seq2seq's init: every GRU weight matrix as well (its biases keep their defaults).
      for (auto& p : gru->named_parameters(/*recurse=*/false))
        if (p.key().find("weight") != std::string::npos) torch::nn::init::xavier_uniform_(p.value());
      continue;
    } else {
      continue;
    }
    if (init == Init::xavier) {
      torch::nn::init::xavier_uniform_(weight);  // biases keep their defaults, as in train_ch6
    } else {
      weight.normal_(0.0, 0.01);
      if (bias.defined()) bias.zero_();
    }
  }
}

void trunc_normal_(torch::Tensor tensor, double std, double a, double b) {
  torch::NoGradGuard no_grad;
  const auto cdf = [&](double x) { return 0.5 * (1.0 + std::erf(x / std / std::sqrt(2.0))); };
  tensor.uniform_(2.0 * cdf(a) - 1.0, 2.0 * cdf(b) - 1.0).erfinv_().mul_(std * std::sqrt(2.0)).clamp_(a, b);
}

}  // namespace d2l::models
