#include "data/text.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cctype>
#include <fstream>
#include <random>
#include <stdexcept>

namespace d2l::data {

std::string clean_line(const std::string& line) {
  std::string out;
  bool gap = false;
  for (unsigned char c : line) {
    if (std::isalpha(c) && c < 128) {
      if (gap && !out.empty()) out += ' ';
      gap = false;
      out += static_cast<char>(std::tolower(c));
    } else {
      gap = true;
    }
  }
  return out;
}

std::vector<std::string> read_text_lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot open the text corpus");
  std::vector<std::string> lines;
  bool any = false;
  for (std::string line; std::getline(in, line);) {
    if (line.find('\0') != std::string::npos)
      throw std::runtime_error(file.string() + ": binary data (NUL bytes); expected a text file");
    lines.push_back(clean_line(line));
    any = any || !lines.back().empty();
  }
  if (!any) throw std::runtime_error(file.string() + ": no letters in this text corpus");
  return lines;
}

std::vector<std::vector<std::string>> tokenize(const std::vector<std::string>& lines, TokenKind kind) {
  std::vector<std::vector<std::string>> out;
  for (const auto& line : lines) {
    std::vector<std::string> tokens;
    if (kind == TokenKind::character) {
      for (char c : line) tokens.emplace_back(1, c);
    } else {
      size_t start = 0;
      while (start <= line.size()) {
        const auto end = std::min(line.find(' ', start), line.size());
        if (end > start) tokens.push_back(line.substr(start, end - start));
        start = end + 1;
      }
    }
    out.push_back(std::move(tokens));
  }
  return out;
}

std::filesystem::path default_corpus() { return "/usr/share/common-licenses/GPL-3"; }

Corpus load_corpus(const std::filesystem::path& file, TokenKind kind, int64_t max_tokens) {
  std::vector<std::string> tokens;
  for (auto& line : tokenize(read_text_lines(file), kind))
    for (auto& token : line) tokens.push_back(std::move(token));
  Vocab vocab(tokens);
  auto indices = vocab.indices(tokens);
  if (max_tokens > 0 && static_cast<int64_t>(indices.size()) > max_tokens) indices.resize(static_cast<size_t>(max_tokens));
  return {std::move(indices), std::move(vocab)};
}

namespace {

void check_sizes(const std::vector<int64_t>& corpus, int64_t batch_size, int64_t num_steps) {
  if (batch_size <= 0 || num_steps <= 0) throw std::invalid_argument("batch size and num_steps must be positive");
  if (static_cast<int64_t>(corpus.size()) < batch_size * num_steps + num_steps + 1)
    throw std::invalid_argument("corpus of " + std::to_string(corpus.size()) + " tokens is too short for batches of " +
                                std::to_string(batch_size) + " x " + std::to_string(num_steps));
}

torch::Tensor slice(const std::vector<int64_t>& corpus, int64_t start, int64_t length) {
  return torch::tensor(std::vector<int64_t>(corpus.begin() + start, corpus.begin() + start + length), torch::kInt64);
}

}  // namespace

std::vector<SequenceBatch> random_sequence_batches(const std::vector<int64_t>& corpus, int64_t batch_size,
                                                   int64_t num_steps, uint64_t seed) {
  check_sizes(corpus, batch_size, num_steps);
  std::mt19937_64 rng(seed);
  const auto offset = static_cast<int64_t>(rng() % static_cast<uint64_t>(num_steps));  // randint(0, num_steps - 1)
  const int64_t num_subseqs = (static_cast<int64_t>(corpus.size()) - offset - 1) / num_steps;
  std::vector<int64_t> starts;
  for (int64_t i = 0; i < num_subseqs; ++i) starts.push_back(offset + i * num_steps);
  std::shuffle(starts.begin(), starts.end(), rng);
  std::vector<SequenceBatch> batches;
  for (int64_t b = 0; b + batch_size <= num_subseqs; b += batch_size) {
    std::vector<torch::Tensor> X, Y;
    for (int64_t j = b; j < b + batch_size; ++j) {
      X.push_back(slice(corpus, starts[j], num_steps));
      Y.push_back(slice(corpus, starts[j] + 1, num_steps));
    }
    batches.push_back({torch::stack(X), torch::stack(Y)});
  }
  return batches;
}

std::vector<SequenceBatch> sequential_sequence_batches(const std::vector<int64_t>& corpus, int64_t batch_size,
                                                       int64_t num_steps, uint64_t seed) {
  check_sizes(corpus, batch_size, num_steps);
  std::mt19937_64 rng(seed);
  const auto offset = static_cast<int64_t>(rng() % static_cast<uint64_t>(num_steps + 1));  // randint(0, num_steps)
  const int64_t num_tokens = (static_cast<int64_t>(corpus.size()) - offset - 1) / batch_size * batch_size;
  const auto Xs = slice(corpus, offset, num_tokens).reshape({batch_size, -1});
  const auto Ys = slice(corpus, offset + 1, num_tokens).reshape({batch_size, -1});
  std::vector<SequenceBatch> batches;
  for (int64_t i = 0; i + num_steps <= Xs.size(1); i += num_steps)
    batches.push_back({Xs.slice(1, i, i + num_steps), Ys.slice(1, i, i + num_steps)});
  return batches;
}

WindowedSplits windowed_sequences(const std::vector<int64_t>& corpus, int64_t num_steps, int64_t num_train,
                                  int64_t num_val) {
  const int64_t windows = static_cast<int64_t>(corpus.size()) - num_steps;
  if (num_steps <= 0 || windows < num_train + num_val)
    throw std::invalid_argument("corpus of " + std::to_string(corpus.size()) + " tokens has fewer than " +
                                std::to_string(num_train + num_val) + " windows of " + std::to_string(num_steps + 1) +
                                " tokens");
  const auto all = torch::tensor(corpus, torch::kInt64);
  const auto array = all.unfold(0, num_steps + 1, 1).slice(0, 0, num_train + num_val).contiguous();
  const auto X = array.slice(1, 0, num_steps), Y = array.slice(1, 1, num_steps + 1);
  return {{X.slice(0, 0, num_train), Y.slice(0, 0, num_train)},
          {X.slice(0, num_train, num_train + num_val), Y.slice(0, num_train, num_train + num_val)}};
}

}  // namespace d2l::data
