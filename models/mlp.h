// Multilayer perceptrons (d2l 5.2) and dropout (d2l 5.6).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

#include <vector>

namespace d2l::models {

struct MLPOptions {
  TORCH_ARG(int64_t, num_inputs) = 784;
  TORCH_ARG(std::vector<int64_t>, num_hiddens) = std::vector<int64_t>{256};
  TORCH_ARG(int64_t, num_outputs) = 10;
  // Dropout probability after each hidden layer's ReLU; empty means no dropout.
  TORCH_ARG(std::vector<double>, dropouts) = std::vector<double>{};
};

class MLPImpl : public torch::nn::Module {
 public:
  explicit MLPImpl(const MLPOptions& options = {});
  torch::Tensor forward(const torch::Tensor& X);

  MLPOptions options;
  torch::nn::Sequential net;  // Flatten, then [Linear, ReLU, (Dropout)] per hidden layer, Linear
};
TORCH_MODULE(MLP);

}  // namespace d2l::models
