#include "train/tasks/classification.h"

#include <torch/nn/functional/loss.h>

namespace d2l::train {

std::pair<torch::Tensor, std::vector<Metric>> ClassificationTask::evaluate(const data::Batch& batch,
                                                                           const std::string& prefix) {
  const auto logits = net_.forward(batch.X);
  const auto loss = torch::nn::functional::cross_entropy(logits, batch.y);
  const int64_t n = batch.y.size(0);
  const auto correct = (logits.argmax(1) == batch.y).sum();
  return {loss, {{prefix + "loss", loss.detach() * n, n}, {prefix + "acc", correct, n}}};
}

StepOutput ClassificationTask::training_step(const data::Batch& batch) {
  auto [loss, metrics] = evaluate(batch, "train_");
  return {loss, metrics};
}

std::vector<Metric> ClassificationTask::validation_step(const data::Batch& batch) {
  return evaluate(batch, "test_").second;
}

}  // namespace d2l::train
