#include "models/mlp.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

#include <stdexcept>

namespace d2l::models {
namespace nn = torch::nn;

MLPImpl::MLPImpl(const MLPOptions& options_) : options(options_) {
  const auto& hiddens = options.num_hiddens();
  const auto& dropouts = options.dropouts();
  if (!dropouts.empty() && dropouts.size() != hiddens.size())
    throw std::invalid_argument("MLP: give one dropout probability per hidden layer (or none)");
  net->push_back(nn::Flatten());
  int64_t width = options.num_inputs();
  for (size_t i = 0; i < hiddens.size(); ++i) {
    net->push_back(nn::Linear(width, hiddens[i]));
    net->push_back(nn::ReLU());
    if (!dropouts.empty()) net->push_back(nn::Dropout(dropouts[i]));
    width = hiddens[i];
  }
  net->push_back(nn::Linear(width, options.num_outputs()));
  register_module("net", net);
}

torch::Tensor MLPImpl::forward(const torch::Tensor& X) { return net->forward(X); }

}  // namespace d2l::models
