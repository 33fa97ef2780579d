// Linear regression (d2l 3.4 from scratch, 3.5 concise) and softmax regression (d2l 4.4, 4.5).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace d2l::models {

struct LinearRegressionOptions {
  TORCH_ARG(int64_t, num_inputs) = 2;
  TORCH_ARG(int64_t, num_outputs) = 1;
  TORCH_ARG(bool, flatten) = false;  // softmax regression reads images: flatten them first
  TORCH_ARG(double, sigma) = 0.01;   // weights ~ N(0, sigma^2), bias 0, as the book initialises
  // scratch: the book's explicit parameters w, b and X w + b; otherwise nn::Linear named "net".
  TORCH_ARG(bool, scratch) = false;
};

class LinearRegressionImpl : public torch::nn::Module {
 public:
  explicit LinearRegressionImpl(const LinearRegressionOptions& options = {});
  torch::Tensor forward(const torch::Tensor& X);

  LinearRegressionOptions options;
  torch::Tensor w, b;              // scratch variant
  torch::nn::Linear net{nullptr};  // concise variant
};
TORCH_MODULE(LinearRegression);

// Softmax regression is linear regression with one output per class on flattened images;
// the softmax itself lives in the cross-entropy loss (d2l 4.5.2, "Softmax Revisited").
inline LinearRegressionOptions softmax_regression_options(int64_t num_inputs = 784, int64_t num_outputs = 10) {
  return LinearRegressionOptions().num_inputs(num_inputs).num_outputs(num_outputs).flatten(true);
}

}  // namespace d2l::models
