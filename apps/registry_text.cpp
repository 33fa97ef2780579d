// The registry's text models (d2l chapters 9-11) and text data sets.
#include "apps/registry.h"
#include "data/locate.h"
#include "data/text_data.h"
#include "models/rnn_lm.h"
#include "models/seq2seq.h"
#include "models/transformer.h"

namespace d2l::apps {
namespace {

using models::CellKind;
using torch::nn::AnyModule;

// train_ch8 (zh-v2 / en-0.17): The Time Machine's first 10,000 characters, batch 32, 35 steps,
// SGD lr 1, clipping at 1, 500 epochs, sequential partitioning.
ModelDefaults train_ch8(int64_t num_hiddens, double lr = 1.0, int64_t num_layers = 1) {
  ModelDefaults d{"timemachine", 500, 32, lr, "none", 0};
  d.clip_grad = 1.0;
  d.num_steps = 35;
  d.num_hiddens = num_hiddens;
  d.num_layers = num_layers;
  d.max_tokens = 10000;
  d.sampling = "sequential";
  return d;
}

// en-1.0's d2l.TimeMachine(batch_size=1024, num_steps=32) and Trainer(gradient_clip_val=1).
ModelDefaults time_machine_1_0(int64_t num_hiddens, double lr, int64_t epochs, int64_t num_layers) {
  ModelDefaults d{"timemachine", epochs, 1024, lr, "none", 0};
  d.clip_grad = 1.0;
  d.num_steps = 32;
  d.num_hiddens = num_hiddens;
  d.num_layers = num_layers;
  d.sampling = "windowed";
  return d;
}

// train_seq2seq (zh-v2 / en-0.17): 600 fra-eng pairs, 10 steps, batch 64, Adam lr 0.005,
// clipping at 1, Xavier init; embed 32, hidden 32, 2 GRU layers, dropout 0.1.
ModelDefaults train_seq2seq(int64_t epochs) {
  ModelDefaults d{"fra-eng", epochs, 64, 0.005, "xavier", 0};
  d.optimizer = "adam";
  d.clip_grad = 1.0;
  d.num_steps = 10;
  d.num_hiddens = 32;
  d.embed_size = 32;
  d.num_layers = 2;
  d.dropout = {0.1};
  return d;
}

std::function<AnyModule(const ModelArgs&)> language_model(CellKind cell, bool scratch, bool bidirectional = false) {
  return [=](const ModelArgs& a) {
    return AnyModule(models::RNNLM(models::RNNLMOptions(a.num_outputs)
                                       .num_hiddens(a.num_hiddens)
                                       .num_layers(a.num_layers)
                                       .cell(cell)
                                       .scratch(scratch)
                                       .bidirectional(bidirectional)
                                       .dropout(a.dropout.empty() ? 0.0 : a.dropout[0])));
  };
}

std::function<AnyModule(const ModelArgs&)> seq2seq(bool attention) {
  return [=](const ModelArgs& a) {
    return AnyModule(models::Seq2Seq(models::Seq2SeqOptions(a.source_vocab, a.num_outputs)
                                         .embed_size(a.embed_size)
                                         .num_hiddens(a.num_hiddens)
                                         .num_layers(a.num_layers)
                                         .dropout(a.dropout.empty() ? 0.0 : a.dropout[0])
                                         .attention(attention)));
  };
}

// The book's Transformer: 4 heads and a 64-unit FFN in every edition; width, blocks and dropout
// from the config.
AnyModule transformer(const ModelArgs& a) {
  return AnyModule(models::Transformer(models::TransformerOptions(a.source_vocab, a.num_outputs)
                                           .num_hiddens(a.num_hiddens)
                                           .num_blks(a.num_layers)
                                           .ffn_num_hiddens(64)
                                           .num_heads(4)
                                           .dropout(a.dropout.empty() ? 0.0 : a.dropout[0])));
}

data::DataModule corpus(const RunConfig& c, const std::filesystem::path& file) {
  auto options = data::LanguageModelDataOptions(file)
                     .tokens(c.tokens == "word" ? data::TokenKind::word : data::TokenKind::character)
                     .num_steps(c.num_steps.value_or(35))
                     .max_tokens(c.max_tokens.value_or(10000))
                     .sampling(data::parse_sampling(c.sampling.value_or("sequential")));
  if (c.limit_train > 0) options.num_train(c.limit_train);
  // en-1.0 validates on 5,000 windows; the classic editions do not validate at all, and 200
  // windows (7,000 tokens) keep evaluation below the cost of an epoch of 10,000 training tokens.
  options.num_val(c.limit_test > 0 ? c.limit_test : options.sampling() == data::Sampling::windowed ? 5000 : 200);
  return data::language_model_data(options);
}

data::TranslationDataOptions pair_options(const RunConfig& c) {
  auto options = data::TranslationDataOptions().num_steps(c.num_steps.value_or(10));
  if (c.limit_train > 0) options.num_train(c.limit_train);
  if (c.limit_test > 0) options.num_val(c.limit_test);
  return options;
}

data::DataModule pairs(const RunConfig& c, const std::filesystem::path& file) {
  const auto options = pair_options(c);
  return data::translation_data(data::read_sentence_pairs(file, options.num_train() + options.num_val()),
                                file.filename().string(), options);
}

bool translates(const RunConfig& c) { return find_model(c.model).task == TaskKind::seq2seq; }

}  // namespace

std::vector<ModelSpec> text_models() {
  const auto lm = TaskKind::language_model;
  return {
      {"rnn-scratch", "RNN from scratch (one-hot tokens, tanh RNN)", "9.5", lm, train_ch8(512),
       language_model(CellKind::rnn, true)},
      {"rnn", "RNN language model with nn::RNN", "9.6", lm, train_ch8(256), language_model(CellKind::rnn, false)},
      {"lstm-scratch", "LSTM from scratch", "10.1", lm, train_ch8(256), language_model(CellKind::lstm, true)},
      {"lstm", "LSTM language model with nn::LSTM", "10.1", lm, train_ch8(256), language_model(CellKind::lstm, false)},
      {"gru-scratch", "GRU from scratch", "10.2", lm, train_ch8(256), language_model(CellKind::gru, true)},
      {"gru", "GRU language model with nn::GRU", "10.2", lm, train_ch8(256), language_model(CellKind::gru, false)},
      {"deep-lstm", "Deep RNN: 2-layer LSTM (zh-v2 / en-0.17)", "10.3", lm, train_ch8(256, 2.0, 2),
       language_model(CellKind::lstm, false), true},
      {"deep-gru", "Deep RNN: 2-layer GRU (en-1.0)", "10.3", lm, time_machine_1_0(32, 2.0, 100, 2),
       language_model(CellKind::gru, false), true},
      {"stacked-rnn-scratch", "Deep RNN from scratch: 2 stacked tanh RNNs (en-1.0)", "10.3", lm,
       time_machine_1_0(32, 2.0, 100, 2), language_model(CellKind::rnn, true)},
      {"bi-lstm", "Bidirectional 2-layer LSTM language model (the book's counterexample)", "10.4", lm,
       train_ch8(256, 1.0, 2), language_model(CellKind::lstm, false, true), true},
      {"seq2seq", "RNN encoder-decoder (GRU) for machine translation", "10.7", TaskKind::seq2seq, train_seq2seq(300),
       seq2seq(false), true},
      {"bahdanau", "Seq2seq with Bahdanau (additive) attention", "11.4", TaskKind::seq2seq, train_seq2seq(250),
       seq2seq(true), true},
      {"transformer", "Transformer encoder-decoder (4 heads, FFN 64)", "11.7", TaskKind::seq2seq, train_seq2seq(200),
       transformer, true},
  };
}

std::vector<DataSpec> text_datasets() {
  return {
      {"timemachine",
       "H. G. Wells' The Time Machine (timemachine.txt), characters (d2l 9.2)",
       {},
       28,  // the book's character vocabulary: <unk>, space, a-z
       [](const RunConfig& c, int64_t) {
         const data::DataSource source{"timemachine", {"timemachine.txt"}, {},
                                       "offline, --data gpl3 trains on the GPL's text, or --data FILE on any text file"};
         return corpus(c, hub_data(c, source, "timemachine") / "timemachine.txt");
       }},
      {"gpl3",
       "the GNU GPL version 3 (/usr/share/common-licenses/GPL-3): English text on every Debian system",
       {},
       28,
       [](const RunConfig& c, int64_t) { return corpus(c, data::default_corpus()); }},
      {"fra-eng",
       "English-French sentence pairs of the Tatoeba project (fra.txt, d2l 10.5)",
       {},
       0,
       [](const RunConfig& c, int64_t) {
         const data::DataSource source{"fra-eng", {"fra.txt"}, {},
                                       "offline, --data dates translates human-readable dates to ISO dates"};
         return pairs(c, hub_data(c, source, "fra-eng") / "fra.txt");
       }},
      {"dates",
       "generated pairs: human-readable dates -> ISO dates (\"march 7, 1994\" -> 1 9 9 4 - 0 3 - 0 7)",
       {},
       0,
       [](const RunConfig& c, int64_t) {
         const auto options = pair_options(c);
         const auto text = data::synthetic_date_pairs(options.num_train() + options.num_val(), 20260101);
         return data::translation_data(data::tokenize_nmt(data::preprocess_nmt(text)), "dates", options);
       }},
      {"file",
       "--data FILE: any text file for language models, tab-separated sentence pairs for translation",
       {},
       0,
       [](const RunConfig& c, int64_t) { return translates(c) ? pairs(c, c.data) : corpus(c, c.data); }},
  };
}

}  // namespace d2l::apps
