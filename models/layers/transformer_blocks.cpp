#include "models/layers/transformer_blocks.h"

#include <torch/nn/functional/activation.h>

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

MultiHeadAttention attention(const TransformerBlockOptions& o) {
  return MultiHeadAttention(MultiHeadAttentionOptions(o.num_hiddens(), o.num_heads()).dropout(o.dropout()).bias(o.use_bias()));
}

}  // namespace

TransformerEncoderBlockImpl::TransformerEncoderBlockImpl(const TransformerBlockOptions& o)
    : attention(register_module("attention", models::attention(o))),
      addnorm1(register_module("addnorm1", AddNorm(o.num_hiddens(), o.dropout()))),
      addnorm2(register_module("addnorm2", AddNorm(o.num_hiddens(), o.dropout()))),
      ffn(register_module("ffn", PositionWiseFFN(o.num_hiddens(), o.ffn_num_hiddens()))) {}

torch::Tensor TransformerEncoderBlockImpl::forward(const torch::Tensor& X, const torch::Tensor& valid_lens) {
  const auto Y = addnorm1(X, attention(X, X, X, valid_lens));
  return addnorm2(Y, ffn(Y));
}

TransformerDecoderBlockImpl::TransformerDecoderBlockImpl(const TransformerBlockOptions& o)
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

PatchEmbeddingImpl::PatchEmbeddingImpl(int64_t in_channels, int64_t patch_size, int64_t num_hiddens)
    : conv(register_module("conv", nn::Conv2d(nn::Conv2dOptions(in_channels, num_hiddens, patch_size).stride(patch_size)))) {}

torch::Tensor PatchEmbeddingImpl::forward(const torch::Tensor& X) { return conv(X).flatten(2).transpose(1, 2); }

ViTMLPImpl::ViTMLPImpl(int64_t num_hiddens, int64_t mlp_num_hiddens, double dropout)
    : dense1(register_module("dense1", nn::Linear(num_hiddens, mlp_num_hiddens))),
      dense2(register_module("dense2", nn::Linear(mlp_num_hiddens, num_hiddens))),
      dropout1(register_module("dropout1", nn::Dropout(dropout))),
      dropout2(register_module("dropout2", nn::Dropout(dropout))) {}

torch::Tensor ViTMLPImpl::forward(const torch::Tensor& X) {
  return dropout2(dense2(dropout1(torch::nn::functional::gelu(dense1(X)))));
}

ViTBlockImpl::ViTBlockImpl(const TransformerBlockOptions& o)
    : ln1(register_module("ln1", nn::LayerNorm(nn::LayerNormOptions({o.num_hiddens()})))),
      ln2(register_module("ln2", nn::LayerNorm(nn::LayerNormOptions({o.num_hiddens()})))),
      attention(register_module("attention", MultiHeadAttention(MultiHeadAttentionOptions(o.num_hiddens(), o.num_heads())
                                                                     .dropout(o.dropout())
                                                                     .bias(o.use_bias())))),
      mlp(register_module("mlp", ViTMLP(o.num_hiddens(), o.ffn_num_hiddens(), o.dropout()))) {}

torch::Tensor ViTBlockImpl::forward(const torch::Tensor& X) {
  const auto normed = ln1(X);
  const auto Y = X + attention(normed, normed, normed);
  return Y + mlp(ln2(Y));
}

}  // namespace d2l::models
