#include "train/tasks/segmentation.h"

#include <torch/nn/functional/loss.h>

#include "data/voc.h"

namespace d2l::train {
namespace {

std::string inter_name(int64_t c) { return "iou_inter_" + std::to_string(c); }
std::string union_name(int64_t c) { return "iou_union_" + std::to_string(c); }

}  // namespace

std::pair<torch::Tensor, torch::Tensor> intersection_and_union(const torch::Tensor& predicted, const torch::Tensor& labels,
                                                               int64_t C) {
  const auto valid = labels != data::kIgnoreLabel;
  // The confusion matrix of the valid pixels: row = label, column = prediction.
  const auto cells = (labels.masked_select(valid) * C + predicted.masked_select(valid)).bincount({}, C * C).view({C, C});
  const auto intersection = cells.diagonal();
  return {intersection, cells.sum(0) + cells.sum(1) - intersection};
}

double mean_iou(const torch::Tensor& intersection, const torch::Tensor& union_) {
  const auto present = union_ > 0;
  if (!present.any().item<bool>()) return 0.0;
  return (intersection.masked_select(present).to(torch::kFloat64) / union_.masked_select(present).to(torch::kFloat64))
      .mean()
      .item<double>();
}

SegmentationTask::Evaluation SegmentationTask::evaluate(const data::Batch& batch, const std::string& prefix) {
  namespace F = torch::nn::functional;
  const auto logits = net_.forward(batch.X);
  const auto loss = F::cross_entropy(logits, batch.y, F::CrossEntropyFuncOptions().ignore_index(data::kIgnoreLabel));
  const auto valid = batch.y != data::kIgnoreLabel;
  const auto pixels = valid.sum();
  const auto correct = ((logits.argmax(1) == batch.y) & valid).sum();
  // Sums on the device; the pixel count too (no wait in the training step).
  return {logits, loss, {{prefix + "loss", loss.detach() * pixels, 0, pixels}, {prefix + "acc", correct, 0, pixels}}};
}

StepOutput SegmentationTask::training_step(const data::Batch& batch) {
  auto e = evaluate(batch, "train_");
  return {e.loss, e.metrics};
}

std::vector<Metric> SegmentationTask::validation_step(const data::Batch& batch) {
  auto e = evaluate(batch, "test_");
  auto metrics = std::move(e.metrics);
  const auto [intersection, union_] = intersection_and_union(e.logits.argmax(1), batch.y, num_classes_);
  // Summed over the validation set (the same count for both, so their ratio is the sums').
  for (int64_t c = 0; c < num_classes_; ++c) {
    metrics.push_back({inter_name(c), intersection[c], 1});
    metrics.push_back({union_name(c), union_[c], 1});
  }
  return metrics;
}

void SegmentationTask::derive_metrics(std::map<std::string, double>& means) const {
  if (!means.count(inter_name(0))) return;  // training metrics
  auto intersection = torch::zeros({num_classes_}, torch::kFloat64), union_ = torch::zeros({num_classes_}, torch::kFloat64);
  for (int64_t c = 0; c < num_classes_; ++c) {
    intersection[c] = means.at(inter_name(c));
    union_[c] = means.at(union_name(c));
    means.erase(inter_name(c));
    means.erase(union_name(c));
  }
  means["test_miou"] = mean_iou(intersection, union_);
}

}  // namespace d2l::train
