// CycleGAN (Zhu et al. 2017) networks, as the authors' reference code builds them
// (junyanz/pytorch-CycleGAN-and-pix2pix, networks.py), with its parameter names (model.N...),
// so its released weights load by name: the ResNet generator (reflection padding, instance
// norm without affine parameters, 6 or 9 residual blocks between two down- and two up-sampling
// convolutions) and the 70 x 70 PatchGAN discriminator (a map of real/fake logits, one per
// overlapping 70 x 70 patch). Both start N(0, 0.02^2) with zero biases, as init_type 'normal'.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

namespace d2l::models {

// The generator's residual block: x + [pad, conv 3x3, IN, ReLU, pad, conv 3x3, IN](x).
class ResnetBlockImpl : public torch::nn::Module {
 public:
  explicit ResnetBlockImpl(int64_t dim);
  torch::Tensor forward(const torch::Tensor& x) { return x + conv_block->forward(x); }
  torch::nn::Sequential conv_block;
};
TORCH_MODULE(ResnetBlock);

struct ResnetGeneratorOptions {
  TORCH_ARG(int64_t, input_nc) = 3;
  TORCH_ARG(int64_t, output_nc) = 3;
  TORCH_ARG(int64_t, ngf) = 64;       // filters of the first convolution
  TORCH_ARG(int64_t, n_blocks) = 9;   // the paper: 6 for 128 x 128 images, 9 for 256 x 256
};

class ResnetGeneratorImpl : public torch::nn::Module {
 public:
  explicit ResnetGeneratorImpl(const ResnetGeneratorOptions& options = {});
  // [B, input_nc, H, W] (H, W multiples of 4) -> [B, output_nc, H, W] in [-1, 1].
  torch::Tensor forward(const torch::Tensor& X) { return model->forward(X); }
  ResnetGeneratorOptions options;
  torch::nn::Sequential model;
};
TORCH_MODULE(ResnetGenerator);

struct PatchDiscriminatorOptions {
  TORCH_ARG(int64_t, input_nc) = 3;
  TORCH_ARG(int64_t, ndf) = 64;
  TORCH_ARG(int64_t, n_layers) = 3;  // 3: each output sees a 70 x 70 patch
};

class PatchDiscriminatorImpl : public torch::nn::Module {
 public:
  explicit PatchDiscriminatorImpl(const PatchDiscriminatorOptions& options = {});
  // [B, input_nc, H, W] -> logits [B, 1, H', W'] (30 x 30 for 256 x 256 images).
  torch::Tensor forward(const torch::Tensor& X) { return model->forward(X); }
  PatchDiscriminatorOptions options;
  torch::nn::Sequential model;
};
TORCH_MODULE(PatchDiscriminator);

struct CycleGANOptions {
  TORCH_ARG(int64_t, channels) = 3;
  TORCH_ARG(int64_t, ngf) = 64;
  TORCH_ARG(int64_t, ndf) = 64;
  TORCH_ARG(int64_t, n_blocks) = 9;
};

// The four networks under the reference's names: netG_A maps domain A to B, netG_B maps B to A,
// netD_A tells real B images from netG_A's, netD_B real A images from netG_B's.
class CycleGANImpl : public torch::nn::Module {
 public:
  explicit CycleGANImpl(const CycleGANOptions& options = {});
  torch::Tensor forward(const torch::Tensor& A) { return netG_A->forward(A); }  // A -> B
  CycleGANOptions options;
  ResnetGenerator netG_A{nullptr}, netG_B{nullptr};
  PatchDiscriminator netD_A{nullptr}, netD_B{nullptr};
};
TORCH_MODULE(CycleGAN);

// The reference's init_weights(net, 'normal', 0.02): convolution weights N(0, 0.02^2), biases 0.
void init_cyclegan_weights(torch::nn::Module& net);

}  // namespace d2l::models
