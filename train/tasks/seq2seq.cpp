#include "train/tasks/seq2seq.h"

#include <torch/nn/functional/loss.h>

#include "train/bleu.h"

namespace d2l::train {
namespace {

// Corpus BLEU is assembled from ratios of sums that MetricAccumulator already computes:
// p_n = sum of matches / sum of n-grams, and the predicted / label length ratio.
const char* const kLengthRatio = "bleu_length_ratio";
std::string precision_name(int64_t n) { return "bleu_p" + std::to_string(n); }

torch::Tensor valid_mask(const torch::Tensor& labels, const torch::Tensor& valid_len) {
  const auto steps = torch::arange(labels.size(1), labels.options()).unsqueeze(0);
  return (steps < valid_len.unsqueeze(1)).to(torch::kFloat32);
}

}  // namespace

torch::Tensor masked_softmax_ce_loss(const torch::Tensor& logits, const torch::Tensor& labels,
                                     const torch::Tensor& valid_len) {
  namespace F = torch::nn::functional;
  const auto per_token =
      F::cross_entropy(logits.reshape({-1, logits.size(-1)}), labels.reshape(-1), F::CrossEntropyFuncOptions().reduction(torch::kNone))
          .view_as(labels);
  return (per_token * valid_mask(labels, valid_len)).mean(1);
}

std::vector<int64_t> until_eos(const torch::Tensor& row, int64_t eos) {
  std::vector<int64_t> out;
  const auto cpu = row.to(torch::kCPU).contiguous();
  const auto* p = cpu.data_ptr<int64_t>();
  for (int64_t i = 0; i < cpu.numel() && p[i] != eos; ++i) out.push_back(p[i]);
  return out;
}

StepOutput Seq2SeqTask::training_step(const data::Batch& batch) {
  const auto& Y = batch.y;
  const auto bos = torch::full({Y.size(0), 1}, options_.bos(), Y.options());
  const auto dec_input = torch::cat({bos, Y.slice(1, 0, -1)}, 1);  // teacher forcing
  const auto l = masked_softmax_ce_loss(net_->forward(batch.X, dec_input, batch.X_valid_len), Y, batch.y_valid_len);
  const auto num_tokens = batch.y_valid_len.sum();
  const double steps = static_cast<double>(Y.size(1));
  const auto token_mean = l.sum() * steps / num_tokens;
  const auto loss = options_.sum_of_sequence_losses() ? l.sum() : token_mean;
  // Counted on the device: no wait for it in the training step.
  const auto tokens = num_tokens.detach();
  return {loss,
          {{"train_loss", l.sum().detach() * steps, 0, tokens}, {"train_book_loss", l.sum().detach(), 0, tokens}},
          tokens};
}

std::vector<Metric> Seq2SeqTask::validation_step(const data::Batch& batch) {
  const auto& Y = batch.y;
  const auto bos = torch::full({Y.size(0), 1}, options_.bos(), Y.options());
  const auto l = masked_softmax_ce_loss(net_->forward(batch.X, torch::cat({bos, Y.slice(1, 0, -1)}, 1), batch.X_valid_len),
                                        Y, batch.y_valid_len);
  std::vector<Metric> metrics = {{"test_loss", l.sum() * static_cast<double>(Y.size(1)), 0, batch.y_valid_len.sum()}};

  // Greedy translations, read up to <eos>, against the labels up to their valid length.
  const auto predicted = net_->predict(batch.X, batch.X_valid_len, options_.bos(), Y.size(1)).tokens.cpu();
  const auto labels = Y.cpu();
  const auto lens = batch.y_valid_len.cpu();
  double sentence_bleu = 0;
  int64_t pred_tokens = 0, label_tokens = 0;
  std::vector<NgramCounts> totals(static_cast<size_t>(options_.bleu_k()));
  for (int64_t i = 0; i < Y.size(0); ++i) {
    const auto pred = until_eos(predicted[i], options_.eos());
    const auto label = until_eos(labels[i].slice(0, 0, lens[i].item<int64_t>()), options_.eos());
    sentence_bleu += bleu(pred, label, options_.bleu_k());
    pred_tokens += static_cast<int64_t>(pred.size());
    label_tokens += static_cast<int64_t>(label.size());
    for (int64_t n = 1; n <= options_.bleu_k(); ++n) {
      const auto c = ngram_counts(pred, label, n);
      totals[n - 1].matches += c.matches;
      totals[n - 1].total += c.total;
    }
  }
  const auto scalar = [](double v) { return torch::tensor(v, torch::kFloat64); };
  metrics.push_back({"test_bleu", scalar(sentence_bleu), Y.size(0)});
  metrics.push_back({kLengthRatio, scalar(static_cast<double>(pred_tokens)), label_tokens});
  for (int64_t n = 1; n <= options_.bleu_k(); ++n)
    metrics.push_back({precision_name(n), scalar(static_cast<double>(totals[n - 1].matches)), totals[n - 1].total});
  return metrics;
}

void Seq2SeqTask::derive_metrics(std::map<std::string, double>& means) const {
  if (!means.count(kLengthRatio)) return;
  std::vector<double> precisions;
  for (int64_t n = 1; n <= options_.bleu_k(); ++n) {
    const auto it = means.find(precision_name(n));
    precisions.push_back(it == means.end() || !std::isfinite(it->second) ? 0.0 : it->second);
    if (it != means.end()) means.erase(it);
  }
  // Ratio = predicted / label tokens; corpus_bleu wants both, and only their ratio matters.
  const double ratio = means[kLengthRatio];
  means.erase(kLengthRatio);
  means["test_corpus_bleu"] = std::isfinite(ratio) ? corpus_bleu(ratio, 1.0, precisions) : 0.0;
}

}  // namespace d2l::train
