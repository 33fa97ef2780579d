#include "models/vit.h"

#include <stdexcept>

namespace d2l::models {
namespace nn = torch::nn;

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
  for (int64_t i = 0; i < o.num_blks(); ++i) blks->push_back(ViTBlock(o.block()));
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
