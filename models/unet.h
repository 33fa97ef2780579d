// U-Net (Ronneberger et al. 2015), small: an encoder of double 3 x 3 convolutions (with batch
// norm) and 2 x 2 max pooling, a decoder that up-samples with 2 x 2 transposed convolutions and
// concatenates the encoder's feature map of the same size (the skip connections), and a 1 x 1
// convolution to the classes. Padded convolutions, so the output has the input's size.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include "models/layers/nested_sequential.h"

namespace d2l::models {

struct UNetOptions {
  TORCH_ARG(int64_t, in_channels) = 3;
  TORCH_ARG(int64_t, num_classes) = 21;
  TORCH_ARG(int64_t, base_channels) = 32;  // doubled at each level down (the paper: 64)
  TORCH_ARG(int64_t, depth) = 3;           // poolings; input sides must be multiples of 2^depth (the paper: 4)
};

// Conv 3 x 3, batch norm, ReLU, twice.
NestedSequential double_conv(int64_t in_channels, int64_t out_channels);

class UNetImpl : public torch::nn::Module {
 public:
  explicit UNetImpl(const UNetOptions& options = {});
  torch::Tensor forward(const torch::Tensor& X);  // [B, C, H, W] -> [B, num_classes, H, W]

  UNetOptions options;
  torch::nn::ModuleList down{nullptr};  // depth + 1 double convolutions, the last one the bottleneck
  torch::nn::ModuleList up{nullptr};    // depth transposed convolutions
  torch::nn::ModuleList up_conv{nullptr};  // depth double convolutions after each concatenation
  torch::nn::Conv2d head{nullptr};
};
TORCH_MODULE(UNet);

}  // namespace d2l::models
