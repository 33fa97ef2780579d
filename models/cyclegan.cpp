#include "models/cyclegan.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/instancenorm.h>
#include <torch/nn/modules/padding.h>

#include <algorithm>

namespace d2l::models {
namespace nn = torch::nn;

namespace {

// The reference's norm='instance': no affine parameters and no running statistics, so the
// convolutions before it keep their biases.
nn::InstanceNorm2d instance_norm(int64_t channels) {
  return nn::InstanceNorm2d(nn::InstanceNorm2dOptions(channels).affine(false).track_running_stats(false));
}

nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding));
}

}  // namespace

ResnetBlockImpl::ResnetBlockImpl(int64_t dim) {
  conv_block = nn::Sequential(nn::ReflectionPad2d(1), conv(dim, dim, 3, 1, 0), instance_norm(dim), nn::ReLU(true),
                              nn::ReflectionPad2d(1), conv(dim, dim, 3, 1, 0), instance_norm(dim));
  register_module("conv_block", conv_block);
}

ResnetGeneratorImpl::ResnetGeneratorImpl(const ResnetGeneratorOptions& o) : options(o) {
  const int64_t ngf = o.ngf();
  model->push_back(nn::ReflectionPad2d(3));
  model->push_back(conv(o.input_nc(), ngf, 7, 1, 0));
  model->push_back(instance_norm(ngf));
  model->push_back(nn::ReLU(true));
  for (int64_t mult : {1, 2}) {  // two down-sampling convolutions
    model->push_back(conv(ngf * mult, ngf * mult * 2, 3, 2, 1));
    model->push_back(instance_norm(ngf * mult * 2));
    model->push_back(nn::ReLU(true));
  }
  for (int64_t i = 0; i < o.n_blocks(); ++i) model->push_back(ResnetBlock(ngf * 4));
  for (int64_t mult : {4, 2}) {  // and back up
    model->push_back(nn::ConvTranspose2d(
        nn::ConvTranspose2dOptions(ngf * mult, ngf * mult / 2, 3).stride(2).padding(1).output_padding(1)));
    model->push_back(instance_norm(ngf * mult / 2));
    model->push_back(nn::ReLU(true));
  }
  model->push_back(nn::ReflectionPad2d(3));
  model->push_back(conv(ngf, o.output_nc(), 7, 1, 0));
  model->push_back(nn::Tanh());
  register_module("model", model);
  init_cyclegan_weights(*this);
}

PatchDiscriminatorImpl::PatchDiscriminatorImpl(const PatchDiscriminatorOptions& o) : options(o) {
  const int64_t ndf = o.ndf();
  const auto leaky = [] { return nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2).inplace(true)); };
  model->push_back(conv(o.input_nc(), ndf, 4, 2, 1));
  model->push_back(leaky());
  int64_t mult = 1;
  for (int64_t n = 1; n <= o.n_layers(); ++n) {
    const int64_t previous = mult;
    mult = std::min<int64_t>(int64_t{1} << n, 8);
    model->push_back(conv(ndf * previous, ndf * mult, 4, n < o.n_layers() ? 2 : 1, 1));  // the last keeps the size
    model->push_back(instance_norm(ndf * mult));
    model->push_back(leaky());
  }
  model->push_back(conv(ndf * mult, 1, 4, 1, 1));
  register_module("model", model);
  init_cyclegan_weights(*this);
}

CycleGANImpl::CycleGANImpl(const CycleGANOptions& o) : options(o) {
  const auto generator = ResnetGeneratorOptions().input_nc(o.channels()).output_nc(o.channels()).ngf(o.ngf()).n_blocks(o.n_blocks());
  const auto discriminator = PatchDiscriminatorOptions().input_nc(o.channels()).ndf(o.ndf());
  netG_A = register_module("netG_A", ResnetGenerator(generator));
  netG_B = register_module("netG_B", ResnetGenerator(generator));
  netD_A = register_module("netD_A", PatchDiscriminator(discriminator));
  netD_B = register_module("netD_B", PatchDiscriminator(discriminator));
}

void init_cyclegan_weights(nn::Module& net) {
  torch::NoGradGuard no_grad;
  for (auto& p : net.named_parameters()) {
    if (p.value().dim() > 1)
      nn::init::normal_(p.value(), 0.0, 0.02);
    else
      nn::init::zeros_(p.value());
  }
}

}  // namespace d2l::models
