// Machine translation data (d2l 10.5): tab-separated sentence pairs (the book's fra-eng), their
// preprocessing, truncation/padding to num_steps with valid lengths; and an offline pair corpus
// generated here (human-readable dates -> ISO dates) so that translation demos learn something.
#pragma once
#include <torch/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "data/vocab.h"

namespace d2l::data {

// preprocess_nmt: non-breaking spaces become spaces, lower case (ASCII and Latin-1 letters), a space before , . ! ? when
// a non-space precedes them.
std::string preprocess_nmt(const std::string& text);

struct SentencePairs {
  std::vector<std::vector<std::string>> source, target;  // space-separated words
};
// tokenize_nmt: one pair per line "source<TAB>target[<TAB>...]"; lines without a tab are
// skipped as the book does. num_examples > 0: at most that many lines (the book reads 601).
SentencePairs tokenize_nmt(const std::string& text, int64_t num_examples = 0);

// Reads `file` (UTF-8 text of tab-separated pairs) and tokenizes it after preprocess_nmt;
// throws naming the file when it is missing or holds no pair.
SentencePairs read_sentence_pairs(const std::filesystem::path& file, int64_t num_examples = 0);

// truncate_pad: cut to num_steps, or pad with `padding`.
std::vector<int64_t> truncate_pad(std::vector<int64_t> line, int64_t num_steps, int64_t padding);

struct NmtArray {
  torch::Tensor tokens;      // [n, num_steps] int64, <eos> appended, then truncated or padded
  torch::Tensor valid_lens;  // [n] int64: tokens that are not <pad>
};
// build_array_nmt; the vocabulary must have <pad> and <eos> among its reserved tokens.
NmtArray build_array_nmt(const std::vector<std::vector<std::string>>& lines, const Vocab& vocab, int64_t num_steps);

// n pairs such as "march 7, 1994<TAB>1 9 9 4 - 0 3 - 0 7" (four human formats; the ISO date
// spelt as character tokens), the same for the same seed.
std::string synthetic_date_pairs(int64_t n, uint64_t seed);

}  // namespace d2l::data
