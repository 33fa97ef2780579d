#include "train/bleu.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

namespace d2l::train {
namespace {

std::vector<std::string> split_spaces(const std::string& s) {
  std::vector<std::string> out;
  std::string token;
  std::istringstream in(s);
  while (std::getline(in, token, ' ')) out.push_back(token);  // as Python's str.split(' ')
  if (!s.empty() && s.back() == ' ') out.emplace_back();
  if (s.empty()) out.emplace_back();
  return out;
}

double brevity_penalty(double len_pred, double len_label) { return std::exp(std::min(0.0, 1.0 - len_label / len_pred)); }

double score(const std::vector<int64_t>& pred, const std::vector<int64_t>& ref, int64_t max_n) {
  double result = brevity_penalty(static_cast<double>(pred.size()), static_cast<double>(ref.size()));
  for (int64_t n = 1; n <= max_n; ++n) {
    const auto c = ngram_counts(pred, ref, n);
    result *= std::pow(static_cast<double>(c.matches) / static_cast<double>(c.total), std::pow(0.5, n));
  }
  return result;
}

}  // namespace

NgramCounts ngram_counts(const std::vector<int64_t>& pred, const std::vector<int64_t>& ref, int64_t n) {
  const auto len_pred = static_cast<int64_t>(pred.size()), len_label = static_cast<int64_t>(ref.size());
  const auto gram = [n](const std::vector<int64_t>& tokens, int64_t i) {
    return std::vector<int64_t>(tokens.begin() + i, tokens.begin() + i + n);
  };
  std::map<std::vector<int64_t>, int64_t> label_subs;
  for (int64_t i = 0; i + n <= len_label; ++i) ++label_subs[gram(ref, i)];
  NgramCounts counts;
  for (int64_t i = 0; i + n <= len_pred; ++i) {
    ++counts.total;
    auto it = label_subs.find(gram(pred, i));
    if (it != label_subs.end() && it->second > 0) {
      ++counts.matches;
      --it->second;
    }
  }
  return counts;
}

double bleu(const std::string& prediction, const std::string& label, int64_t k, bool up_to_prediction_length) {
  // Words become indices, so that both forms share one implementation.
  std::unordered_map<std::string, int64_t> ids;
  const auto encode = [&ids](const std::vector<std::string>& words) {
    std::vector<int64_t> out;
    for (const auto& w : words) out.push_back(ids.emplace(w, static_cast<int64_t>(ids.size())).first->second);
    return out;
  };
  const auto pred = encode(split_spaces(prediction)), ref = encode(split_spaces(label));
  const auto len_pred = static_cast<int64_t>(pred.size());
  const int64_t max_n = up_to_prediction_length ? std::min(k, len_pred) : k;
  if (max_n > len_pred) throw std::invalid_argument("bleu: k is larger than the prediction's length");
  return score(pred, ref, max_n);
}

double bleu(const std::vector<int64_t>& prediction, const std::vector<int64_t>& label, int64_t k) {
  if (prediction.empty()) return 0.0;
  return score(prediction, label, std::min<int64_t>(k, static_cast<int64_t>(prediction.size())));
}

double corpus_bleu(double prediction_tokens, double label_tokens, const std::vector<double>& precisions) {
  if (prediction_tokens <= 0) return 0.0;
  double result = brevity_penalty(prediction_tokens, label_tokens);
  for (size_t n = 1; n <= precisions.size(); ++n) result *= std::pow(precisions[n - 1], std::pow(0.5, n));
  return result;
}

}  // namespace d2l::train
