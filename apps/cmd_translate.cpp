// d2l translate CHECKPOINT "sentence"...: greedy translations by a trained seq2seq run (the
// book's predict_seq2seq), optionally with the decoder's attention drawn as a heat map.
#include <ATen/Parallel.h>

#include <cstdio>
#include <thread>

#include "apps/commands.h"
#include "apps/experiment.h"
#include "apps/text_prediction.h"
#include "data/text.h"
#include "data/translation.h"
#include "models/seq2seq.h"
#include "train/plot.h"
#include "train/tasks/seq2seq.h"

namespace d2l::apps {
namespace {

struct TranslateArgs {
  std::string checkpoint;
  std::vector<std::string> sentences;
  std::string attention;  // PNG file; one per sentence (-2, -3, ... before the extension) when several
  std::string self_attention;  // the same for the encoder's self-attention (Transformer)
  std::string data_dir;
  int64_t threads = 0;
};

std::filesystem::path nth_file(const std::filesystem::path& file, size_t i, size_t n) {
  if (n == 1) return file;
  auto out = file;
  out.replace_filename(file.stem().string() + "-" + std::to_string(i + 1) + file.extension().string());
  return out;
}

void draw(const std::string& flag, const std::filesystem::path& file, const torch::Tensor& weights,
          const std::vector<std::string>& rows, const std::vector<std::string>& cols) {
  if (!train::save_heatmap(file, weights, rows, cols))
    throw std::runtime_error(flag + ": this build cannot write images (OpenCV was not found)");
  std::printf("  %s weights drawn in %s\n", flag == "--attention" ? "attention" : "encoder self-attention",
              file.string().c_str());
}

void translate_command(const TranslateArgs& args) {
  auto e = load_for_prediction(args.checkpoint, TaskKind::seq2seq, "a translation model (seq2seq, bahdanau, transformer)",
                               args.data_dir, args.threads);
  const auto& src_vocab = *e.data.source_vocab;
  const auto& tgt_vocab = *e.data.vocab;
  const int64_t num_steps = *e.config.num_steps;
  auto net = encoder_decoder(e.model);
  net->eval();
  for (size_t i = 0; i < args.sentences.size(); ++i) {
    // As the training pairs were prepared: lower case, a space before punctuation, words, <eos>.
    const auto words = data::tokenize({data::preprocess_nmt(args.sentences[i])}, data::TokenKind::word).at(0);
    const auto src = data::build_array_nmt({words}, src_vocab, num_steps);
    const auto out = net->predict(src.tokens, src.valid_lens, tgt_vocab["<bos>"], num_steps);
    const auto tokens = train::until_eos(out.tokens[0], tgt_vocab["<eos>"]);
    std::string translation;
    for (auto t : tokens) translation += (translation.empty() ? "" : " ") + tgt_vocab.to_token(t);
    std::printf("%s => %s\n", args.sentences[i].c_str(), translation.c_str());
    if (!args.attention.empty()) {
      if (!out.attention.defined())
        throw std::invalid_argument("--attention: model '" + e.config.model +
                                    "' has no encoder-decoder attention (bahdanau and transformer have)");
      // Rows: the predicted tokens (and <eos>); columns: the source tokens the encoder saw.
      std::vector<std::string> rows = tgt_vocab.to_tokens(tokens), cols = words;
      rows.push_back("<eos>");
      cols.push_back("<eos>");
      const auto n_rows = std::min<int64_t>(static_cast<int64_t>(rows.size()), num_steps);
      const auto n_cols = std::min<int64_t>(src.valid_lens[0].item<int64_t>(), num_steps);
      const auto weights = out.attention[0].slice(0, 0, n_rows).slice(1, 0, n_cols);
      draw("--attention", nth_file(args.attention, i, args.sentences.size()), weights, rows, cols);
    }
    if (!args.self_attention.empty()) {
      if (!out.encoder_attention.defined())
        throw std::invalid_argument("--self-attention: model '" + e.config.model +
                                    "' has no encoder self-attention (transformer has)");
      // Rows (queries) and columns (keys): the source tokens up to <eos>.
      auto words_eos = words;
      words_eos.push_back("<eos>");
      const auto n = std::min<int64_t>(src.valid_lens[0].item<int64_t>(), num_steps);
      words_eos.resize(static_cast<size_t>(n));
      const auto weights = out.encoder_attention[0].slice(0, 0, n).slice(1, 0, n);
      draw("--self-attention", nth_file(args.self_attention, i, args.sentences.size()), weights, words_eos, words_eos);
    }
  }
}

}  // namespace

void add_translate_command(CLI::App& app) {
  auto args = std::make_shared<TranslateArgs>();
  auto* cmd = app.add_subcommand("translate", "translate sentences with a trained seq2seq run (greedy decoding)");
  cmd->add_option("checkpoint", args->checkpoint, "run directory or checkpoint of seq2seq / bahdanau")->required();
  cmd->add_option("sentences", args->sentences, "sentences in the source language")->required();
  cmd->add_option("--attention", args->attention,
                  "draw the decoder's attention over the source into this PNG (bahdanau, transformer)");
  cmd->add_option("--self-attention", args->self_attention,
                  "draw the last encoder block's self-attention (mean over heads) into this PNG (transformer)");
  cmd->add_option("--data-dir", args->data_dir, "folder searched first for the run's data files");
  cmd->add_option("--threads", args->threads, "CPU threads; 0: all cores")->check(CLI::NonNegativeNumber);
  cmd->callback([args] { translate_command(*args); });
}

}  // namespace d2l::apps
