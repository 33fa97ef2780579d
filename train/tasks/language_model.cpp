#include "train/tasks/language_model.h"

#include <torch/nn/functional/loss.h>

#include <cmath>

namespace d2l::train {

torch::Tensor LanguageModelTask::loss(const torch::Tensor& logits, const torch::Tensor& y) const {
  return torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}), y.reshape(-1));
}

StepOutput LanguageModelTask::training_step(const data::Batch& batch) {
  // A short last batch (or a new epoch) starts from zeros, as the book's state = None.
  const bool carry = options_.carry_state() && state_.defined() && state_.size(1) == batch.X.size(0);
  auto [logits, state] = lm_->forward_with_state(batch.X, carry ? state_ : torch::Tensor());
  state_ = state.detach();
  const auto l = loss(logits, batch.y);
  const int64_t n = batch.y.numel();
  return {l, {{"train_loss", l.detach() * n, n}}, torch::scalar_tensor(static_cast<double>(n), torch::kFloat64)};
}

std::vector<Metric> LanguageModelTask::validation_step(const data::Batch& batch) {
  const auto l = loss(lm_->forward(batch.X), batch.y);
  const int64_t n = batch.y.numel();
  return {{"test_loss", l * n, n}};
}

void LanguageModelTask::derive_metrics(std::map<std::string, double>& means) const {
  // train_ch8's perplexity: exp of the loss averaged over every token of the epoch.
  for (const auto& [loss_name, ppl_name] : {std::pair{"train_loss", "train_ppl"}, {"test_loss", "test_ppl"}})
    if (auto it = means.find(loss_name); it != means.end()) means[ppl_name] = std::exp(it->second);
}

}  // namespace d2l::train
