#include "models/seq2seq.h"

#include <stdexcept>

namespace d2l::models {
namespace {

torch::nn::GRU gru(const Seq2SeqOptions& o, int64_t input_size) {
  // Dropout acts between stacked layers only (PyTorch warns about it on one layer).
  const double dropout = o.num_layers() > 1 ? o.dropout() : 0.0;
  return torch::nn::GRU(torch::nn::GRUOptions(input_size, o.num_hiddens()).num_layers(o.num_layers()).dropout(dropout));
}

}  // namespace

Seq2SeqEncoderImpl::Seq2SeqEncoderImpl(const Seq2SeqOptions& o)
    : embedding(register_module("embedding", torch::nn::Embedding(o.src_vocab_size(), o.embed_size()))),
      rnn(register_module("rnn", gru(o, o.embed_size()))) {}

std::tuple<torch::Tensor, torch::Tensor> Seq2SeqEncoderImpl::forward(const torch::Tensor& X) {
  return rnn->forward(embedding(X.t()));  // time first: [T, B, E]
}

Seq2SeqDecoderImpl::Seq2SeqDecoderImpl(const Seq2SeqOptions& o)
    : embedding(register_module("embedding", torch::nn::Embedding(o.tgt_vocab_size(), o.embed_size()))),
      rnn(register_module("rnn", gru(o, o.embed_size() + o.num_hiddens()))),
      dense(register_module("dense", torch::nn::Linear(o.num_hiddens(), o.tgt_vocab_size()))) {}

std::tuple<torch::Tensor, DecoderState> Seq2SeqDecoderImpl::forward(const torch::Tensor& X, DecoderState state) {
  const auto embs = embedding(X.t());  // [T, B, E]
  // The context [B, H], repeated over the T steps.
  const auto context = state.enc_outputs.select(0, -1).unsqueeze(0).expand({embs.size(0), -1, -1});
  auto [outputs, hidden] = rnn->forward(torch::cat({embs, context}, 2), state.hidden);
  state.hidden = hidden;
  return {dense(outputs).transpose(0, 1), state};
}

Seq2SeqAttentionDecoderImpl::Seq2SeqAttentionDecoderImpl(const Seq2SeqOptions& o)
    : attention(register_module(
          "attention",
          AdditiveAttention(AdditiveAttentionOptions(o.num_hiddens(), o.num_hiddens(), o.num_hiddens()).dropout(o.dropout())))),
      embedding(register_module("embedding", torch::nn::Embedding(o.tgt_vocab_size(), o.embed_size()))),
      rnn(register_module("rnn", gru(o, o.embed_size() + o.num_hiddens()))),
      dense(register_module("dense", torch::nn::Linear(o.num_hiddens(), o.tgt_vocab_size()))) {}

std::tuple<torch::Tensor, DecoderState> Seq2SeqAttentionDecoderImpl::forward(const torch::Tensor& X, DecoderState state) {
  const auto keys = state.enc_outputs.transpose(0, 1);  // [B, T_src, H]
  std::vector<torch::Tensor> outputs, weights;
  for (const auto& x : embedding(X.t()).unbind(0)) {  // one step: [B, E]
    const auto query = state.hidden.select(0, -1).unsqueeze(1);                      // [B, 1, H]
    const auto context = attention(query, keys, keys, state.enc_valid_lens);         // [B, 1, H]
    const auto input = torch::cat({context, x.unsqueeze(1)}, -1).transpose(0, 1);  // [1, B, H + E]
    auto [out, hidden] = rnn->forward(input, state.hidden);
    state.hidden = hidden;
    outputs.push_back(out);
    weights.push_back(attention->attention_weights);
  }
  attention_weights_ = torch::cat(weights, 1);  // [B, T, T_src]
  return {dense(torch::cat(outputs, 0)).transpose(0, 1), state};
}

Seq2SeqImpl::Seq2SeqImpl(const Seq2SeqOptions& options)
    : options(options), encoder(register_module("encoder", Seq2SeqEncoder(options))) {
  if (options.src_vocab_size() <= 0 || options.tgt_vocab_size() <= 0 || options.num_hiddens() <= 0 ||
      options.embed_size() <= 0 || options.num_layers() <= 0)
    throw std::invalid_argument("Seq2Seq: vocabulary sizes, embed_size, num_hiddens and num_layers must be positive");
  if (options.attention())
    decoder = register_module("decoder", std::make_shared<Seq2SeqAttentionDecoderImpl>(options));
  else
    decoder = register_module("decoder", std::make_shared<Seq2SeqDecoderImpl>(options));
}

DecoderState Seq2SeqImpl::encode(const torch::Tensor& enc_X, const torch::Tensor& enc_valid_lens) {
  auto [outputs, hidden] = encoder(enc_X);
  return {outputs, hidden, enc_valid_lens};
}

torch::Tensor Seq2SeqImpl::forward(const torch::Tensor& enc_X, const torch::Tensor& dec_X,
                                   const torch::Tensor& enc_valid_lens) {
  return std::get<0>(decoder->forward(dec_X, encode(enc_X, enc_valid_lens)));
}

EncoderDecoderImpl::Prediction Seq2SeqImpl::predict(const torch::Tensor& enc_X, const torch::Tensor& enc_valid_lens,
                                             int64_t bos, int64_t num_steps) {
  torch::NoGradGuard no_grad;
  auto state = encode(enc_X, enc_valid_lens);
  auto dec_X = torch::full({enc_X.size(0), 1}, bos, enc_X.options());
  std::vector<torch::Tensor> tokens, attention;
  for (int64_t t = 0; t < num_steps; ++t) {
    auto [Y, next] = decoder->forward(dec_X, state);
    state = next;
    dec_X = Y.argmax(2);
    tokens.push_back(dec_X);
    if (options.attention()) attention.push_back(decoder->attention_weights());
  }
  return {torch::cat(tokens, 1), attention.empty() ? torch::Tensor() : torch::cat(attention, 1)};
}

}  // namespace d2l::models
