// Sequence to sequence (d2l 10.7, train_seq2seq): teacher forcing with <bos>, the masked
// softmax cross-entropy, gradient clipping by the trainer; validation by greedy decoding, scored
// with the book's BLEU per sentence and at corpus level.
#pragma once
#include "models/seq2seq.h"
#include "train/task.h"

namespace d2l::train {

// MaskedSoftmaxCELoss: cross-entropy per token of logits [B, T, V] against labels [B, T], zero
// beyond each row's valid length, averaged over the T steps -> [B] (the book's per-sequence loss).
torch::Tensor masked_softmax_ce_loss(const torch::Tensor& logits, const torch::Tensor& labels,
                                     const torch::Tensor& valid_len);

struct Seq2SeqTaskOptions {
  Seq2SeqTaskOptions(int64_t bos, int64_t eos) : bos_(bos), eos_(eos) {}
  TORCH_ARG(int64_t, bos);
  TORCH_ARG(int64_t, eos);
  // zh-v2 / en-0.17 backpropagate the sum over the batch of per-sequence losses (each a mean
  // over num_steps); en-1.0 the mean over valid target tokens. Gradient clipping makes them differ.
  TORCH_ARG(bool, sum_of_sequence_losses) = true;
  TORCH_ARG(int64_t, bleu_k) = 2;  // the book's k for its four example sentences
};

class Seq2SeqTask : public Task {
 public:
  Seq2SeqTask(std::shared_ptr<models::EncoderDecoderImpl> net, Seq2SeqTaskOptions options)
      : net_(std::move(net)), options_(options) {}
  torch::nn::Module& model() override { return *net_; }
  // train_loss is the mean cross-entropy per valid target token (en-1.0's loss); the zh / en-0.17
  // printed "loss" (that divided by num_steps) is train_book_loss.
  StepOutput training_step(const data::Batch& batch) override;
  // test_loss, test_bleu (mean sentence BLEU of greedy translations) and test_corpus_bleu.
  std::vector<Metric> validation_step(const data::Batch& batch) override;
  void derive_metrics(std::map<std::string, double>& means) const override;
  std::string monitor() const override { return "test_bleu"; }
  bool higher_is_better() const override { return true; }

 private:
  std::shared_ptr<models::EncoderDecoderImpl> net_;
  Seq2SeqTaskOptions options_;
};

// Tokens of a decoded row up to (not including) the first eos.
std::vector<int64_t> until_eos(const torch::Tensor& row, int64_t eos);

}  // namespace d2l::train
