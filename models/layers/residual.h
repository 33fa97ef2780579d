// Residual blocks (d2l 8.6): the book's Residual, torchvision's BasicBlock and Bottleneck (one
// class, as the choice of block is an option), and the book's ResNeXt block (en-1.0 8.6.5).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

namespace d2l::models {

struct ResidualOptions {
  ResidualOptions(int64_t in_channels, int64_t channels) : in_channels_(in_channels), channels_(channels) {}
  int64_t out_channels() const { return bottleneck_ ? 4 * channels_ : channels_; }

  TORCH_ARG(int64_t, in_channels);
  // Output channels of a basic block; a bottleneck block outputs 4 x channels.
  TORCH_ARG(int64_t, channels);
  TORCH_ARG(int64_t, stride) = 1;
  TORCH_ARG(bool, bottleneck) = false;
  // Bottleneck only: grouped 3x3 convolution (ResNeXt) of width channels * base_width / 64 * groups.
  TORCH_ARG(int64_t, groups) = 1;
  TORCH_ARG(int64_t, base_width) = 64;
  // The book's convolutions keep their bias and its 1x1 shortcut has no batch norm;
  // torchvision's have no bias and a Conv-BN shortcut.
  TORCH_ARG(bool, conv_bias) = false;
  TORCH_ARG(bool, shortcut_bn) = true;
};

// Y = ReLU(F(X) + shortcut(X)). Children are named as torchvision's: conv1, bn1, conv2, bn2,
// (conv3, bn3,) downsample. The shortcut is a 1x1 convolution when the shape changes.
class ResidualImpl : public torch::nn::Module {
 public:
  explicit ResidualImpl(const ResidualOptions& options);
  torch::Tensor forward(const torch::Tensor& X);

  ResidualOptions options;
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Residual);

struct ResNeXtBlockOptions {
  ResNeXtBlockOptions(int64_t num_channels, int64_t groups, double bot_mul)
      : num_channels_(num_channels), groups_(groups), bot_mul_(bot_mul) {}
  TORCH_ARG(int64_t, num_channels);
  // Channels per group of the 3x3 convolution, as the book's `groups` argument.
  TORCH_ARG(int64_t, groups);
  TORCH_ARG(double, bot_mul);
  TORCH_ARG(int64_t, in_channels) = -1;  // -1: num_channels (the book's lazy layers infer it)
  TORCH_ARG(bool, use_1x1conv) = false;
  TORCH_ARG(int64_t, strides) = 1;
};

// The book's ResNeXtBlock: 1x1 -> grouped 3x3 -> 1x1, each with BN, plus an optional
// 1x1 conv + BN shortcut (conv4, bn4); names as in the book.
class ResNeXtBlockImpl : public torch::nn::Module {
 public:
  explicit ResNeXtBlockImpl(const ResNeXtBlockOptions& options);
  torch::Tensor forward(const torch::Tensor& X);

  ResNeXtBlockOptions options;
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr}, conv4{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr}, bn4{nullptr};
};
TORCH_MODULE(ResNeXtBlock);

}  // namespace d2l::models
