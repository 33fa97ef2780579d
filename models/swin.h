// Swin Transformer (Liu et al. 2021; cited in d2l 11.9): attention inside non-overlapping
// M x M windows with a learned relative position bias, windows shifted by M / 2 in every second
// block (a cyclic shift plus a mask, so that tokens only attend within their original region),
// and patch merging between stages that halves the resolution and doubles the width.
// Feature maps are [batch, height, width, channels]. Parameter names equal torchvision's
// swin_t, so its weights load (tv-swin-t).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "models/layers/stochastic_depth.h"

namespace d2l::models {

// The defaults are the paper's Swin-T (28M parameters at 224 x 224, ImageNet's 1000 classes).
struct SwinOptions {
  TORCH_ARG(int64_t, in_channels) = 3;
  TORCH_ARG(int64_t, img_size) = 224;
  TORCH_ARG(int64_t, patch_size) = 4;
  TORCH_ARG(int64_t, embed_dim) = 96;                          // width C of the first stage
  TORCH_ARG(std::vector<int64_t>, depths) = std::vector<int64_t>{2, 2, 6, 2};
  TORCH_ARG(std::vector<int64_t>, num_heads) = std::vector<int64_t>{3, 6, 12, 24};
  TORCH_ARG(int64_t, window_size) = 7;                         // M
  TORCH_ARG(double, mlp_ratio) = 4.0;
  TORCH_ARG(double, dropout) = 0.0;
  TORCH_ARG(double, attention_dropout) = 0.0;
  TORCH_ARG(double, stochastic_depth_prob) = 0.2;              // of the last block; 0 for the first
  TORCH_ARG(int64_t, num_classes) = 1000;
};

SwinOptions swin_t();
// A Swin for 32 x 32 images (Fashion-MNIST resized): 2 x 2 patches, windows of 4 x 4 patches,
// three stages at 16 x 16, 8 x 8 and 4 x 4 (the last one a single window, so never shifted).
SwinOptions swin_small_images();

// [B, H, W, C] -> [B * windows, M * M, C], windows in row-major order; and back.
torch::Tensor window_partition(const torch::Tensor& x, int64_t window_size);
torch::Tensor window_reverse(const torch::Tensor& windows, int64_t window_size, int64_t height, int64_t width);

// Which tokens may attend to which once an H x W map is rolled up and left by `shift`: [windows,
// M * M, M * M], true where both tokens come from the same region of the unrolled map.
torch::Tensor shifted_window_mask(int64_t height, int64_t width, int64_t window_size, int64_t shift);

// Index of the bias table entry for each pair of tokens of a window: [M * M, M * M], from their
// offset (dy, dx) in [-(M-1), M-1]^2 as (dy + M - 1) * (2M - 1) + (dx + M - 1).
torch::Tensor relative_position_index(int64_t window_size);

struct WindowAttentionOptions {
  WindowAttentionOptions(int64_t dim, int64_t num_heads, int64_t window_size, int64_t resolution)
      : dim_(dim), num_heads_(num_heads), window_size_(window_size), resolution_(resolution) {}
  TORCH_ARG(int64_t, dim);
  TORCH_ARG(int64_t, num_heads);
  TORCH_ARG(int64_t, window_size);
  TORCH_ARG(int64_t, resolution);  // side of the (square) feature map
  TORCH_ARG(int64_t, shift) = 0;
  TORCH_ARG(double, attention_dropout) = 0.0;
  TORCH_ARG(double, dropout) = 0.0;
};

// (Shifted) window multi-head self-attention with relative position bias: [B, H, W, C] -> same.
class WindowAttentionImpl : public torch::nn::Module {
 public:
  explicit WindowAttentionImpl(const WindowAttentionOptions& options);
  torch::Tensor forward(const torch::Tensor& x);

  WindowAttentionOptions options;
  torch::nn::Linear qkv{nullptr}, proj{nullptr};
  torch::Tensor relative_position_bias_table;  // [(2M - 1)^2, heads]
  torch::Tensor relative_position_index;       // buffer [M^2 * M^2]

 private:
  torch::Tensor mask_;  // additive, [windows, 1, M^2, M^2]; not state (it follows from the options)
};
TORCH_MODULE(WindowAttention);

// Pre-norm: x + drop(attention(LN(x))), then x + drop(MLP(LN(x))).
class SwinBlockImpl : public torch::nn::Module {
 public:
  SwinBlockImpl(const WindowAttentionOptions& attention, double mlp_ratio, double dropout, double stochastic_depth_prob);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  WindowAttention attn{nullptr};
  StochasticDepth stochastic_depth{nullptr};
  torch::nn::Sequential mlp{nullptr};  // Linear, GELU, Dropout, Linear, Dropout
};
TORCH_MODULE(SwinBlock);

// Each 2 x 2 group of tokens concatenated (4C), normalised and projected to 2C: [B, H, W, C] ->
// [B, H / 2, W / 2, 2C].
class PatchMergingImpl : public torch::nn::Module {
 public:
  explicit PatchMergingImpl(int64_t dim);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Linear reduction{nullptr};
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(PatchMerging);

class SwinImpl : public torch::nn::Module {
 public:
  explicit SwinImpl(const SwinOptions& options = {});
  torch::Tensor forward(const torch::Tensor& X);
  torch::Tensor forward_features(const torch::Tensor& X);  // pooled, normalised features [B, C_last]

  SwinOptions options;
  // features: patch partition + linear embedding (convolution, to [B, H, W, C], LayerNorm), then
  // the stages (Sequentials of SwinBlocks) with PatchMerging between them.
  torch::nn::Sequential features{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(Swin);

}  // namespace d2l::models
