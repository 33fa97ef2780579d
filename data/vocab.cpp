#include "data/vocab.h"

#include <algorithm>
#include <stdexcept>

namespace d2l::data {

Vocab::Vocab(const std::vector<std::string>& tokens, const VocabOptions& options) {
  std::unordered_map<std::string, int64_t> position;  // of each token's first appearance
  for (const auto& token : tokens) {
    auto [it, added] = position.emplace(token, static_cast<int64_t>(token_freqs_.size()));
    if (added) token_freqs_.emplace_back(token, 0);
    ++token_freqs_[it->second].second;
  }
  // Python's sorted(..., reverse=True) on counts is stable: equal counts keep first-seen order.
  std::stable_sort(token_freqs_.begin(), token_freqs_.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> order{"<unk>"};
  order.insert(order.end(), options.reserved_tokens.begin(), options.reserved_tokens.end());
  for (const auto& [token, freq] : token_freqs_)
    if (freq >= options.min_freq) order.push_back(token);
  if (options.alphabetical) std::sort(order.begin(), order.end());
  for (const auto& token : order)
    if (token_to_idx_.emplace(token, static_cast<int64_t>(idx_to_token_.size())).second) idx_to_token_.push_back(token);
  unk_ = token_to_idx_.at("<unk>");  // 0, except where en-1.0's alphabetical order moves it
}

int64_t Vocab::operator[](const std::string& token) const {
  auto it = token_to_idx_.find(token);
  return it == token_to_idx_.end() ? unk_ : it->second;
}

std::vector<int64_t> Vocab::indices(const std::vector<std::string>& tokens) const {
  std::vector<int64_t> out;
  out.reserve(tokens.size());
  for (const auto& t : tokens) out.push_back((*this)[t]);
  return out;
}

const std::string& Vocab::to_token(int64_t index) const {
  if (index < 0 || index >= size()) throw std::out_of_range("vocabulary index " + std::to_string(index) + " out of range");
  return idx_to_token_[static_cast<size_t>(index)];
}

std::vector<std::string> Vocab::to_tokens(const std::vector<int64_t>& indices) const {
  std::vector<std::string> out;
  for (auto i : indices) out.push_back(to_token(i));
  return out;
}

}  // namespace d2l::data
