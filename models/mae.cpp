#include "models/mae.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "models/init.h"

namespace d2l::models {
namespace nn = torch::nn;

PatchMask random_masking(const torch::Tensor& noise, double mask_ratio) {
  const int64_t N = noise.size(1);
  const auto keep = static_cast<int64_t>(static_cast<double>(N) * (1.0 - mask_ratio));
  const auto ids_shuffle = noise.argsort(int64_t{1});  // ascending: the first `keep` are kept
  const auto ids_restore = ids_shuffle.argsort(int64_t{1});
  auto mask = torch::ones_like(noise);
  mask.narrow(1, 0, keep).zero_();
  return {ids_shuffle.narrow(1, 0, keep), ids_restore, mask.gather(1, ids_restore)};
}

torch::Tensor patchify(const torch::Tensor& images, int64_t p) {
  // [B, C, H, W] -> [B, C, h, p, w, p] -> [B, h, w, p, p, C] -> [B, h * w, p * p * C]
  return images.unflatten(2, {-1, p}).unflatten(4, {-1, p}).permute({0, 2, 4, 3, 5, 1}).flatten(3).flatten(1, 2);
}

torch::Tensor unpatchify(const torch::Tensor& patches, int64_t p, int64_t channels) {
  const auto side = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(patches.size(1)))));
  return patches.unflatten(2, {p, p, channels})
      .unflatten(1, {side, side})
      .permute({0, 5, 1, 3, 2, 4})
      .flatten(4, 5)
      .flatten(2, 3);
}

namespace {

// Each patch's pixels normalised by their own mean and variance (the paper's norm_pix_loss).
std::pair<torch::Tensor, torch::Tensor> patch_statistics(const torch::Tensor& patches) {
  return {patches.mean(-1, /*keepdim=*/true), patches.var(-1, /*unbiased=*/true, /*keepdim=*/true)};
}

constexpr double kPixelEps = 1e-6;

// Gathers the tokens at `ids` [B, n] from tokens [B, N, D].
torch::Tensor take_tokens(const torch::Tensor& tokens, const torch::Tensor& ids) {
  return tokens.gather(1, ids.unsqueeze(-1).expand({-1, -1, tokens.size(-1)}));
}

}  // namespace

MAEImpl::MAEImpl(const MAEOptions& o) : options(o) {
  if (!(o.mask_ratio() > 0.0 && o.mask_ratio() < 1.0))
    throw std::invalid_argument("MAE: mask ratio " + std::to_string(o.mask_ratio()) + " is not in (0, 1)");
  encoder = register_module("encoder", ViT(o.encoder()));
  const int64_t N = num_patches();
  if (static_cast<int64_t>(static_cast<double>(N) * (1.0 - o.mask_ratio())) < 1)
    throw std::invalid_argument("MAE: a mask ratio of " + std::to_string(o.mask_ratio()) + " leaves none of the " +
                                std::to_string(N) + " patches visible");
  const int64_t D = o.encoder().num_hiddens(), Dd = o.decoder_num_hiddens(), p = o.encoder().patch_size();
  encoder_norm = register_module("encoder_norm", nn::LayerNorm(nn::LayerNormOptions({D})));
  decoder_embed = register_module("decoder_embed", nn::Linear(D, Dd));
  mask_token = register_parameter("mask_token", torch::zeros({1, 1, Dd}));
  decoder_pos_embedding = register_parameter("decoder_pos_embedding", torch::zeros({1, N + 1, Dd}));
  trunc_normal_(mask_token, 0.02);
  trunc_normal_(decoder_pos_embedding, 0.02);
  decoder_blks = register_module("decoder_blks", nn::Sequential());
  const auto block = TransformerBlockOptions(Dd, o.decoder_mlp_num_hiddens(), o.decoder_num_heads()).use_bias(true);
  for (int64_t i = 0; i < o.decoder_num_blks(); ++i) decoder_blks->push_back(ViTBlock(block));
  decoder_norm = register_module("decoder_norm", nn::LayerNorm(nn::LayerNormOptions({Dd})));
  decoder_pred = register_module("decoder_pred", nn::Linear(Dd, p * p * o.encoder().in_channels()));
}

int64_t MAEImpl::num_patches() const {
  const int64_t side = options.encoder().img_size() / options.encoder().patch_size();
  return side * side;
}

MAEOutput MAEImpl::forward(const torch::Tensor& images, const torch::Tensor& noise_in) {
  const int64_t N = num_patches();
  const auto noise = noise_in.defined() ? noise_in : torch::rand({images.size(0), N}, images.options());
  const auto m = random_masking(noise, options.mask_ratio());

  // Encoder: every patch gets its position before the shuffle, then only the kept ones go in.
  const auto& pos = encoder->pos_embedding;  // [1, 1 + N, D]: the class token's, then the patches'
  const auto tokens = encoder->patch_embedding(images) + pos.narrow(1, 1, N);
  const auto visible = take_tokens(tokens, m.ids_keep);
  const auto cls = (encoder->cls_token + pos.narrow(1, 0, 1)).expand({visible.size(0), -1, -1});
  auto x = encoder_norm(encoder->blks->forward(encoder->dropout(torch::cat({cls, visible}, 1))));

  // Decoder: the kept tokens and a mask token for each missing patch, put back in image order.
  x = decoder_embed(x);
  const auto patches = x.narrow(1, 1, x.size(1) - 1);
  const auto masks = mask_token.expand({x.size(0), N - patches.size(1), -1});
  const auto in_order = take_tokens(torch::cat({patches, masks}, 1), m.ids_restore);
  x = torch::cat({x.narrow(1, 0, 1), in_order}, 1) + decoder_pos_embedding;
  const auto pred = decoder_pred(decoder_norm(decoder_blks->forward(x))).narrow(1, 1, N);

  auto target = patchify(images, options.encoder().patch_size());
  if (options.norm_pix_loss()) {
    const auto [mean, var] = patch_statistics(target);
    target = (target - mean) / (var + kPixelEps).sqrt();
  }
  const auto per_patch = (pred - target).pow(2).mean(-1);
  return {(per_patch * m.mask).sum() / m.mask.sum(), pred, m.mask};
}

std::pair<torch::Tensor, torch::Tensor> MAEImpl::visualise(const torch::Tensor& images, const MAEOutput& out) const {
  const int64_t p = options.encoder().patch_size(), C = options.encoder().in_channels();
  const auto target = patchify(images, p);
  auto pred = out.pred;
  if (options.norm_pix_loss()) {  // back to pixels with each patch's own statistics
    const auto [mean, var] = patch_statistics(target);
    pred = pred * (var + kPixelEps).sqrt() + mean;
  }
  const auto mask = out.mask.unsqueeze(-1);
  const auto masked = target * (1 - mask) + 0.5 * mask;
  const auto reconstruction = target * (1 - mask) + pred * mask;
  return {unpatchify(masked, p, C), unpatchify(reconstruction, p, C)};
}

}  // namespace d2l::models
