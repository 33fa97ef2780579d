#include "models/vit.h"

#include <torch/nn/functional/activation.h>

#include <stdexcept>

namespace d2l::models {
namespace nn = torch::nn;

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

ViTBlockImpl::ViTBlockImpl(const ViTOptions& o)
    : ln1(register_module("ln1", nn::LayerNorm(nn::LayerNormOptions({o.num_hiddens()})))),
      ln2(register_module("ln2", nn::LayerNorm(nn::LayerNormOptions({o.num_hiddens()})))),
      attention(register_module("attention", MultiHeadAttention(MultiHeadAttentionOptions(o.num_hiddens(), o.num_heads())
                                                                     .dropout(o.blk_dropout())
                                                                     .bias(o.use_bias())))),
      mlp(register_module("mlp", ViTMLP(o.num_hiddens(), o.mlp_num_hiddens(), o.blk_dropout()))) {}

torch::Tensor ViTBlockImpl::forward(const torch::Tensor& X) {
  const auto normed = ln1(X);
  const auto Y = X + attention(normed, normed, normed);
  return Y + mlp(ln2(Y));
}

ViTImpl::ViTImpl(const ViTOptions& o) : options(o) {
  if (o.patch_size() <= 0 || o.img_size() % o.patch_size() != 0)
    throw std::invalid_argument("ViT: image size " + std::to_string(o.img_size()) + " is not a multiple of the patch size " +
                                std::to_string(o.patch_size()));
  const int64_t side = o.img_size() / o.patch_size(), num_steps = side * side + 1;
  patch_embedding = register_module("patch_embedding", PatchEmbedding(o.in_channels(), o.patch_size(), o.num_hiddens()));
  cls_token = register_parameter("cls_token", torch::zeros({1, 1, o.num_hiddens()}));
  pos_embedding = register_parameter("pos_embedding", torch::randn({1, num_steps, o.num_hiddens()}));
  dropout = register_module("dropout", nn::Dropout(o.emb_dropout()));
  blks = register_module("blks", nn::Sequential());
  for (int64_t i = 0; i < o.num_blks(); ++i) blks->push_back(ViTBlock(o));
  head = register_module("head", nn::Sequential(nn::LayerNorm(nn::LayerNormOptions({o.num_hiddens()})),
                                                nn::Linear(o.num_hiddens(), o.num_classes())));
}

torch::Tensor ViTImpl::forward_features(const torch::Tensor& X) {
  auto tokens = patch_embedding(X);
  // The class token for every example, expanded from one example's first token (shape-free).
  const auto cls = cls_token.expand_as(tokens.narrow(1, 0, 1));
  tokens = dropout(torch::cat({cls, tokens}, 1) + pos_embedding);
  return blks->forward(tokens).select(1, 0);
}

torch::Tensor ViTImpl::forward_head(const torch::Tensor& features) { return head->forward(features); }

torch::Tensor ViTImpl::forward(const torch::Tensor& X) { return forward_head(forward_features(X)); }

}  // namespace d2l::models
