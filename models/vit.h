// Vision Transformer (d2l 11.8, Dosovitskiy et al. 2021): the image cut into patches by a
// strided convolution, a class token and learned position embeddings, pre-norm Transformer
// blocks, and a head on the class token.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "models/layers/transformer_blocks.h"

namespace d2l::models {

// The book's d2l.ViT arguments (11.8: img_size 96, patch_size 16, 512 hiddens, MLP 2048, 8
// heads, 2 blocks, dropouts 0.1).
struct ViTOptions {
  // The options of each of its blocks.
  TransformerBlockOptions block() const {
    return TransformerBlockOptions(num_hiddens(), mlp_num_hiddens(), num_heads()).dropout(blk_dropout()).use_bias(use_bias());
  }
  TORCH_ARG(int64_t, in_channels) = 1;
  TORCH_ARG(int64_t, img_size) = 96;
  TORCH_ARG(int64_t, patch_size) = 16;
  TORCH_ARG(int64_t, num_hiddens) = 512;
  TORCH_ARG(int64_t, mlp_num_hiddens) = 2048;
  TORCH_ARG(int64_t, num_heads) = 8;
  TORCH_ARG(int64_t, num_blks) = 2;
  TORCH_ARG(double, emb_dropout) = 0.1;
  TORCH_ARG(double, blk_dropout) = 0.1;
  TORCH_ARG(bool, use_bias) = false;  // in the attention projections
  TORCH_ARG(int64_t, num_classes) = 10;
};

class ViTImpl : public torch::nn::Module {
 public:
  explicit ViTImpl(const ViTOptions& options = {});
  torch::Tensor forward(const torch::Tensor& X);
  torch::Tensor forward_features(const torch::Tensor& X);  // the class token after the blocks, [b, num_hiddens]
  torch::Tensor forward_head(const torch::Tensor& features);

  ViTOptions options;
  PatchEmbedding patch_embedding{nullptr};
  torch::Tensor cls_token, pos_embedding;
  torch::nn::Dropout dropout{nullptr};
  torch::nn::Sequential blks{nullptr};
  torch::nn::Sequential head{nullptr};
};
TORCH_MODULE(ViT);

}  // namespace d2l::models
