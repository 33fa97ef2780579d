// Generative adversarial networks (d2l 20.1-20.2): a generator net_G that maps noise to data and
// a discriminator net_D that scores data as real (a logit), under the book's names. GAN holds
// both, so that one state dict and one checkpoint carry the pair; the GAN task trains them with
// an optimizer each.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

#include <vector>

namespace d2l::models {

class GANImpl : public torch::nn::Module {
 public:
  // latent_shape: one noise example, e.g. {2} or {100, 1, 1}.
  GANImpl(torch::nn::Sequential net_G, torch::nn::Sequential net_D, std::vector<int64_t> latent_shape);
  // A batch of n noise examples, N(0, 1) as the book draws them.
  torch::Tensor noise(int64_t n, const torch::TensorOptions& options = {}) const;
  torch::Tensor generate(const torch::Tensor& Z) { return net_G->forward(Z); }
  torch::Tensor discriminate(const torch::Tensor& X) { return net_D->forward(X); }
  // forward = discriminate (what exporting or inspecting the pair's input means: data in).
  torch::Tensor forward(const torch::Tensor& X) { return discriminate(X); }

  torch::nn::Sequential net_G, net_D;
  std::vector<int64_t> latent_shape;
};
TORCH_MODULE(GAN);

// Section 20.1: G = Linear(2, 2) turns 2-D Gaussian noise into the data's Gaussian; D is an MLP
// 2-5-3-1 with tanh.
GAN simple_gan(int64_t latent_dim = 2, int64_t data_dim = 2);

struct DCGANOptions {
  TORCH_ARG(int64_t, latent_dim) = 100;
  TORCH_ARG(int64_t, channels) = 3;  // of the images (Pokemon: 3; Fashion-MNIST: 1)
  TORCH_ARG(int64_t, n_G) = 64;      // generator width: 8 n_G, 4 n_G, 2 n_G, n_G channels
  TORCH_ARG(int64_t, n_D) = 64;      // discriminator width: n_D, 2 n_D, 4 n_D, 8 n_D channels
};

// Section 20.2: G_block = ConvTranspose(4, stride 2, padding 1, no bias) - BN - ReLU from a
// 1 x 1 noise to 64 x 64 images through tanh; D_block = Conv(4, 2, 1, no bias) - BN -
// LeakyReLU(0.2) down to one logit per image. Every parameter starts N(0, 0.02^2), as the book.
GAN dcgan(const DCGANOptions& options = {});

// The book's initialisation of both nets: every parameter (biases and BN scales too) N(0, 0.02^2).
void init_gan_weights(GANImpl& gan);

}  // namespace d2l::models
