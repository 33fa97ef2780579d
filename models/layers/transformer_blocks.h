// The Transformer's building blocks, shared by the Transformer (d2l 11.7), ViT (11.8), Swin and
// MAE: sinusoidal positional encoding, position-wise FFN, add & norm, post-norm encoder and
// decoder blocks (causal self-attention with a key cache, cross-attention), the pre-norm block
// and MLP of ViT, and patch embedding. (ViT's learned positional embedding is a parameter of
// the model, named as the book names it.)
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "models/layers/multi_head_attention.h"

namespace d2l::models {

struct TransformerBlockOptions {
  TransformerBlockOptions(int64_t num_hiddens, int64_t ffn_num_hiddens, int64_t num_heads)
      : num_hiddens_(num_hiddens), ffn_num_hiddens_(ffn_num_hiddens), num_heads_(num_heads) {}
  TORCH_ARG(int64_t, num_hiddens);
  TORCH_ARG(int64_t, ffn_num_hiddens);  // the FFN's (ViT: the MLP's) hidden units
  TORCH_ARG(int64_t, num_heads);
  TORCH_ARG(double, dropout) = 0.0;
  TORCH_ARG(bool, use_bias) = false;  // in the attention projections
};

// P[i, 2j] = sin(i / 10000^(2j/d)), P[i, 2j+1] = cos(...), added to X from position `offset` on.
class PositionalEncodingImpl : public torch::nn::Module {
 public:
  PositionalEncodingImpl(int64_t num_hiddens, double dropout, int64_t max_len = 1000);
  torch::Tensor forward(const torch::Tensor& X, int64_t offset = 0);
  torch::nn::Dropout dropout{nullptr};
  torch::Tensor P;  // [1, max_len, num_hiddens], a buffer
};
TORCH_MODULE(PositionalEncoding);

// dense2(relu(dense1(X))) at every position.
class PositionWiseFFNImpl : public torch::nn::Module {
 public:
  PositionWiseFFNImpl(int64_t num_hiddens, int64_t ffn_num_hiddens);
  torch::Tensor forward(const torch::Tensor& X);
  torch::nn::Linear dense1{nullptr}, dense2{nullptr};
};
TORCH_MODULE(PositionWiseFFN);

// LayerNorm(dropout(Y) + X): the residual connection and post-normalisation.
class AddNormImpl : public torch::nn::Module {
 public:
  AddNormImpl(int64_t num_hiddens, double dropout);
  torch::Tensor forward(const torch::Tensor& X, const torch::Tensor& Y);
  torch::nn::Dropout dropout{nullptr};
  torch::nn::LayerNorm ln{nullptr};
};
TORCH_MODULE(AddNorm);

// Post-norm (d2l 11.7): AddNorm(X, attention(X)), then AddNorm(Y, FFN(Y)).
class TransformerEncoderBlockImpl : public torch::nn::Module {
 public:
  explicit TransformerEncoderBlockImpl(const TransformerBlockOptions& options);
  torch::Tensor forward(const torch::Tensor& X, const torch::Tensor& valid_lens);
  MultiHeadAttention attention{nullptr};
  AddNorm addnorm1{nullptr}, addnorm2{nullptr};
  PositionWiseFFN ffn{nullptr};
};
TORCH_MODULE(TransformerEncoderBlock);

class TransformerDecoderBlockImpl : public torch::nn::Module {
 public:
  explicit TransformerDecoderBlockImpl(const TransformerBlockOptions& options);
  // X [B, T, d]: the new positions; cache [B, T_before, d] (undefined at first): this block's
  // inputs at the earlier positions, updated to include X. Each position attends to itself and
  // the ones before it only.
  torch::Tensor forward(const torch::Tensor& X, torch::Tensor& cache, const torch::Tensor& enc_outputs,
                        const torch::Tensor& enc_valid_lens);
  MultiHeadAttention attention1{nullptr}, attention2{nullptr};
  AddNorm addnorm1{nullptr}, addnorm2{nullptr}, addnorm3{nullptr};
  PositionWiseFFN ffn{nullptr};
};
TORCH_MODULE(TransformerDecoderBlock);

// Patches as tokens: [b, c, H, W] -> [b, (H / p) * (W / p), num_hiddens].
class PatchEmbeddingImpl : public torch::nn::Module {
 public:
  PatchEmbeddingImpl(int64_t in_channels, int64_t patch_size, int64_t num_hiddens);
  torch::Tensor forward(const torch::Tensor& X);
  torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(PatchEmbedding);

// Linear, GELU, dropout, linear, dropout.
class ViTMLPImpl : public torch::nn::Module {
 public:
  ViTMLPImpl(int64_t num_hiddens, int64_t mlp_num_hiddens, double dropout);
  torch::Tensor forward(const torch::Tensor& X);
  torch::nn::Linear dense1{nullptr}, dense2{nullptr};
  torch::nn::Dropout dropout1{nullptr}, dropout2{nullptr};
};
TORCH_MODULE(ViTMLP);

// Pre-norm: X + attention(LN(X)), then X + MLP(LN(X)).
class ViTBlockImpl : public torch::nn::Module {
 public:
  explicit ViTBlockImpl(const TransformerBlockOptions& options);
  torch::Tensor forward(const torch::Tensor& X);
  torch::nn::LayerNorm ln1{nullptr}, ln2{nullptr};
  MultiHeadAttention attention{nullptr};
  ViTMLP mlp{nullptr};
};
TORCH_MODULE(ViTBlock);

}  // namespace d2l::models
