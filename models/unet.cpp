#include "models/unet.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>

#include <stdexcept>
#include <string>

namespace d2l::models {
namespace nn = torch::nn;

NestedSequential double_conv(int64_t in_channels, int64_t out_channels) {
  const auto conv = [](int64_t in, int64_t out) { return nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1).bias(false)); };
  return NestedSequential(conv(in_channels, out_channels), nn::BatchNorm2d(out_channels), nn::ReLU(),
                          conv(out_channels, out_channels), nn::BatchNorm2d(out_channels), nn::ReLU());
}

UNetImpl::UNetImpl(const UNetOptions& o) : options(o) {
  if (o.depth() < 1) throw std::invalid_argument("U-Net: depth must be at least 1");
  down = register_module("down", nn::ModuleList());
  up = register_module("up", nn::ModuleList());
  up_conv = register_module("up_conv", nn::ModuleList());
  int64_t channels = o.base_channels();
  down->push_back(double_conv(o.in_channels(), channels));
  for (int64_t level = 0; level < o.depth(); ++level, channels *= 2) down->push_back(double_conv(channels, 2 * channels));
  for (int64_t level = 0; level < o.depth(); ++level, channels /= 2) {
    up->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(channels, channels / 2, 2).stride(2)));
    up_conv->push_back(double_conv(channels, channels / 2));  // the skip's channels + the up-sampled ones
  }
  head = register_module("head", nn::Conv2d(nn::Conv2dOptions(channels, o.num_classes(), 1)));
}

torch::Tensor UNetImpl::forward(const torch::Tensor& X) {
  const int64_t multiple = int64_t{1} << options.depth();
  if (X.size(2) % multiple != 0 || X.size(3) % multiple != 0)
    throw std::invalid_argument("U-Net: a " + std::to_string(X.size(2)) + " x " + std::to_string(X.size(3)) +
                                " input is not a multiple of " + std::to_string(multiple) + " on both sides (depth " +
                                std::to_string(options.depth()) + ")");
  std::vector<torch::Tensor> skips;
  auto Y = X;
  for (size_t level = 0; level < down->size(); ++level) {
    if (level > 0) {
      skips.push_back(Y);
      Y = torch::max_pool2d(Y, 2);
    }
    Y = down[level]->as<NestedSequential>()->forward(Y);
  }
  for (size_t level = 0; level < up->size(); ++level) {
    Y = up[level]->as<nn::ConvTranspose2d>()->forward(Y);
    Y = up_conv[level]->as<NestedSequential>()->forward(torch::cat({skips[skips.size() - 1 - level], Y}, 1));
  }
  return head(Y);
}

}  // namespace d2l::models
