// Weight initialisation schemes the book's training functions apply to a whole network.
#pragma once
#include <torch/nn/module.h>

#include <string>

namespace d2l::models {

enum class Init {
  none,    // keep what the modules set (PyTorch's defaults, or the model's own)
  xavier,  // xavier_uniform_ on every Linear / Conv2d / GRU weight (train_ch6, init_cnn, train_seq2seq)
  normal,  // N(0, 0.01^2) on every Linear / Conv2d weight, biases zero (chapters 3-5)
};

Init parse_init(const std::string& name);  // "none" | "xavier" | "normal"
void apply_init(torch::nn::Module& model, Init init);

// In place: N(0, std^2) truncated to [a, b] (absolute bounds, as PyTorch's trunc_normal_), drawn by
// inverting the normal CDF on the matching uniform interval. Swin's and MAE's initialisation.
void trunc_normal_(torch::Tensor tensor, double std, double a = -2.0, double b = 2.0);

}  // namespace d2l::models
