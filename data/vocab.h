// Vocabulary (d2l 9.2): tokens to indices and back, with a minimum frequency and reserved tokens.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace d2l::data {

struct VocabOptions {
  int64_t min_freq = 0;
  std::vector<std::string> reserved_tokens;  // e.g. <pad>, <bos>, <eos>; <unk> is always there
  // zh-v2 / en-0.17 order tokens by falling frequency (ties: first seen first); en-1.0 sorts them
  // alphabetically.
  bool alphabetical = false;
};

class Vocab {
 public:
  explicit Vocab(const std::vector<std::string>& tokens, const VocabOptions& options = {});

  int64_t size() const { return static_cast<int64_t>(idx_to_token_.size()); }
  int64_t operator[](const std::string& token) const;  // unknown tokens map to unk()
  std::vector<int64_t> indices(const std::vector<std::string>& tokens) const;
  const std::string& to_token(int64_t index) const;
  std::vector<std::string> to_tokens(const std::vector<int64_t>& indices) const;
  int64_t unk() const { return unk_; }  // 0 in frequency order
  // (token, count) by falling count, ties in order of first appearance.
  const std::vector<std::pair<std::string, int64_t>>& token_freqs() const { return token_freqs_; }

 private:
  std::vector<std::string> idx_to_token_;
  std::unordered_map<std::string, int64_t> token_to_idx_;
  std::vector<std::pair<std::string, int64_t>> token_freqs_;
  int64_t unk_ = 0;
};

}  // namespace d2l::data
