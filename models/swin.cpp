#include "models/swin.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/dropout.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/container/functional.h>

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "models/init.h"
#include "models/layers/nested_sequential.h"

namespace d2l::models {
namespace nn = torch::nn;

SwinOptions swin_t() { return SwinOptions(); }

SwinOptions swin_small_images() {
  return SwinOptions()
      .img_size(32)
      .patch_size(2)
      .embed_dim(48)
      .depths({2, 2, 2})
      .num_heads({3, 6, 12})
      .window_size(4)
      .stochastic_depth_prob(0.1)
      .num_classes(10);
}

torch::Tensor window_partition(const torch::Tensor& x, int64_t M) {
  // [B, H, W, C] -> [B, H/M, M, W/M, M, C] -> [B, H/M, W/M, M, M, C] -> [B * windows, M * M, C]
  return x.unflatten(1, {-1, M}).unflatten(3, {-1, M}).permute({0, 1, 3, 2, 4, 5}).flatten(0, 2).flatten(1, 2);
}

torch::Tensor window_reverse(const torch::Tensor& windows, int64_t M, int64_t height, int64_t width) {
  return windows.unflatten(1, {M, M})
      .unflatten(0, {-1, height / M, width / M})
      .permute({0, 1, 3, 2, 4, 5})
      .flatten(3, 4)
      .flatten(1, 2);
}

torch::Tensor shifted_window_mask(int64_t height, int64_t width, int64_t M, int64_t shift) {
  // After the roll, rows [0, H - M) hold one stretch of the map, rows [H - M, H - shift) the end
  // of the map and rows [H - shift, H) its wrapped-around start; the same for columns.
  const auto region = [&](int64_t i, int64_t size) { return i < size - M ? 0 : i < size - shift ? 1 : 2; };
  auto labels = torch::empty({1, height, width, 1}, torch::kLong);
  auto a = labels.accessor<int64_t, 4>();
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x) a[0][y][x][0] = shift == 0 ? 0 : 3 * region(y, height) + region(x, width);
  const auto windows = window_partition(labels, M).squeeze(-1);  // [windows, M * M]
  return windows.unsqueeze(2) == windows.unsqueeze(1);
}

torch::Tensor relative_position_index(int64_t M) {
  const auto token = torch::arange(M * M);
  const auto y = token.div(M, "floor"), x = token.remainder(M);
  const auto dy = y.unsqueeze(1) - y.unsqueeze(0) + (M - 1), dx = x.unsqueeze(1) - x.unsqueeze(0) + (M - 1);
  return dy * (2 * M - 1) + dx;
}

WindowAttentionImpl::WindowAttentionImpl(const WindowAttentionOptions& o) : options(o) {
  if (o.num_heads() <= 0 || o.dim() % o.num_heads() != 0)
    throw std::invalid_argument("window attention: " + std::to_string(o.num_heads()) + " heads do not divide " +
                                std::to_string(o.dim()) + " channels");
  const int64_t M = o.window_size();
  qkv = register_module("qkv", nn::Linear(o.dim(), 3 * o.dim()));
  proj = register_module("proj", nn::Linear(o.dim(), o.dim()));
  relative_position_bias_table =
      register_parameter("relative_position_bias_table", torch::zeros({(2 * M - 1) * (2 * M - 1), o.num_heads()}));
  trunc_normal_(relative_position_bias_table, 0.02);
  relative_position_index = register_buffer("relative_position_index", models::relative_position_index(M).flatten());
  if (o.shift() > 0) {
    // -100 rather than -inf, as the reference implementation: exp(-100) is 0 in float anyway.
    const auto allowed = shifted_window_mask(o.resolution(), o.resolution(), M, o.shift());
    mask_ = torch::zeros(allowed.sizes()).masked_fill(allowed.logical_not(), -100.0).unsqueeze(1);
  }
}

torch::Tensor WindowAttentionImpl::forward(const torch::Tensor& x) {
  const int64_t M = options.window_size(), tokens = M * M, shift = options.shift();
  const auto shifted = shift > 0 ? torch::roll(x, {-shift, -shift}, {1, 2}) : x;
  const auto windows = window_partition(shifted, M);  // [B', M * M, C]
  // [B', N, 3C] -> [3, B', heads, N, C / heads]
  const auto qkv_heads = qkv(windows).unflatten(-1, {3, options.num_heads(), -1}).permute({2, 0, 3, 1, 4});
  const auto q = qkv_heads[0], k = qkv_heads[1], v = qkv_heads[2];
  const double scale = 1.0 / std::sqrt(static_cast<double>(options.dim() / options.num_heads()));
  const auto bias = relative_position_bias_table.index_select(0, relative_position_index)
                        .unflatten(0, {tokens, tokens})
                        .permute({2, 0, 1});  // [heads, N, N]
  auto scores = (q * scale).matmul(k.transpose(-2, -1)) + bias;
  if (shift > 0) {
    if (mask_.device() != x.device()) mask_ = mask_.to(x.device());
    // [B * windows, heads, N, N] -> [B, windows, heads, N, N]: the mask is per window.
    scores = (scores.unflatten(0, {-1, mask_.size(0)}) + mask_.to(scores.scalar_type())).flatten(0, 1);
  }
  auto weights = torch::softmax(scores, -1);
  weights = nn::functional::dropout(weights, nn::functional::DropoutFuncOptions().p(options.attention_dropout()).training(is_training()));
  auto out = proj(weights.matmul(v).transpose(1, 2).flatten(2));
  out = nn::functional::dropout(out, nn::functional::DropoutFuncOptions().p(options.dropout()).training(is_training()));
  out = window_reverse(out, M, options.resolution(), options.resolution());
  return shift > 0 ? torch::roll(out, {shift, shift}, {1, 2}) : out;
}

SwinBlockImpl::SwinBlockImpl(const WindowAttentionOptions& a, double mlp_ratio, double dropout, double sd_prob)
    : norm1(register_module("norm1", nn::LayerNorm(nn::LayerNormOptions({a.dim()})))),
      norm2(register_module("norm2", nn::LayerNorm(nn::LayerNormOptions({a.dim()})))),
      attn(register_module("attn", WindowAttention(a))),
      stochastic_depth(register_module("stochastic_depth", StochasticDepth(sd_prob))) {
  const auto hidden = static_cast<int64_t>(static_cast<double>(a.dim()) * mlp_ratio);
  mlp = register_module("mlp", nn::Sequential(nn::Linear(a.dim(), hidden), nn::GELU(), nn::Dropout(dropout),
                                              nn::Linear(hidden, a.dim()), nn::Dropout(dropout)));
}

torch::Tensor SwinBlockImpl::forward(const torch::Tensor& x) {
  const auto y = x + stochastic_depth(attn(norm1(x)));
  return y + stochastic_depth(mlp->forward(norm2(y)));
}

PatchMergingImpl::PatchMergingImpl(int64_t dim)
    : reduction(register_module("reduction", nn::Linear(nn::LinearOptions(4 * dim, 2 * dim).bias(false)))),
      norm(register_module("norm", nn::LayerNorm(nn::LayerNormOptions({4 * dim})))) {}

torch::Tensor PatchMergingImpl::forward(const torch::Tensor& x) {
  using torch::indexing::Slice;
  using torch::indexing::None;
  const auto at = [&](int64_t dy, int64_t dx) {
    return x.index({Slice(), Slice(dy, None, 2), Slice(dx, None, 2), Slice()});
  };
  // The paper's order (top-left, bottom-left, top-right, bottom-right), which the weights assume.
  return reduction(norm(torch::cat({at(0, 0), at(1, 0), at(0, 1), at(1, 1)}, -1)));
}

namespace {

std::string stage_name(size_t i) { return "stage " + std::to_string(i + 1); }

}  // namespace

SwinImpl::SwinImpl(const SwinOptions& o) : options(o) {
  const auto& depths = o.depths();
  if (depths.empty() || depths.size() != o.num_heads().size())
    throw std::invalid_argument("Swin: " + std::to_string(depths.size()) + " stage depths but " +
                                std::to_string(o.num_heads().size()) + " head counts");
  if (o.patch_size() <= 0 || o.img_size() % o.patch_size() != 0)
    throw std::invalid_argument("Swin: image size " + std::to_string(o.img_size()) + " is not a multiple of the patch size " +
                                std::to_string(o.patch_size()));
  const int64_t M = o.window_size();
  if (M <= 0) throw std::invalid_argument("Swin: window size must be positive");

  features = register_module("features", nn::Sequential());
  // Patch partition and linear embedding in one strided convolution, then channels last.
  features->push_back(NestedSequential(
      nn::Conv2d(nn::Conv2dOptions(o.in_channels(), o.embed_dim(), o.patch_size()).stride(o.patch_size())),
      nn::Functional([](const torch::Tensor& x) { return x.permute({0, 2, 3, 1}); }),
      nn::LayerNorm(nn::LayerNormOptions({o.embed_dim()}))));

  const int64_t total_blocks = std::accumulate(depths.begin(), depths.end(), int64_t{0});
  int64_t resolution = o.img_size() / o.patch_size(), dim = o.embed_dim(), block = 0;
  for (size_t i = 0; i < depths.size(); ++i) {
    if (resolution % M != 0)
      throw std::invalid_argument("Swin: " + stage_name(i) + " works on " + std::to_string(resolution) + " x " +
                                  std::to_string(resolution) + " patches, not a multiple of the window size " +
                                  std::to_string(M) + " (image size " + std::to_string(o.img_size()) + ")");
    NestedSequential stage;
    for (int64_t j = 0; j < depths[i]; ++j, ++block) {
      // Every second block shifts its windows, unless one window covers the whole map.
      const int64_t shift = (j % 2 == 1 && resolution > M) ? M / 2 : 0;
      const double sd = total_blocks > 1 ? o.stochastic_depth_prob() * static_cast<double>(block) / static_cast<double>(total_blocks - 1) : 0.0;
      stage->push_back(SwinBlock(WindowAttentionOptions(dim, o.num_heads()[i], M, resolution)
                                     .shift(shift)
                                     .attention_dropout(o.attention_dropout())
                                     .dropout(o.dropout()),
                                 o.mlp_ratio(), o.dropout(), sd));
    }
    features->push_back(stage);
    if (i + 1 < depths.size()) {
      if (resolution % 2 != 0)
        throw std::invalid_argument("Swin: patch merging after " + stage_name(i) + " needs an even resolution, not " +
                                    std::to_string(resolution));
      features->push_back(PatchMerging(dim));
      dim *= 2;
      resolution /= 2;
    }
  }
  norm = register_module("norm", nn::LayerNorm(nn::LayerNormOptions({dim})));
  head = register_module("head", nn::Linear(dim, o.num_classes()));

  // The paper's initialisation: every linear layer N(0, 0.02^2) truncated, biases zero.
  torch::NoGradGuard no_grad;
  for (auto& module : modules(/*include_self=*/false))
    if (auto* linear = module->as<nn::Linear>()) {
      trunc_normal_(linear->weight, 0.02);
      if (linear->bias.defined()) linear->bias.zero_();
    }
}

torch::Tensor SwinImpl::forward_features(const torch::Tensor& X) {
  return norm(features->forward(X)).mean({1, 2});
}

torch::Tensor SwinImpl::forward(const torch::Tensor& X) { return head(forward_features(X)); }

}  // namespace d2l::models
