#include "train/bleu.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <stdexcept>
#include <vector>

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

std::string ngram(const std::vector<std::string>& tokens, size_t start, size_t n) {
  std::string out;
  for (size_t i = start; i < start + n; ++i) out += (i > start ? " " : "") + tokens[i];
  return out;
}

}  // namespace

double bleu(const std::string& prediction, const std::string& label, int64_t k, bool up_to_prediction_length) {
  const auto pred = split_spaces(prediction), ref = split_spaces(label);
  const auto len_pred = static_cast<int64_t>(pred.size()), len_label = static_cast<int64_t>(ref.size());
  const int64_t max_n = up_to_prediction_length ? std::min(k, len_pred) : k;
  if (max_n > len_pred) throw std::invalid_argument("bleu: k is larger than the prediction's length");
  double score = std::exp(std::min(0.0, 1.0 - static_cast<double>(len_label) / static_cast<double>(len_pred)));
  for (int64_t n = 1; n <= max_n; ++n) {
    std::map<std::string, int64_t> label_subs;
    for (int64_t i = 0; i + n <= len_label; ++i) ++label_subs[ngram(ref, static_cast<size_t>(i), static_cast<size_t>(n))];
    int64_t matches = 0;
    for (int64_t i = 0; i + n <= len_pred; ++i) {
      auto it = label_subs.find(ngram(pred, static_cast<size_t>(i), static_cast<size_t>(n)));
      if (it != label_subs.end() && it->second > 0) {
        ++matches;
        --it->second;
      }
    }
    score *= std::pow(static_cast<double>(matches) / static_cast<double>(len_pred - n + 1), std::pow(0.5, n));
  }
  return score;
}

}  // namespace d2l::train
