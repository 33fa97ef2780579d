// Image classification (d2l 4.3, train_ch6): cross-entropy loss, accuracy.
#pragma once
#include <torch/nn/modules/container/any.h>

#include "train/task.h"

namespace d2l::train {

class ClassificationTask : public Task {
 public:
  explicit ClassificationTask(torch::nn::AnyModule net) : net_(std::move(net)) {}
  torch::nn::Module& model() override { return *net_.ptr(); }
  StepOutput training_step(const data::Batch& batch) override;
  std::vector<Metric> validation_step(const data::Batch& batch) override;
  std::string monitor() const override { return "test_acc"; }
  bool higher_is_better() const override { return true; }

 private:
  // Loss and accuracy sums of one batch, named prefix + "loss" / prefix + "acc".
  std::pair<torch::Tensor, std::vector<Metric>> evaluate(const data::Batch& batch, const std::string& prefix);
  torch::nn::AnyModule net_;
};

}  // namespace d2l::train
