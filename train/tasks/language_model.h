// Language modelling (d2l 9.5, train_ch8): next-token cross-entropy, perplexity = exp(mean loss
// per token), tokens/s; with sequential partitioning the hidden state is carried (detached) from
// one minibatch to the next.
#pragma once
#include "models/rnn_lm.h"
#include "train/task.h"

namespace d2l::train {

struct LanguageModelOptions {
  // Minibatches continue each other (seq_data_iter_sequential): start each from the last state.
  TORCH_ARG(bool, carry_state) = false;
};

class LanguageModelTask : public Task {
 public:
  explicit LanguageModelTask(models::RNNLM lm, LanguageModelOptions options = {})
      : lm_(std::move(lm)), options_(options) {}
  torch::nn::Module& model() override { return *lm_; }
  StepOutput training_step(const data::Batch& batch) override;
  std::vector<Metric> validation_step(const data::Batch& batch) override;
  void on_train_epoch_start() override { state_ = torch::Tensor(); }
  void derive_metrics(std::map<std::string, double>& means) const override;
  std::string monitor() const override { return "test_ppl"; }
  bool higher_is_better() const override { return false; }

 private:
  torch::Tensor loss(const torch::Tensor& logits, const torch::Tensor& y) const;
  models::RNNLM lm_;
  LanguageModelOptions options_;
  torch::Tensor state_;  // detached: gradients stop at the minibatch boundary
};

}  // namespace d2l::train
