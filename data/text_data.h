// Text data sets ready for the trainer: a corpus for language models (d2l 9.3's two iterators and
// en-1.0's windows) and sentence pairs for translation (d2l 10.5), each with its vocabulary.
#pragma once
#include <torch/arg.h>

#include <filesystem>

#include "data/data_module.h"
#include "data/text.h"
#include "data/translation.h"

namespace d2l::data {

enum class Sampling {
  sequential,  // seq_data_iter_sequential: rows continue across minibatches (state carried)
  random,      // seq_data_iter_random: independent subsequences
  windowed,    // en-1.0 TimeMachine: every offset's window, shuffled
};
Sampling parse_sampling(const std::string& name);  // "sequential" | "random" | "windowed"

struct LanguageModelDataOptions {
  explicit LanguageModelDataOptions(std::filesystem::path file) : file_(std::move(file)) {}
  TORCH_ARG(std::filesystem::path, file);
  TORCH_ARG(TokenKind, tokens) = TokenKind::character;
  TORCH_ARG(int64_t, num_steps) = 35;
  // sequential / random: train on the first max_tokens tokens (0: all), as
  // load_corpus_time_machine, and validate on consecutive windows of the text after them (the
  // last tenth when nothing is left).
  TORCH_ARG(int64_t, max_tokens) = 10000;
  TORCH_ARG(Sampling, sampling) = Sampling::sequential;
  TORCH_ARG(int64_t, num_train) = 10000;  // windowed: training windows
  TORCH_ARG(int64_t, num_val) = 5000;     // validation windows (at most; every offset's when windowed)
};

// The vocabulary is built from the whole file. Throws naming the file when it is missing, empty,
// binary, or too short for one minibatch-sized sample.
DataModule language_model_data(const LanguageModelDataOptions& options);

struct TranslationDataOptions {
  TORCH_ARG(int64_t, num_steps) = 10;
  TORCH_ARG(int64_t, num_train) = 600;  // the first pairs train (the book's 600)
  TORCH_ARG(int64_t, num_val) = 100;    // the next ones validate
  TORCH_ARG(int64_t, min_freq) = 2;     // vocabularies of both sides, from train and validation pairs
};

// Source (inputs) and target (targets) token arrays with valid lengths; DataModule::vocab is the
// target's vocabulary, source_vocab the source's, each with <pad>, <bos>, <eos>.
DataModule translation_data(const SentencePairs& pairs, const std::string& name, const TranslationDataOptions& options);

}  // namespace d2l::data
