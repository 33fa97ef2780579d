// Masked autoencoder (He et al. 2021; cited in d2l 11.9): a ViT encoder sees a random quarter of
// an image's patches, a lightweight Transformer decoder fills in the rest from a shared learned
// mask token, and the loss counts the masked patches only. The encoder is a models::ViT whose
// weights a ViT classifier starts from when fine-tuning (d2l train vit --init-from).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "models/vit.h"

namespace d2l::models {

struct MAEOptions {
  MAEOptions(ViTOptions encoder = ViTOptions()) : encoder_(std::move(encoder)) {}
  TORCH_ARG(ViTOptions, encoder);  // its head is not used while pre-training
  // The paper's decoder is narrower and shallower than the encoder (512 wide, 8 blocks for ViT-L).
  TORCH_ARG(int64_t, decoder_num_hiddens) = 128;
  TORCH_ARG(int64_t, decoder_mlp_num_hiddens) = 512;
  TORCH_ARG(int64_t, decoder_num_heads) = 4;
  TORCH_ARG(int64_t, decoder_num_blks) = 2;
  TORCH_ARG(double, mask_ratio) = 0.75;
  TORCH_ARG(bool, norm_pix_loss) = false;  // targets: each patch normalised by its own mean and variance
};

// Which patches an example keeps: the paper's shuffle, where the patches with the smallest of
// `noise` [B, N] (uniform draws) are kept. keep = floor(N * (1 - mask_ratio)).
struct PatchMask {
  torch::Tensor ids_keep;     // [B, keep]: kept patch indices, in shuffled order
  torch::Tensor ids_restore;  // [B, N]: the permutation that puts shuffled tokens back in place
  torch::Tensor mask;         // [B, N]: 1 for a masked patch, 0 for a kept one, in image order
};
PatchMask random_masking(const torch::Tensor& noise, double mask_ratio);

// [B, C, H, W] -> [B, N, p * p * C] (patches row by row, each as (row, column, channel)); and back.
torch::Tensor patchify(const torch::Tensor& images, int64_t patch_size);
torch::Tensor unpatchify(const torch::Tensor& patches, int64_t patch_size, int64_t channels);

struct MAEOutput {
  torch::Tensor loss;  // mean squared error over the masked patches
  torch::Tensor pred;  // [B, N, p * p * C]: every patch predicted (in normalised units with norm_pix_loss)
  torch::Tensor mask;  // [B, N]: 1 where the patch was masked
};

class MAEImpl : public torch::nn::Module {
 public:
  explicit MAEImpl(const MAEOptions& options = {});
  // Reconstructs `images` from random patches; `noise` [B, N] fixes which (default: fresh draws).
  MAEOutput forward(const torch::Tensor& images, const torch::Tensor& noise = {});
  // The images with masked patches grey (0.5) and the reconstruction with the visible patches pasted
  // back, both [B, C, H, W], as in the paper's figures.
  std::pair<torch::Tensor, torch::Tensor> visualise(const torch::Tensor& images, const MAEOutput& output) const;
  int64_t num_patches() const;

  MAEOptions options;
  ViT encoder{nullptr};
  torch::nn::LayerNorm encoder_norm{nullptr};
  torch::nn::Linear decoder_embed{nullptr};
  torch::Tensor mask_token, decoder_pos_embedding;
  torch::nn::Sequential decoder_blks{nullptr};
  torch::nn::LayerNorm decoder_norm{nullptr};
  torch::nn::Linear decoder_pred{nullptr};

 protected:
  FORWARD_HAS_DEFAULT_ARGS({1, torch::nn::AnyValue(torch::Tensor())})
};
TORCH_MODULE(MAE);

}  // namespace d2l::models
