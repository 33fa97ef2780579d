#include "models/layers/residual.h"

#include <cmath>

namespace d2l::models {
namespace nn = torch::nn;

ResidualImpl::ResidualImpl(const ResidualOptions& o) : options(o) {
  const bool bias = o.conv_bias();
  if (o.bottleneck()) {
    // torchvision's ResNet v1.5: the stride sits on the 3x3 convolution.
    const int64_t width = o.channels() * o.base_width() / 64 * o.groups();
    conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(o.in_channels(), width, 1).bias(bias)));
    bn1 = register_module("bn1", nn::BatchNorm2d(width));
    conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(width, width, 3)
                                                     .stride(o.stride())
                                                     .padding(1)
                                                     .groups(o.groups())
                                                     .bias(bias)));
    bn2 = register_module("bn2", nn::BatchNorm2d(width));
    conv3 = register_module("conv3", nn::Conv2d(nn::Conv2dOptions(width, o.out_channels(), 1).bias(bias)));
    bn3 = register_module("bn3", nn::BatchNorm2d(o.out_channels()));
  } else {
    conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(o.in_channels(), o.channels(), 3)
                                                     .stride(o.stride())
                                                     .padding(1)
                                                     .bias(bias)));
    bn1 = register_module("bn1", nn::BatchNorm2d(o.channels()));
    conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(o.channels(), o.channels(), 3).padding(1).bias(bias)));
    bn2 = register_module("bn2", nn::BatchNorm2d(o.channels()));
  }
  if (o.stride() != 1 || o.in_channels() != o.out_channels()) {
    downsample = nn::Sequential(
        nn::Conv2d(nn::Conv2dOptions(o.in_channels(), o.out_channels(), 1).stride(o.stride()).bias(bias)));
    if (o.shortcut_bn()) downsample->push_back(nn::BatchNorm2d(o.out_channels()));
    register_module("downsample", downsample);
  }
}

torch::Tensor ResidualImpl::forward(const torch::Tensor& X) {
  auto Y = torch::relu(bn1(conv1(X)));
  Y = bn2(conv2(Y));
  if (conv3) Y = bn3(conv3(torch::relu(Y)));
  return torch::relu(Y + (downsample ? downsample->forward(X) : X));
}

ResNeXtBlockImpl::ResNeXtBlockImpl(const ResNeXtBlockOptions& o) : options(o) {
  const int64_t in = o.in_channels() < 0 ? o.num_channels() : o.in_channels();
  const auto bot_channels = static_cast<int64_t>(std::lround(o.num_channels() * o.bot_mul()));
  conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(in, bot_channels, 1)));
  conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(bot_channels, bot_channels, 3)
                                                   .stride(o.strides())
                                                   .padding(1)
                                                   .groups(bot_channels / o.groups())));
  conv3 = register_module("conv3", nn::Conv2d(nn::Conv2dOptions(bot_channels, o.num_channels(), 1)));
  bn1 = register_module("bn1", nn::BatchNorm2d(bot_channels));
  bn2 = register_module("bn2", nn::BatchNorm2d(bot_channels));
  bn3 = register_module("bn3", nn::BatchNorm2d(o.num_channels()));
  if (o.use_1x1conv()) {
    conv4 = register_module("conv4", nn::Conv2d(nn::Conv2dOptions(in, o.num_channels(), 1).stride(o.strides())));
    bn4 = register_module("bn4", nn::BatchNorm2d(o.num_channels()));
  }
}

torch::Tensor ResNeXtBlockImpl::forward(const torch::Tensor& X) {
  auto Y = torch::relu(bn1(conv1(X)));
  Y = torch::relu(bn2(conv2(Y)));
  Y = bn3(conv3(Y));
  return torch::relu(Y + (conv4 ? bn4(conv4(X)) : X));
}

}  // namespace d2l::models
