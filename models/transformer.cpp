#include "models/transformer.h"

#include <cmath>
#include <stdexcept>

namespace d2l::models {
namespace nn = torch::nn;

TransformerImpl::TransformerImpl(const TransformerOptions& o) : options(o) {
  if (o.num_hiddens() % 2 != 0) throw std::invalid_argument("Transformer: num_hiddens must be even (sine and cosine pairs)");
  enc_embedding = register_module("enc_embedding", nn::Embedding(o.src_vocab_size(), o.num_hiddens()));
  dec_embedding = register_module("dec_embedding", nn::Embedding(o.tgt_vocab_size(), o.num_hiddens()));
  pos_encoding = register_module("pos_encoding", PositionalEncoding(o.num_hiddens(), o.dropout(), o.max_len()));
  enc_blks = register_module("enc_blks", nn::ModuleList());
  dec_blks = register_module("dec_blks", nn::ModuleList());
  for (int64_t i = 0; i < o.num_blks(); ++i) {
    enc_blks->push_back(TransformerEncoderBlock(o.block()));
    dec_blks->push_back(TransformerDecoderBlock(o.block()));
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
