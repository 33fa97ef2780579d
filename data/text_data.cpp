#include "data/text_data.h"

#include <stdexcept>

namespace d2l::data {
namespace {

TensorDataset concat(const std::vector<SequenceBatch>& batches) {
  std::vector<torch::Tensor> X, Y;
  for (const auto& b : batches) {
    X.push_back(b.X);
    Y.push_back(b.Y);
  }
  return {torch::cat(X), torch::cat(Y)};
}

// Consecutive windows of the held-out tokens (at most max_windows), inputs and next tokens.
TensorDataset windows(const std::vector<int64_t>& tokens, int64_t num_steps, int64_t max_windows) {
  const auto all = torch::tensor(tokens, torch::kInt64);
  const auto array = all.unfold(0, num_steps + 1, num_steps).slice(0, 0, max_windows).contiguous();
  return {array.slice(1, 0, num_steps), array.slice(1, 1, num_steps + 1)};
}

}  // namespace

Sampling parse_sampling(const std::string& name) {
  if (name == "sequential") return Sampling::sequential;
  if (name == "random") return Sampling::random;
  if (name == "windowed") return Sampling::windowed;
  throw std::invalid_argument("sampling '" + name + "' is not one of sequential, random, windowed");
}

DataModule language_model_data(const LanguageModelDataOptions& o) {
  const auto corpus = load_corpus(o.file(), o.tokens());
  const int64_t T = o.num_steps(), n = static_cast<int64_t>(corpus.indices.size());
  DataModule dm;
  dm.name = o.file().filename().string();
  dm.vocab = std::make_shared<const Vocab>(corpus.vocab);
  if (o.sampling() == Sampling::windowed) {
    auto splits = windowed_sequences(corpus.indices, T, o.num_train(), o.num_val());
    dm.train = splits.train;
    dm.val = splits.val;
    return dm;
  }
  int64_t train_tokens = o.max_tokens() > 0 ? std::min(o.max_tokens(), n) : n;
  if (n - train_tokens <= T) train_tokens = n - std::max<int64_t>(T + 1, n / 10);  // hold out the last tenth
  if (train_tokens <= T)
    throw std::invalid_argument(o.file().string() + ": " + std::to_string(n) + " tokens are too few for examples of " +
                                std::to_string(T) + " steps and a validation part");
  const std::vector<int64_t> train(corpus.indices.begin(), corpus.indices.begin() + train_tokens);
  const std::vector<int64_t> held(corpus.indices.begin() + train_tokens, corpus.indices.end());
  dm.val = windows(held, T, o.num_val());
  // The training text cut into consecutive examples: what an epoch holds (each draws its own offset).
  const auto cut = torch::tensor(train, torch::kInt64).unfold(0, T + 1, T);
  dm.train = {cut.slice(1, 0, T).contiguous(), cut.slice(1, 1, T + 1).contiguous()};
  const bool sequential = o.sampling() == Sampling::sequential;
  // Each epoch draws a new random offset (and order), as iterating the book's data iterator does.
  dm.train_for_epoch = [train, T, sequential, file = o.file()](int64_t epoch, int64_t batch_size, uint64_t seed) {
    const uint64_t epoch_seed = seed * 1000003ULL + static_cast<uint64_t>(epoch);
    const auto batches = sequential ? sequential_sequence_batches(train, batch_size, T, epoch_seed)
                                    : random_sequence_batches(train, batch_size, T, epoch_seed);
    if (batches.empty())
      throw std::invalid_argument(file.string() + ": its " + std::to_string(train.size()) +
                                  " training tokens do not fill one minibatch of " + std::to_string(batch_size) +
                                  " x " + std::to_string(T) + " (lower --batch-size or --num-steps)");
    return concat(batches);
  };
  return dm;
}

DataModule translation_data(const SentencePairs& pairs, const std::string& name, const TranslationDataOptions& o) {
  const auto n = static_cast<int64_t>(pairs.source.size());
  int64_t num_train = o.num_train(), num_val = o.num_val();
  if (n < num_train + num_val) {  // a small file: a tenth validates
    num_val = std::max<int64_t>(1, n / 10);
    num_train = n - num_val;
  }
  if (num_train <= 0) throw std::invalid_argument(name + ": " + std::to_string(n) + " sentence pairs are too few to train on");
  const auto first = [&](const std::vector<std::vector<std::string>>& side, int64_t begin, int64_t end) {
    return std::vector<std::vector<std::string>>(side.begin() + begin, side.begin() + end);
  };
  const auto vocab = [&](const std::vector<std::vector<std::string>>& side) {
    std::vector<std::string> tokens;
    for (int64_t i = 0; i < num_train + num_val; ++i) tokens.insert(tokens.end(), side[i].begin(), side[i].end());
    return std::make_shared<const Vocab>(tokens, VocabOptions{o.min_freq(), {"<pad>", "<bos>", "<eos>"}, false});
  };
  DataModule dm;
  dm.name = name;
  dm.source_vocab = vocab(pairs.source);
  dm.vocab = vocab(pairs.target);
  const auto split = [&](int64_t begin, int64_t end) {
    const auto src = build_array_nmt(first(pairs.source, begin, end), *dm.source_vocab, o.num_steps());
    const auto tgt = build_array_nmt(first(pairs.target, begin, end), *dm.vocab, o.num_steps());
    return TensorDataset{src.tokens, tgt.tokens, src.valid_lens, tgt.valid_lens};
  };
  dm.train = split(0, num_train);
  dm.val = split(num_train, num_train + num_val);
  return dm;
}

}  // namespace d2l::data
