#include "models/gan.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

namespace d2l::models {
namespace nn = torch::nn;

GANImpl::GANImpl(nn::Sequential G, nn::Sequential D, std::vector<int64_t> latent)
    : net_G(std::move(G)), net_D(std::move(D)), latent_shape(std::move(latent)) {
  register_module("net_G", net_G);
  register_module("net_D", net_D);
  init_gan_weights(*this);
}

torch::Tensor GANImpl::noise(int64_t n, const torch::TensorOptions& options) const {
  std::vector<int64_t> shape{n};
  shape.insert(shape.end(), latent_shape.begin(), latent_shape.end());
  return torch::randn(shape, options);
}

void init_gan_weights(GANImpl& gan) {
  torch::NoGradGuard no_grad;
  for (auto& p : gan.parameters()) nn::init::normal_(p, 0.0, 0.02);
}

GAN simple_gan(int64_t latent_dim, int64_t data_dim) {
  nn::Sequential G(nn::Linear(latent_dim, data_dim));
  nn::Sequential D(nn::Linear(data_dim, 5), nn::Tanh(), nn::Linear(5, 3), nn::Tanh(), nn::Linear(3, 1));
  return GAN(G, D, std::vector<int64_t>{latent_dim});
}

namespace {

void G_block(nn::Sequential& net, int64_t in, int64_t out, int64_t stride = 2, int64_t padding = 1) {
  net->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(in, out, 4).stride(stride).padding(padding).bias(false)));
  net->push_back(nn::BatchNorm2d(out));
  net->push_back(nn::ReLU());
}

void D_block(nn::Sequential& net, int64_t in, int64_t out) {
  net->push_back(nn::Conv2d(nn::Conv2dOptions(in, out, 4).stride(2).padding(1).bias(false)));
  net->push_back(nn::BatchNorm2d(out));
  net->push_back(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)));
}

}  // namespace

GAN dcgan(const DCGANOptions& o) {
  nn::Sequential G;
  G_block(G, o.latent_dim(), o.n_G() * 8, 1, 0);  // 4 x 4
  G_block(G, o.n_G() * 8, o.n_G() * 4);           // 8 x 8
  G_block(G, o.n_G() * 4, o.n_G() * 2);           // 16 x 16
  G_block(G, o.n_G() * 2, o.n_G());               // 32 x 32
  G->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(o.n_G(), o.channels(), 4).stride(2).padding(1).bias(false)));
  G->push_back(nn::Tanh());  // 64 x 64 in [-1, 1]
  nn::Sequential D;
  D_block(D, o.channels(), o.n_D());  // 32 x 32
  D_block(D, o.n_D(), o.n_D() * 2);   // 16 x 16
  D_block(D, o.n_D() * 2, o.n_D() * 4);  // 8 x 8
  D_block(D, o.n_D() * 4, o.n_D() * 8);  // 4 x 4
  D->push_back(nn::Conv2d(nn::Conv2dOptions(o.n_D() * 8, 1, 4).bias(false)));  // 1 x 1
  return GAN(G, D, std::vector<int64_t>{o.latent_dim(), 1, 1});
}

}  // namespace d2l::models
