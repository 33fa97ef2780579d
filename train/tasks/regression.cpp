#include "train/tasks/regression.h"

namespace d2l::train {

torch::Tensor RegressionTask::loss(const data::Batch& batch) {
  const auto y_hat = net_.forward(batch.X);
  const auto squared = (y_hat - batch.y.reshape(y_hat.sizes())).pow(2);
  return options_.half_squared() ? squared.mean() / 2 : squared.mean();
}

StepOutput RegressionTask::training_step(const data::Batch& batch) {
  auto l = loss(batch);
  const int64_t n = batch.X.size(0);
  return {l, {{"train_loss", l.detach() * n, n}}};
}

std::vector<Metric> RegressionTask::validation_step(const data::Batch& batch) {
  const int64_t n = batch.X.size(0);
  return {{"test_loss", loss(batch) * n, n}};
}

}  // namespace d2l::train
