// Text for language models (d2l 9.2-9.3): reading a corpus, tokenising it, and the book's two
// minibatch schemes over one long token sequence, plus en-1.0's windowed data set.
#pragma once
#include <torch/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "data/loader.h"
#include "data/vocab.h"

namespace d2l::data {

// The book's read_time_machine line cleaning: runs of non-letters become one space, trimmed,
// lower case.
std::string clean_line(const std::string& line);

// Lines of `file`, cleaned; throws naming the file when it is missing or empty after cleaning.
std::vector<std::string> read_text_lines(const std::filesystem::path& file);

enum class TokenKind { character, word };
// One token list per line: characters, or words split on spaces (empty words dropped).
std::vector<std::vector<std::string>> tokenize(const std::vector<std::string>& lines, TokenKind kind);

// The default offline corpus for demos: GPL-3's text, present on every Debian system (the book's
// Time Machine cannot be downloaded here).
std::filesystem::path default_corpus();

struct Corpus {
  std::vector<int64_t> indices;  // the whole text as one sequence (lines joined, as the book's)
  Vocab vocab;
};
// load_corpus_time_machine: character tokens by default; max_tokens > 0 keeps the first ones.
Corpus load_corpus(const std::filesystem::path& file, TokenKind kind = TokenKind::character, int64_t max_tokens = -1);

// One minibatch of token indices: X [batch, num_steps] and Y, X shifted by one token.
struct SequenceBatch {
  torch::Tensor X, Y;
};
// seq_data_iter_random: subsequences from a random start in [0, num_steps - 1], in random order.
std::vector<SequenceBatch> random_sequence_batches(const std::vector<int64_t>& corpus, int64_t batch_size,
                                                   int64_t num_steps, uint64_t seed);
// seq_data_iter_sequential: from a random offset in [0, num_steps], batch rows continue each
// other from one minibatch to the next (so hidden states can be carried over).
std::vector<SequenceBatch> sequential_sequence_batches(const std::vector<int64_t>& corpus, int64_t batch_size,
                                                       int64_t num_steps, uint64_t seed);

// en-1.0 TimeMachine: every offset gives a window of num_steps + 1 tokens; inputs are the first
// num_steps, targets the last num_steps. The first num_train windows train, the next num_val validate.
struct WindowedSplits {
  TensorDataset train, val;  // inputs [n, num_steps] int64, targets [n, num_steps] int64
};
WindowedSplits windowed_sequences(const std::vector<int64_t>& corpus, int64_t num_steps, int64_t num_train,
                                  int64_t num_val);

}  // namespace d2l::data
