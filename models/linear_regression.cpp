#include "models/linear_regression.h"

namespace d2l::models {

LinearRegressionImpl::LinearRegressionImpl(const LinearRegressionOptions& options_) : options(options_) {
  const double sigma = options.sigma();
  if (options.scratch()) {
    w = register_parameter("w", torch::randn({options.num_inputs(), options.num_outputs()}) * sigma);
    b = register_parameter("b", torch::zeros({options.num_outputs()}));
  } else {
    net = register_module("net", torch::nn::Linear(options.num_inputs(), options.num_outputs()));
    torch::NoGradGuard no_grad;
    net->weight.normal_(0.0, sigma);
    net->bias.zero_();
  }
}

torch::Tensor LinearRegressionImpl::forward(const torch::Tensor& X) {
  const auto inputs = options.flatten() ? X.flatten(1) : X;
  if (options.scratch()) return torch::matmul(inputs, w) + b;
  return net->forward(inputs);
}

}  // namespace d2l::models
