// Semantic segmentation (d2l 14.11): per-pixel cross-entropy ignoring VOC's border label 255,
// pixel accuracy, and mean intersection over union over the classes present.
#pragma once
#include <torch/nn/modules/container/any.h>

#include "train/task.h"

namespace d2l::train {

class SegmentationTask : public Task {
 public:
  SegmentationTask(torch::nn::AnyModule net, int64_t num_classes) : net_(std::move(net)), num_classes_(num_classes) {}
  torch::nn::Module& model() override { return *net_.ptr(); }
  StepOutput training_step(const data::Batch& batch) override;
  std::vector<Metric> validation_step(const data::Batch& batch) override;
  void derive_metrics(std::map<std::string, double>& means) const override;  // test_miou
  std::string monitor() const override { return "test_miou"; }
  bool higher_is_better() const override { return true; }

 private:
  struct Evaluation {
    torch::Tensor logits, loss;
    std::vector<Metric> metrics;
  };
  Evaluation evaluate(const data::Batch& batch, const std::string& prefix);
  torch::nn::AnyModule net_;
  int64_t num_classes_;
};

// Per class: pixels where prediction and label agree on it (intersection) and where either says
// it (union), over pixels whose label is not 255. Both [num_classes], int64.
std::pair<torch::Tensor, torch::Tensor> intersection_and_union(const torch::Tensor& predicted, const torch::Tensor& labels,
                                                               int64_t num_classes);
// Mean of intersection / union over the classes with a non-empty union.
double mean_iou(const torch::Tensor& intersection, const torch::Tensor& union_);

}  // namespace d2l::train
