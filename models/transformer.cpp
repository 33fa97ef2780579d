#include "models/transformer.h"

#include <cmath>
#include <stdexcept>

namespace d2l::models {
namespace nn = torch::nn;

PositionalEncodingImpl::PositionalEncodingImpl(int64_t num_hiddens, double p, int64_t max_len)
    : dropout(register_module("dropout", nn::Dropout(p))) {
  const auto positions = torch::arange(max_len, torch::kFloat32).unsqueeze(1);
  const auto frequencies = torch::pow(10000.0, torch::arange(0, num_hiddens, 2, torch::kFloat32) / num_hiddens);
  const auto angles = positions / frequencies;
  auto table = torch::zeros({1, max_len, num_hiddens});
  table.index_put_({0, torch::indexing::Slice(), torch::indexing::Slice(0, torch::indexing::None, 2)}, torch::sin(angles));
  table.index_put_({0, torch::indexing::Slice(), torch::indexing::Slice(1, torch::indexing::None, 2)},
                   torch::cos(angles).narrow(1, 0, num_hiddens / 2));
  P = register_buffer("P", table);
}

torch::Tensor PositionalEncodingImpl::forward(const torch::Tensor& X, int64_t offset) {
  if (offset + X.size(1) > P.size(1))
    throw std::invalid_argument("positional encoding: sequences are limited to " + std::to_string(P.size(1)) + " tokens");
  return dropout(X + P.narrow(1, offset, X.size(1)));
}

PositionWiseFFNImpl::PositionWiseFFNImpl(int64_t num_hiddens, int64_t ffn_num_hiddens)
    : dense1(register_module("dense1", nn::Linear(num_hiddens, ffn_num_hiddens))),
      dense2(register_module("dense2", nn::Linear(ffn_num_hiddens, num_hiddens))) {}

torch::Tensor PositionWiseFFNImpl::forward(const torch::Tensor& X) { return dense2(torch::relu(dense1(X))); }

AddNormImpl::AddNormImpl(int64_t num_hiddens, double p)
    : dropout(register_module("dropout", nn::Dropout(p))),
      ln(register_module("ln", nn::LayerNorm(nn::LayerNormOptions({num_hiddens})))) {}

torch::Tensor AddNormImpl::forward(const torch::Tensor& X, const torch::Tensor& Y) { return ln(dropout(Y) + X); }

namespace {

MultiHeadAttention attention(const TransformerOptions& o) {
  return MultiHeadAttention(MultiHeadAttentionOptions(o.num_hiddens(), o.num_heads()).dropout(o.dropout()).bias(o.use_bias()));
}

}  // namespace

TransformerEncoderBlockImpl::TransformerEncoderBlockImpl(const TransformerOptions& o)
    : attention(register_module("attention", models::attention(o))),
      addnorm1(register_module("addnorm1", AddNorm(o.num_hiddens(), o.dropout()))),
      addnorm2(register_module("addnorm2", AddNorm(o.num_hiddens(), o.dropout()))),
      ffn(register_module("ffn", PositionWiseFFN(o.num_hiddens(), o.ffn_num_hiddens()))) {}

torch::Tensor TransformerEncoderBlockImpl::forward(const torch::Tensor& X, const torch::Tensor& valid_lens) {
  const auto Y = addnorm1(X, attention(X, X, X, valid_lens));
  return addnorm2(Y, ffn(Y));
}

TransformerDecoderBlockImpl::TransformerDecoderBlockImpl(const TransformerOptions& o)
    : attention1(register_module("attention1", models::attention(o))),
      attention2(register_module("attention2", models::attention(o))),
      addnorm1(register_module("addnorm1", AddNorm(o.num_hiddens(), o.dropout()))),
      addnorm2(register_module("addnorm2", AddNorm(o.num_hiddens(), o.dropout()))),
      addnorm3(register_module("addnorm3", AddNorm(o.num_hiddens(), o.dropout()))),
      ffn(register_module("ffn", PositionWiseFFN(o.num_hiddens(), o.ffn_num_hiddens()))) {}

torch::Tensor TransformerDecoderBlockImpl::forward(const torch::Tensor& X, torch::Tensor& cache,
                                                   const torch::Tensor& enc_outputs, const torch::Tensor& enc_valid_lens) {
  const int64_t before = cache.defined() ? cache.size(1) : 0;
  cache = cache.defined() ? torch::cat({cache, X}, 1) : X;
  // Causal masking as valid lengths: the new position j (0-based) sees keys 0 .. before + j. The
  // book masks only in training mode; this holds in evaluation too, so validation losses are honest.
  const auto causal = torch::ones_like(X.select(2, 0)).cumsum(1) + static_cast<double>(before);
  const auto Y = addnorm1(X, attention1(X, cache, cache, causal));
  const auto Z = addnorm2(Y, attention2(Y, enc_outputs, enc_outputs, enc_valid_lens));
  return addnorm3(Z, ffn(Z));
}

TransformerImpl::TransformerImpl(const TransformerOptions& o) : options(o) {
  if (o.num_hiddens() % 2 != 0) throw std::invalid_argument("Transformer: num_hiddens must be even (sine and cosine pairs)");
  enc_embedding = register_module("enc_embedding", nn::Embedding(o.src_vocab_size(), o.num_hiddens()));
  dec_embedding = register_module("dec_embedding", nn::Embedding(o.tgt_vocab_size(), o.num_hiddens()));
  pos_encoding = register_module("pos_encoding", PositionalEncoding(o.num_hiddens(), o.dropout(), o.max_len()));
  enc_blks = register_module("enc_blks", nn::ModuleList());
  dec_blks = register_module("dec_blks", nn::ModuleList());
  for (int64_t i = 0; i < o.num_blks(); ++i) {
    enc_blks->push_back(TransformerEncoderBlock(o));
    dec_blks->push_back(TransformerDecoderBlock(o));
  }
  dense = register_module("dense", nn::Linear(o.num_hiddens(), o.tgt_vocab_size()));
}

torch::Tensor TransformerImpl::encode(const torch::Tensor& enc_X, const torch::Tensor& enc_valid_lens) {
  // Embeddings are scaled by sqrt(d) so that they are not drowned by the positional encoding.
  auto X = pos_encoding(enc_embedding(enc_X) * std::sqrt(static_cast<double>(options.num_hiddens())));
  for (const auto& blk : *enc_blks) X = blk->as<TransformerEncoderBlock>()->forward(X, enc_valid_lens);
  return X;
}

torch::Tensor TransformerImpl::decode(const torch::Tensor& dec_X, std::vector<torch::Tensor>& caches,
                                      const torch::Tensor& enc_outputs, const torch::Tensor& enc_valid_lens) {
  caches.resize(enc_blks->size());
  const int64_t offset = caches[0].defined() ? caches[0].size(1) : 0;
  auto X = pos_encoding(dec_embedding(dec_X) * std::sqrt(static_cast<double>(options.num_hiddens())), offset);
  for (size_t i = 0; i < dec_blks->size(); ++i)
    X = dec_blks[i]->as<TransformerDecoderBlock>()->forward(X, caches[i], enc_outputs, enc_valid_lens);
  return dense(X);
}

torch::Tensor TransformerImpl::forward(const torch::Tensor& enc_X, const torch::Tensor& dec_X,
                                       const torch::Tensor& enc_valid_lens) {
  std::vector<torch::Tensor> caches;
  return decode(dec_X, caches, encode(enc_X, enc_valid_lens), enc_valid_lens);
}

EncoderDecoderImpl::Prediction TransformerImpl::predict(const torch::Tensor& enc_X, const torch::Tensor& enc_valid_lens,
                                                        int64_t bos, int64_t num_steps) {
  torch::NoGradGuard no_grad;
  const auto enc_outputs = encode(enc_X, enc_valid_lens);
  const auto& self = enc_blks[enc_blks->size() - 1]->as<TransformerEncoderBlock>()->attention->attention->attention_weights;
  const auto encoder_attention = self.unflatten(0, {-1, options.num_heads()}).mean(1);  // [B, T_src, T_src]
  std::vector<torch::Tensor> caches, tokens, attention;
  auto dec_X = torch::full({enc_X.size(0), 1}, bos, enc_X.options());
  auto& cross = dec_blks[dec_blks->size() - 1]->as<TransformerDecoderBlock>()->attention2->attention->attention_weights;
  for (int64_t t = 0; t < num_steps; ++t) {
    dec_X = decode(dec_X, caches, enc_outputs, enc_valid_lens).argmax(2);
    tokens.push_back(dec_X);
    attention.push_back(cross.unflatten(0, {-1, options.num_heads()}).mean(1));  // [B, 1, T_src]
  }
  return {torch::cat(tokens, 1), torch::cat(attention, 1), encoder_attention};
}

}  // namespace d2l::models
