// Regression (d2l 3.4-3.7): squared loss on real-valued targets.
#pragma once
#include <torch/nn/modules/container/any.h>

#include "train/task.h"

namespace d2l::train {

struct RegressionOptions {
  // The book's from-scratch chapters use (y_hat - y)^2 / 2; nn.MSELoss has no 1/2.
  TORCH_ARG(bool, half_squared) = false;
};

class RegressionTask : public Task {
 public:
  explicit RegressionTask(torch::nn::AnyModule net, RegressionOptions options = {})
      : net_(std::move(net)), options_(options) {}
  torch::nn::Module& model() override { return *net_.ptr(); }
  StepOutput training_step(const data::Batch& batch) override;
  std::vector<Metric> validation_step(const data::Batch& batch) override;
  std::string monitor() const override { return "test_loss"; }
  bool higher_is_better() const override { return false; }

 private:
  torch::Tensor loss(const data::Batch& batch);
  torch::nn::AnyModule net_;
  RegressionOptions options_;
};

}  // namespace d2l::train
