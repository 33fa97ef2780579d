// BLEU (d2l 10.7): exp(min(0, 1 - len_label / len_pred)) * prod_n p_n^(1 / 2^n), p_n the
// clipped n-gram precision of the prediction against one label; and its corpus-level form.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace d2l::train {

// Tokens split on spaces. n runs over 1..k (zh-v2 / en-0.17; such code fails when k exceeds the
// prediction's length) or, with up_to_prediction_length (en-1.0), over 1..min(k, length of the
// prediction).
double bleu(const std::string& prediction, const std::string& label, int64_t k, bool up_to_prediction_length = true);

// The same on token indices, n over 1..min(k, length of the prediction); 0 for an empty prediction.
double bleu(const std::vector<int64_t>& prediction, const std::vector<int64_t>& label, int64_t k);

// The prediction's n-grams that the label has (each label n-gram matched at most as often as it
// occurs there), and how many n-grams the prediction has.
struct NgramCounts {
  int64_t matches = 0, total = 0;
};
NgramCounts ngram_counts(const std::vector<int64_t>& prediction, const std::vector<int64_t>& label, int64_t n);

// Corpus-level BLEU with the book's weights: the brevity penalty from the summed lengths and p_n
// from the summed counts of every sentence (counts[n - 1] for n = 1..k). 0 when a p_n is 0.
double corpus_bleu(double prediction_tokens, double label_tokens, const std::vector<double>& precisions);

}  // namespace d2l::train
